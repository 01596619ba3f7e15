"""Settings: one TOML file, overridable from the environment.

Precedence, highest first: keyword arguments > environment (`SYNCER_...`, nested with `__`, e.g.
`SYNCER_WAREHOUSE__PATH`) > the TOML file > the defaults below. A source's token comes from exactly one of
`token`, `token_env` (the name of an environment variable) or `token_file`; it is held as a SecretStr and is
never logged or printed.
"""

from __future__ import annotations

import ipaddress
import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from syncer.errors import ConfigError

DEFAULT_WAREHOUSE = "warehouse.duckdb"
DEFAULT_PER_PAGE = 3000
DEFAULT_WRITE_BATCH_MB = 8.0
# the read snapshot's storage format: the oldest that holds everything the warehouse uses (zstd-compressed
# columns need 1.2), so that DuckDB 1.2 and later open it (BI drivers' 1.4 LTS, the pip CLI's 1.5, 2.x)
DEFAULT_SNAPSHOT_STORAGE_VERSION = "v1.2.0"
DEFAULT_LOOKBACK = timedelta(hours=1)
DEFAULT_FULL_REFRESH_EVERY = timedelta(days=7)
DEFAULT_RATE_LIMIT = 1000
DEFAULT_RATE_WINDOW = timedelta(seconds=300)
# RECT also counts every request from one address, whichever token: 1500 per window against 1000 per token
ADDRESS_LIMIT_RATIO = 1.5
DEFAULT_TIMEOUT = timedelta(seconds=30)
DEFAULT_MAX_RETRIES = 6
DEFAULT_RETRY_BACKOFF = timedelta(seconds=0.5)
DEFAULT_RETRY_BACKOFF_MAX = timedelta(seconds=30)
# [daemon]: `syncer run`
DEFAULT_INTERVAL = timedelta(minutes=15)
DEFAULT_TIMEZONE = "UTC"
DEFAULT_MISFIRE_GRACE = timedelta(minutes=5)
DEFAULT_FAILURE_BACKOFF = timedelta(minutes=1)  # after a failed run (not a request: see retry_backoff)
DEFAULT_FAILURE_BACKOFF_MAX = timedelta(hours=1)
DEFAULT_HEALTH_HOST = "127.0.0.1"  # the container image sets 0.0.0.0 so that Prometheus can scrape it
DEFAULT_HEALTH_PORT = 8080
DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$")
UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: Any) -> Any:
    """Accepts "90s", "15m", "1h", "7d", "2w" besides pydantic's seconds and ISO 8601 durations."""
    if isinstance(value, str) and (match := DURATION.match(value)):
        return timedelta(seconds=float(match.group(1)) * UNITS[match.group(2)])
    return value


def is_loopback(host: str | None) -> bool:
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WarehouseConfig(Strict):
    path: Path = Path(DEFAULT_WAREHOUSE)
    read_snapshot: bool = True
    # DuckDB storage format of the read snapshot, e.g. "v1.2.0" (DuckDB >= 1.2 reads it) or "v2.0.0" (2.x only)
    snapshot_storage_version: str = Field(DEFAULT_SNAPSHOT_STORAGE_VERSION, pattern=r"^(v\d+\.\d+\.\d+|latest)$")
    # pages are written in batches of about this much JSON, one transaction each; 0: a transaction per page
    write_batch_mb: float = Field(DEFAULT_WRITE_BATCH_MB, ge=0, le=1024)


