"""structlog setup: JSON lines for the daemon and pipes, readable console output on a TTY.

The Authorization header and tokens never reach a log line: nothing logs request headers, and a processor
redacts any key that looks like a secret, as a second line of defence.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

SECRET_KEYS = ("token", "authorization", "password", "secret")


def redact(logger: Any, method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in list(event):
        if any(word in key.lower() for word in SECRET_KEYS):
            event[key] = "[redacted]"
    return event


def current_stderr(*args: Any) -> structlog.PrintLogger:
    """Whatever sys.stderr is when a line is written, not when logging was set up (it may be replaced)."""
    return structlog.PrintLogger(file=sys.stderr)


LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}


def level_from_env() -> int:
    """SYNCER_LOG_LEVEL=debug|info|warning|error (default info); debug adds a line per batch written."""
    name = os.environ.get("SYNCER_LOG_LEVEL", "info").strip().lower()
    if name not in LEVELS:
        raise ValueError(f"SYNCER_LOG_LEVEL must be one of {', '.join(LEVELS)}, not {name!r}")
    return LEVELS[name]


def configure(json: bool | None = None, level: int | None = None) -> None:
    if json is None:
        json = not sys.stderr.isatty()
    if level is None:
        level = level_from_env()
    renderer: Any = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            redact,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=current_stderr,
        cache_logger_on_first_use=False,
    )
