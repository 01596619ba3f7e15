"""POST /sandbox/tick: the service side of the world, advanced day by day and deterministically from the seed.

Each simulated day runs the real nightly jobs (statements past their deadline become payable, partnership
counts are refreshed) and then a day of activity, including every way the real API surprises a sync client:
merges that re-point declarations without bumping them, removals that leave no tombstone, other providers'
voids that drop out of scope, bumps with no visible change, and rows committed late.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import UTC, datetime, time, timedelta
from typing import Any

from syncer.sandbox import ecf1_duplicate_users, lifecycle, mentorships
from syncer.sandbox.factory import RecordFactory
from syncer.sandbox.generate import MILESTONE_MONTHS, add_months
from syncer.sandbox.model import (
    DEFERRAL_REASONS,
    EVIDENCE_HELD,
    WITHDRAWAL_REASONS,
    Declaration,
    Partnership,
    milestone_types,
)
from syncer.sandbox.world import World

LATE_COMMIT = timedelta(minutes=20)  # how far before its visibility a late-committed row is stamped
MENTORSHIP_END_RATE = 0.001  # of the current mentorships, ended by their schools each day
MENTOR_STOPS_CHANCE = 0.2  # the chance that one mentor some provider sees only as unfunded stops mentoring today
TRANSFERS_A_DAY = 0.15  # transfers to another provider on a day, plus TRANSFER_RATE of the ongoing ECTs
TRANSFER_RATE = 0.0002
DUPLICATES_A_DAY = 0.4  # the chance that a school registers one of the participants again today
MERGE_CHANCE = 0.5  # the chance that an admin merges one pending second registration today
ELIGIBILITY_RATE = 0.01  # of the participants whose funding eligibility is not known, found eligible each day


class Day:
    def __init__(self, world: World, records: RecordFactory, start: datetime, index: int) -> None:
        self.world = world
        self.records = records
        self.rng = random.Random(f"{world.seed}:{start.date().isoformat()}:{world.ticks}")
        # transfers, second registrations, merges and eligibility draw from their own stream, so the rest of the
        # day does not hang on how many of them there were
        self.lives = random.Random(f"{world.seed}:lifecycle:{start.date().isoformat()}:{world.ticks}")
        self.start = start  # the clock before this day; every change today is stamped after it
        self.end = start + timedelta(days=1)
        self.today = self.end.date()
        self.first = index == 0
        self.done: Counter[str] = Counter()

    def moment(self, rng: random.Random | None = None) -> datetime:
        return self.start + timedelta(seconds=(rng or self.rng).randrange(1, 86400))

    def sample(self, rows: list[Any], rate: float) -> list[Any]:
        count = int(len(rows) * rate + self.rng.random())
        return self.rng.sample(rows, min(count, len(rows)))

    def run(self) -> None:
        w = self.world
        w.clock = self.end
        self.records.resume(self.rng, self.end, new_day=True)
        self.mark_payable()
        self.touch_partnerships_in_training()
        self.register()
        self.transfer_ins()
        self.register_duplicate()
        self.declare()
        self.void_before_payment()
        self.void_after_payment()
        self.withdraw_defer_resume()
        self.find_eligible()
        self.pay()
        self.merge()
        self.remove_registered_in_error()
        self.invisible_bumps()
        if self.first:
            self.commit_late()
        self.end_mentorships()
        # ECF1-only records, from their own random stream: the rest of the day is the same without them
        self.done.update(ecf1_duplicate_users.daily(w, self.start, self.end))

    def mark_payable(self) -> None:
        midnight = datetime.combine(self.today, time(0), tzinfo=UTC)
        due = {s.id for s in self.world.statements.values() if s.status == "open" and s.cut_off_date < self.today}
        if not due:
            return
        for statement_id in due:
            statement = self.world.statements[statement_id]
            statement.status, statement.updated_at = "payable", midnight
            self.done["statements_payable"] += 1
        for d in self.world.declarations.values():
            if d.payment_statement_id in due and d.payment_status == "eligible" and d.clawback_status == "no_clawback":
                d.payment_status, d.updated_at = "payable", midnight
                self.done["declarations_payable"] += 1

    def touch_partnerships_in_training(self) -> None:
        """The 00:01 job (R: TouchSchoolPartnershipForParticipantsCurrentlyTrainingJob): partnerships with a training
        period that starts today or finished yesterday are touched. participants_currently_training is counted when
        served (state.py), and this is its only bump: a period registered with a past start date or removed in
        error changes the count with none (api-facts §9 trap 8)."""
        w = self.world
        yesterday = self.today - timedelta(days=1)
        at = max(datetime.combine(self.today, time(0, 1), tzinfo=UTC), self.start + timedelta(seconds=1))
        keys = {
            (p.lead_provider_id, p.school_id, p.cohort)
            for p in w.periods.values()
            if (p.started_on == self.today or p.finished_on == yesterday) and not w.teachers[p.teacher_id].removed
        }
        for key in keys:
            partnership = w.partnership_index.get(key)
            if partnership is not None:
                partnership.updated_at = max(partnership.updated_at, at)
                self.done["partnerships_touched"] += 1

    def end_mentorships(self) -> None:
        """Schools end mentorships (mentorships.py): now and then a mentor whom some provider sees only as unfunded
        stops mentoring altogether, so leaves that provider's /unfunded-mentors with no tombstone, and a few ECTs'
        mentors stop mentoring them."""
        w = self.world
        w.changed()  # the lists read below must include today's registrations, merges and removals
        mentored = mentorships.current(w)
        if self.rng.random() < MENTOR_STOPS_CHANCE:
            unfunded = list(dict.fromkeys(t.id for p in w.providers for t in w.unfunded_mentor_scope(p)))
            if unfunded:
                mentor_id = self.rng.choice(unfunded)
                self.done["mentorships_ended"] += mentorships.stop_mentoring(w, mentor_id, self.moment())
                self.done["unfunded_mentors_stopped"] += 1
        for period in self.sample([p for p in mentored if p.mentor_id], MENTORSHIP_END_RATE):
            mentorships.end(w, period, self.moment())
            self.done["mentorships_ended"] += 1
        w.changed()

    def register(self) -> None:
        """New registrations. Whatever they create is stamped today: the API only ever shows new rows as new."""
        w = self.world
        before = (len(w.teachers), len(w.periods), len(w.declarations), len(w.partnerships), len(w.transfers))
        cohort = min(self.today.year if self.today.month >= 6 else self.today.year - 1, 2026)
        per_day = max(1, self.records.participants // 200)
        for provider in w.providers.values():
            for _ in range(self.rng.randrange(per_day + 1)):
                self.records.add_participant(provider, cohort, "mentor" if self.rng.random() < 0.25 else "ect")
                self.done["participants_registered"] += 1
        created: list[Any] = []
        tables: tuple[dict[str, Any], ...] = (w.teachers, w.periods, w.declarations, w.partnerships)
        for rows, count in zip(tables, before, strict=False):
            created.extend(list(rows.values())[count:])
        created.extend(w.transfers[before[4] :])
        for row in created:
            for name in ("created_at", "updated_at", "unfunded_mentor_updated_at"):
                if hasattr(row, name) and getattr(row, name) <= self.start:
                    setattr(row, name, self.moment())
            if hasattr(row, "updated_at") and hasattr(row, "created_at"):
                row.updated_at = max(row.updated_at, row.created_at)
            if isinstance(row, Partnership):
                # the school's per-cohort metadata (in_partnership, tutor details) is refreshed and touched
                meta = w.schools[row.school_id].cohorts[row.cohort]
                meta.updated_at = max(meta.updated_at, row.created_at)

    def transfer_ins(self) -> None:
        """ECTs moving to a school another provider trains for (api-facts §9 trap 1: old rows newly in scope)."""
        w, rng = self.world, self.lives
        if len(w.providers) < 2:
            return
        ongoing = lifecycle.transferable(w)
        count = int(TRANSFERS_A_DAY + len(ongoing) * TRANSFER_RATE + rng.random())
        self.records.resume(rng, self.end, new_day=False)  # the new enrolments draw from this stream too
        for old in rng.sample(ongoing, min(len(ongoing), count)):
            joining = rng.choice([p for p in w.providers.values() if p.id != old.lead_provider_id])
            lifecycle.transfer_in(w, self.records, old, joining, self.moment(rng))
            self.done["transferred_in"] += 1
        self.records.resume(self.rng, self.end, new_day=False)

    def register_duplicate(self) -> None:
        """A school registers one of its participants a second time (found and merged later: merge)."""
        w, rng = self.world, self.lives
        if rng.random() >= DUPLICATES_A_DAY:
            return
        found = lifecycle.duplicable(w)
        if found:
            lifecycle.register_duplicate(w, rng, rng.choice(found), self.moment(rng))
            self.done["registered_twice"] += 1

    def find_eligible(self) -> None:
        """Participants found eligible for funding: their submitted declarations become eligible, bumped."""
        w, rng = self.world, self.lives
        waiting = lifecycle.awaiting_eligibility(w)
        count = int(len(waiting) * ELIGIBILITY_RATE + rng.random())
        for teacher, role in rng.sample(waiting, min(count, len(waiting))):
            made = lifecycle.mark_eligible(w, self.records, teacher, role, self.moment(rng))
            if made >= 0:
                self.done["found_eligible"] += 1
                self.done["declarations_made_eligible"] += made

    def declare(self) -> None:
        w = self.world
        for period in list(w.periods.values()):
            teacher = w.teachers[period.teacher_id]
            if period.training_status != "active" or period.finished_on or not w.is_visible_teacher(teacher):
                continue
            if teacher.duplicate_of is not None:
                continue  # the provider declares for the registration it knows, not the second one
            made = {d.declaration_type for d in w.declarations_by_period.get(period.id, ())}
            made |= w.held_elsewhere(period)
            types = milestone_types(period.schedule_identifier, period.participant_type, period.cohort)
            due = next((t for t in types if t not in made), None)
            if due is None or add_months(period.started_on, MILESTONE_MONTHS[due]) > self.today:
                continue
            if self.rng.random() < 0.3:
                continue  # providers declare a few days after the milestone, not on it
            statements = self.records.cohort_statements(period.lead_provider_id, period.cohort)
            declaration = self.records.declaration_for(period, due, self.today - timedelta(days=1), statements)
            if declaration is None:
                continue
            declaration.created_at = declaration.updated_at = self.moment()
            declaration.declaration_date = min(declaration.declaration_date, declaration.created_at)
            w.add_declaration(declaration)
            self.done["declarations_created"] += 1
            if due == "completed":
                period.finished_on = self.today + timedelta(days=30)

    def live(self, *states: str) -> list[Declaration]:
        return [d for d in self.world.declarations.values() if d.state in states]

    def void_before_payment(self) -> None:
        for d in self.sample(self.live("submitted", "eligible", "payable"), 0.002):
            d.payment_status, d.updated_at = "voided", self.moment()
            self.done["voided_before_payment"] += 1

    def void_after_payment(self) -> None:
        for d in self.sample(self.live("paid"), 0.0008):
            statements = self.records.cohort_statements(d.training_period.lead_provider_id, d.training_period.cohort)
            clawback = next((s for s in statements if s.cut_off_date >= self.today and s.status == "open"), None)
            if clawback is None:
                continue
            d.clawback_status, d.clawback_statement_id, d.updated_at = (
                "awaiting_clawback",
                clawback.id,
                self.moment(),
            )
            self.done["voided_after_payment"] += 1

    def withdraw_defer_resume(self) -> None:
        w = self.world
        active = [p for p in w.periods.values() if p.training_status == "active" and not p.finished_on]
        for period in self.sample(active, 0.0015):
            at = self.moment()
            if self.rng.random() < 0.6:
                period.withdrawal, period.finished_on = (self.rng.choice(WITHDRAWAL_REASONS), at), self.today
                self.done["withdrawn"] += 1
            else:
                period.deferral = (self.rng.choice(DEFERRAL_REASONS), at)
                self.done["deferred"] += 1
            w.teachers[period.teacher_id].updated_at = at
        deferred = [p for p in w.periods.values() if p.training_status == "deferred"]
        for period in self.sample(deferred, 0.02):
            period.deferral = None
            w.teachers[period.teacher_id].updated_at = self.moment()
            self.done["resumed"] += 1

    def pay(self) -> None:
        """Payment runs: a statement is authorised only if it has payable or awaiting-clawback declarations."""
        w = self.world
        due = {s.id for s in w.statements.values() if s.status == "payable" and s.payment_date <= self.today}
        if not due:
            return
        payable: dict[str, list[Declaration]] = defaultdict(list)
        clawbacks: dict[str, list[Declaration]] = defaultdict(list)
        for d in w.declarations.values():
            if d.clawback_status == "awaiting_clawback" and d.clawback_statement_id in due:
                clawbacks[d.clawback_statement_id].append(d)
            elif d.payment_status == "payable" and d.clawback_status == "no_clawback" and d.payment_statement_id in due:
                payable[d.payment_statement_id].append(d)
        at = max(datetime.combine(self.today, time(10), tzinfo=UTC), self.start + timedelta(seconds=1))
        for statement_id in sorted(due):
            if not payable[statement_id] and not clawbacks[statement_id]:
                continue  # trap 14: nothing to pay, so it never becomes paid
            for d in payable[statement_id]:
                d.payment_status, d.updated_at = "paid", at
            for d in clawbacks[statement_id]:
                d.clawback_status, d.updated_at = "clawed_back", at
            statement = w.statements[statement_id]
            statement.status, statement.updated_at = "paid", at
            self.done["statements_paid"] += 1
            self.done["declarations_paid"] += len(payable[statement_id])
            self.done["declarations_clawed_back"] += len(clawbacks[statement_id])

    def merge(self) -> None:
        """An admin merges the two registrations of one teacher; declarations follow without an updated_at bump."""
        w, rng = self.world, self.lives
        if rng.random() > MERGE_CHANCE:
            return
        found = lifecycle.pending(w)
        if not found:
            return
        w.changed()
        lifecycle.merge_duplicate(w, self.records, rng.choice(found), rng.random() < 0.5, self.moment(rng))
        self.done["merged"] += 1
        w.changed()

    def remove_registered_in_error(self) -> None:
        w = self.world
        if self.rng.random() > 0.3:
            return
        undeclared = [
            t
            for t in w.teachers.values()
            if w.is_visible_teacher(t)
            and t.id in w.periods_by_teacher
            and not any(w.declarations_by_period.get(p.id) for p in w.periods_by_teacher[t.id])
        ]
        if undeclared:
            self.rng.choice(undeclared).removed = True
            self.done["removed_registered_in_error"] += 1

    def invisible_bumps(self) -> None:
        """Another provider's change touches the global teacher timestamp: a bump with nothing visible."""
        w = self.world
        visible = [t for t in w.teachers.values() if w.is_visible_teacher(t) and t.id in w.periods_by_teacher]
        for teacher in self.sample(visible, 0.002):
            teacher.updated_at = self.moment()
            self.done["bumped_without_change"] += 1
        for d in self.sample(self.live("submitted", "eligible", "payable", "paid"), 0.001):
            others = [
                p
                for p in w.periods_by_teacher.get(d.training_period.teacher_id, ())
                if p.lead_provider_id != d.training_period.lead_provider_id
            ]
            if others and d.state != "paid":
                d.payment_status, d.updated_at = "voided", self.moment()
                self.done["voided_by_other_provider"] += 1

    def commit_late(self) -> None:
        """Rows stamped before the previous clock that only become visible now (a long transaction)."""
        candidates = self.live("submitted", "eligible")
        for d in self.rng.sample(candidates, min(len(candidates), 5)):
            d.updated_at = self.start - timedelta(seconds=self.rng.randrange(1, int(LATE_COMMIT.total_seconds())))
            # a visible change, so that a client that misses it really holds stale data
            d.evidence_held = next(e for e in EVIDENCE_HELD[:3] if e != d.evidence_held)
            self.done["committed_late"] += 1


def advance(world: World, days: int) -> dict[str, Any]:
    before = world.clock
    done: Counter[str] = Counter()
    for index in range(days):
        day = Day(world, world.records, world.clock, index)
        day.run()
        done.update(day.done)
        world.changed()
    world.ticks += 1
    world.changed()
    return {
        "clock_before": before.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "clock": world.clock.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "days": days,
        "activity": dict(sorted(done.items())),
    }
