"""Table-driven unit tests of the pure parts, no server: participant-id resolution (remap.canonical_ids), the ECF v2
participants adapter, CSV decoding of ECF1's .csv lists, item validation (split_valid) and the write path's SQL
builders (loadsql)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import pytest

from syncer.adapters import v2_participants
from syncer.api_models import split_valid
from syncer.csv_lists import items_from_csv
from syncer.loadsql import key_hash, write_sql
from syncer.remap import canonical_ids

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def at(day: int) -> datetime:
    return T0 + timedelta(days=day)


CANONICAL = {
    "no changes": ([], {}),
    "one merge": ([("a", "b", at(1))], {"a": "b"}),
    "a chain": ([("a", "b", at(1)), ("b", "c", at(2))], {"a": "c", "b": "c"}),
    "a chain told backwards": ([("b", "c", at(2)), ("a", "b", at(1))], {"a": "c", "b": "c"}),
    "the latest change away from an id wins": ([("a", "b", at(1)), ("a", "c", at(2))], {"a": "c"}),
    # A->B then B->A: the last merge kept A, so both read as A
    "a flip-flop A->B->A": ([("a", "b", at(1)), ("b", "a", at(2))], {"a": "a", "b": "a"}),
    "a flip-flop B->A->B": ([("b", "a", at(1)), ("a", "b", at(2))], {"a": "b", "b": "b"}),
    "a three-id loop ends at the latest change's target": (
        [("a", "b", at(1)), ("b", "c", at(3)), ("c", "a", at(2))],
        {"a": "c", "b": "c", "c": "c"},
    ),
    "a self-change is ignored": ([("a", "a", at(1))], {}),
    "two trees": ([("a", "b", at(1)), ("x", "y", at(1)), ("y", "z", at(2))], {"a": "b", "x": "z", "y": "z"}),
    "a chain into a loop": (
        [("p", "a", at(0)), ("a", "b", at(1)), ("b", "a", at(2))],
        {"p": "a", "a": "a", "b": "a"},
    ),
}


@pytest.mark.parametrize("case", sorted(CANONICAL))
def test_canonical_ids(case: str) -> None:
    changes, expected = CANONICAL[case]
    assert canonical_ids(changes) == expected


def v2_row(participant: str, record: str, role: str = "ect", **attributes: Any) -> dict[str, Any]:
    return {"id": participant, "type": "participant",
            "attributes": {"training_record_id": record, "participant_type": role, "full_name": "N",
                           "teacher_reference_number": "1234567", "updated_at": "2025-01-01T00:00:00Z",
                           **attributes}}  # fmt: skip


ADAPTER_CASES = {
    "one row, one participant": ([v2_row("p", "r1")], set(), [("p", ["r1"])], {"r1"}),
    "an ECT who also mentors: one participant, two enrolments": (
        [v2_row("p", "r1"), v2_row("p", "r2", "mentor")], set(), [("p", ["r1", "r2"])], {"r1", "r2"}
    ),
    "rows the previous page had are dropped": (
        [v2_row("p", "r1"), v2_row("q", "r3")], {"r1"}, [("q", ["r3"])], {"r1", "r3"}
    ),
    "a repeated row on one page is one enrolment": (
        [v2_row("p", "r1"), v2_row("p", "r1")], set(), [("p", ["r1"])], {"r1"}
    ),
    "a row without a training_record_id passes through to be quarantined": (
        [{"id": "p", "type": "participant", "attributes": {}}], set(), [("p", None)], set()
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(ADAPTER_CASES))
def test_v2_participants_adapter(case: str) -> None:
    rows, previous, expected, keys = ADAPTER_CASES[case]
    items, seen = v2_participants(rows, previous)
    shaped = [(i["id"], [e["training_record_id"] for e in i["attributes"]["ecf_enrolments"]]
               if "ecf_enrolments" in i["attributes"] else None) for i in items]  # fmt: skip
    assert shaped == expected and seen == keys
    for item in items:
        if "ecf_enrolments" in item["attributes"]:
            assert item["attributes"]["full_name"] == "N" and item["attributes"]["participant_id_changes"] == []


CSV_HEADER = "id,type,participant_id,declaration_type,declaration_date,course_identifier,state,updated_at\n"
CSV_CASES: dict[str, tuple[bytes, list[dict[str, Any]] | str]] = {
    "an empty body is no items": (b"", []),
    "a header and no rows": (CSV_HEADER.encode(), []),
    "a row becomes the JSON item, blanks as null": (
        (CSV_HEADER + "d1,participant-declaration,p1,started,2025-01-01T00:00:00Z,ecf-induction,paid,\n").encode(),
        [{"id": "d1", "type": "participant-declaration",
          "attributes": {"participant_id": "p1", "declaration_type": "started",
                         "declaration_date": "2025-01-01T00:00:00Z", "course_identifier": "ecf-induction",
                         "state": "paid", "updated_at": None, "has_passed": None}}],
    ),
    "no id column": (b"type,state\nx,paid\n", "no header row with an id column"),
    "more fields than the header": ((CSV_HEADER + "d1,t,p,s,d,c,s,u,extra\n").encode(), "more fields than the header"),
    "not UTF-8": (b"\xff\xfe\x00", "not UTF-8"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CSV_CASES))
def test_csv_decoding(case: str) -> None:
    body, expected = CSV_CASES[case]
    decode = items_from_csv("participant-declaration")
    if isinstance(expected, str):
        with pytest.raises(ValueError, match=expected):
            decode(body)
    else:
        assert decode(body) == expected


def test_csv_booleans_are_true_or_false_only() -> None:
    decode = items_from_csv("participant")
    header = "id,eligible_for_funding,sparsity_uplift\n"
    (item,) = decode(f"{header}p,true,false\n".encode())
    assert item["attributes"]["eligible_for_funding"] is True and item["attributes"]["sparsity_uplift"] is False
    with pytest.raises(ValueError, match="eligible_for_funding is 'yes'"):
        decode(f"{header}p,yes,false\n".encode())


GOOD_STATEMENT: dict[str, Any] = {"id": "6a2fb2e4-2b1b-4a9b-8d3a-5c7f9a1b2c3d", "type": "statement",
                  "attributes": {"month": "May", "year": "2025", "cohort": "2024", "cut_off_date": "2025-04-30",
                                 "payment_date": "2025-05-25", "paid": True, "created_at": "2024-06-01T09:00:00Z",
                                 "updated_at": "2024-06-01T09:00:00Z"}}  # fmt: skip


def broken(**attributes: Any) -> dict[str, Any]:
    return {**GOOD_STATEMENT, "attributes": {**GOOD_STATEMENT["attributes"], **attributes}}


SPLIT_CASES: dict[str, tuple[list[Any], int, list[str]]] = {
    "a good page passes whole": ([GOOD_STATEMENT], 1, []),
    "another type is bad": ([{**GOOD_STATEMENT, "type": "participant"}], 0, ["type is 'participant'"]),
    "an id that is not a uuid": ([{**GOOD_STATEMENT, "id": "s-1"}], 0, ["id"]),
    "an impossible timestamp": ([broken(updated_at="2025-13-45T25:61:00Z")], 0, ["updated_at"]),
    "a boolean as text": ([broken(paid="yes")], 0, ["paid"]),
    "not an object": (["statement"], 0, [""]),
    "one bad item among good ones": ([GOOD_STATEMENT, broken(paid="yes"), GOOD_STATEMENT], 2, ["paid"]),
    "unknown attributes are fine": ([broken(new_field=1)], 1, []),
}


@pytest.mark.parametrize("case", sorted(SPLIT_CASES))
def test_split_valid(case: str) -> None:
    items, good, reasons = SPLIT_CASES[case]
    valid, bad = split_valid("statement", items)
    assert len(valid) == good and len(bad) == len(reasons)
    assert all(reason in why for (_, why), reason in zip(bad, reasons, strict=True))


def test_key_hash_is_one_value_per_key_and_source() -> None:
    with duckdb.connect() as con:
        rows = con.execute(
            f"SELECT {key_hash(('id', 'cohort'))} FROM (VALUES ('lp', 'a', 2024), ('lp', 'a', 2025), "
            "('other', 'a', 2024), ('lp', 'a', 2024)) AS t(source, id, cohort)"
        ).fetchall()
    assert rows[0] == rows[3] and len({rows[0], rows[1], rows[2]}) == 3


def test_write_sql_inserts_new_updates_changed_and_touches_same() -> None:
    insert, update, touch = write_sql("t", ("id",), ("source", "id", "name", "key_hash", "first_seen_at",
                                                      "last_seen_at", "removed_at"))  # fmt: skip
    with duckdb.connect() as con:
        con.execute("CREATE TABLE t (source VARCHAR, id VARCHAR, name VARCHAR, key_hash UHUGEINT, "
                    "first_seen_at TIMESTAMP, last_seen_at TIMESTAMP, removed_at TIMESTAMP)")  # fmt: skip
        con.execute("INSERT INTO t VALUES ('lp', 'a', 'old', 1, '2025-01-01', '2025-01-01', '2025-02-01'), "
                    "('lp', 'b', 'same', 2, '2025-01-01', '2025-01-01', NULL)")  # fmt: skip
        # staged as stage_sql leaves it: each row with its stored row's first_seen_at (none for a new one)
        con.execute("CREATE TEMP TABLE staged AS SELECT * FROM (VALUES "
                    "('lp', 'a', 'new name', 1, 'changed', TIMESTAMP '2025-01-01'), "
                    "('lp', 'b', 'same', 2, 'same', TIMESTAMP '2025-01-01'), ('lp', 'c', 'c', 3, 'new', NULL)) "
                    "AS s(source, id, name, key_hash, change, stored_first_seen_at), "
                    "(SELECT TIMESTAMP '2025-03-01' AS seen_at)")  # fmt: skip
        for statement in (insert, update, touch):
            con.execute(statement)
        rows = con.execute("SELECT id, name, first_seen_at::DATE, last_seen_at::DATE, removed_at FROM t ORDER BY id")
        found = [tuple(str(v) if v is not None else None for v in row) for row in rows.fetchall()]
    assert found == [
        ("a", "new name", "2025-01-01", "2025-03-01", None),  # changed: back in scope
        ("b", "same", "2025-01-01", "2025-03-01", None),  # same: only seen again
        ("c", "c", "2025-03-01", "2025-03-01", None),  # new
    ]
