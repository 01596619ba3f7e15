"""POST /sandbox/tick: the service side advancing day by day, read back through the API (api-facts §4, §5, §8, §9).

In process, each test that ticks on a fresh world; that one seed gives one world is also checked across two server
processes over loopback."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import pytest

from syncer.sandbox.world import World
from tests.sandbox_process import InProcessSandbox, Sandbox, twins

JSON = "application/json; charset=utf-8"
NOT_FOUND = {"errors": [{"title": "Resource not found", "detail": "Nothing could be found for the provided details"}]}
Item = dict[str, Any]
Truths = dict[str, dict[str, Any]]  # provider name -> /sandbox/truth


def parse(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def truths(process: Sandbox) -> Truths:
    return {name: process.truth(token) for name, token in process.tokens.items()}


def clock(process: Sandbox) -> str:
    value: str = process.truth()["_meta"]["clock"]
    return value


def declarations(everything: Truths) -> dict[str, Item]:
    """Every declaration any provider sees, by id (a declaration reads the same to every provider)."""
    return {d["id"]: d for truth in everything.values() for d in truth["participant-declarations"]}


def participant_ids(everything: Truths) -> set[str]:
    return {p["id"] for truth in everything.values() for p in truth["participants"]}


def id_changes(everything: Truths) -> list[Item]:
    return [
        c for t in everything.values() for p in t["participants"] for c in p["attributes"]["participant_id_changes"]
    ]


def api(process: Sandbox, name: str, path: str, params: dict[str, str] | None = None) -> httpx.Response:
    with process.client(process.tokens[name]) as client:
        return client.get(f"/api/v3{path}", params={"page[per_page]": "3000", **(params or {})})


def rows(process: Sandbox, name: str, path: str, params: dict[str, str] | None = None) -> list[Item]:
    response = api(process, name, path, params)
    assert response.status_code == 200, response.text
    found: list[Item] = response.json()["data"]
    return found


def tick(process: Sandbox, body: object) -> httpx.Response:
    with process.connect({}) as http:
        return http.post("/sandbox/tick", json=body, timeout=120)


# -- the endpoint itself --------------------------------------------------------------------------------------------


def test_tick_answers_a_json_summary(fresh_in_process: InProcessSandbox) -> None:
    start = parse(clock(fresh_in_process))
    response = tick(fresh_in_process, {"days": 3})
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON
    summary = response.json()
    assert set(summary) == {"clock_before", "clock", "days", "activity"}
    assert summary["days"] == 3
    assert parse(summary["clock_before"]) == start
    assert parse(summary["clock"]) == start + timedelta(days=3)
    assert summary["activity"], "three days of a living service do something"
    assert all(isinstance(k, str) and isinstance(v, int) and v >= 0 for k, v in summary["activity"].items())
    assert clock(fresh_in_process) == summary["clock"]
    # the API answers with the simulated clock's Date
    response = api(fresh_in_process, next(iter(fresh_in_process.tokens)), "/statements")
    assert parsedate_to_datetime(response.headers["date"]) == parse(summary["clock"])
    # an empty body is one day; zero days moves nothing
    with fresh_in_process.connect({}) as http:
        one = http.post("/sandbox/tick").json()
    assert one["days"] == 1 and parse(one["clock"]) == start + timedelta(days=4)
    zero = tick(fresh_in_process, {"days": 0}).json()
    assert zero["clock"] == zero["clock_before"] == one["clock"]
    assert zero["activity"] == {}


@pytest.fixture(scope="module")
def untickable() -> InProcessSandbox:
    return InProcessSandbox(World(seed=13, participants=10, providers=1))


@pytest.mark.parametrize(
    "body",
    [
        *(b"not json", b"[1]", b'"3"', b"3", b"{"),
        *(b'{"days": -1}', b'{"days": 3661}', b'{"days": "3"}', b'{"days": 1.5}'),
        *(b'{"days": true}', b'{"days": null}', b'{"days": [1]}'),
    ],
)
def test_bad_tick_body_is_400(untickable: InProcessSandbox, body: bytes) -> None:
    before = clock(untickable)
    with untickable.connect({}) as http:
        response = http.post("/sandbox/tick", content=body)
    assert response.status_code == 400, body
    assert response.headers["content-type"] == JSON
    assert set(response.json()) == {"error"}
    assert clock(untickable) == before, "a refused tick moves nothing"


# -- determinism ----------------------------------------------------------------------------------------------------


def test_same_seed_and_ticks_give_the_same_world(tier: str) -> None:
    steps = (1, 2, 9, 45)
    with twins(tier, seed=21, participants=30) as (one, two), ThreadPoolExecutor(2) as pool:
        assert one.tokens == two.tokens
        start = truths(one)
        assert start == truths(two)
        for days in steps:
            left, right = (r.json() for r in pool.map(tick, (one, two), ({"days": days}, {"days": days})))
            assert left == right
            assert truths(one) == truths(two), f"worlds diverged after a {days}-day tick"
        assert truths(one) != start, "the ticks changed something"


# -- the nightly jobs and payment runs ----------------------------------------------------------------------------


def own_statements(everything: Truths) -> dict[str, tuple[str, Item]]:
    return {s["id"]: (name, s) for name, truth in everything.items() for s in truth["statements"]}


def test_statements_become_payable_then_paid(fresh_in_process: InProcessSandbox) -> None:
    start = parse(clock(fresh_in_process))
    statements = own_statements(truths(fresh_in_process))
    first_cut = min(
        s["attributes"]["cut_off_date"]
        for _, s in statements.values()
        if s["attributes"]["cut_off_date"] >= start.date().isoformat()
    )
    target = {sid for sid, (_, s) in statements.items() if s["attributes"]["cut_off_date"] == first_cut}
    assert target and all(not statements[s][1]["attributes"]["paid"] for s in target)
    cut = datetime.fromisoformat(first_cut).replace(tzinfo=UTC)
    midnight = ts(cut + timedelta(days=1))

    summary = tick(fresh_in_process, {"days": (cut.date() - start.date()).days + 1}).json()
    assert parse(summary["clock"]).date() > cut.date()
    assert summary["activity"]["statements_payable"] >= len(target)
    after = truths(fresh_in_process)
    on_target = [d for d in declarations(after).values() if d["attributes"]["statement_id"] in target]
    assert not [d for d in on_target if d["attributes"]["state"] in ("submitted", "eligible")]
    payable = [d for d in on_target if d["attributes"]["state"] == "payable"]
    assert payable, "eligible declarations on a statement past its cut-off become payable"
    assert {d["attributes"]["updated_at"] for d in payable} == {midnight}, "the 00:00 UTC job stamps them"
    for sid in target:
        name, _ = statements[sid]
        response = api(fresh_in_process, name, f"/statements/{sid}")
        assert response.json()["data"]["attributes"]["paid"] is False
        assert response.json()["data"]["attributes"]["updated_at"] == midnight
    payment_date = {statements[sid][1]["attributes"]["payment_date"] for sid in target}
    assert len(payment_date) == 1
    paid_on = datetime.fromisoformat(payment_date.pop()).replace(tzinfo=UTC)
    owed = {
        sid
        for sid in target
        if any(d["attributes"]["statement_id"] == sid for d in payable)
        or any(
            d["attributes"]["clawback_statement_id"] == sid and d["attributes"]["state"] == "awaiting-clawback"
            for d in declarations(after).values()
        )
    }

    days = (paid_on.date() - parse(summary["clock"]).date()).days + 1
    assert tick(fresh_in_process, {"days": days}).json()["activity"]["statements_paid"] >= len(owed)
    later = truths(fresh_in_process)
    for sid in target:
        name, _ = statements[sid]
        paid = api(fresh_in_process, name, f"/statements/{sid}").json()["data"]["attributes"]["paid"]
        assert paid is (sid in owed), "paid only if something was payable on it (trap 14)"
    assert owed
    now = declarations(later)
    for declaration in payable:
        current = now[declaration["id"]]["attributes"]
        if current["state"] != "voided":
            assert current["state"] == "paid"
            assert current["statement_id"] == declaration["attributes"]["statement_id"], "statement_id stays set"
            assert parse(current["updated_at"]).date() == paid_on.date()


# -- participants leaving scope -------------------------------------------------------------------------------------


def test_merge_repoints_declarations_without_bumping_them(fresh_in_process: InProcessSandbox) -> None:
    names = list(fresh_in_process.tokens)
    for _ in range(40):
        before = truths(fresh_in_process)
        summary = tick(fresh_in_process, {"days": 1}).json()
        if not summary["activity"].get("merged"):
            continue
        clock_before = summary["clock_before"]
        after = truths(fresh_in_process)
        fresh_changes = [c for c in id_changes(after) if c["changed_at"] >= clock_before]
        moved_before = {
            c["from_participant_id"]: [
                d
                for d in declarations(before).values()
                if d["attributes"]["participant_id"] == c["from_participant_id"]
            ]
            for c in fresh_changes
        }
        if any(moved_before.values()):
            break
    else:
        pytest.fail("forty days without a merge of a participant with declarations")
    assert len(fresh_changes) == summary["activity"]["merged"]
    now = declarations(after)
    untouched = 0
    for change in fresh_changes:
        old, new = change["from_participant_id"], change["to_participant_id"]
        for name in names:
            response = api(fresh_in_process, name, f"/participants/{old}")
            assert response.status_code == 404 and response.json() == NOT_FOUND
            assert rows(fresh_in_process, name, "/participant-declarations", {"filter[participant_id]": old}) == []
        assert old not in participant_ids(after), "the merged-away participant vanishes, no tombstone"
        seers = [name for name in names if new in {p["id"] for p in after[name]["participants"]}]
        assert seers
        for name in seers:
            survivor = next(p for p in after[name]["participants"] if p["id"] == new)
            assert change in survivor["attributes"]["participant_id_changes"]
            assert survivor["attributes"]["updated_at"] >= clock_before, "the id change bumps the survivor"
            assert rows(fresh_in_process, name, "/participants", {"filter[from_participant_id]": old}) == [survivor]
            since = rows(fresh_in_process, name, "/participants", {"filter[updated_since]": clock_before})
            assert new in {p["id"] for p in since}
        for declaration in moved_before[old]:
            current = now[declaration["id"]]["attributes"]
            assert current["participant_id"] == new, "declarations report the surviving participant"
            rest = {k: v for k, v in current.items() if k not in ("participant_id", "mentor_id")}
            if rest == {k: v for k, v in declaration["attributes"].items() if k not in ("participant_id", "mentor_id")}:
                assert current["updated_at"] == declaration["attributes"]["updated_at"], "no bump (trap 7)"
                untouched += 1
                owner = current["lead_provider_name"]
                since = rows(
                    fresh_in_process, owner, "/participant-declarations", {"filter[updated_since]": clock_before}
                )
                assert declaration["id"] not in {d["id"] for d in since}, "an incremental sync never sees it"
    assert untouched, "at least one moved declaration kept its updated_at"


def test_no_payload_points_at_a_merged_away_participant(fresh_in_process: InProcessSandbox) -> None:
    """After many merges, neither participant_id nor mentor_id of any declaration or enrolment names an old id:
    both are derived from the (moved) school periods in RECT (api-facts §5, §9 trap 8)."""
    tick(fresh_in_process, {"days": 40})
    after = truths(fresh_in_process)
    gone = {c["from_participant_id"] for c in id_changes(after)}
    assert len(gone) >= 3
    for truth in after.values():
        for declaration in truth["participant-declarations"]:
            assert declaration["attributes"]["participant_id"] not in gone
            assert declaration["attributes"]["mentor_id"] not in gone
        for participant in truth["participants"]:
            assert participant["id"] not in gone
            assert not {e["mentor_id"] for e in participant["attributes"]["ecf_enrolments"]} & gone
        for kind in ("unfunded-mentors", "participants/transfers"):
            assert not {item["id"] for item in truth[kind]} & gone


def test_participants_removed_in_error_vanish_without_a_tombstone(fresh_in_process: InProcessSandbox) -> None:
    names = list(fresh_in_process.tokens)
    for _ in range(30):
        before = truths(fresh_in_process)
        summary = tick(fresh_in_process, {"days": 1}).json()
        if summary["activity"].get("removed_registered_in_error"):
            break
    else:
        pytest.fail("thirty days without a removal")
    after = truths(fresh_in_process)
    merged = {c["from_participant_id"] for c in id_changes(after)}
    removed = participant_ids(before) - participant_ids(after) - merged
    assert removed
    for teacher in removed:
        for name in names:
            response = api(fresh_in_process, name, f"/participants/{teacher}")
            assert response.status_code == 404 and response.json() == NOT_FOUND
            since = rows(fresh_in_process, name, "/participants", {"filter[updated_since]": summary["clock_before"]})
            assert teacher not in {p["id"] for p in since}, "nothing announces the removal"
        for truth in after.values():
            visible = {
                *(p["id"] for p in truth["participants"]),
                *(m["id"] for m in truth["unfunded-mentors"]),
                *(t["id"] for t in truth["participants/transfers"]),
                *(d["attributes"]["participant_id"] for d in truth["participant-declarations"]),
            }
            assert teacher not in visible
        named = {c[k] for c in id_changes(after) for k in ("from_participant_id", "to_participant_id")}
        assert teacher not in named, "no change record names it either"


def test_rows_committed_late_carry_timestamps_before_the_previous_clock(fresh_in_process: InProcessSandbox) -> None:
    """A long transaction commits rows stamped with its start time (api-facts §8, trap 5): the watermark the
    previous run took (the clock) is already past them, so only a query reaching back catches them."""
    before = declarations(truths(fresh_in_process))
    summary = tick(fresh_in_process, {"days": 2}).json()
    assert summary["activity"].get("committed_late", 0) >= 1
    watermark = parse(summary["clock_before"])
    stamped = {i: d["attributes"]["updated_at"] for i, d in before.items()}
    late = [
        d
        for d in declarations(truths(fresh_in_process)).values()
        if d["attributes"]["updated_at"] != stamped.get(d["id"]) and parse(d["attributes"]["updated_at"]) < watermark
    ]
    assert late, "changed rows whose updated_at is older than the clock before the tick"
    for declaration in late:
        owner = declaration["attributes"]["lead_provider_name"]
        since = {
            d["id"]
            for d in rows(
                fresh_in_process, owner, "/participant-declarations", {"filter[updated_since]": ts(watermark)}
            )
        }
        assert declaration["id"] not in since, "missed by a sync that resumes at the previous clock"
        back = ts(watermark - timedelta(hours=1))
        overlap = {
            d["id"] for d in rows(fresh_in_process, owner, "/participant-declarations", {"filter[updated_since]": back})
        }
        assert declaration["id"] in overlap, "caught by polling back a window"
