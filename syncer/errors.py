"""One error tree for the whole product.

    SyncerError
    ├── ConfigError            bad or missing configuration; names the key
    ├── ApiError               the API answered something we cannot use
    │   ├── TransientApiError  5xx, timeouts, resets, 429, unparseable bodies: worth retrying later
    │   └── PermanentApiError  401/403/404/400/422: retrying will not help
    ├── StoreError             the warehouse cannot be used
    │   └── WarehouseLocked    another process holds the DuckDB file
    └── Interrupted            a stop was requested (SIGTERM, shutdown): not a failure

The daemon retries only what is transient; the CLI maps each to a one-line message and an exit code.
"""

from __future__ import annotations


class SyncerError(Exception):
    exit_code = 1


class ConfigError(SyncerError):
    exit_code = 2


class ApiError(SyncerError):
    def __init__(self, message: str, status: int | None = None, url: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.url = url


class TransientApiError(ApiError):
    pass


class PermanentApiError(ApiError):
    pass


class StoreError(SyncerError):
    pass


class WarehouseLocked(StoreError):
    exit_code = 3


class Interrupted(SyncerError):
    """A stop was requested; raised between pages (or by an interruptible wait), never inside a transaction."""

    exit_code = 130
