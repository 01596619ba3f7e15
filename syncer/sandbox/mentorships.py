"""Mentorships ending: how a mentor leaves /unfunded-mentors without a tombstone (api-facts §9 trap 6).

RECT names one current-or-next mentor per ECT and provider, from the ECT's latest training period with it
(R: app/services/metadata/handlers/teacher.rb `ect_assigned_mentor_latest_school_period`), and lists a provider's
unfunded mentors from those (R: app/services/api/teachers/unfunded_mentors/query.rb). When a school ends a
mentorship the metadata names no mentor: the ECT's enrolment shows `mentor_id` null and the ECT is touched
(the metadata touches its teacher's api_updated_at when the mentor changes), while the mentor, if no other current
mentorship names them, drops out of /unfunded-mentors with its own `updated_at` untouched: nothing in any list says
it left. Simulated days (activity.py) and events (events.py) both end mentorships through here.
"""

from __future__ import annotations

from datetime import datetime

from syncer.sandbox.model import TrainingPeriod
from syncer.sandbox.state import WorldState


def current(world: WorldState) -> list[TrainingPeriod]:
    """Every provider's ECT periods that name their ECT's current mentor, in a stable order."""
    return [p for provider_id in world.providers for p in world.mentee_periods(provider_id) if p.mentor_id]


def end(world: WorldState, period: TrainingPeriod, at: datetime) -> None:
    """The mentorship that `period` shows ends: no mentor is named, and the ECT is touched."""
    period.mentor_id = None
    teacher = world.teachers[period.teacher_id]
    teacher.updated_at = max(teacher.updated_at, at)


def stop_mentoring(world: WorldState, mentor_id: str, at: datetime) -> int:
    """A mentor stops mentoring: every current mentorship naming them ends, with every provider. Answers how many."""
    ending = [p for p in current(world) if p.mentor_id == mentor_id]
    for period in ending:
        end(world, period, at)
    return len(ending)
