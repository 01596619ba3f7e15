"""Uplifts as DfE sets them (app/models/declaration.rb#uplift_paid?, declarations/create.rb#update_uplifts!,
api/teacher_serializer.rb#uplift_value), read from the sandbox in process and over loopback: a school's flags show
on enrolments only in cohorts that pay uplifts (2021-2024), go only on ECT started declarations there, and
uplift_paid is paid (a clawback keeps the payment) with a flag."""

from __future__ import annotations

from collections import Counter

from tests.finance_truth import World
from tests.sandbox_process import Sandbox

UPLIFT_COHORTS = {"2021", "2022", "2023", "2024"}
PAID = {"paid", "awaiting-clawback", "clawed-back"}


def test_uplifts_go_only_on_paid_ect_started_declarations_in_uplift_cohorts(rect_both_tiers: Sandbox) -> None:
    truth = rect_both_tiers.truth()
    world = World(truth)
    enrolments = [e for p in truth["participants"] for e in p["attributes"]["ecf_enrolments"]]
    flagged = [e for e in enrolments if e["pupil_premium_uplift"] or e["sparsity_uplift"]]
    assert flagged and {str(e["cohort"]) for e in flagged} <= UPLIFT_COHORTS
    assert any(str(e["cohort"]) not in UPLIFT_COHORTS for e in enrolments)  # later cohorts exist, unflagged

    uplifted = [d for d in world.declarations if d["uplift_paid"]]
    assert uplifted
    for d in uplifted:
        enrolment = world.enrolment(d)
        assert d["declaration_type"] == "started" and d["course_identifier"] == "ecf-induction", d
        assert d["state"] in PAID and enrolment is not None, d
        assert str(enrolment["cohort"]) in UPLIFT_COHORTS
        assert enrolment["pupil_premium_uplift"] or enrolment["sparsity_uplift"]
    # and every declaration that qualifies carries it: the rule, not a sample of it
    qualifying = [
        d for d in world.declarations
        if d["declaration_type"] == "started" and d["course_identifier"] == "ecf-induction" and d["state"] in PAID
        and (e := world.enrolment(d)) is not None and str(e["cohort"]) in UPLIFT_COHORTS
        and (e["pupil_premium_uplift"] or e["sparsity_uplift"]) and world.own(d)
    ]  # fmt: skip
    assert {d["id"] for d in qualifying} <= {d["id"] for d in uplifted}
    assert Counter(d["course_identifier"] for d in uplifted)["ecf-mentor"] == 0
