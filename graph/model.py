"""Typed catalog records and the Catalog that holds them.

Records are frozen dataclasses: a loaded catalog is shared by readers and never mutated; a new
load builds a new Catalog and the store swaps it in whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import StrEnum


class StageKind(StrEnum):
    """The four lifecycle stages of an industry chain, in order."""

    CONSTRUCTION = "construction"
    PRODUCTION = "production"
    CIRCULATION = "circulation"
    AFTERMARKET = "aftermarket"


class BundleKind(StrEnum):
    """What kind of integrated package a bundle is."""

    CHAIN_SPECIAL = "chain_special"  # 产业链特色一件事
    ONE_THING = "one_thing"  # 一件事
    ONE_CATEGORY = "one_category"  # 一类事


MATTER_TYPES = (
    "行政许可",
    "行政确认",
    "行政备案",
    "行政给付",
    "行政检查",
    "其他行政权力",
    "公共服务",
)
LEVELS = ("国家", "省", "市", "区")


@dataclass(frozen=True, slots=True)
class Industry:
    id: str
    name: str
    description: str
    source: str


@dataclass(frozen=True, slots=True)
class Stage:
    id: str
    industry_id: str
    kind: StageKind
    name: str
    order: int
    source: str


@dataclass(frozen=True, slots=True)
class Scenario:
    id: str
    name: str
    description: str
    source: str


@dataclass(frozen=True, slots=True)
class Department:
    id: str
    name: str
    level: str
    source: str


@dataclass(frozen=True, slots=True)
class Matter:
    id: str
    code: str
    name: str
    type: str
    level: str
    department_id: str
    legal_days: int
    promised_days: int
    visits: int
    online: bool
    fee: float
    source: str


@dataclass(frozen=True, slots=True)
class Material:
    id: str
    name: str
    source: str


@dataclass(frozen=True, slots=True)
class Bundle:
    id: str
    name: str
    kind: BundleKind
    lead_department_id: str
    family_id: str | None
    industry_id: str | None
    description: str
    source: str


@dataclass(frozen=True, slots=True)
class Condition:
    id: str
    question: str
    scenario_id: str
    options: tuple[str, ...]
    source: str


@dataclass(frozen=True, slots=True)
class ConditionEffect:
    """Answering `option` to `condition_id` adds a matter, or a material (for one matter)."""

    condition_id: str
    option: str
    target_kind: str  # "matter" | "material"
    target_id: str
    matter_id: str | None
    source: str


@dataclass(frozen=True, slots=True)
class Guide:
    """A knowledge-base entry (一库) about a matter or a bundle."""

    id: str
    title: str
    body: str
    about_kind: str  # "matter" | "bundle"
    about_id: str
    source: str


@dataclass(frozen=True, slots=True)
class ServiceCentre:
    id: str
    name: str
    description: str
    source: str


@dataclass(frozen=True, slots=True)
class Link:
    """A plain relationship row of a link table; `source` says why the link exists."""

    a: str
    b: str
    source: str


@dataclass(slots=True)
class Catalog:
    """Everything a load produces; validated before any store sees it."""

    industries: dict[str, Industry] = field(default_factory=dict)
    stages: dict[str, Stage] = field(default_factory=dict)
    scenarios: dict[str, Scenario] = field(default_factory=dict)
    departments: dict[str, Department] = field(default_factory=dict)
    matters: dict[str, Matter] = field(default_factory=dict)
    materials: dict[str, Material] = field(default_factory=dict)
    bundles: dict[str, Bundle] = field(default_factory=dict)
    conditions: dict[str, Condition] = field(default_factory=dict)
    guides: dict[str, Guide] = field(default_factory=dict)
    service_centres: dict[str, ServiceCentre] = field(default_factory=dict)
    stage_scenarios: list[Link] = field(default_factory=list)
    scenario_matters: list[Link] = field(default_factory=list)
    scenario_bundles: list[Link] = field(default_factory=list)
    bundle_matters: list[Link] = field(default_factory=list)
    matter_materials: list[Link] = field(default_factory=list)
    prerequisites: list[Link] = field(default_factory=list)
    centre_departments: list[Link] = field(default_factory=list)
    condition_effects: list[ConditionEffect] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Rows per table, in the order of the catalog format (this class's fields)."""
        return {f.name: len(getattr(self, f.name)) for f in fields(self)}

    def total_rows(self) -> int:
        return sum(self.counts().values())


