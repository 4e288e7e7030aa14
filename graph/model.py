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


class LifeEvent(StrEnum):
    """What kind of life event a scenario is; a stage-wide plan covers only NONE scenarios."""

    NONE = ""  # the stage's own business: every enterprise at the stage meets it
    FOUNDING = "founding"  # 开办
    CHANGE = "change"  # 变更
    CLOSING = "closing"  # 注销
    OCCASIONAL = "occasional"  # when it happens: 信用修复, 上市核查, 破产 ...


class BundleMode(StrEnum):
    """How a bundle's matters are handled; every mode but NONE is one synchronised step."""

    NONE = ""  # one window and one set of materials, each matter on its own time
    PARALLEL = "parallel"  # 并联审批
    JOINT_REVIEW = "joint_review"  # 联合审查
    JOINT_ACCEPTANCE = "joint_acceptance"  # 联合验收


# The four national stages of 工程建设项目审批 (国办发〔2019〕11号), in order.
APPROVAL_STAGES = ("立项用地规划许可", "工程建设许可", "施工许可", "竣工验收")

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
    life_event: LifeEvent = LifeEvent.NONE


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
    approval_stage: str = ""  # one of APPROVAL_STAGES for engineering matters
    party: str = ""  # who files it when not the applicant (e.g. 施工企业): never on the applicant
    excluded_days: int = 0  # periods the law excludes from the decision limit (working days)
    excluded_kind: str = ""  # what they are: 技术审评, 公示, 专家评审, 现场检查, 听证 ...
    calendar_days: int = 0  # a calendar window the matter must run (e.g. 出让 notice + listing)
    baseline_visits: int | None = None  # visits before the zone's integration (None: `visits`)
    commitment: bool = False  # 告知承诺制: a signed commitment replaces proofs, decided at once
    deferrable: bool = False  # 容缺受理: accepted while a minor material follows later


@dataclass(frozen=True, slots=True)
class Material:
    id: str
    name: str
    source: str
    shared: bool = False  # the government already holds it (电子证照, shared data): 免提交
    commitment: bool = False  # may be replaced by a signed commitment (告知承诺)
    deferrable: bool = False  # may follow after acceptance (容缺受理)
    basis: str = ""  # the rule behind shared/commitment/deferrable


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
    mode: BundleMode = BundleMode.NONE
    promised_days: int | None = None  # the bundle's own promised limit for a joint step


@dataclass(frozen=True, slots=True)
class Condition:
    id: str
    question: str
    scenario_id: str
    options: tuple[str, ...]
    source: str
    default: str = ""  # the option of the typical enterprise, assumed until answered


@dataclass(frozen=True, slots=True)
class ConditionEffect:
    """Answering `option` to `condition_id` adds a matter, or a material (for one matter)."""

    condition_id: str
    option: str
    target_kind: str  # "matter" | "material"
    target_id: str
    matter_id: str | None
    source: str


# What a knowledge-base entry (一库) tells an applicant: the article's 一次性告知 covers what to
# bring, where to go, how long it takes and why applications come back for 补正.
GUIDE_TOPICS = ("overview", "materials", "where", "duration", "corrections")


@dataclass(frozen=True, slots=True)
class Guide:
    """A knowledge-base entry (一库) about a matter or a bundle."""

    id: str
    title: str
    body: str
    about_kind: str  # "matter" | "bundle"
    about_id: str
    source: str
    topic: str = "overview"  # one of GUIDE_TOPICS: what the entry tells an applicant


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


@dataclass(frozen=True, slots=True, order=True)
class MatterPlace:
    """Where the catalog puts a matter: a scenario under a stage that reaches it."""

    matter_id: str
    industry_id: str
    stage_id: str
    stage_name: str
    stage_order: int
    scenario_id: str
    scenario_name: str
    life_event: str

    @classmethod
    def of(cls, matter_id: str, stage: Stage, scenario: Scenario) -> MatterPlace:
        return cls(
            matter_id,
            stage.industry_id,
            stage.id,
            stage.name,
            stage.order,
            scenario.id,
            scenario.name,
            str(scenario.life_event),
        )


@dataclass(slots=True)
class PositionSubgraph:
    """The raw neighbourhood of a position, fetched by a store in one call; it decides nothing.

    `industry` and `stage` are the records the position names (None when unknown);
    `stage_scenarios` the ids of every scenario under that stage; `scenario_known` whether the
    scenario the position names exists at all. The rest is the neighbourhood of the scenario the
    position names (whether or not it is under the stage), or of every scenario under the stage
    when it names none: their NEEDS and SERVED_BY links, the bundles' INCLUDES, the conditions
    they ASK and those whose ADDS reach a matter they list (with every ADDS effect of those
    conditions; `scenarios` includes the scenarios asking them), and every matter so reached
    with its department, materials and REQUIRES links; `outside_prerequisites` names the
    required matters that are not among those matters and `prerequisite_places` says where the
    catalog puts every required matter. The planner (graph/planner.py) decides what all of it means.
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
    prerequisite_places: list[MatterPlace] = field(default_factory=list)

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
