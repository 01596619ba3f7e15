"""participant_id_changes -> canonical_participant_id, resolved transitively and cycle-safely.

Merges chain (A->B, later B->C) and, in ECF1 data, flip-flop (A->B, later B->A). For each id the latest
change away from it wins; following those edges ends at the canonical id, and if they loop, the target of
the latest change inside the loop is canonical (in A->B->A that is A, the id the last merge kept).
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pyarrow as pa

from syncer import sqlfiles
from syncer.streams import REMAPPED
from syncer.warehouse import Warehouse


def canonical_ids(changes: list[tuple[str, str, datetime]]) -> dict[str, str]:
    """{participant id: canonical id} for every id that was ever changed away from."""
    latest: dict[str, tuple[datetime, str]] = {}
    for source_id, target_id, changed_at in changes:
        if source_id != target_id and (source_id not in latest or changed_at > latest[source_id][0]):
            latest[source_id] = (changed_at, target_id)
    resolved: dict[str, str] = {}
    for start in latest:
        path = [start]
        current = start
        while current in latest:
            following = latest[current][1]
            if following in resolved:
                current = resolved[following]
                break
            if following in path:
                loop = path[path.index(following) :]
                current = latest[max(loop, key=lambda node: latest[node][0])][1]
                break
            path.append(following)
            current = following
        for node in path:
            resolved.setdefault(node, current)
    return {k: v for k, v in resolved.items() if k != v or k in latest}


def remap(warehouse: Warehouse, source: str) -> int:
    """Rebuilds the source's participant_id_map and re-applies it to stored rows; answers the map's size."""
    changes = warehouse.query(
        "SELECT from_participant_id, to_participant_id, changed_at FROM participant_id_changes WHERE source = ?",
        [source],
    )
    mapping = canonical_ids([(a, b, c) for a, b, c in changes])
    stored = dict(
        warehouse.query(
            "SELECT participant_id, canonical_participant_id FROM participant_id_map WHERE source = ?", [source]
        )
    )
    if stored == mapping:
        # rows written by this run were mapped while staged, and stored rows already carry this mapping
        return len(mapping)
    with warehouse.transaction() as con:
        con.execute("DELETE FROM participant_id_map WHERE source = ?", [source])
        if mapping:
            table = pa.table(
                {
                    "source": pa.array([source] * len(mapping), pa.string()),
                    "participant_id": pa.array(list(mapping), pa.string()),
                    "canonical_participant_id": pa.array(list(mapping.values()), pa.string()),
                }
            )
            con.register("new_map", table)
            con.execute("INSERT INTO participant_id_map SELECT * FROM new_map")
            con.unregister("new_map")
        note_remapped_rows(con, source, stored, mapping)
        template = sqlfiles.read("remap/canonical.sql")
        for table_name, column, target in REMAPPED:
            for statement in template.format(table=table_name, column=column, target=target).split(";"):
                if "UPDATE" in statement:
                    con.execute(statement, {"source": source})
        con.execute(sqlfiles.read("remap/merged_into.sql"), {"source": source})
    return len(mapping)


def note_remapped_rows(
    con: duckdb.DuckDBPyConnection, source: str, stored: dict[str, str], mapping: dict[str, str]
) -> None:
    """Notes in finance_changes the rows whose canonical ids this remap changes: those naming an id that the new
    map sends elsewhere than the stored one did (or that joins or leaves the map)."""
    remapped = sorted(pid for pid in stored.keys() | mapping.keys() if stored.get(pid) != mapping.get(pid))
    if not remapped:
        return
    con.register("remapped_ids", pa.table({"participant_id": pa.array(remapped, pa.string())}))
    try:
        template = sqlfiles.read("remap/changed.sql")
        for table_name, column, _ in REMAPPED:
            con.execute(template.format(table=table_name, column=column), {"source": source})
    finally:
        con.unregister("remapped_ids")
