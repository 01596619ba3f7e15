"""Config: a bad config fails fast with a message naming the key; tokens come from one place, never printed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from syncer.config import load_settings
from syncer.errors import ConfigError

GOOD = {"name": "lp", "base_url": "https://api.example.org/api/v3", "token": "secret-token"}


def settings(**source: object) -> object:
    return load_settings(warehouse={"path": "w.duckdb"}, sources=[{**GOOD, **source}])


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"base_url": "http://api.example.org/api/v3"}, "sources.0.base_url"),
        ({"base_url": "ftp://api.example.org"}, "sources.0.base_url"),
        ({"per_page": 3001}, "sources.0.per_page"),
        ({"per_page": 0}, "sources.0.per_page"),
        ({"api": "v9"}, "sources.0.api"),
        ({"lookback": "soon"}, "sources.0.lookback"),
        ({"lookback": "-5m"}, "sources.0.lookback"),
        ({"token_env": "X"}, "sources.0"),
        ({"token": None}, "sources.0"),
        ({"name": "has space"}, "sources.0.name"),
        ({"surprise": 1}, "sources.0.surprise"),
        ({"max_retries": -1}, "sources.0.max_retries"),
    ],
)
def test_bad_source_config_names_the_key(change: dict[str, object], named: str) -> None:
    with pytest.raises(ConfigError) as error:
        settings(**change)
    assert named in str(error.value)
    assert "secret-token" not in str(error.value)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8765/api/v3", "http://localhost/api/v3", "http://[::1]:9/api"])
def test_plain_http_is_allowed_on_loopback_only(url: str) -> None:
    settings(base_url=url)


def test_durations_tokens_and_env_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("from-file\n")
    config = tmp_path / "config.toml"
    config.write_text(
        f'[warehouse]\npath = "a.duckdb"\n[[sources]]\nname = "lp"\nbase_url = "https://x.org/api/v3"\n'
        f'token_file = "{token_file}"\nlookback = "90m"\nfull_refresh_every = "2w"\n'
    )
    monkeypatch.setenv("SYNCER_WAREHOUSE__PATH", "from-env.duckdb")
    loaded = load_settings(config)
    assert loaded.warehouse.path == Path("from-env.duckdb")
    source = loaded.sources[0]
    assert source.lookback == timedelta(minutes=90) and source.full_refresh_every == timedelta(weeks=2)
    assert source.resolve_token() == "from-file"
    assert "from-file" not in repr(loaded)


def test_token_env_must_be_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_SUCH_TOKEN", raising=False)
    loaded = load_settings(warehouse={"path": "w"}, sources=[{**GOOD, "token": None, "token_env": "NO_SUCH_TOKEN"}])
    with pytest.raises(ConfigError, match="NO_SUCH_TOKEN"):
        loaded.sources[0].resolve_token()


def test_missing_file_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[warehouse\npath=")
    with pytest.raises(ConfigError, match="invalid config"):
        load_settings(broken)


def test_duplicate_source_names_are_refused() -> None:
    with pytest.raises(ConfigError, match="unique"):
        load_settings(warehouse={"path": "w"}, sources=[GOOD, GOOD])


def test_the_example_config_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECF_AMBITION_TOKEN", "x")
    example = Path(__file__).resolve().parents[1] / "config.example.toml"
    loaded = load_settings(example)
    assert loaded.sources[0].resolve_token() == "x"
