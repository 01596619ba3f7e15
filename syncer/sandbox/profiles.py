"""The API profiles the sandbox can serve from one world (`syncer sandbox --api`): their endpoint tables and the
conventions that differ between the RECT service and the old ECF1 service (api-facts §1.1, §1.4)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from syncer.sandbox import ecf, ecf_v2
from syncer.sandbox.endpoints import ENDPOINTS, Endpoint
from syncer.sandbox.http import ECF_JSON, NOT_FOUND, RECT_JSON

ECF_NOT_FOUND = {"error": "Resource not Found"}  # an unknown record and an unknown path alike
# ECF1 answers a valid token that does not belong to a lead provider with a 403 and an empty body; the sandbox has
# one such token (an "engage and learn" style non-provider token) to show it.
ECF_NON_PROVIDER_TOKEN = "ecf1-non-lead-provider-token"


@dataclass(frozen=True)
class Profile:
    name: str
    prefix: str  # the URL prefix every endpoint path sits under
    endpoints: tuple[Endpoint, ...]
    content_type: str
    not_found: Any  # the body of a 404 for an unknown record
    no_route: Any  # the body of a 404 for an unknown path (None: RECT's JSON-or-HTML exceptions app)
    unauthorised_headers: dict[str, str] = field(default_factory=dict)
    forbidden_tokens: frozenset[str] = frozenset()  # valid tokens of non-providers: 403, empty body
    transfers_show: str | None = "/participants/{id}/transfers"  # the single-participant transfers path
    csv: tuple[str, ...] = ()  # endpoints that also answer at <path>.csv (ECF1 v1/v2)
    writes: bool = False  # the lead-provider write endpoints (RECT only, for now)
    aliases: tuple[tuple[str, str], ...] = ()  # (path, endpoint name): a list, and its .csv, at a second path
    per_address_throttle: bool = False  # RECT's catch-all per address counts /api too; ECF1's skips /api

    def endpoint(self, name: str) -> Endpoint:
        return next(e for e in self.endpoints if e.name == name)


RECT_V3 = Profile(
    name="rect-v3",
    prefix="/api/v3",
    endpoints=ENDPOINTS,
    content_type=RECT_JSON,
    not_found=NOT_FOUND,
    no_route=None,
    writes=True,
    per_address_throttle=True,
)
ECF_V3 = replace(
    RECT_V3,
    name="ecf-v3",
    endpoints=ecf.ENDPOINTS,
    content_type=ECF_JSON,
    not_found=ECF_NOT_FOUND,
    no_route=ECF_NOT_FOUND,
    unauthorised_headers={"WWW-Authenticate": 'Token realm="Application"'},
    forbidden_tokens=frozenset({ECF_NON_PROVIDER_TOKEN}),
    transfers_show="/participants/ecf/{id}/transfers",
    writes=False,
    per_address_throttle=False,
)
ECF_V2 = replace(
    ECF_V3,
    name="ecf-v2",
    prefix="/api/v2",
    endpoints=ecf_v2.ENDPOINTS,
    transfers_show=None,
    csv=("participants", "participant-declarations"),
    # E:config/routes.rb `resources :participants, only: %i[index], controller: "ecf_participants"`: the pre-/ecf
    # path still lists (JSON and .csv; the guide says /participants/ecf "replaces" it), with no show route
    aliases=(("/participants", "participants"),),
)
PROFILES: dict[str, Profile] = {p.name: p for p in (RECT_V3, ECF_V3, ECF_V2)}
