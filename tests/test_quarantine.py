"""Malformed items go to quarantine while the rest of their page applies; malformed bodies fail the stream's
run without moving its checkpoint. Pages are real sandbox pages, damaged by hypothesis-generated mutations
and served through httpx's transport seam (the real sandbox never sends broken items)."""

from __future__ import annotations

import copy
import itertools
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from syncer.client import ApiClient
from syncer.config import load_settings
from syncer.store import Store
from syncer.streams import BY_NAME
from syncer.sync import sync_stream
from syncer.warehouse import Warehouse
from tests.sandbox_process import SandboxProcess

pytestmark = pytest.mark.slow  # a real `syncer sandbox` (or `syncer`) process over loopback

STREAM = BY_NAME["participant-declarations"]
COUNTER = itertools.count()


GONE = object()  # the key is deleted
# how -> (where: "item" or "attributes", key, the value it gets, or GONE)
DAMAGE: dict[str, tuple[str, str, Any]] = {
    "no id": ("item", "id", GONE),
    "id not a uuid": ("item", "id", "declaration-1"),
    "id a number": ("item", "id", 42),
    "no attributes": ("item", "attributes", GONE),
    "wrong type": ("item", "type", "participant"),
    "no updated_at": ("attributes", "updated_at", GONE),
    "impossible timestamp": ("attributes", "updated_at", "2025-13-45T25:61:00Z"),
    "timestamp a number": ("attributes", "declaration_date", 1700000000),
    "state a number": ("attributes", "state", 7),
    "boolean as text": ("attributes", "uplift_paid", "yes"),
    "participant_id missing": ("attributes", "participant_id", GONE),
    "statement_id not a uuid": ("attributes", "statement_id", "next month"),
}


def break_item(item: dict[str, Any], how: str) -> Any:
    if how == "not an object":
        return "participant-declaration"
    if how == "null":
        return None
    broken = copy.deepcopy(item)
    if how == "attributes a list":
        broken["attributes"] = [broken["attributes"]]
        return broken
    where, key, value = DAMAGE[how]
    target = broken if where == "item" else broken["attributes"]
    if value is GONE:
        del target[key]
    else:
        target[key] = value
    return broken


BREAKAGES = (*DAMAGE, "attributes a list", "not an object", "null")


@pytest.fixture(scope="module")
def real_page(sandbox: SandboxProcess) -> list[dict[str, Any]]:
    with sandbox.client() as client:
        response = client.get("/api/v3/participant-declarations", params={"page[per_page]": "25"})
    items: list[dict[str, Any]] = response.json()["data"]
    assert len(items) == 25
    return items


def run_once(tmp: Path, body: bytes) -> tuple[Store, Any]:
    """One declarations scan whose only page is `body`, into a fresh warehouse."""
    config = load_settings(
        warehouse={"path": str(tmp / f"w{next(COUNTER)}.duckdb")},
        sources=[{"name": "lp", "base_url": "http://127.0.0.1/api/v3", "token": "t", "max_retries": 1}],
    )
    source = config.sources[0]
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body))
    client = ApiClient(source.base_url, "t", max_retries=1, backoff=0.001, transport=transport)
    store = Store(Warehouse(config.warehouse.path))
    result = sync_stream(store, client, source, STREAM, False, "run")
    return store, result


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(damage=st.dictionaries(st.integers(0, 24), st.sampled_from(BREAKAGES), min_size=1, max_size=6))
def test_bad_items_are_quarantined_and_the_rest_applies(
    real_page: list[dict[str, Any]], tmp_path_factory: pytest.TempPathFactory, damage: dict[int, str]
) -> None:
    items = [break_item(item, damage[i]) if i in damage else item for i, item in enumerate(real_page)]
    store, result = run_once(tmp_path_factory.mktemp("q"), orjson.dumps({"data": items}))
    warehouse = store.warehouse
    with warehouse:
        stored = {r[0] for r in warehouse.query("SELECT id FROM participant_declarations")}
        quarantined = warehouse.query("SELECT count(*), sum(occurrences) FROM quarantine")[0]
        watermark = store.book.state("lp", STREAM.name)[0]
        stored_state = warehouse.query("SELECT watermark, last_full_refresh_at FROM sync_state")
    assert result.outcome == "success"
    assert stored_state == [store.book.state("lp", STREAM.name)]  # what state() keeps is what was committed
    assert stored == {item["id"] for i, item in enumerate(real_page) if i not in damage}
    assert result.quarantined == len(damage) and quarantined[1] == len(damage)
    assert watermark is not None  # the page was the last one: the scan completed despite its bad items


BAD_BODIES = [
    b'{"data": [{"id": "x"',  # cut short
    b"<html>Bad gateway</html>",
    b"[]",
    b'{"items": []}',
    b'{"data": {"id": "not a list"}}',
    b"",
    b"null",
    b'{"data": null}',
]


@pytest.mark.parametrize("body", BAD_BODIES)
def test_a_body_that_is_not_the_envelope_fails_the_run_and_keeps_the_checkpoint(tmp_path: Path, body: bytes) -> None:
    store, result = run_once(tmp_path, body)
    warehouse = store.warehouse
    with warehouse:
        rows = warehouse.query("SELECT count(*) FROM participant_declarations")[0][0]
        state = store.book.state("lp", STREAM.name)
        outcome = warehouse.query("SELECT outcome, error FROM sync_runs")[0]
    assert result.outcome == "failed" and outcome[0] == "failed" and outcome[1]
    assert rows == 0 and state == (None, None)
