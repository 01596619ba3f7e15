"""The sandbox's write endpoints: declarations, voids and participant actions, with RECT's rules. Each test writes to
a fresh world served in process; a declaration is also made over loopback, against `syncer sandbox`.

The seeded world is searched for participants that fit each case rather than naming them, so the tests keep working
when the generator's mix changes; where no participant has a free milestone, one of its own declarations is voided.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import pytest

from syncer.sandbox.model import milestone_types
from tests.sandbox_process import InProcessSandbox, Sandbox

Item = dict[str, Any]

DECLARATIONS = "/api/v3/participant-declarations"
BILLABLE = ("submitted", "eligible", "payable", "paid")
WRONG_TYPES: tuple[Any, ...] = (None, 7, 1.5, True, [], ["x"], {"reason": "other"})
BAD_REQUEST = {
    "errors": [{"title": "Bad request", "detail": "Correct json data structure required. See API docs for reference."}]
}
NOT_FOUND = {"errors": [{"title": "Resource not found", "detail": "Nothing could be found for the provided details"}]}
DUPLICATE = "A declaration has already been submitted that will be, or has been, paid for this event."
NOT_RECOGNISED = (
    "Your update cannot be made as the '#/participant_id' is not recognised. Check participant details and try again."
)
COURSE_NOT_RECOGNISED = (
    "The entered '#/course_identifier' is not recognised for the given participant. Check details and try again."
)
REASON_NOT_RECOGNISED = (
    "The entered '#/reason' is not recognised for the given participant. Check details and try again."
)
EVIDENCE_MISSING = ("evidence_held", "Enter a '#/evidence_held' value for this participant.")
EVIDENCE_UNAVAILABLE = ("evidence_held", "Enter an available '#/evidence_held' type for this participant.")
COHORT_INVALID = ("cohort", "The '#/cohort' you have entered is invalid. Check cohort details and try again.")


@dataclass
class Candidate:
    """One enrolment as a provider sees it, with what is already declared for it and what may still be."""

    token: str
    provider: str
    participant: Item
    enrolment: Item
    upcoming: int  # the provider's output statements for the cohort still open for declarations
    declared: list[Item] = field(default_factory=list)  # billable declarations in this course, any provider
    free: list[str] = field(default_factory=list)  # milestone types after the last declared one

    @property
    def id(self) -> str:
        return str(self.participant["id"])

    @property
    def course(self) -> str:
        return "ecf-induction" if self.enrolment["participant_type"] == "ect" else "ecf-mentor"

    @property
    def cohort(self) -> int:
        return int(self.enrolment["cohort"])

    @property
    def funded(self) -> bool:
        return self.upcoming > 0

    @property
    def active(self) -> bool:
        return bool(self.enrolment["training_status"] == "active" and self.enrolment["participant_status"] == "active")

    @property
    def eligible(self) -> bool:
        return self.enrolment["eligible_for_funding"] is True


Wanted = Callable[[Candidate], bool]


def rfc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def clock(client: httpx.Client) -> datetime:
    """The simulated clock, from the Date header the sandbox sends."""
    return parsedate_to_datetime(client.get("/api/v3/statements", params={"page[per_page]": 1}).headers["date"])


def listing(client: httpx.Client, path: str, **filters: str) -> list[Item]:
    params = {"page[per_page]": "3000", **{f"filter[{k}]": v for k, v in filters.items()}}
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    data: list[Item] = response.json()["data"]
    return data


def candidates(sandbox: Sandbox, wanted: Wanted) -> list[Candidate]:
    found = []
    for provider, token in sandbox.tokens.items():
        with sandbox.client(token) as client:
            today = clock(client).date().isoformat()
            upcoming = Counter(
                int(s["attributes"]["cohort"])
                for s in listing(client, "/api/v3/statements")
                if s["attributes"]["cut_off_date"] >= today
            )
            declared: dict[tuple[str, str], list[Item]] = {}
            for item in listing(client, DECLARATIONS):
                attributes = item["attributes"]
                if attributes["state"] in BILLABLE:
                    declared.setdefault((attributes["participant_id"], attributes["course_identifier"]), []).append(
                        item
                    )
            for participant in listing(client, "/api/v3/participants"):
                for enrolment in participant["attributes"]["ecf_enrolments"]:
                    candidate = Candidate(token, provider, participant, enrolment, upcoming[int(enrolment["cohort"])])
                    candidate.declared = declared.get((candidate.id, candidate.course), [])
                    types = milestone_types(
                        enrolment["schedule_identifier"], enrolment["participant_type"], candidate.cohort
                    )
                    made = {d["attributes"]["declaration_type"] for d in candidate.declared}
                    last = max((types.index(t) for t in made if t in types), default=-1)
                    candidate.free = [t for t in types[last + 1 :] if t not in made]
                    if wanted(candidate):
                        found.append(candidate)
    return found


def first(sandbox: Sandbox, wanted: Wanted, need_free: bool = True, optional: bool = False) -> Candidate:
    """The first fitting enrolment with a declarable milestone, freeing its latest one by a void if none has one."""
    found = candidates(sandbox, wanted)
    for candidate in found:
        if candidate.free or not need_free:
            return candidate
    for candidate in found:
        latest = max(candidate.declared, key=lambda d: str(d["attributes"]["declaration_date"]), default=None)
        if latest is None or latest["attributes"]["lead_provider_name"] != candidate.provider:
            continue
        dtype = latest["attributes"]["declaration_type"]
        voidable = latest["attributes"]["state"] != "paid" or candidate.funded
        if voidable and [d["attributes"]["declaration_type"] for d in candidate.declared].count(dtype) == 1:
            with sandbox.client(candidate.token) as client:
                assert client.put(f"{DECLARATIONS}/{latest['id']}/void").status_code == 200
            candidate.free = [dtype]
            return candidate
    if optional:
        pytest.skip("the seeded world has no participant for this case")
    raise AssertionError("no participant in the seeded world fits this test")


def evidence_for(cohort: int, declaration_type: str) -> str | None:
    if cohort < 2025:
        return None if declaration_type == "started" else "training-event-attended"
    return "75-percent-engagement-met" if declaration_type in ("retained-2", "completed") else "training-event-attended"


def declare(
    client: httpx.Client,
    candidate: Candidate,
    declaration_type: str,
    when: datetime | str,
    evidence: str | None = "default",
    course: str | None = None,
) -> httpx.Response:
    attributes: Item = {
        "participant_id": candidate.id,
        "declaration_type": declaration_type,
        "declaration_date": when if isinstance(when, str) else rfc(when),
        "course_identifier": course or candidate.course,
    }
    if evidence == "default":
        evidence = evidence_for(candidate.cohort, declaration_type)
    if evidence is not None:
        attributes["evidence_held"] = evidence
    return client.post(DECLARATIONS, json={"data": {"type": "participant-declaration", "attributes": attributes}})


def act(client: httpx.Client, participant_id: str, action: str, **attributes: Any) -> httpx.Response:
    body = {"data": {"type": f"participant-{action}", "attributes": attributes}}
    return client.put(f"/api/v3/participants/{participant_id}/{action}", json=body)


def errors(response: httpx.Response) -> list[tuple[str, str]]:
    assert response.status_code == 422, response.text
    return [(e["title"], e["detail"]) for e in response.json()["errors"]]


def enrolment_of(response: httpx.Response, course: str) -> Item:
    assert response.status_code == 200, response.text
    role = "ect" if course == "ecf-induction" else "mentor"
    enrolments = response.json()["data"]["attributes"]["ecf_enrolments"]
    found: Item = next(e for e in enrolments if e["participant_type"] == role)
    return found


def next_statement(client: httpx.Client, cohort: int, today: datetime) -> Item:
    statements = listing(client, "/api/v3/statements", cohort=str(cohort))
    upcoming = [s for s in statements if s["attributes"]["cut_off_date"] >= today.date().isoformat()]
    return min(upcoming, key=lambda s: str(s["attributes"]["cut_off_date"]))


def fundable(candidate: Candidate) -> bool:
    """Active, eligible and with an open statement, so a declaration becomes eligible."""
    return candidate.active and candidate.eligible and candidate.funded


def test_declaration_is_eligible_on_the_next_statement_and_visible_everywhere(fresh_both_tiers: Sandbox) -> None:
    candidate = first(fresh_both_tiers, lambda c: fundable(c) and c.upcoming >= 2)  # so the choice of statement shows
    with fresh_both_tiers.client(candidate.token) as client:
        now = clock(client)
        response = declare(client, candidate, candidate.free[0], now - timedelta(seconds=1))
        assert response.status_code == 200, response.text
        item = response.json()["data"]
        attributes = item["attributes"]
        assert attributes["state"] == "eligible"
        assert attributes["statement_id"] == next_statement(client, candidate.cohort, now)["id"]
        assert attributes["created_at"] == attributes["updated_at"] == rfc(now)
        assert attributes["declaration_date"] == rfc(now - timedelta(seconds=1))
        assert attributes["participant_id"] == candidate.id
        assert attributes["course_identifier"] == candidate.course
        assert attributes["declaration_type"] == candidate.free[0]
        assert attributes["evidence_held"] == evidence_for(candidate.cohort, candidate.free[0])
        assert attributes["delivery_partner_id"] == candidate.enrolment["delivery_partner_id"]
        assert attributes["mentor_id"] == candidate.enrolment["mentor_id"]
        assert attributes["lead_provider_name"] == candidate.provider
        assert attributes["clawback_statement_id"] is None
        assert client.get(f"{DECLARATIONS}/{item['id']}").json()["data"] == item
        assert item in listing(client, DECLARATIONS, participant_id=candidate.id)
        assert item in listing(client, DECLARATIONS, updated_since=rfc(now))
    assert item in fresh_both_tiers.truth(candidate.token)["participant-declarations"]


def test_declaration_for_a_participant_not_eligible_for_funding_is_submitted(
    fresh_in_process: InProcessSandbox,
) -> None:
    candidate = first(fresh_in_process, lambda c: c.active and not c.eligible)
    with fresh_in_process.client(candidate.token) as client:
        response = declare(client, candidate, candidate.free[0], clock(client) - timedelta(seconds=1))
    assert response.status_code == 200, response.text
    assert response.json()["data"]["attributes"]["state"] == "submitted"
    assert response.json()["data"]["attributes"]["statement_id"] is None


def test_repost_is_idempotent_and_a_second_declaration_of_the_type_is_a_duplicate(
    fresh_in_process: InProcessSandbox,
) -> None:
    candidate = first(fresh_in_process, fundable)
    dtype = candidate.free[0]
    with fresh_in_process.client(candidate.token) as client:
        now = clock(client)
        created = declare(client, candidate, dtype, now - timedelta(seconds=2))
        assert created.status_code == 200, created.text
        again = declare(client, candidate, dtype, now - timedelta(seconds=2))
        assert again.status_code == 200
        assert again.json() == created.json()
        assert errors(declare(client, candidate, dtype, now - timedelta(seconds=1))) == [
            ("declaration_type", DUPLICATE)
        ]
        same_event = [
            d["id"]
            for d in listing(client, DECLARATIONS, participant_id=candidate.id)
            if (d["attributes"]["declaration_type"], d["attributes"]["course_identifier"]) == (dtype, candidate.course)
            and d["attributes"]["state"] in BILLABLE
        ]
        assert same_event == [created.json()["data"]["id"]]


def test_malformed_bodies_are_400_and_wrong_types_are_422_never_500(fresh_in_process: InProcessSandbox) -> None:
    candidate = first(fresh_in_process, fundable)
    good = {
        "participant_id": candidate.id,
        "declaration_type": candidate.free[0],
        "declaration_date": "2026-01-01T00:00:00Z",
        "course_identifier": candidate.course,
    }
    raw_bodies = [b"", b"{not json", b"[]", b'"data"', b"null", b"42", b"\xff\xfe", b"[" * 5000, b'{"data": 1e999}']
    shapes: list[Any] = [
        {},
        {"data": None},
        {"data": []},
        {"data": "x"},
        {"data": {"attributes": None}},
        {"data": {"attributes": []}},
        {"data": {"attributes": {}}},
        {"data": {"attributes": {"unknown": 1}}},
        {"attributes": good},
    ]
    withdraw = f"/api/v3/participants/{candidate.id}/withdraw"
    with fresh_in_process.client(candidate.token) as client:
        for raw in raw_bodies:
            for path, method in ((DECLARATIONS, "POST"), (withdraw, "PUT")):
                response = client.request(method, path, content=raw, headers={"Content-Type": "application/json"})
                assert (response.status_code, response.json()) == (400, BAD_REQUEST), raw
        for shape in shapes:
            response = client.post(DECLARATIONS, json=shape)
            assert (response.status_code, response.json()) == (400, BAD_REQUEST), shape
            response = client.put(f"/api/v3/participants/{candidate.id}/defer", json=shape)
            assert (response.status_code, response.json()) == (400, BAD_REQUEST), shape
        for name in good:
            for wrong in WRONG_TYPES:
                response = client.post(DECLARATIONS, json={"data": {"attributes": {**good, name: wrong}}})
                assert response.status_code == 422, (name, wrong, response.text)
                assert [e["title"] for e in response.json()["errors"]] == [name], (name, wrong)
        course = candidate.course
        for wrong in WRONG_TYPES:
            for action in ("withdraw", "defer"):
                assert (
                    errors(act(client, candidate.id, action, reason=wrong, course_identifier=course))[0][0] == "reason"
                )
            response = act(client, candidate.id, "change-schedule", schedule_identifier=wrong, course_identifier=course)
            assert errors(response)[0][0] == "schedule_identifier"
            missing = wrong is None or isinstance(wrong, list | dict)
            detail = "Enter a '#/course_identifier'." if missing else COURSE_NOT_RECOGNISED
            assert errors(act(client, candidate.id, "resume", course_identifier=wrong)) == [
                ("course_identifier", detail)
            ]
        # Nothing above changed the participant.
        assert client.get(f"/api/v3/participants/{candidate.id}").json()["data"] == candidate.participant


def test_unknown_or_foreign_participants_are_refused(fresh_in_process: InProcessSandbox) -> None:
    tokens = list(fresh_in_process.tokens.values())
    with fresh_in_process.client(tokens[0]) as client:
        own = {p["id"] for p in listing(client, "/api/v3/participants")}
    with fresh_in_process.client(tokens[1]) as client:
        foreign = next(p for p in listing(client, "/api/v3/participants") if p["id"] not in own)
    ect = {"participant_type": "ect", "cohort": "2024"}
    with fresh_in_process.client(tokens[0]) as client:
        now = clock(client)
        for participant in ({"id": str(uuid.uuid4())}, foreign):
            who = Candidate(tokens[0], "", participant, ect, 1)
            assert errors(declare(client, who, "started", now)) == [("participant_id", NOT_RECOGNISED)]
            for action in ("withdraw", "defer", "resume", "change-schedule"):
                response = act(client, who.id, action, reason="other", course_identifier="ecf-induction")
                assert (response.status_code, response.json()) == (404, NOT_FOUND)


def test_declaration_type_must_fit_the_schedule_and_course(fresh_in_process: InProcessSandbox) -> None:
    def standard_ect(c: Candidate) -> bool:
        only_ect = len(c.participant["attributes"]["ecf_enrolments"]) == 1 and c.course == "ecf-induction"
        return fundable(c) and only_ect and "-extended-" not in c.enrolment["schedule_identifier"]

    ect = first(fresh_in_process, standard_ect)
    with fresh_in_process.client(ect.token) as client:
        now = clock(client) - timedelta(seconds=1)
        assert errors(declare(client, ect, "extended-1", now)) == [
            ("declaration_type", "The property '#/declaration_type' does not exist for this schedule.")
        ]
        assert errors(declare(client, ect, "retained-9", now)) == [
            ("declaration_type", "Enter a valid declaration type.")
        ]
        for course in ("ecf-mentor", "npq-leading"):
            assert errors(declare(client, ect, ect.free[0], now, course=course)) == [
                ("course_identifier", COURSE_NOT_RECOGNISED)
            ]


def test_funded_mentors_may_only_declare_started_and_completed(fresh_in_process: InProcessSandbox) -> None:
    mentor = first(
        fresh_in_process, lambda c: c.course == "ecf-mentor" and c.cohort >= 2025, need_free=False, optional=True
    )
    with fresh_in_process.client(mentor.token) as client:
        for dtype in ("retained-1", "extended-2"):
            assert errors(declare(client, mentor, dtype, clock(client))) == [
                (
                    "declaration_type",
                    "You cannot send retained or extended declarations for participants who began their mentor "
                    "training after June 2025. Resubmit this declaration with either a started or completed "
                    "declaration.",
                )
            ]


def test_declaration_dates_must_be_rfc3339_and_not_in_the_future(fresh_in_process: InProcessSandbox) -> None:
    candidate = first(fresh_in_process, fundable)
    invalid = ("declaration_date", "Enter a valid RFC3339 '#/declaration_date'.")
    with fresh_in_process.client(candidate.token) as client:
        now = clock(client)
        dtype = candidate.free[0]
        assert errors(declare(client, candidate, dtype, now + timedelta(seconds=1))) == [
            (
                "declaration_date",
                "The '#/declaration_date' value cannot be a future date. Check the date and try again.",
            )
        ]
        for bad in (
            *("2026-01-01", "2026-13-01T00:00:00Z", "01/02/2026 10:00", "2026-02-30T10:00:00Z", "yesterday"),
            *("9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+01:00", "2026-01-01T10:00:00+24:00"),
        ):
            assert errors(declare(client, candidate, dtype, bad)) == [invalid], bad
        local = (now + timedelta(hours=2) - timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%S.250+02:00")
        offset = declare(client, candidate, dtype, local)
        assert offset.status_code == 200, offset.text
        assert offset.json()["data"]["attributes"]["declaration_date"] == rfc(now - timedelta(seconds=30))


def test_declarations_from_2025_must_be_in_date_order(fresh_in_process: InProcessSandbox) -> None:
    later_types = first(
        fresh_in_process, lambda c: c.active and c.cohort >= 2025 and (len(c.free) >= 2 or bool(c.declared))
    )
    out_of_order = (
        "declaration_date",
        "This '#/declaration_date' is invalid. Check that it is in sequence with existing declaration dates for this "
        "participant.",
    )
    with fresh_in_process.client(later_types.token) as client:
        now = clock(client)
        if later_types.declared:
            earliest = min(datetime.fromisoformat(d["attributes"]["declaration_date"]) for d in later_types.declared)
            dtype = later_types.free[0]
        else:
            assert declare(client, later_types, later_types.free[0], now).status_code == 200
            earliest, dtype = now, later_types.free[1]
        assert errors(declare(client, later_types, dtype, earliest - timedelta(days=1))) == [out_of_order]
        assert declare(client, later_types, dtype, now).status_code == 200


def test_evidence_held_follows_the_cohort_and_declaration_type(fresh_in_process: InProcessSandbox) -> None:
    def declarable(c: Candidate) -> bool:
        return c.active and (c.funded or not c.eligible) and c.course == "ecf-induction"

    old = first(fresh_in_process, lambda c: declarable(c) and c.cohort < 2025)
    new = first(fresh_in_process, lambda c: declarable(c) and c.cohort >= 2025)
    with fresh_in_process.client(old.token) as client:
        now = clock(client) - timedelta(seconds=1)
        dtype = old.free[0]
        if dtype == "started":
            assert errors(declare(client, old, dtype, now, evidence="other")) == [EVIDENCE_UNAVAILABLE]
        else:
            assert errors(declare(client, old, dtype, now, evidence=None)) == [EVIDENCE_MISSING]
            assert errors(declare(client, old, dtype, now, evidence="materials-engaged-with-offline")) == [
                EVIDENCE_UNAVAILABLE
            ]
    with fresh_in_process.client(new.token) as client:
        dtype = new.free[0]
        wrong = "training-event-attended" if dtype in ("retained-2", "completed") else "one-term-induction"
        for evidence in (wrong, "training_event_attended"):
            assert errors(declare(client, new, dtype, now, evidence=evidence)) == [EVIDENCE_UNAVAILABLE]
        assert errors(declare(client, new, dtype, now, evidence=None)) == [EVIDENCE_MISSING]


def test_an_ended_contract_period_refuses_funded_declarations(fresh_in_process: InProcessSandbox) -> None:
    candidate = first(fresh_in_process, lambda c: c.active and c.eligible and not c.funded, optional=True)
    with fresh_in_process.client(candidate.token) as client:
        response = declare(client, candidate, candidate.free[0], clock(client))
    assert errors(response) == [
        (
            "cohort",
            f"You cannot submit or void declarations for the {candidate.cohort} contract period. The funding contract "
            "for this contract period has ended. Get in touch if you need to discuss this with us.",
        )
    ]


def test_void_before_payment_hides_the_statement_and_cannot_repeat(fresh_in_process: InProcessSandbox) -> None:
    candidate = first(fresh_in_process, fundable)
    with fresh_in_process.client(candidate.token) as client:
        now = clock(client)
        created = declare(client, candidate, candidate.free[0], now - timedelta(seconds=1)).json()["data"]
        assert created["attributes"]["statement_id"] is not None
        voided = client.put(f"{DECLARATIONS}/{created['id']}/void")
        assert voided.status_code == 200, voided.text
        attributes = voided.json()["data"]["attributes"]
        assert (attributes["state"], attributes["statement_id"], attributes["updated_at"]) == ("voided", None, rfc(now))
        assert client.get(f"{DECLARATIONS}/{created['id']}").json()["data"] == voided.json()["data"]
        assert errors(client.put(f"{DECLARATIONS}/{created['id']}/void")) == [
            ("participant_declaration_id", "The declaration has already been voided.")
        ]
        # A voided declaration no longer holds the slot, so the event can be declared again.
        again = declare(client, candidate, candidate.free[0], now - timedelta(seconds=1))
        assert again.status_code == 200 and again.json()["data"]["id"] != created["id"]


def test_void_of_a_paid_declaration_awaits_clawback_until_the_statement_is_paid(
    fresh_in_process: InProcessSandbox,
) -> None:
    provider, token = next(iter(fresh_in_process.tokens.items()))
    refunded = ("participant_declaration_id", "The declaration will or has been refunded")
    with fresh_in_process.client(token) as client:
        now = clock(client)
        statements = {s["id"]: s["attributes"] for s in listing(client, "/api/v3/statements")}
        open_cohorts = {s["cohort"] for s in statements.values() if s["cut_off_date"] >= now.date().isoformat()}
        paid = next(
            d
            for d in listing(client, DECLARATIONS)
            if d["attributes"]["state"] == "paid"
            and d["attributes"]["lead_provider_name"] == provider
            and statements[d["attributes"]["statement_id"]]["cohort"] in open_cohorts
        )
        clawback = next_statement(client, int(statements[paid["attributes"]["statement_id"]]["cohort"]), now)
        response = client.put(f"{DECLARATIONS}/{paid['id']}/void")
        assert response.status_code == 200, response.text
        attributes = response.json()["data"]["attributes"]
        assert attributes["state"] == "awaiting-clawback"
        assert attributes["clawback_statement_id"] == clawback["id"]
        assert attributes["statement_id"] == paid["attributes"]["statement_id"]
        assert attributes["updated_at"] == rfc(now)
        assert errors(client.put(f"{DECLARATIONS}/{paid['id']}/void")) == [refunded]
    payment = datetime.fromisoformat(clawback["attributes"]["payment_date"]).date()
    fresh_in_process.tick((payment - now.date()).days + 1)
    with fresh_in_process.client(token) as client:
        after = client.get(f"{DECLARATIONS}/{paid['id']}").json()["data"]["attributes"]
        assert after["state"] == "clawed-back"
        assert after["clawback_statement_id"] == clawback["id"]
        assert client.get(f"/api/v3/statements/{clawback['id']}").json()["data"]["attributes"]["paid"] is True
        assert errors(client.put(f"{DECLARATIONS}/{paid['id']}/void")) == [refunded]


def test_only_the_declaring_provider_can_void(fresh_in_process: InProcessSandbox) -> None:
    (_, first_token), (second_name, second_token) = list(fresh_in_process.tokens.items())[:2]
    with fresh_in_process.client(second_token) as client:
        theirs = next(
            d
            for d in listing(client, DECLARATIONS)
            if d["attributes"]["lead_provider_name"] == second_name and d["attributes"]["state"] in BILLABLE
        )
    with fresh_in_process.client(first_token) as client:
        for declaration_id in (theirs["id"], str(uuid.uuid4()), "not-a-uuid"):
            response = client.put(f"{DECLARATIONS}/{declaration_id}/void")
            assert (response.status_code, response.json()) == (404, NOT_FOUND)
    with fresh_in_process.client(second_token) as client:
        assert client.get(f"{DECLARATIONS}/{theirs['id']}").json()["data"] == theirs


def test_withdraw_then_only_backdated_declarations(fresh_in_process: InProcessSandbox) -> None:
    candidate = first(
        fresh_in_process, lambda c: fundable(c) and len(c.participant["attributes"]["ecf_enrolments"]) == 1
    )
    course = candidate.course
    with fresh_in_process.client(candidate.token) as client:
        now = clock(client)
        for reason in ("moved_school", "bereavement", "Moved-School"):
            assert errors(act(client, candidate.id, "withdraw", reason=reason, course_identifier=course)) == [
                ("reason", REASON_NOT_RECOGNISED)
            ]
        assert errors(act(client, candidate.id, "withdraw", course_identifier=course)) == [
            ("reason", "Enter a '#/reason'.")
        ]
        other = "ecf-mentor" if course == "ecf-induction" else "ecf-induction"
        assert errors(act(client, candidate.id, "withdraw", reason="other", course_identifier=other)) == [
            ("participant_id", NOT_RECOGNISED)
        ]
        response = act(client, candidate.id, "withdraw", reason="moved-school", course_identifier=course)
        enrolment = enrolment_of(response, course)
        assert enrolment["training_status"] == "withdrawn"
        assert enrolment["withdrawal"] == {"reason": "moved-school", "date": rfc(now)}
        assert enrolment["participant_status"] == "leaving"  # finishes today
        assert response.json()["data"]["attributes"]["updated_at"] == rfc(now)
        assert response.json()["data"] in listing(client, "/api/v3/participants", updated_since=rfc(now))
        for action in ("withdraw", "defer"):
            assert errors(act(client, candidate.id, action, reason="other", course_identifier=course)) == [
                ("participant_id", "The '#/participant_id' is already withdrawn.")
            ]
        assert errors(declare(client, candidate, candidate.free[0], now)) == [
            (
                "participant_id",
                f"This participant withdrew from this course on {rfc(now)}. Enter a '#/declaration_date' that's on "
                "or before the withdrawal date.",
            )
        ]
        backdated = declare(client, candidate, candidate.free[0], now - timedelta(seconds=1))
        assert backdated.status_code == 200, backdated.text


def test_defer_blocks_declarations_until_resumed(fresh_in_process: InProcessSandbox) -> None:
    candidate = first(fresh_in_process, fundable)
    course = candidate.course
    with fresh_in_process.client(candidate.token) as client:
        now = clock(client)
        assert errors(act(client, candidate.id, "resume", course_identifier=course)) == [
            ("participant_id", "The '#/participant_id' is already active.")
        ]
        assert errors(act(client, candidate.id, "defer", reason="long_term_sickness", course_identifier=course)) == [
            ("reason", REASON_NOT_RECOGNISED)
        ]
        deferred = act(client, candidate.id, "defer", reason="long-term-sickness", course_identifier=course)
        enrolment = enrolment_of(deferred, course)
        assert enrolment["training_status"] == "deferred"
        assert enrolment["deferral"] == {"reason": "long-term-sickness", "date": rfc(now)}
        assert errors(act(client, candidate.id, "defer", reason="other", course_identifier=course)) == [
            ("participant_id", "The '#/participant_id' is already deferred.")
        ]
        assert errors(declare(client, candidate, candidate.free[0], now)) == [
            ("participant_id", "The '#/participant_id' is deferred. Resume training before declaring.")
        ]
        enrolment = enrolment_of(act(client, candidate.id, "resume", course_identifier=course), course)
        assert (enrolment["training_status"], enrolment["deferral"], enrolment["withdrawal"]) == ("active", None, None)
        assert declare(client, candidate, candidate.free[0], now).status_code == 200
        withdrawn = enrolment_of(
            act(client, candidate.id, "withdraw", reason="other", course_identifier=course), course
        )
        assert withdrawn["participant_status"] == "leaving"
        resumed = enrolment_of(act(client, candidate.id, "resume", course_identifier=course), course)
        assert (resumed["training_status"], resumed["withdrawal"], resumed["participant_status"]) == (
            "active",
            None,
            "active",
        )


def test_change_schedule(fresh_in_process: InProcessSandbox) -> None:
    partnered: dict[tuple[str, str], dict[int, Item]] = {}  # (token, urn) -> cohort -> partnership
    for token in fresh_in_process.tokens.values():
        with fresh_in_process.client(token) as client:
            for p in listing(client, "/api/v3/partnerships"):
                partnered.setdefault((token, p["attributes"]["urn"]), {})[int(p["attributes"]["cohort"])] = p

    def movable(c: Candidate) -> bool:
        cohorts = partnered.get((c.token, c.enrolment["school_urn"]), {})
        standard = c.course == "ecf-induction" and "-standard-" in c.enrolment["schedule_identifier"]
        return fundable(c) and standard and len(cohorts) >= 2 and len(cohorts) < 6

    candidate = first(fresh_in_process, movable)
    cohorts = partnered[(candidate.token, candidate.enrolment["school_urn"])]
    current = candidate.enrolment["schedule_identifier"]
    extended = current.replace("-standard-", "-extended-")
    course = candidate.course

    def change(client: httpx.Client, schedule: Any, **more: Any) -> httpx.Response:
        return act(
            client, candidate.id, "change-schedule", schedule_identifier=schedule, course_identifier=course, **more
        )

    with fresh_in_process.client(candidate.token) as client:
        now = clock(client)
        assert errors(change(client, current)) == [
            ("schedule_identifier", "Selected schedule is already on the profile")
        ]
        assert errors(change(client, "ecf-standard-june")) == [
            ("schedule_identifier", "Enter a valid schedule identifier.")
        ]
        assert errors(change(client, None)) == [
            (
                "schedule_identifier",
                "The property '#/schedule_identifier' must be present and correspond to a valid schedule.",
            )
        ]
        assert errors(change(client, current.replace("-standard-", "-replacement-"))) == [
            ("schedule_identifier", "Selected schedule is not valid for the course_identifier")
        ]
        for cohort in ("twenty", "2" * 5000, "2031"):
            assert errors(change(client, extended, cohort=cohort)) == [COHORT_INVALID]
        response = change(client, extended)
        assert enrolment_of(response, course)["schedule_identifier"] == extended
        assert response.json()["data"]["attributes"]["updated_at"] == rfc(now)
        assert declare(client, candidate, "extended-1", now).status_code == 200
        assert errors(change(client, current)) == [
            ("schedule_identifier", "Changing schedule would invalidate existing declarations. Please void them first.")
        ]
        unpartnered = next(c for c in range(2021, 2027) if c not in cohorts)
        assert errors(change(client, extended, cohort=str(unpartnered))) == [
            (
                "cohort",
                "You cannot change a participant to this cohort as you do not have a partnership with the school "
                "for the cohort. Contact the DfE for assistance.",
            )
        ]
        target = next(c for c in sorted(cohorts) if c != candidate.cohort)
        moved = enrolment_of(change(client, extended, cohort=str(target)), course)
        assert (moved["cohort"], moved["schedule_identifier"]) == (str(target), extended)
        assert moved["delivery_partner_id"] == cohorts[target]["attributes"]["delivery_partner_id"]
        act(client, candidate.id, "withdraw", reason="other", course_identifier=course)
        assert errors(change(client, current.replace("-standard-", "-reduced-"), cohort=str(target))) == [
            ("participant_id", "Cannot perform actions on a withdrawn participant"),
            (
                "schedule_identifier",
                "Changing schedule would invalidate existing declarations. Please void them first.",
            ),
        ]
    left = first(
        fresh_in_process,
        lambda c: c.enrolment["training_status"] == "active" and c.enrolment["participant_status"] == "left",
        need_free=False,
    )
    with fresh_in_process.client(left.token) as client:
        other = next(
            s for s in ("ecf-extended-april", "ecf-extended-january") if s != left.enrolment["schedule_identifier"]
        )
        assert errors(
            act(client, left.id, "change-schedule", schedule_identifier=other, course_identifier=left.course)
        ) == [
            (
                "participant_id",
                "You cannot change this participant’s schedule. This is because the participant has a 'left' "
                "participant_status, so they are not training with you currently.",
            )
        ]
