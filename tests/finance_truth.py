"""The finance views computed again, in plain Python, from what /sandbox/truth said at each sync (tests only).

Nothing here reads the warehouse or the SQL: the rules are written out from api-facts §4 and the DfE state
definitions, and the milestones come from the sandbox's own `milestone_types`. `Observer` plays the part of
declaration_state_history: fed the truth after every full sync, it records what changed since the last one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from syncer.contract_models import Adjustment, Contract
from syncer.sandbox.model import SCHEDULE_IDENTIFIERS, milestone_types
from syncer.sync import RunResult

Item = dict[str, Any]
STATES: tuple[str, ...] = (
    "submitted",
    "eligible",
    "payable",
    "paid",
    "voided",
    "ineligible",
    "awaiting-clawback",
    "clawed-back",
)
LIVE: tuple[str, ...] = ("submitted", "eligible", "payable", "paid")
TYPES: tuple[str, ...] = ("started", "retained-1", "retained-2", "retained-3", "retained-4", "completed")
TYPES += ("extended-1", "extended-2", "extended-3")
ROLE = {"ecf-induction": "ect", "ecf-mentor": "mentor"}
TRAINING_STATUSES = ("active", "deferred", "withdrawn")
PARTICIPANT_STATUSES = ("joining", "active", "leaving", "left", "withdrawn")
WITHDRAWAL_REASONS: tuple[str, ...] = ("left-teaching-profession", "moved-school", "mentor-no-longer-being-mentor")
WITHDRAWAL_REASONS += ("switched-to-school-led", "changed-lead-provider", "other")
DEFERRAL_REASONS = ("bereavement", "long-term-sickness", "parental-leave", "career-break", "other")
EVIDENCE: tuple[str, ...] = (
    "training-event-attended",
    "self-study-material-completed",
    "materials-engaged-with-offline",
)
EVIDENCE += ("75-percent-engagement-met", "75-percent-engagement-met-reduced-induction", "one-term-induction", "other")


def checked(result: RunResult) -> RunResult:
    """The run, once every stream of it succeeded."""
    assert result.ok, [(s.stream, s.error) for s in result.streams if s.outcome != "success"]
    return result


def moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC) if text else None


def spelling(code: str | None) -> str | None:
    """One spelling: hyphens, and RECT's internal no_payment is submitted."""
    if code is None:
        return None
    code = code.strip().lower().replace("_", "-")
    return "submitted" if code == "no-payment" else code


@dataclass(frozen=True)
class Change:
    declaration_id: str
    old_state: str | None
    new_state: str
    new_statement_id: str | None
    new_clawback_statement_id: str | None
    api_updated_at: datetime | None


@dataclass
class Observer:
    """What the API showed for each declaration at each sync: the test's own declaration_state_history."""

    last: dict[str, Item] = field(default_factory=dict)
    removed: set[str] = field(default_factory=set)
    changes: list[Change] = field(default_factory=list)
    last_statement: dict[str, str] = field(default_factory=dict)  # the last statement_id each one was seen with

    def observe(self, truth: dict[str, Any]) -> None:
        seen = {d["id"]: d["attributes"] for d in truth["participant-declarations"]}
        for key, now in seen.items():
            before = self.last.get(key)
            fields = ("state", "statement_id", "clawback_statement_id")
            if before is None or key in self.removed or any(before[f] != now[f] for f in fields):
                old = "removed" if key in self.removed else before["state"] if before else None
                self.changes.append(
                    Change(key, old, now["state"], now["statement_id"], now["clawback_statement_id"],
                           moment(now["updated_at"]))
                )  # fmt: skip
            self.removed.discard(key)
            self.last[key] = now
            if now["statement_id"]:
                self.last_statement[key] = now["statement_id"]
        for key in self.last.keys() - seen.keys() - self.removed:
            self.removed.add(key)
            before = self.last[key]
            self.changes.append(Change(key, before["state"], "removed", None, None, moment(before["updated_at"])))