@dataclass(frozen=True, slots=True)
class Position:
    """Where an enterprise stands in the chain: industry, stage and optionally one scenario."""

    industry: str
    stage: str
    scenario: str | None = None


@dataclass(frozen=True, slots=True)
class Ref:
    """A record named by id and name (what answers show of a record they point at)."""

    id: str
    name: str


@dataclass(slots=True)
class PositionSubgraph:
    """The raw neighbourhood of a position, fetched by a store in one call; it decides nothing.

    `industry` and `stage` are the records the position names (None when unknown);
    `stage_scenarios` the ids of every scenario under that stage; `scenario_known` whether the
    scenario the position names exists at all. The rest is the neighbourhood of the scenario the
    position names (whether or not it is under the stage), or of every scenario under the stage
    when it names none: their NEEDS and SERVED_BY links, the bundles' INCLUDES, the conditions
    they ASK with their ADDS effects, and every matter so reached with its department,
    materials and REQUIRES links; `outside_prerequisites` names the required matters that are
    not among those matters. The planner (graph/planner.py) decides what all of it means.
    """

    industry: Industry | None
    stage: Stage | None
    stage_scenarios: list[str]
    scenario_known: bool
    scenarios: list[Scenario]
    bundles: list[Bundle]
    matters: dict[str, Matter]
    departments: dict[str, Department]
    materials: dict[str, Material]
    conditions: list[Condition]
    condition_effects: list[ConditionEffect]
    scenario_matters: list[Link]
    scenario_bundles: list[Link]
    bundle_matters: list[Link]
    matter_materials: list[Link]
    prerequisites: list[Link]
    outside_prerequisites: dict[str, str]  # id -> name

    @classmethod
    def empty(cls) -> PositionSubgraph:
        """What a store holding no catalog fetches for any position."""
        return cls(None, None, [], False, [], [], {}, {}, {}, [], [], [], [], [], [], [], {})


@dataclass(frozen=True, slots=True)
class StageDetail:
    """A stage with the scenarios hanging under it and the bundles serving them."""

    stage: Stage
    scenarios: list[Scenario]
    bundles: list[Bundle]


@dataclass(frozen=True, slots=True)
class IndustryDetail:
    industry: Industry
    stages: list[StageDetail]


@dataclass(frozen=True, slots=True)
class MatterDetail:
    matter: Matter
    department: Department
    materials: list[Material]
    requires: list[Matter]
    required_by: list[Matter]
    scenarios: list[Scenario]
    bundles: list[Bundle]
    guides: list[Guide]


@dataclass(frozen=True, slots=True)
class DepartmentDetail:
    department: Department
    matters: list[Matter]
    leads: list[Bundle]
    centres: list[ServiceCentre]


@dataclass(frozen=True, slots=True)
class BundleDetail:
    bundle: Bundle
    lead_department: Department
    family: Bundle | None
    members: list[Bundle]  # for a one_category: the bundles whose family it is
    matters: list[Matter]
    departments: dict[str, Department]  # of the matters
    scenarios: list[Scenario]
    guides: list[Guide]


@dataclass(frozen=True, slots=True)
class CentreDetail:
    centre: ServiceCentre
    departments: list[Department]


@dataclass(frozen=True, slots=True)
class SearchHit:
    kind: str  # "matter" | "bundle" | "guide" | "scenario" | "department"
    id: str
    name: str
    text: str  # searchable text beyond the name: a guide's body, a matter's code and keywords