class SourceConfig(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$", max_length=64)
    base_url: str
    api: Literal["rect-v3", "ecf-v3", "ecf-v2"] = "rect-v3"
    # the lists' format: csv reads ECF1 v2's unpaginated .csv lists (api = "ecf-v2" only). Also read as `transport`,
    # its first name, which said "transport" in a codebase whose transports are httpx's
    list_format: Literal["json", "csv"] = Field("json", validation_alias=AliasChoices("list_format", "transport"))
    token: SecretStr | None = None
    token_env: str | None = None
    token_file: Path | None = None
    per_page: int = Field(DEFAULT_PER_PAGE, ge=1, le=3000)
    lookback: timedelta = DEFAULT_LOOKBACK
    full_refresh_every: timedelta = DEFAULT_FULL_REFRESH_EVERY
    rate_limit: int = Field(DEFAULT_RATE_LIMIT, ge=1)
    rate_window: timedelta = DEFAULT_RATE_WINDOW
    # requests per window from this machine to the source's host, shared by every source there; default: RECT's
    # 1.5 x rate_limit (1500), and no such limit for ECF1, which counts /api per token only
    ip_rate_limit: int | None = Field(None, ge=1)
    timeout: timedelta = DEFAULT_TIMEOUT
    max_retries: int = Field(DEFAULT_MAX_RETRIES, ge=0, le=50)
    retry_backoff: timedelta = DEFAULT_RETRY_BACKOFF  # first retry waits about this long, doubling each time
    retry_backoff_max: timedelta = DEFAULT_RETRY_BACKOFF_MAX
    cohorts: list[int] | None = None

    _durations = field_validator(
        "lookback", "full_refresh_every", "rate_window", "timeout", "retry_backoff", "retry_backoff_max", mode="before"
    )(parse_duration)

    @field_validator("base_url")
    @classmethod
    def check_base_url(cls, value: str) -> str:
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError("must be an absolute http(s) URL such as https://host/api/v3")
        if parsed.scheme == "http" and not is_loopback(parsed.hostname):
            raise ValueError("plain http:// is refused except on loopback (127.0.0.1, ::1, localhost); use https://")
        return value.rstrip("/")

    @field_validator("lookback", "full_refresh_every", "rate_window", "timeout", "retry_backoff", "retry_backoff_max")
    @classmethod
    def check_positive(cls, value: timedelta) -> timedelta:
        if value < timedelta(0):
            raise ValueError("must not be negative")
        return value

    @model_validator(mode="after")
    def csv_needs_v2(self) -> SourceConfig:
        if self.list_format == "csv" and self.api != "ecf-v2":
            raise ValueError('list_format = "csv" exists only for api = "ecf-v2" (its .csv list endpoints)')
        return self

    @model_validator(mode="after")
    def one_token(self) -> SourceConfig:
        given = [k for k in ("token", "token_env", "token_file") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of token, token_env, token_file (got {', '.join(given) or 'none'})")
        return self

    @property
    def host_rate_limit(self) -> int | None:
        """The per-address budget of the source's host (ApiClient shares it with every source of that host)."""
        if self.ip_rate_limit is not None:
            return self.ip_rate_limit
        return int(self.rate_limit * ADDRESS_LIMIT_RATIO) if self.api == "rect-v3" else None

    def resolve_token(self) -> str:
        if self.token is not None:
            secret = self.token.get_secret_value()
        elif self.token_env is not None:
            secret = os.environ.get(self.token_env, "")
            if not secret:
                raise ConfigError(f"sources.{self.name}.token_env: environment variable {self.token_env} is not set")
        else:
            assert self.token_file is not None
            try:
                secret = self.token_file.read_text().strip()
            except OSError as exc:
                raise ConfigError(f"sources.{self.name}.token_file: cannot read {self.token_file}: {exc}") from exc
        if not secret:
            raise ConfigError(f"sources.{self.name}: the token is empty")
        return secret


def check_crontab(value: str | None) -> str | None:
    if value is not None:
        from apscheduler.triggers.cron import CronTrigger  # type: ignore[import-untyped]  # only when configured

        CronTrigger.from_crontab(value)  # ValueError names the bad field
    return value


class DaemonConfig(Strict):
    """`syncer run`: when to sync, how to back off after failures, where /healthz and /metrics answer."""

    interval: timedelta = DEFAULT_INTERVAL  # incremental runs, unless `cron` is set
    cron: str | None = None  # crontab ("*/15 * * * *") for incremental runs, instead of `interval`
    full_refresh_cron: str | None = None  # a separate schedule for full refreshes, e.g. "0 2 * * 6"
    timezone: str = DEFAULT_TIMEZONE  # of the cron expressions
    run_on_start: bool = True
    misfire_grace: timedelta = DEFAULT_MISFIRE_GRACE
    failure_backoff: timedelta = DEFAULT_FAILURE_BACKOFF  # ticks are skipped this long after a failed run,
    failure_backoff_max: timedelta = DEFAULT_FAILURE_BACKOFF_MAX  # doubling with each failure in a row
    stale_after: timedelta | None = None  # /healthz: default twice the interval (or the cron's longest gap)
    health_host: str = DEFAULT_HEALTH_HOST
    health_port: int = Field(DEFAULT_HEALTH_PORT, ge=0, le=65535)  # 0 picks a free port

    _durations = field_validator(
        "interval", "misfire_grace", "failure_backoff", "failure_backoff_max", "stale_after", mode="before"
    )(parse_duration)
    _crontabs = field_validator("cron", "full_refresh_cron")(check_crontab)

    @field_validator("interval", "stale_after", "misfire_grace")
    @classmethod
    def at_least_a_second(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value < timedelta(seconds=1):
            raise ValueError("must be at least 1s")
        return value

    @field_validator("failure_backoff", "failure_backoff_max")
    @classmethod
    def not_negative(cls, value: timedelta) -> timedelta:
        if value < timedelta(0):
            raise ValueError("must not be negative")
        return value

    @field_validator("timezone")
    @classmethod
    def known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as Europe/London)") from exc
        return value


class FinanceConfig(Strict):
    """The money views: `contracts` is the contracts file (syncer/contracts.py), relative to the config file."""

    contracts: Path | None = None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SYNCER_", env_nested_delimiter="__", extra="forbid")

    warehouse: WarehouseConfig = WarehouseConfig()
    sources: list[SourceConfig] = Field(min_length=1)
    daemon: DaemonConfig = DaemonConfig()
    finance: FinanceConfig = FinanceConfig()

    @model_validator(mode="after")
    def unique_names(self) -> Settings:
        names = [s.name for s in self.sources]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ValueError(f"source names must be unique: {', '.join(duplicated)}")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = os.environ.get("SYNCER_CONFIG_FILE_RESOLVED")
        sources: tuple[PydanticBaseSettingsSource, ...] = (init_settings, env_settings)
        if toml_file:
            sources += (TomlConfigSettingsSource(settings_cls, toml_file=Path(toml_file)),)
        return sources


def describe(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        key = ".".join(str(p) for p in item["loc"]) or "(top level)"
        parts.append(f"{key}: {item['msg']}")
    return "; ".join(parts)


def load_settings(path: Path | str | None = None, **overrides: Any) -> Settings:
    """Reads the TOML file (if given) under env overrides; a bad config raises ConfigError naming the key."""
    previous = os.environ.get("SYNCER_CONFIG_FILE_RESOLVED")
    if path is not None:
        file = Path(path)
        if not file.is_file():
            raise ConfigError(f"config file not found: {file}")
        os.environ["SYNCER_CONFIG_FILE_RESOLVED"] = str(file)
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        raise ConfigError(f"invalid config{f' {path}' if path else ''}: {describe(exc)}") from exc
    except ValueError as exc:  # e.g. TOML syntax errors
        raise ConfigError(f"invalid config{f' {path}' if path else ''}: {exc}") from exc
    finally:
        if previous is None:
            os.environ.pop("SYNCER_CONFIG_FILE_RESOLVED", None)
        else:
            os.environ["SYNCER_CONFIG_FILE_RESOLVED"] = previous
    contracts = settings.finance.contracts
    if path is not None and contracts is not None and not contracts.is_absolute():
        # like every path a user writes in a config file: relative to that file, not to where syncer runs
        settings.finance = FinanceConfig(contracts=Path(path).parent / contracts)
    return settings