@dataclass
class World:
    """One provider's truth, indexed the way the rules need it."""

    truth: dict[str, Any]
    provider: str = ""
    declarations: list[Item] = field(default_factory=list)
    statements: dict[str, Item] = field(default_factory=dict)
    participants: set[str] = field(default_factory=set)
    enrolments: dict[tuple[str, str], Item] = field(default_factory=dict)
    canonical: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.provider = self.truth["_meta"]["provider"]
        self.declarations = [{"id": d["id"], **d["attributes"]} for d in self.truth["participant-declarations"]]
        self.statements = {s["id"]: s["attributes"] for s in self.truth["statements"]}
        for participant in self.truth["participants"]:
            self.participants.add(participant["id"])
            for enrolment in participant["attributes"]["ecf_enrolments"]:
                self.enrolments[(participant["id"], enrolment["participant_type"])] = enrolment
            for change in participant["attributes"]["participant_id_changes"]:
                self.canonical[change["from_participant_id"]] = participant["id"]

    def canonical_id(self, participant_id: str) -> str:
        return self.canonical.get(participant_id, participant_id)

    def enrolment(self, declaration: Item) -> Item | None:
        role = ROLE.get(str(spelling(declaration["course_identifier"])))
        return self.enrolments.get((self.canonical_id(declaration["participant_id"]), role)) if role else None

    def own(self, declaration: Item) -> bool:
        return bool(declaration["lead_provider_name"] == self.provider)


def declarations_current(world: World) -> set[tuple[Any, ...]]:
    rows = set()
    for d in world.declarations:
        enrolment = world.enrolment(d) or {}
        statement = world.statements.get(d["statement_id"] or "", {})
        clawback = world.statements.get(d["clawback_statement_id"] or "", {})
        rows.add((
            d["id"], world.canonical_id(d["participant_id"]), d["participant_id"], d["declaration_type"],
            d["course_identifier"], spelling(d["state"]), world.own(d), spelling(d["state"]) in LIVE,
            enrolment.get("training_record_id"), enrolment.get("cohort"), enrolment.get("schedule_identifier"),
            enrolment.get("training_status"), d["statement_id"], statement.get("month"), statement.get("year"),
            statement.get("paid"), d["clawback_statement_id"], clawback.get("month"), clawback.get("paid"),
        ))  # fmt: skip
    return rows


BILLABLE = ("eligible", "payable", "paid", "awaiting-clawback", "clawed-back")
REFUNDABLE = ("awaiting-clawback", "clawed-back")


def voided_on(world: World, observer: Observer) -> dict[str, str]:
    """declaration id -> the statement a voided declaration was on: the API hides it once voided, so the last
    statement it was seen with."""
    found = {}
    for d in world.declarations:
        if spelling(d["state"]) == "voided":
            statement = d["statement_id"] or observer.last_statement.get(d["id"])
            if statement:
                found[d["id"]] = statement
    return found


def statement_reconciliation(world: World, observer: Observer) -> dict[str, dict[str, Any]]:
    voided = voided_on(world, observer)
    found: dict[str, dict[str, Any]] = {}
    for key, s in world.statements.items():
        on = [d for d in world.declarations if d["statement_id"] == key]
        back = [d for d in world.declarations if d["clawback_statement_id"] == key]
        states = Counter(spelling(d["state"]) for d in on)
        types = Counter(d["declaration_type"] for d in on)
        roles = Counter(ROLE.get(d["course_identifier"]) for d in on)
        billable = [d for d in on if spelling(d["state"]) in BILLABLE]
        refundable = [d for d in back if spelling(d["state"]) in REFUNDABLE]

        def of(role: str, ds: list[Item]) -> int:
            return sum(ROLE.get(d["course_identifier"]) == role for d in ds)

        row: dict[str, Any] = {
            "cohort": s["cohort"], "month": s["month"], "year": s["year"], "paid": s["paid"],
            "cut_off_date": s["cut_off_date"], "payment_date": s["payment_date"],
            "count_declarations": len(on), "count_ect": roles["ect"], "count_mentor": roles["mentor"],
            "count_unknown_state": sum(n for k, n in states.items() if k not in STATES),
            "count_unknown_type": sum(n for k, n in types.items() if k not in TYPES),
            "count_uplift_paid": sum(1 for d in on if d["uplift_paid"]),
            "count_clawbacks": len(back),
            "count_clawbacks_awaiting": sum(1 for d in back if spelling(d["state"]) == "awaiting-clawback"),
            "count_clawbacks_clawed_back": sum(1 for d in back if spelling(d["state"]) == "clawed-back"),
            "billable_count": len(billable), "refundable_count": len(refundable),
            "net_count": len(billable) - len(refundable),
            "billable_count_ect": of("ect", billable), "billable_count_mentor": of("mentor", billable),
            "refundable_count_ect": of("ect", refundable), "refundable_count_mentor": of("mentor", refundable),
            "net_count_ect": of("ect", billable) - of("ect", refundable),
            "net_count_mentor": of("mentor", billable) - of("mentor", refundable),
        }  # fmt: skip
        row.update({f"count_{state.replace('-', '_')}": states[state] for state in STATES})
        row["count_voided"] = sum(1 for statement in voided.values() if statement == key)
        row.update({f"count_{kind.replace('-', '_')}": types[kind] for kind in TYPES})
        found[key] = row
    return found


