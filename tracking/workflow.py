"""The status workflow of a tracked matter and who may move it (pure: no I/O).

A matter of a tracked project moves 待受理 -> 已受理 -> 审查中 -> 已办结. On the way:

- 容缺受理 (accepted while a minor material follows) instead of 已受理, only where the catalog
  marks the matter deferrable (国办发〔2019〕11号: 容缺受理 for the materials a zone lists);
- 需补正 from 已受理, 容缺受理 or 审查中 when materials are incomplete (《行政许可法》第三十二条:
  the applicant is told once, in full, what to add), back to 审查中 once corrected;
- 不予受理 from 待受理 (第三十二条: not within the office's remit, or not a matter needing an
  application), and 不予许可 from 审查中, for 行政许可 only (第三十八条: a licence refused in
  writing with its reasons; a 备案 or a 公共服务 is not granted or refused).

Rights (the roles of api/auth): the 综合窗口 (`window`) receives: the acceptance decisions and
the hand-back after a correction (前台综合受理); an `officer` of the department that handles
the matter makes every move of that matter (后台分类审批); `admin` and `planner` change none.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from graph.errors import ChainKGError


class Status(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DEFERRED = "accepted_deferred"
    REVIEWING = "reviewing"
    CORRECTION = "correction"
    DONE = "done"
    NOT_ACCEPTED = "not_accepted"
    DENIED = "denied"


LABELS: dict[Status, str] = {
    Status.PENDING: "待受理",
    Status.ACCEPTED: "已受理",
    Status.DEFERRED: "容缺受理",
    Status.REVIEWING: "审查中",
    Status.CORRECTION: "需补正",
    Status.DONE: "已办结",
    Status.NOT_ACCEPTED: "不予受理",
    Status.DENIED: "不予许可",
}

FINAL = frozenset({Status.DONE, Status.NOT_ACCEPTED, Status.DENIED})
# Accepted in one form or the other: the decision clock runs from here (受理之日起).
ACCEPTANCE = frozenset({Status.ACCEPTED, Status.DEFERRED})

TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.PENDING: frozenset({Status.ACCEPTED, Status.DEFERRED, Status.NOT_ACCEPTED}),
    Status.ACCEPTED: frozenset({Status.REVIEWING, Status.CORRECTION}),
    Status.DEFERRED: frozenset({Status.REVIEWING, Status.CORRECTION}),
    Status.REVIEWING: frozenset({Status.DONE, Status.CORRECTION, Status.DENIED}),
    Status.CORRECTION: frozenset({Status.REVIEWING}),
    Status.DONE: frozenset(),
    Status.NOT_ACCEPTED: frozenset(),
    Status.DENIED: frozenset(),
}

# The moves the window makes on a department's behalf (前台综合受理).
WINDOW_MOVES = frozenset(
    {
        (Status.PENDING, Status.ACCEPTED),
        (Status.PENDING, Status.DEFERRED),
        (Status.PENDING, Status.NOT_ACCEPTED),
        (Status.CORRECTION, Status.REVIEWING),
    }
)


class Role(StrEnum):
    ADMIN = "admin"  # catalog loads, tokens
    WINDOW = "window"  # the 综合窗口: projects, consultations, receiving
    OFFICER = "officer"  # one department's matters, in any project
    PLANNER = "planner"  # reads everything, writes nothing


@dataclass(frozen=True, slots=True)
class Actor:
    """Who makes a request: a token's role (an officer's department) and the token's id."""

    token_id: str
    role: Role
    department_id: str | None = None

    @property
    def label(self) -> str:
        """How the audit log and a matter's history name the actor."""
        where = f"@{self.department_id}" if self.department_id else ""
        return f"{self.role.value}{where}#{self.token_id}"


@dataclass(frozen=True, slots=True)
class MatterRules:
    """What the catalog says about a matter that the workflow needs."""

    department_id: str
    licence: bool  # a 行政许可 (may be refused: 不予许可)
    deferrable: bool  # 容缺受理 allowed


class TransitionRefused(ChainKGError):
    """A status change the workflow does not allow (whoever asks)."""

    def __init__(self, current: Status, target: Status, why: str) -> None:
        self.current, self.target = current, target
        super().__init__(f"{LABELS[current]} -> {LABELS[target]}: {why}")


class NotPermitted(ChainKGError):
    """A change the workflow allows, but not to this actor."""


def check_transition(current: Status, target: Status, matter: MatterRules) -> None:
    """Raise TransitionRefused unless the workflow allows `current` -> `target` for `matter`."""
    if current in FINAL:
        raise TransitionRefused(current, target, "the matter is closed")
    if target not in TRANSITIONS[current]:
        allowed = "、".join(LABELS[s] for s in sorted(TRANSITIONS[current], key=_order))
        raise TransitionRefused(current, target, f"allowed next: {allowed}")
    if target == Status.DEFERRED and not matter.deferrable:
        raise TransitionRefused(current, target, "the catalog does not allow 容缺受理 here")
    if target == Status.DENIED and not matter.licence:
        raise TransitionRefused(current, target, "only a 行政许可 can be refused (不予许可)")


def check_actor(actor: Actor, current: Status, target: Status, matter: MatterRules) -> None:
    """Raise NotPermitted unless `actor` may make this move on `matter`."""
    if actor.role == Role.OFFICER:
        if actor.department_id != matter.department_id:
            raise NotPermitted(
                f"an officer of {actor.department_id} cannot change a matter handled by "
                f"{matter.department_id}"
            )
        return
    if actor.role == Role.WINDOW:
        if (current, target) not in WINDOW_MOVES:
            raise NotPermitted(
                f"the window receives (受理 decisions, a corrected application); "
                f"{LABELS[current]} -> {LABELS[target]} is the department's"
            )
        return
    raise NotPermitted(f"the {actor.role.value} role changes no matter status")


def _order(status: Status) -> int:
    return list(Status).index(status)
