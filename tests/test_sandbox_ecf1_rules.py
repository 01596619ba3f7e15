"""ECF1's own rules over the shared world, as `syncer sandbox --api ecf-v3|ecf-v2` serves it (in process; v2's
reading of updated_since over loopback too):

- teachers registered twice, whose repeated declarations are `ineligible` with reason `duplicate_declaration`
  (api-facts §4.2), where RECT holds neither the second registration nor its declarations (§4.1);
- ECF1's reading of `filter[updated_since]` (§1.1) and the columns it compares, ORed across tables for schools (§1.3);
- the `/api/v2/participants` alias of `/api/v2/participants/ecf` (§6).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from syncer.sandbox.world import World
from tests.sandbox_process import InProcessSandbox, Sandbox

ECF_JSON = "application/vnd.api+json"
LIVE = ("submitted", "eligible", "payable", "paid")
ECF1_INVALID = {
    "errors": [{"title": "Bad request", "detail": "The filter '#/updated_since' must be a valid RCF3339 date"}]
}
Item = dict[str, Any]


def parse(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def listed(client: httpx.Client, path: str, **params: str) -> list[Item]:
    response = client.get(path, params={"page[per_page]": "3000", **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == ECF_JSON
    items: list[Item] = response.json()["data"]
    return items


def test_a_teacher_registered_twice_has_ineligible_duplicate_declarations(
    ecf_in_process: InProcessSandbox, rect_in_process: InProcessSandbox
) -> None:
    states: set[str] = set()
    for token in ecf_in_process.tokens.values():
        old, rect = ecf_in_process.truth(token), rect_in_process.truth(token)
        assert all(d["attributes"]["state"] != "ineligible" for d in rect["participant-declarations"])
        assert all(d["attributes"]["ineligible_for_funding_reason"] is None for d in rect["participant-declarations"])
        rect_ids = {p["id"] for p in rect["participants"]}
        by_trn = {p["attributes"]["teacher_reference_number"]: p for p in rect["participants"]}
        twice = [p for p in old["participants"] if p["id"] not in rect_ids]
        assert twice, "every provider has a teacher it registered twice"
        for user in twice:
            attributes = user["attributes"]
            first = by_trn[attributes["teacher_reference_number"]]  # the same TRN on a different user
            assert first["id"] != user["id"] and first["attributes"]["full_name"] == attributes["full_name"]
            (enrolment,) = attributes["ecf_enrolments"]
            assert enrolment["teacher_reference_number_validated"] is False  # validating it would have merged them
            repeated = [d for d in old["participant-declarations"] if d["attributes"]["participant_id"] == user["id"]]
            assert repeated
            for declaration in repeated:
                shown = declaration["attributes"]
                states.add(shown["state"])
                reason = "duplicate_declaration" if shown["state"] == "ineligible" else None
                assert shown["state"] in ("ineligible", "voided") and shown["ineligible_for_funding_reason"] == reason
                assert shown["statement_id"] is None and shown["clawback_statement_id"] is None
                assert not shown["uplift_paid"]
                originals = [
                    d["attributes"]
                    for d in old["participant-declarations"]
                    if d["attributes"]["participant_id"] == first["id"]
                    and d["attributes"]["declaration_type"] == shown["declaration_type"]
                    and d["attributes"]["course_identifier"] == shown["course_identifier"]
                ]
                assert any(o["state"] in LIVE and o["created_at"] <= shown["created_at"] for o in originals)
    assert states == {"ineligible", "voided"}, "ineligible ones, and ones the provider has voided since"


def test_v2_shows_the_same_declarations_as_ineligible(
    ecf_in_process: InProcessSandbox, v2_in_process: InProcessSandbox
) -> None:
    for token in ecf_in_process.tokens.values():
        v3_states = {d["id"]: d["attributes"]["state"] for d in ecf_in_process.truth(token)["participant-declarations"]}
        v2_items = v2_in_process.truth(token)["participant-declarations"]
        assert {d["id"]: d["attributes"]["state"] for d in v2_items} == v3_states
        assert all("ineligible_for_funding_reason" not in d["attributes"] for d in v2_items)
    with v2_in_process.client() as client:
        rows = client.get("/api/v2/participant-declarations.csv").text.splitlines()
    assert any(row.split(",")[5] == "ineligible" for row in rows[1:])


def everyone(process: Sandbox) -> dict[str, Item]:
    """Every declaration any provider sees, by id."""
    return {
        d["id"]: d["attributes"] for t in process.tokens.values() for d in process.truth(t)["participant-declarations"]
    }


@pytest.fixture
def fresh_ecf() -> InProcessSandbox:
    """A private world, served as ECF v3, for a test that changes it."""
    return InProcessSandbox(World(seed=11, participants=40), "ecf-v3")


def test_ticks_register_teachers_twice_and_void_ineligible_declarations(fresh_ecf: InProcessSandbox) -> None:
    since, before = fresh_ecf.truth()["_meta"]["clock"], everyone(fresh_ecf)
    registered = voided = 0
    for _ in range(6):
        activity = fresh_ecf.tick(30)["activity"]
        registered += activity.get("ecf1_duplicates_registered", 0)
        voided += activity.get("ecf1_ineligible_voided", 0)
        if registered and voided:
            break
    now = everyone(fresh_ecf)
    found: set[str] = set()
    for token in fresh_ecf.tokens.values():
        with fresh_ecf.client(token) as client:
            params = {"filter[updated_since]": since}
            found |= {d["id"] for d in listed(client, "/api/v3/participant-declarations", **params)}
    new = {k for k, d in now.items() if k not in before and d["state"] == "ineligible"}
    gone = {k for k, d in now.items() if d["state"] == "voided" and before.get(k, {}).get("state") == "ineligible"}
    assert registered and voided and new and gone, (registered, voided, new, gone)
    assert all(now[k]["ineligible_for_funding_reason"] is None for k in gone)
    assert new | gone <= found, "an incremental sync sees them: their updated_at moved"


def z_to_offset(stamp: str, hours: int = 1) -> str:
    local = parse(stamp) + timedelta(hours=hours)
    return local.strftime("%Y-%m-%dT%H:%M:%S") + f"+{hours:02d}:00"


def test_updated_since_is_read_the_ecf1_way(
    ecf_in_process: InProcessSandbox, rect_in_process: InProcessSandbox
) -> None:
    path = "/api/v3/participant-declarations"
    with ecf_in_process.client() as client, rect_in_process.client() as rect:
        everything = listed(client, path)
        stamp = sorted(d["attributes"]["updated_at"] for d in everything)[len(everything) // 2]
        expected = [d["id"] for d in everything if d["attributes"]["updated_at"] >= stamp]

        def ids(value: str) -> list[str]:
            return [d["id"] for d in listed(client, path, **{"filter[updated_since]": value})]

        assert ids(stamp) == expected
        offset = z_to_offset(stamp)
        assert ids(offset) == expected  # httpx sends `+` as %2B: ECF1 parses the value as it arrives
        refused = rect.get(path, params={"filter[updated_since]": offset})  # RECT decodes again: `+` is a space
        assert refused.status_code == 400 and "ISO 8601" in refused.json()["errors"][0]["detail"]
        twice = offset.replace("+", "%252B")  # double-encoded: the raw value fails, its decoding parses
        assert [
            d["id"]
            for d in client.get(f"{path}?page%5Bper_page%5D=3000&filter%5Bupdated_since%5D={twice}").json()["data"]
        ] == expected
        for same in (stamp.replace("T", "t").replace("Z", "z"), f"  {stamp} ", stamp.replace("Z", ".000Z")):
            assert ids(same) == expected, same
        assert ids("   ") == [d["id"] for d in everything]  # blank is no filter
        literal = client.get(f"{path}?filter%5Bupdated_since%5D={offset}")  # a bare `+` decodes to a space
        for bad in (
            literal,
            *(
                client.get(path, params={"filter[updated_since]": v})
                for v in ("2026-13-01T00:00:00Z", "yesterday", f"{stamp}%", stamp[:10])  # Time.iso8601 wants a time
            ),
        ):
            assert bad.status_code == 400 and bad.json() == ECF1_INVALID
            assert bad.headers["content-type"] == ECF_JSON


def test_v2_reads_updated_since_the_same_way(v2_both_tiers: Sandbox) -> None:
    with v2_both_tiers.client() as client:
        rows = listed(client, "/api/v2/participants/ecf")
        stamp = sorted(r["attributes"]["updated_at"] for r in rows)[len(rows) // 2]
        by_z = listed(client, "/api/v2/participants/ecf", **{"filter[updated_since]": stamp})
        assert listed(client, "/api/v2/participants/ecf", **{"filter[updated_since]": z_to_offset(stamp, 2)}) == by_z
        bad = client.get("/api/v2/participant-declarations", params={"filter[updated_since]": "2026-02-30T25:00:00Z"})
        assert bad.status_code == 400 and bad.json() == ECF1_INVALID


def test_updated_since_selects_what_each_list_shows(ecf_in_process: InProcessSandbox) -> None:
    """Each list's updated_since compares the updated_at it shows (users.updated_at for unfunded mentors, as ECF1
    shows it), except schools, where ECF1 ORs in every cohort's school_cohorts row: a superset."""
    lists = (
        "/participants/ecf",
        "/participant-declarations",
        "/statements",
        "/partnerships/ecf",
        "/unfunded-mentors/ecf",
    )
    with ecf_in_process.client() as client:
        for path in lists:
            items = listed(client, f"/api/v3{path}")
            stamps = sorted(i["attributes"]["updated_at"] for i in items)
            since = stamps[len(stamps) // 2]
            found = {i["id"] for i in listed(client, f"/api/v3{path}", **{"filter[updated_since]": since})}
            assert found == {i["id"] for i in items if i["attributes"]["updated_at"] >= since}, path
        schools = listed(client, "/api/v3/schools/ecf", **{"filter[cohort]": "2024"})
        since = sorted(s["attributes"]["updated_at"] for s in schools)[len(schools) // 2]
        found = {
            s["id"]
            for s in listed(client, "/api/v3/schools/ecf", **{"filter[cohort]": "2024", "filter[updated_since]": since})
        }
        assert found >= {s["id"] for s in schools if s["attributes"]["updated_at"] >= since}


def test_schools_updated_since_matches_a_change_to_any_cohort(fresh_ecf: InProcessSandbox) -> None:
    """A change to a school's 2026 row lists it under cohort 2025 too, with its older 2025 updated_at (ECF1's
    schools_query ORs `school_cohorts.updated_at` over all the school's cohorts)."""
    since = fresh_ecf.truth()["_meta"]["clock"]
    with fresh_ecf.connect({}) as http:
        event = http.post("/sandbox/events", json={"kind": "school_ineligible"}, timeout=60)
    assert event.status_code == 200, event.text
    school_id, cohort = event.json()["school_id"], event.json()["cohort"]
    earlier = str(int(cohort) - 1)
    with fresh_ecf.client() as client:
        found = listed(client, "/api/v3/schools/ecf", **{"filter[cohort]": earlier, "filter[updated_since]": since})
        everything = listed(client, "/api/v3/schools/ecf", **{"filter[cohort]": earlier})
    (school,) = [s for s in found if s["id"] == school_id]
    assert school["attributes"]["updated_at"] < since
    assert {s["id"] for s in found} <= {s["id"] for s in everything}


def test_v2_participants_alias(v2_in_process: InProcessSandbox) -> None:
    """E:config/routes.rb keeps `GET /api/v2/participants` (and .csv) on the ECF participants index; no show."""
    with v2_in_process.client() as client:
        for params in ({}, {"page[per_page]": "7", "page[page]": "2"}, {"filter[cohort]": "2022,2023"}):
            alias = client.get("/api/v2/participants", params=params)
            assert alias.status_code == 200 and alias.headers["content-type"] == ECF_JSON
            assert alias.json() == client.get("/api/v2/participants/ecf", params=params).json()
        assert client.get("/api/v2/participants.csv").text == client.get("/api/v2/participants/ecf.csv").text
        one = listed(client, "/api/v2/participants")[0]["id"]
        missing = client.get(f"/api/v2/participants/{one}")
        assert missing.status_code == 404 and missing.json() == {"error": "Resource not Found"}
