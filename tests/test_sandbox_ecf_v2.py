"""`syncer sandbox --api ecf-v2`: ECF1's API v2 over the same world, against ecf-v2-openapi.json and the 2.0.0
guide (api-facts §6): flat per-enrolment participants, strict `>` on declarations, the .csv variants. In process on
the shared read-only world; the .csv variants are also fetched over loopback."""

from __future__ import annotations

import csv
import io
from collections import Counter
from typing import Any

import httpx
import pytest

from tests.openapi_ecf import validate, validate_strict
from tests.sandbox_process import InProcessSandbox, Sandbox

ECF_JSON = "application/vnd.api+json"
Item = dict[str, Any]


def listed(client: httpx.Client, path: str, **params: str) -> list[Item]:
    response = client.get(f"/api/v2{path}", params={"page[per_page]": "3000", **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == ECF_JSON
    body = response.json()
    assert set(body) == {"data"}
    items: list[Item] = body["data"]
    return items


@pytest.mark.parametrize(
    ("path", "many", "one"),
    [
        ("/participants/ecf", "MultipleECFParticipantsResponse", "ECFParticipantResponse"),
        (
            "/participant-declarations",
            "MultipleParticipantDeclarationsResponse",
            "SingleParticipantDeclarationResponse",
        ),
    ],
)
def test_items_validate_against_the_v2_openapi(
    v2_clients: dict[str, httpx.Client], path: str, many: str, one: str
) -> None:
    for client in v2_clients.values():
        items = listed(client, path)
        assert items
        validate({"data": items}, many, "ecf-v2")
        validate_strict({"data": items}, many, "ecf-v2")
        single = client.get(f"/api/v2{path}/{items[-1]['id']}")
        assert single.status_code == 200
        validate_strict(single.json(), one, "ecf-v2")
        assert single.json()["data"]["id"] == items[-1]["id"]


def test_participants_are_flat_enrolment_rows(
    v2_in_process: InProcessSandbox, rect_in_process: InProcessSandbox
) -> None:
    """One row per enrolment, keyed by training_record_id; an ECT who also mentors repeats the same id. ECF1 also
    lists its duplicate users (a teacher registered twice: same TRN, not validated), which RECT does not hold."""
    repeated = 0
    for token in v2_in_process.tokens.values():
        rows = v2_in_process.truth(token)["participants"]
        rect = rect_in_process.truth(token)["participants"]
        enrolments = {e["training_record_id"]: p["id"] for p in rect for e in p["attributes"]["ecf_enrolments"]}
        duplicates = [r for r in rows if r["id"] not in {p["id"] for p in rect}]
        assert {r["attributes"]["training_record_id"]: r["id"] for r in rows if r not in duplicates} == enrolments
        assert len(rows) == len(enrolments) + len(duplicates)
        trns = {p["attributes"]["teacher_reference_number"] for p in rect}
        assert all(not r["attributes"]["teacher_reference_number_validated"] for r in duplicates)
        assert all(r["attributes"]["teacher_reference_number"] in trns for r in duplicates)
        repeated += sum(n > 1 for n in Counter(r["id"] for r in rows).values())
    assert repeated, "the world has teachers who are both an ECT and a mentor with one provider"


def test_declarations_updated_since_is_exclusive(v2_clients: dict[str, httpx.Client]) -> None:
    client = next(iter(v2_clients.values()))
    declarations = listed(client, "/participant-declarations")
    stamp = Counter(d["attributes"]["updated_at"] for d in declarations).most_common(1)[0][0]
    after = listed(client, "/participant-declarations", **{"filter[updated_since]": stamp})
    assert {d["id"] for d in after} == {d["id"] for d in declarations if d["attributes"]["updated_at"] > stamp}
    # participants stay inclusive, ordered by updated_at when updated_since is given
    participants = listed(client, "/participants/ecf")
    since = sorted(p["attributes"]["updated_at"] for p in participants)[len(participants) // 2]
    later = listed(client, "/participants/ecf", **{"filter[updated_since]": since})
    assert {p["attributes"]["training_record_id"] for p in later} == {
        p["attributes"]["training_record_id"] for p in participants if p["attributes"]["updated_at"] >= since
    }
    stamps = [p["attributes"]["updated_at"] for p in later]
    assert stamps == sorted(stamps)


def test_csv_variants_hold_the_whole_list(v2_both_tiers: Sandbox) -> None:
    with v2_both_tiers.client() as client:
        for path, key in (("/participants/ecf", "training_record_id"), ("/participant-declarations", "id")):
            items = listed(client, path)
            response = client.get(f"/api/v2{path}.csv", params={"page[per_page]": "5"})  # not paginated
            assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
            rows = list(csv.DictReader(io.StringIO(response.text)))
            assert len(rows) == len(items)
            by_key = {r[key]: r for r in rows}
            for item in items:
                flat = {"id": item["id"], "type": item["type"], **item["attributes"]}
                row = by_key[flat[key]]
                for column, value in row.items():
                    expected = "" if flat[column] is None else flat[column]
                    expected = str(expected).lower() if isinstance(expected, bool) else str(expected)
                    assert value == expected, (column, value, flat[column])
        empty = client.get(
            "/api/v2/participant-declarations.csv", params={"filter[updated_since]": "2100-01-01T00:00:00Z"}
        )
        assert empty.status_code == 200 and empty.content == b""
        header = client.get("/api/v2/participant-declarations.csv").text.splitlines()[0]
        assert header == "id,participant_id,declaration_type,course_identifier,declaration_date,state,updated_at"


def test_v2_has_only_participants_and_declarations(v2_clients: dict[str, httpx.Client]) -> None:
    client = next(iter(v2_clients.values()))
    for path in ("/statements", "/partnerships/ecf", "/schools/ecf"):
        response = client.get(f"/api/v2{path}")
        assert response.status_code == 404 and response.json() == {"error": "Resource not Found"}
