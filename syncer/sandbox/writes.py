"""Lead-provider write endpoints (declarations, voids, participant actions) with the real validation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

ROUTES: list[tuple[str, str, Callable[..., Awaitable[Any]]]] = []
