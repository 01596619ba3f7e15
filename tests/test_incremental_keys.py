"""How a refresh selects a model's rows by a key set: a short one inlined as constants (DuckDB pushes them down to
the scans), a long one as a semi join against its temp table (constants are planned key by key)."""

from __future__ import annotations

from syncer import incremental


def test_a_short_key_set_is_inlined_and_a_long_one_joined() -> None:
    short: list[str | None] = [f"id-{n}" for n in range(incremental.CONSTANTS_UP_TO)]
    long = [*short, "one-more"]
    inlined = incremental.membership("c", "participants", short, constants=True)
    assert inlined == "c IN (" + ", ".join(f"'{key}'" for key in short) + ")"
    joined = incremental.membership("c", "participants", [*long, None], constants=True)
    assert joined == "c IN (SELECT id FROM refresh_participants) OR c IS NULL"
