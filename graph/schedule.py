"""The planner's time rules: steps, phases, the critical path and the time model (pure).

Rules (docs/planning-rules.md gives their basis):
- a bundle run as 并联审批 / 联合审查 / 联合验收 is one *joint step*: its matters in the plan start
  together once every prerequisite of any of them outside the step is done, and the step ends
  when its last matter ends, or at the bundle's own promised limit when it has one; the
  dependencies among its own matters are what the joint handling removes;
- every other matter is a step of its own;
- a step goes into the phase after the latest of the steps it waits for;
- decision time counts promised working days; elapsed time adds the periods the law excludes
  from the limit (技术审评, 公示, 专家评审 ...) and calendar windows (公告, 挂牌), converted to
  working days (5 of every 7 calendar days, rounded up).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from graph.model import Bundle, Matter


def working_days(calendar_days: int) -> int:
    """Working days in a calendar window (5 of 7, rounded up; public holidays not counted)."""
    return math.ceil(calendar_days * 5 / 7)


def elapsed(matter: Matter, decision_days: int) -> int:
    """A matter's expected elapsed working days for a decision time of `decision_days`."""
    return decision_days + matter.excluded_days + working_days(matter.calendar_days)


@dataclass(frozen=True, slots=True)
class PlannedStep:
    id: str
    bundle: Bundle | None  # the bundle of a joint step
    matters: tuple[str, ...]
    waits_for: tuple[str, ...]  # step ids
    days: int
    elapsed_days: int
    commitment_days: int  # decision time when 告知承诺制 is used where it applies


@dataclass(frozen=True, slots=True)
class Schedule:
    steps: dict[str, PlannedStep]
    step_of: dict[str, str]  # matter id -> step id
    phase_of: dict[str, int]  # step id -> phase
    decision_days: int
    elapsed_days: int
    commitment_days: int
    critical_steps: list[str]  # in order, along the longest elapsed path


def schedule(
    chosen: Sequence[str],
    waits: Mapping[str, Sequence[str]],
    matters: Mapping[str, Matter],
    joint: Sequence[tuple[Bundle, Sequence[str]]],
) -> Schedule:
    """Steps, phases and times for the `chosen` matters.

    `waits[m]` are the chosen matters m must wait for; `joint` lists the bundles handled as one
    step with their chosen matters (a matter in two such bundles joins the first).
    """
    step_of: dict[str, str] = {}
    members: dict[str, list[str]] = {}
    bundle_of: dict[str, Bundle] = {}
    for bundle, ids in joint:
        mine = [m for m in ids if m not in step_of]
        if mine:
            key = f"bundle:{bundle.id}"
            members[key] = sorted(mine)
            bundle_of[key] = bundle
            step_of.update({m: key for m in mine})
    for m in chosen:
        if m not in step_of:
            step_of[m] = m
            members[m] = [m]
    waits_for = _step_waits(members, step_of, waits)
    while (cycle := _cycle(waits_for)) is not None:
        # A joint step that waits for itself through another step cannot start together:
        # its matters go back to steps of their own.
        key = next(s for s in cycle if s in bundle_of)
        for m in members.pop(key):
            step_of[m] = m
            members[m] = [m]
        del bundle_of[key]
        waits_for = _step_waits(members, step_of, waits)

    steps: dict[str, PlannedStep] = {}
    for key, ids in members.items():
        joint_bundle = bundle_of.get(key)
        cap = joint_bundle.promised_days if joint_bundle is not None else None

        def limit(days: int, cap: int | None = cap) -> int:
            return days if cap is None else min(days, cap)

        days = max(limit(matters[m].promised_days) for m in ids)
        steps[key] = PlannedStep(
            id=key,
            bundle=joint_bundle,
            matters=tuple(ids),
            waits_for=tuple(sorted(waits_for[key])),
            days=days,
            elapsed_days=max(elapsed(matters[m], limit(matters[m].promised_days)) for m in ids),
            commitment_days=max(
                0 if matters[m].commitment else limit(matters[m].promised_days) for m in ids
            ),
        )
    phase_of: dict[str, int] = {}
    for key in sorted(steps):
        _phase(key, steps, phase_of)
    decision = _finish(steps, lambda s: s.days)
    late = _finish(steps, lambda s: s.elapsed_days)
    quick = _finish(steps, lambda s: s.commitment_days)
    return Schedule(
        steps=steps,
        step_of=step_of,
        phase_of=phase_of,
        decision_days=max(decision.values(), default=0),
        elapsed_days=max(late.values(), default=0),
        commitment_days=max(quick.values(), default=0),
        critical_steps=_critical(steps, late),
    )


def _step_waits(
    members: Mapping[str, list[str]], step_of: Mapping[str, str], waits: Mapping[str, Sequence[str]]
) -> dict[str, set[str]]:
    return {
        key: {step_of[r] for m in ids for r in waits.get(m, ()) if step_of[r] != key}
        for key, ids in members.items()
    }


def _cycle(graph: Mapping[str, set[str]]) -> list[str] | None:
    """One cycle of step ids, or None."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt) :]
            if nxt not in state and (found := visit(nxt)) is not None:
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)) is not None:
            return found
    return None


def _phase(key: str, steps: Mapping[str, PlannedStep], phase_of: dict[str, int]) -> int:
    if key not in phase_of:
        phase_of[key] = 1 + max(
            (_phase(w, steps, phase_of) for w in steps[key].waits_for), default=0
        )
    return phase_of[key]


def _finish(
    steps: Mapping[str, PlannedStep], length: Callable[[PlannedStep], int]
) -> dict[str, int]:
    """Earliest finish of every step when each step takes `length(step)` days."""
    finish: dict[str, int] = {}

    def visit(key: str) -> int:
        if key not in finish:
            start = max((visit(w) for w in steps[key].waits_for), default=0)
            finish[key] = start + length(steps[key])
        return finish[key]

    for key in sorted(steps):
        visit(key)
    return finish


def _critical(steps: Mapping[str, PlannedStep], finish: Mapping[str, int]) -> list[str]:
    """The chain of steps that sets the latest finish (ties broken by id, on every backend)."""
    if not finish:
        return []
    last = min(finish, key=lambda s: (-finish[s], s))
    path = [last]
    while steps[path[-1]].waits_for:
        path.append(min(steps[path[-1]].waits_for, key=lambda s: (-finish[s], s)))
    return list(reversed(path))
