"""What the planner answers for a position: the Recommendation and its parts (plain data)."""

from __future__ import annotations

from dataclasses import dataclass, field

from graph.model import Ref


@dataclass(frozen=True, slots=True)
class PositionView:
    industry: Ref
    stage: Ref
    stage_kind: str
    scenario: Ref | None
    scenarios: list[Ref]


@dataclass(frozen=True, slots=True)
class PlannedMatter:
    id: str
    code: str
    name: str
    type: str
    level: str
    department: Ref
    time_limit_days: int  # the promised decision limit (working days)
    legal_days: int
    visits: int
    online: bool
    fee: float
    phase: int
    requires: list[str]  # statutory prerequisites inside the plan
    reasons: list[str]  # "scenario:<id>", "bundle:<id>", "condition:<id>=<option>"
    critical: bool
    source: str
    approval_stage: str = ""
    step: str = ""  # the id of its step in the department path
    excluded_days: int = 0
    excluded_kind: str = ""
    calendar_days: int = 0
    elapsed_days: int = 0  # decision + excluded periods + calendar window, in working days
    commitment: bool = False
    deferrable: bool = False


@dataclass(frozen=True, slots=True)
class PlannedMaterial:
    id: str
    name: str
    used_by: list[str]
    added_by: list[str]
    shared: bool = False  # 免提交: the government holds it, not submitted
    commitment: bool = False
    deferrable: bool = False


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the department path: a joint step of a bundle, or one matter alone."""

    id: str  # the bundle id of a joint step, else the matter id
    kind: str  # "joint" | "matter"
    name: str
    mode: str  # the bundle's mode for a joint step ("parallel", "joint_review" ...), else ""
    lead: Ref  # the bundle's lead department (牵头部门), or the matter's department
    departments: list[Ref]
    matters: list[str]
    days: int  # decision time of the step (working days)
    elapsed_days: int  # with excluded periods and calendar windows


@dataclass(frozen=True, slots=True)
class Phase:
    phase: int
    departments: list[Ref]
    matters: list[str]
    days: int  # the longest step of the phase (decision time)
    steps: list[Step] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TimeItem:
    """A period the decision limit does not count (excluded) or a calendar window."""

    matter: str
    kind: str
    days: int  # working days
    calendar_days: int = 0


@dataclass(frozen=True, slots=True)
class Estimate:
    serial_days: int  # every promised limit one after the other (working days)
    parallel_days: int  # government decision time along the path (working days)
    critical_path: list[str]
    elapsed_days: int = 0  # expected elapsed time: decision + excluded + calendar (working days)
    with_commitment_days: int = 0  # decision time when 告知承诺制 is used wherever it applies
    excluded: list[TimeItem] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Savings:
    materials_before: int
    materials_after: int
    visits_before: int
    visits_after: int
    steps_before: int
    steps_after: int
    materials_shared: int = 0  # 免提交: held by the government, not submitted
    materials_by_commitment: int = 0  # replaced by one signed commitment (告知承诺书)
    days_before: int = 0  # every statutory limit one after the other (working days)
    days_after: int = 0  # the decision time along the integrated path (working days)


@dataclass(frozen=True, slots=True)
class OptionEffect:
    kind: str
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class QuestionOption:
    value: str
    adds: list[OptionEffect]


@dataclass(frozen=True, slots=True)
class PendingQuestion:
    id: str
    question: str
    scenario: Ref
    options: list[QuestionOption]
    default: str | None = None  # the option assumed until answered


@dataclass(frozen=True, slots=True)
class Assumption:
    """A question left unanswered, and the option the plan assumed for it."""

    id: str
    question: str
    option: str
    change: str  # how to answer otherwise: "answers.<id>" in the API, --answer <id>=... in the CLI


@dataclass(frozen=True, slots=True)
class HeldPlace:
    stage: Ref
    scenario: Ref


@dataclass(frozen=True, slots=True)
class HeldPrerequisite:
    id: str
    name: str
    required_by: list[str]
    places: list[HeldPlace] = field(default_factory=list)  # where the catalog puts it


@dataclass(frozen=True, slots=True)
class OtherPartyMatter:
    """A matter of the position that another party files (never put on the applicant)."""

    id: str
    name: str
    party: str
    department: Ref


@dataclass(frozen=True, slots=True)
class EventScenario:
    """A life-event scenario of the stage, chosen explicitly (never in a stage-wide plan)."""

    id: str
    name: str
    life_event: str


@dataclass(slots=True)
class Recommendation:
    position: PositionView
    bundles: list[Ref]
    matters: list[PlannedMatter]
    materials: list[PlannedMaterial]
    department_path: list[Phase]
    estimate: Estimate
    savings: Savings
    pending_questions: list[PendingQuestion]
    answers: dict[str, str] = field(default_factory=dict)
    prerequisites_held: list[HeldPrerequisite] = field(default_factory=list)
    assumptions: list[Assumption] = field(default_factory=list)
    by_others: list[OtherPartyMatter] = field(default_factory=list)
    other_scenarios: list[EventScenario] = field(default_factory=list)
