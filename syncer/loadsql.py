"""The write path's SQL, built from a stream's declaration: pure functions of table, key and columns, so they
can be read and tested without a warehouse (syncer/store.py runs them)."""

from __future__ import annotations

from syncer import sqlfiles
from syncer.streams import REMAPPED

BOOKKEEPING = ("first_seen_at", "last_seen_at", "removed_at")


def stage_sql(table: str, key: tuple[str, ...], compared: tuple[str, ...], unique: bool, has_raw: bool) -> list[str]:
    """staged := sql/load/<table>.sql over `incoming`, each row classified against the warehouse as new, changed
    (payload differs, or it comes back after removal) or same (byte-identical); then the participant ids of the
    staged rows mapped to their canonical ids. Rows are matched by key_hash and payloads compared by md5, so the
    join reads two 16-byte columns per stored row rather than the keys and the JSON; the stored values of
    `compared` come along as previous_<column> for the hooks, and its first_seen_at as stored_first_seen_at for a
    replacement (write_sql). `unique`: the sync has already kept one item per
    key; else (a batch of children can still repeat one, e.g. a shared enrolment) the repeats are deleted from
    staged, which costs a grouping of the keys' hashes where a DISTINCT ON would carry every column through it."""
    if has_raw:
        digest = ", md5_number(raw) AS raw_md5"
        changed = "t.raw_md5 IS DISTINCT FROM loaded.raw_md5 OR t.removed_at IS NOT NULL"
    else:
        digest, changed = "", "false"
    previous = "".join(f", t.{c} AS previous_{c}" for c in compared) + ", t.first_seen_at AS stored_first_seen_at"
    statements = [
        f"CREATE OR REPLACE TEMP TABLE staged AS SELECT loaded.*, "
        f"CASE WHEN t.key_hash IS NULL THEN 'new' WHEN {changed} THEN 'changed' ELSE 'same' END AS change"
        f"{previous} FROM (SELECT *{digest}, {key_hash(key)} AS key_hash "
        f"FROM ({sqlfiles.read(f'load/{table}.sql')})) AS loaded "
        f"LEFT JOIN {table} AS t ON t.key_hash = loaded.key_hash"
    ]
    if not unique:
        statements.append(
            "DELETE FROM staged AS s USING (SELECT key_hash, min(rowid) AS kept FROM staged GROUP BY key_hash "
            "HAVING count(*) > 1) AS r WHERE s.key_hash = r.key_hash AND s.rowid <> r.kept"
        )
    for mapped_table, column, target in REMAPPED:
        if mapped_table == table:
            statements.append(sqlfiles.read("remap/staged.sql").format(column=column, target=target))
    return statements


def key_hash(key: tuple[str, ...]) -> str:
    """The SQL for a row's key_hash (sql/schema/007_key_hash.sql computed it for rows stored before it existed)."""
    parts = ", ".join(f"CAST({k} AS VARCHAR)" for k in ("source", *key))
    return f"md5_number(concat_ws(chr(31), {parts}))"


def write_sql(table: str, key: tuple[str, ...], columns: tuple[str, ...]) -> list[str]:
    """The upsert of `staged` into `table`: [insert the new rows, replace the changed ones, touch the same ones].

    A changed row is deleted and inserted again (keeping its first_seen_at) rather than UPDATEd: DuckDB's checkpoint
    rewrites every updated column of each row group an UPDATE touches, so a few hundred changed declarations
    scattered over the table cost recompressing all of its raw JSON (seconds at 100k participants), where a delete
    costs a mark and an insert an append. The replacement is one script of several statements."""
    data = ", ".join(c for c in columns if c not in BOOKKEEPING)
    removable = "removed_at" in columns
    into = f"INSERT INTO {table} ({data}, first_seen_at, last_seen_at{', removed_at' if removable else ''}) "
    seen = f"seen_at{', NULL' if removable else ''}"  # last_seen_at, and removed_at: back in scope
    replace = [
        f"DELETE FROM {table} WHERE key_hash IN (SELECT key_hash FROM staged WHERE change = 'changed')",
        f"{into}SELECT {data}, stored_first_seen_at, {seen} FROM staged WHERE change = 'changed'",
    ]
    return [
        f"{into}SELECT {data}, seen_at, {seen} FROM staged WHERE change = 'new'",
        "; ".join(replace),
        f"UPDATE {table} AS t SET last_seen_at = s.seen_at FROM staged AS s WHERE t.key_hash = s.key_hash "
        "AND s.change = 'same'",
    ]


def change_log_sql(table: str) -> str:
    """Notes the staged rows that the upsert inserts or updates in finance_changes (sql/schema/010), so that the
    finance layer refreshes only what they reach; byte-identical rows change nothing and are not noted."""
    return f"INSERT INTO finance_changes SELECT '{table}', key_hash FROM staged WHERE change <> 'same'"


def removal_log_sql(table: str, tables: str, where: str) -> str:
    """Notes in finance_changes the rows of `table` (aliased t in `tables`) that an UPDATE with the same FROM and
    `where` is about to mark removed: run just before it, in the same transaction, with the same parameters."""
    return f"INSERT INTO finance_changes SELECT '{table}', t.key_hash FROM {tables} WHERE {where}"
