"""Compares a warehouse with the sandbox's /sandbox/truth, item by item (shared by sync tests and bench)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

from syncer.config import Settings, load_settings
from syncer.streams import STREAMS
from tests.sandbox_process import SandboxProcess

SOURCE = "lp"


def settings_for(
    sandbox: SandboxProcess,
    path: Path,
    write_batch_mb: float | None = None,
    contracts: Path | None = None,
    **source: Any,
) -> Settings:
    """Settings for one source reading `sandbox` as its first lead provider, writing the warehouse `path`
    (and pricing its statements from the `contracts` file)."""
    batch = {} if write_batch_mb is None else {"write_batch_mb": write_batch_mb}
    return load_settings(
        warehouse={"path": str(path), **batch},
        sources=[{"name": SOURCE, "base_url": f"{sandbox.url}/api/v3", "token": sandbox.token, **source}],
        finance={"contracts": contracts},
    )


def config_file(sandbox: SandboxProcess, path: Path, write_batch_mb: float | None = None, **source: Any) -> Path:
    """The same as a TOML file, for `syncer` subprocesses."""
    batch = "" if write_batch_mb is None else f"\nwrite_batch_mb = {write_batch_mb}"
    lines = [
        f'[warehouse]\npath = "{path}"{batch}\n[[sources]]\nname = "{SOURCE}"',
        f'base_url = "{sandbox.url}/api/v3"',
    ]
    lines.append(f'token = "{sandbox.token}"')
    lines += [f"{key} = {value!r}".replace("'", '"') for key, value in source.items()]
    config = path.with_suffix(".toml")
    config.write_text("\n".join(lines) + "\n")
    return config


# Values the real API changes without bumping updated_at (trap 8): only a full scan refreshes them.


def strip_unbumped(stream: str, item: dict[str, Any]) -> dict[str, Any]:
    item = json.loads(json.dumps(item))
    if stream == "participants":
        for enrolment in item["attributes"]["ecf_enrolments"]:
            enrolment.pop("participant_status", None)
    if stream == "participants/transfers":
        for transfer in item["attributes"]["transfers"]:
            transfer.pop("status", None)
    if stream == "unfunded-mentors":
        item["attributes"].pop("email", None)
    if stream == "partnerships":  # counted when served; only the nightly job touches it
        item["attributes"].pop("participants_currently_training", None)
    return item


def keyed(stream: str, item: dict[str, Any]) -> str:
    return f"{item['id']}/{item['attributes']['cohort']}" if stream == "schools" else str(item["id"])


def warehouse_items(path: Path | str, source: str, include_removed: bool = False) -> dict[str, dict[str, Any]]:
    """{stream: {key: item}} rebuilt from raw JSON, with participant and mentor ids replaced by the warehouse's
    canonical ids (the API re-points them after a merge without a bump)."""
    result: dict[str, dict[str, Any]] = {}
    where = "" if include_removed else " AND removed_at IS NULL"
    with duckdb.connect(str(path), read_only=True) as con:
        canonical = dict(
            con.execute(
                "SELECT id, {'participant_id': canonical_participant_id, 'mentor_id': canonical_mentor_id} "
                "FROM participant_declarations WHERE source = ?",
                [source],
            ).fetchall()
        )
        mentors = dict(
            con.execute(
                "SELECT training_record_id, canonical_mentor_id FROM participant_enrolments WHERE source = ?", [source]
            ).fetchall()
        )
        for stream in STREAMS:
            rows = con.execute(f"SELECT raw FROM {stream.table} WHERE source = ?{where}", [source]).fetchall()
            items = {}
            for (raw,) in rows:
                item = json.loads(raw)
                if stream.table == "participant_declarations":
                    item["attributes"].update(canonical[item["id"]])
                if stream.table == "participants":
                    for enrolment in item["attributes"]["ecf_enrolments"]:
                        enrolment["mentor_id"] = mentors[enrolment["training_record_id"]]
                items[keyed(stream.name, item)] = item
            result[stream.name] = items
    return result


def truth_items(truth: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s.name: {keyed(s.name, i): i for i in truth[s.name]} for s in STREAMS}


def differences(
    warehouse: dict[str, dict[str, Any]], truth: dict[str, dict[str, Any]], ignore_unbumped: bool = False
) -> dict[str, dict[str, int]]:
    """Per stream: rows missing from the warehouse, extra in it, and present in both but different."""
    report = {}
    for stream, expected in truth.items():
        found = warehouse.get(stream, {})
        missing = expected.keys() - found.keys()
        extra = found.keys() - expected.keys()

        def norm(item: dict[str, Any], name: str = stream) -> dict[str, Any]:
            return strip_unbumped(name, item) if ignore_unbumped else item

        changed = [k for k in expected.keys() & found.keys() if norm(expected[k]) != norm(found[k])]
        if missing or extra or changed:
            report[stream] = {"missing": len(missing), "extra": len(extra), "changed": len(changed)}
    return report


def last_filter(path: Path, stream: str) -> Any:
    """The updated_since filter of the stream's latest scan (None for a full scan)."""
    with duckdb.connect(str(path), read_only=True) as con:
        row = con.execute(
            "SELECT updated_since FROM sync_runs WHERE stream = ? ORDER BY started_at DESC LIMIT 1", [stream]
        ).fetchone()
    assert row is not None
    return row[0]