def clawback_ledger(world: World, observer: Observer) -> dict[str, tuple[Any, ...]]:
    def first(key: str, state: str) -> datetime | None:
        return min((c.api_updated_at for c in observer.changes if c.declaration_id == key
                    and c.new_state == state and c.api_updated_at), default=None)  # fmt: skip

    return {
        d["id"]: (
            spelling(d["state"]),
            d["statement_id"],
            d["clawback_statement_id"],
            first(d["id"], "awaiting-clawback"),
            first(d["id"], "clawed-back"),
        )
        for d in world.declarations
        if spelling(d["state"]) in ("awaiting-clawback", "clawed-back") or d["clawback_statement_id"]
    }


def anomalies(world: World, observer: Observer | None = None) -> set[tuple[str, str]]:
    """(declaration id, anomaly code) for every rule of declaration_anomalies."""
    found: set[tuple[str, str]] = set()
    live = Counter(
        (world.canonical_id(d["participant_id"]), d["declaration_type"], d["course_identifier"])
        for d in world.declarations
        if spelling(d["state"]) in LIVE
    )
    for d in world.declarations:
        for code in rules(world, d, live):
            found.add((d["id"], code))
    for key in sorted(observer.removed) if observer else ():
        assert observer is not None
        if spelling(observer.last[key]["state"]) in ("paid", "payable"):
            found.add((key, "left_scope_while_billable"))
    return found


