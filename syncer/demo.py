"""`make demo`: the most complete end-to-end job that exists, on an embedded sandbox."""

from __future__ import annotations

import json

import httpx

from syncer.sandbox.endpoints import ENDPOINTS
from syncer.sandbox.server import SandboxOptions, running
from syncer.sandbox.world import World


def run(participants: int = 300, seed: int = 1) -> int:
    world = World(seed=seed, participants=participants)
    with running(world, SandboxOptions(seed=seed, participants=participants)) as url:
        print(f"sandbox on {url}")
        tokens = {p.name: p.token for p in world.providers.values()}
        print("tokens:", json.dumps(tokens, indent=2))
        token = next(iter(tokens.values()))
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as client:
            for endpoint in ENDPOINTS:
                params = {"page[per_page]": "2"}
                if endpoint.cohort_required:
                    params["filter[cohort]"] = "2024"
                response = client.get(f"/api/v3{endpoint.path}", params=params)
                print(f"\nGET /api/v3{endpoint.path} -> {response.status_code}")
                print(json.dumps(response.json()["data"][:1], indent=2)[:1500])
    return 0
