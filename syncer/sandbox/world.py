"""A simulated service: its state (state.py), filled with a generated history (populate.py) by the record factory
(factory.py) that simulated days (activity.py) and events (events.py) go on making records with."""

from __future__ import annotations

import gc
from datetime import datetime

from syncer.sandbox.factory import RecordFactory
from syncer.sandbox.generate import DEFAULT_START
from syncer.sandbox.populate import populate
from syncer.sandbox.state import WorldState


class World(WorldState):
    """The same seed, participants (per provider), providers and start always give the same world."""

    def __init__(self, seed: int = 1, participants: int = 200, providers: int = 3, start: datetime = DEFAULT_START):
        if not 1 <= providers <= 7:
            raise ValueError("providers must be between 1 and 7")
        super().__init__(seed, start)
        self.records = RecordFactory(self, participants, providers)
        # millions of small objects and no cycles among them: the cyclic GC would only rescan them repeatedly
        gc.disable()
        try:
            populate(self, self.records, providers)
        finally:
            gc.enable()
            gc.freeze()