def rules(world: World, d: Item, live: Counter[tuple[str, str, str]]) -> list[str]:
    state, own = spelling(d["state"]), world.own(d)
    is_live = state in LIVE
    statement = world.statements.get(d["statement_id"] or "")
    clawback = world.statements.get(d["clawback_statement_id"] or "")
    enrolment = world.enrolment(d)
    participant = world.canonical_id(d["participant_id"])
    declared = moment(d["declaration_date"])
    codes = []
    checks = {
        "paid_on_unpaid_statement": state == "paid" and statement is not None and not statement["paid"],
        "billable_on_paid_statement": state in ("eligible", "payable") and bool(statement and statement["paid"]),
        "awaiting_clawback_without_statement": state == "awaiting-clawback" and not d["clawback_statement_id"],
        "clawed_back_on_unpaid_statement": state == "clawed-back"
        and (not d["clawback_statement_id"] or (clawback is not None and not clawback["paid"])),
        "voided_with_statement": state == "voided" and d["statement_id"] is not None,
        "statement_unknown": own
        and ((d["statement_id"] and statement is None) or (d["clawback_statement_id"] and clawback is None)),
        "duplicate_live_declaration": is_live
        and live[(participant, d["declaration_type"], d["course_identifier"])] > 1,
        "participant_merged_away": d["participant_id"] != participant,
        "participant_unknown": participant not in world.participants,
        "enrolment_unknown": own and is_live and participant in world.participants
        and spelling(d["course_identifier"]) in ROLE and enrolment is None,
        "unknown_state": state not in STATES,
        "unknown_declaration_type": spelling(d["declaration_type"]) not in TYPES,
        "unknown_course_identifier": spelling(d["course_identifier"]) not in ROLE,
        "unknown_evidence_held": d["evidence_held"] is not None and spelling(d["evidence_held"]) not in EVIDENCE,
        "unknown_ineligible_for_funding_reason": d["ineligible_for_funding_reason"]
        not in (None, "duplicate_declaration"),
    }  # fmt: skip
    if enrolment is not None:
        withdrawal, deferral = enrolment["withdrawal"], enrolment["deferral"]
        schedule, status = enrolment["schedule_identifier"], enrolment["training_status"]
        known_type = spelling(d["declaration_type"]) in TYPES and schedule in SCHEDULE_IDENTIFIERS
        allowed = milestone_types(schedule, enrolment["participant_type"], int(enrolment["cohort"]))
        checks |= {
            "declared_after_withdrawal": own and is_live and status == "withdrawn" and withdrawal is not None
            and declared is not None and declared > moment(withdrawal["date"]),  # type: ignore[operator]
            "declared_while_deferred": own and is_live and status == "deferred" and deferral is not None
            and declared is not None and declared > moment(deferral["date"]),  # type: ignore[operator]
            "type_not_allowed": own and is_live and known_type and d["declaration_type"] not in allowed,
            "unknown_training_status": status not in TRAINING_STATUSES,
            "unknown_participant_status": enrolment["participant_status"] not in PARTICIPANT_STATUSES,
            "unknown_schedule_identifier": schedule not in SCHEDULE_IDENTIFIERS,
            "unknown_withdrawal_reason": bool(withdrawal) and spelling(withdrawal["reason"]) not in WITHDRAWAL_REASONS,
            "unknown_deferral_reason": bool(deferral) and spelling(deferral["reason"]) not in DEFERRAL_REASONS,
        }  # fmt: skip
    codes += [code for code, hit in checks.items() if hit]
    return codes


def timeline(world: World, observer: Observer) -> Counter[tuple[Any, ...]]:
    """(participant, training_record_id, event_type, declaration_id, from, to, event_at) per event; a removal's
    time is when the sync noticed, which only the warehouse knows, so it is left out (None)."""
    events: Counter[tuple[Any, ...]] = Counter()
    for (participant, _role), e in world.enrolments.items():
        record = e["training_record_id"]
        events[(participant, record, "enrolled", None, None, None, moment(e["created_at"]))] += 1
        if e["deferral"]:
            events[(participant, record, "deferred", None, None, None, moment(e["deferral"]["date"]))] += 1
        if e["withdrawal"]:
            events[(participant, record, "withdrawn", None, None, None, moment(e["withdrawal"]["date"]))] += 1
    in_scope = {d["id"]: d for d in world.declarations}
    for d in world.declarations:
        record = (world.enrolment(d) or {}).get("training_record_id")
        participant = world.canonical_id(d["participant_id"])
        events[(participant, record, "declared", d["id"], None, None, moment(d["declaration_date"]))] += 1
    for c in observer.changes:
        if c.declaration_id not in in_scope:
            continue
        d = in_scope[c.declaration_id]
        record = (world.enrolment(d) or {}).get("training_record_id")
        kind = "first_seen" if c.old_state is None else "state_changed"
        at = None if c.new_state == "removed" else c.api_updated_at
        events[(world.canonical_id(d["participant_id"]), record, kind, d["id"], c.old_state, c.new_state, at)] += 1
    return events


# -- the money: DfE's payment calculator written out again, as its Ruby runs (payment_calculator/) ----------
PROPORTION = {kind: Decimal("0.2") if kind in ("started", "completed") else Decimal("0.15") for kind in TYPES}
FLAT_RATE = {"started": Decimal("0.5"), "completed": Decimal("0.5")}
PLACES = Decimal("1e-12")


