"""What the sandbox's read endpoints (app.py) and write endpoints (writes.py) both answer with: content types, the
JSON bodies of the errors they share, and the handler shape behind authentication (api-facts §1.4, §2)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from syncer.sandbox.model import LeadProvider
from syncer.sandbox.query import BadRequest
from syncer.sandbox.world import World

RECT_JSON = "application/json; charset=utf-8"
ECF_JSON = "application/vnd.api+json"  # ECF1 strips the charset (E:config/initializers/mime_types.rb)
NOT_FOUND = {"errors": [{"title": "Resource not found", "detail": "Nothing could be found for the provided details"}]}
UNAUTHORISED = {"error": "HTTP Token: Access denied"}

# an authenticated request, the world (its lock held) and the provider whose token it carries
Handler = Callable[[Request, World, LeadProvider], Awaitable[Response]]


def json_response(
    body: Any, status: int = 200, media_type: str = RECT_JSON, headers: dict[str, str] | None = None
) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type=media_type, headers=headers)


def bad_request(exc: BadRequest, media_type: str = RECT_JSON) -> Response:
    return json_response({"errors": [{"title": exc.title, "detail": exc.detail}]}, 400, media_type)
