"""The finance views computed again, in plain Python, from what /sandbox/truth said at each sync (tests only).

Nothing here reads the warehouse or the SQL: the rules are written out from api-facts §4 and the DfE state
definitions, and the milestones come from the sandbox's own `milestone_types`. `Observer` plays the part of
declaration_state_history: fed the truth after every full sync, it records what changed since the last one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

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


def statement_reconciliation(world: World) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for key, s in world.statements.items():
        on = [d for d in world.declarations if d["statement_id"] == key]
        back = [d for d in world.declarations if d["clawback_statement_id"] == key]
        states = Counter(spelling(d["state"]) for d in on)
        types = Counter(d["declaration_type"] for d in on)
        roles = Counter(ROLE.get(d["course_identifier"]) for d in on)
        owed = [d for d in back if spelling(d["state"]) in ("awaiting-clawback", "clawed-back")]
        payable = [d for d in on if spelling(d["state"]) in ("payable", "paid")]
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
            "net_payable_count": len(payable) - len(owed),
            "net_payable_count_ect": sum(ROLE[d["course_identifier"]] == "ect" for d in payable)
            - sum(ROLE[d["course_identifier"]] == "ect" for d in owed),
            "net_forecast_count": sum(spelling(d["state"]) in ("eligible", "payable", "paid") for d in on) - len(owed),
        }  # fmt: skip
        row.update({f"count_{state.replace('-', '_')}": states[state] for state in STATES})
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