@dataclass
class BandAllocation:
    """banded/band_allocation.rb: one band's counts for one declaration type."""

    capacity: int
    previous_billable: int = 0
    previous_refundable: int = 0
    billable: int = 0
    refundable: int = 0

    def net(self) -> int:
        return self.previous_billable + self.billable - self.previous_refundable - self.refundable

    def room(self) -> int:
        return max(self.capacity - self.net(), 0)


def allocate(capacities: list[int], pb: int, pr: int, b: int, r: int) -> tuple[list[BandAllocation], int]:
    """banded/band_allocator.rb's four steps, one declaration at a time; also the billable left unallocated."""
    bands = [BandAllocation(c) for c in capacities]
    for _ in range(pb):
        free = next((a for a in bands if a.room() > 0), None)
        if free:
            free.previous_billable += 1
    for _ in range(pr):
        held = next((a for a in reversed(bands) if a.net() > 0), None)
        if held:
            held.previous_refundable += 1
    unallocated = 0
    for _ in range(b):
        free = next((a for a in bands if a.room() > 0), None)
        if free:
            free.billable += 1
        else:
            unallocated += 1
    for _ in range(r):
        held = next((a for a in reversed(bands) if a.net() > 0), None)
        if held:
            held.refundable += 1
    return bands, unallocated


def applying(contracts: list[Contract], cohort: int, payment_date: date) -> Contract | None:
    eligible = [
        c for c in contracts if c.cohort == cohort and (c.effective_from is None or c.effective_from <= payment_date)
    ]
    return max(eligible, key=lambda c: c.effective_from or date.min, default=None)


def monthly_service_fee(c: Contract) -> Decimal:
    if c.monthly_service_fee is not None:
        return c.monthly_service_fee
    remaining, total = c.recruitment_target, Decimal(0)
    for band in c.band:
        filled = min(remaining, band.capacity)
        remaining -= filled
        total += filled * band.fee_per_declaration * band.service_fee_ratio
    first = c.band[0].capacity
    total -= min(c.recruitment_target, first) * c.setup_fee / Decimal(first)
    return (total / 29).quantize(PLACES, ROUND_DOWN)


def billable_on(statements: set[str], d: Item) -> bool:
    return d["statement_id"] in statements and spelling(d["state"]) in BILLABLE


def refundable_on(statements: set[str], d: Item) -> bool:
    return d["clawback_statement_id"] in statements and spelling(d["state"]) in REFUNDABLE


def uplifted(world: World, d: Item, paid: bool) -> bool:
    """Paid: the API's uplift_paid. Not paid yet: a started ECT declaration whose enrolment has a flag."""
    if paid:
        return bool(d["uplift_paid"])
    enrolment = world.enrolment(d) or {}
    flagged = bool(enrolment.get("pupil_premium_uplift") or enrolment.get("sparsity_uplift"))
    return d["declaration_type"] == "started" and ROLE.get(d["course_identifier"]) == "ect" and flagged


def band_allocation(world: World, c: Contract, key: str, earlier: set[str]) -> tuple[dict[tuple[str, str], Item], int]:
    """{(declaration type, band): counts and net amount}, and the billable left beyond the last band."""
    bands: dict[tuple[str, str], Item] = {}
    unallocated = 0
    for kind in TYPES:
        of_kind = [
            d
            for d in world.declarations
            if d["declaration_type"] == kind and (c.type == "ecf" or ROLE.get(d["course_identifier"]) == "ect")
        ]
        pb = sum(billable_on(earlier, d) for d in of_kind)
        pr = sum(refundable_on(earlier, d) for d in of_kind)
        b = sum(billable_on({key}, d) for d in of_kind)
        r = sum(refundable_on({key}, d) for d in of_kind)
        allocated, left = allocate([band.capacity for band in c.band], pb, pr, b, r)
        unallocated += left
        for band, a in zip(c.band, allocated, strict=True):
            fee = PROPORTION[kind] * band.output_fee_ratio * band.fee_per_declaration
            bands[(kind, band.band)] = {"previous_billable_count": a.previous_billable,
                                        "previous_refundable_count": a.previous_refundable,
                                        "billable_count": a.billable, "refundable_count": a.refundable,
                                        "net_amount": (a.billable - a.refundable) * fee}  # fmt: skip
    return bands, unallocated


