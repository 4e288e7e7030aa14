"""Every status transition, allowed and refused, and who may make each."""

from __future__ import annotations

import itertools

import pytest

from tracking.workflow import (
    FINAL,
    Actor,
    MatterRules,
    NotPermitted,
    Role,
    Status,
    TransitionRefused,
    check_actor,
    check_transition,
)

LICENCE = MatterRules("d.a", licence=True, deferrable=True)
FILING = MatterRules("d.a", licence=False, deferrable=False)  # a 备案: not refusable, no 容缺

# The workflow as the law and the catalog give it (see tracking/workflow.py for the basis).
ALLOWED = {
    (Status.PENDING, Status.ACCEPTED),
    (Status.PENDING, Status.DEFERRED),
    (Status.PENDING, Status.NOT_ACCEPTED),
    (Status.ACCEPTED, Status.REVIEWING),
    (Status.ACCEPTED, Status.CORRECTION),
    (Status.DEFERRED, Status.REVIEWING),
    (Status.DEFERRED, Status.CORRECTION),
    (Status.REVIEWING, Status.DONE),
    (Status.REVIEWING, Status.CORRECTION),
    (Status.REVIEWING, Status.DENIED),
    (Status.CORRECTION, Status.REVIEWING),
}
PAIRS = list(itertools.product(Status, Status))


@pytest.mark.parametrize(("current", "target"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_a_move_is_allowed_exactly_when_the_workflow_has_it(
    current: Status, target: Status
) -> None:
    if (current, target) in ALLOWED:
        check_transition(current, target, LICENCE)
    else:
        with pytest.raises(TransitionRefused):
            check_transition(current, target, LICENCE)


@pytest.mark.parametrize("closed", sorted(FINAL))
def test_a_closed_matter_moves_no_more(closed: Status) -> None:
    with pytest.raises(TransitionRefused, match="closed"):
        check_transition(closed, Status.REVIEWING, LICENCE)


def test_only_a_deferrable_matter_is_accepted_with_a_material_to_follow() -> None:
    with pytest.raises(TransitionRefused, match="容缺"):
        check_transition(Status.PENDING, Status.DEFERRED, FILING)


def test_only_a_licence_can_be_refused() -> None:
    with pytest.raises(TransitionRefused, match="行政许可"):
        check_transition(Status.REVIEWING, Status.DENIED, FILING)
    check_transition(Status.REVIEWING, Status.DENIED, LICENCE)


OFFICER_A = Actor("t1", Role.OFFICER, "d.a")
OFFICER_B = Actor("t2", Role.OFFICER, "d.b")
WINDOW = Actor("t3", Role.WINDOW)


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
def test_the_officer_of_the_matters_department_makes_every_move(
    current: Status, target: Status
) -> None:
    check_actor(OFFICER_A, current, target, LICENCE)
    with pytest.raises(NotPermitted, match=r"d\.b"):
        check_actor(OFFICER_B, current, target, LICENCE)


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
def test_the_window_receives_and_the_department_decides(current: Status, target: Status) -> None:
    receives = current == Status.PENDING or (current, target) == (
        Status.CORRECTION,
        Status.REVIEWING,
    )
    if receives:
        check_actor(WINDOW, current, target, LICENCE)
    else:
        with pytest.raises(NotPermitted):
            check_actor(WINDOW, current, target, LICENCE)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.PLANNER])
def test_admins_and_planners_change_no_status(role: Role) -> None:
    with pytest.raises(NotPermitted):
        check_actor(Actor("t", role), Status.PENDING, Status.ACCEPTED, LICENCE)