def statement_money(world: World, contracts: list[Contract], adjustments: list[Adjustment]) -> dict[str, Item]:
    """statement id -> what statement_payment must say, and its band allocation under "bands"."""
    found: dict[str, Item] = {}
    for key, s in world.statements.items():
        cohort, paid = int(s["cohort"]), bool(s["paid"])
        payment_date = date.fromisoformat(s["payment_date"])
        c = applying(contracts, cohort, payment_date)
        if c is None:
            found[key] = {"missing_reason": "missing_contract", "total_amount": None, "bands": {}}
            continue
        earlier = {k for k, o in world.statements.items()
                   if int(o["cohort"]) == cohort and date.fromisoformat(o["payment_date"]) < payment_date}  # fmt: skip
        bands, unallocated = band_allocation(world, c, key, earlier)
        output = sum((row["net_amount"] for row in bands.values()), Decimal(0))
        banded = [d for d in world.declarations if c.type == "ecf" or ROLE.get(d["course_identifier"]) == "ect"]
        uplifts = sum(billable_on({key}, d) and uplifted(world, d, paid) for d in banded)
        uplifts -= sum(refundable_on({key}, d) and bool(d["uplift_paid"]) for d in banded)
        mentor = Decimal(0)
        if c.type == "ittecf_ectp":
            assert c.mentor_fee_per_declaration is not None
            for d in world.declarations:
                if ROLE.get(d["course_identifier"]) == "mentor" and d["declaration_type"] in FLAT_RATE:
                    units = billable_on({key}, d) - refundable_on({key}, d)
                    mentor += units * FLAT_RATE[d["declaration_type"]] * c.mentor_fee_per_declaration
        adjusted = sum((a.amount for a in adjustments if a.statement_id == key), Decimal(0))
        uplift = uplifts * c.uplift_fee_per_declaration
        subtotal = output + mentor + uplift + monthly_service_fee(c) + adjusted
        vat = (subtotal * c.vat_rate).quantize(PLACES, ROUND_HALF_UP)  # the views keep 12 decimal places
        found[key] = {"missing_reason": None, "output_amount": output, "mentor_output_amount": mentor,
                      "uplift_amount": uplift, "service_fee_amount": monthly_service_fee(c),
                      "adjustments_amount": adjusted, "subtotal_amount": subtotal,
                      "vat_amount": vat, "total_amount": subtotal + vat,
                      "count_unallocated": unallocated, "is_forecast": not paid, "bands": bands}  # fmt: skip
    return found


def next_statements(world: World, money: dict[str, Item]) -> dict[int, tuple[Any, ...]]:
    """cohort -> (statement id, days to its cut-off, billable on it, clawbacks on it, own submitted declarations
    of the cohort on no statement, its total): the next statement to close as of the API's clock, in England."""
    as_of = moment(world.truth["_meta"]["clock"])
    assert as_of is not None
    today = as_of.astimezone(ZoneInfo("Europe/London")).date()
    candidates: dict[int, list[tuple[date, date, str]]] = {}
    for key, s in world.statements.items():
        cut_off = date.fromisoformat(s["cut_off_date"])
        if not s["paid"] and cut_off >= today:
            candidates.setdefault(int(s["cohort"]), []).append((cut_off, date.fromisoformat(s["payment_date"]), key))
    found = {}
    for cohort, listed in candidates.items():
        cut_off, _, key = min(listed)
        waiting = sum(
            1 for d in world.declarations
            if world.own(d) and spelling(d["state"]) == "submitted" and d["statement_id"] is None
            and int((world.enrolment(d) or {}).get("cohort") or 0) == cohort
        )  # fmt: skip
        found[cohort] = (key, (cut_off - today).days, sum(billable_on({key}, d) for d in world.declarations),
                         sum(refundable_on({key}, d) for d in world.declarations), waiting,
                         money[key]["total_amount"])  # fmt: skip
    return found
