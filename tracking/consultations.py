"""一窗通办: a question asked at the window is answered there from the 一库 when a guide fits,
or routed to the department that handles it, which owes an answer within a deadline.

The article (郑州航空港, 2025): 80% of common questions are answered by the window staff, the
20% complex ones get a department's response within 3 minutes (CHAINKG_CONSULTATION_MINUTES).

How a question is decided (`decide`, all of it over graph/search.py's ranking):

1. The question is cut to its subject: punctuation, question words and fillers (FILLERS: 请问,
   需要, 什么, 怎么, 哪里, 多久 ...) become spaces, a 要 or 能 ending a word goes (许可证要
   多久), and a lone character left between them is dropped, so that only the words naming
   the matter and what is asked about it are searched. The words of TOPIC_HINTS in the
   question say what the applicant wants to know (材料 -> materials, 哪里 -> where, 多久 ->
   duration, 补正 -> corrections).
2. The *strength* of a search hit is its graph/search.py score divided by the number of query
   terms of the subject (a term in a title or name counts 2, in a body or keywords 1, plus the
   search's phrase and density bonuses): about 1 means every term was found once in the text.
3. The subject matter: the matter the request names; else the best matter hit for the subject
   (among the position's matters when industry/stage are given) if its strength is at least
   MATTER_STRENGTH (1.0) and at least NAME_TERMS (2) of the terms (all, when fewer) are in
   the matter's name: a matter that shares one generic word (工程, 备案) is no subject.
   Only that best hit is judged.
4. The guides considered: those about the subject matter or about a bundle that includes it;
   with no subject matter, those about a matter or bundle of the position; with no position
   either, every guide.
5. The best ranked guide considered *fits* when its strength is at least GUIDE_STRENGTH (1.2).
   It answers, or, when the question hints a topic the best guide is not of, the best ranked
   entry of that topic about the same matter or bundle (补正 asked, the 补正 entry answers):
   the outcome is "window", the answer the guide's body, answered at once by the window.
6. No guide fits: the question is routed ("routed") to the subject matter's department, due
   `minutes` after it was asked. With no subject matter it goes to the zone's 政务服务 centre:
   the one department of the catalog whose name contains 政务服务 (the 政务服务和大数据中心,
   which runs the 联合辅导 and the 帮办代办). A catalog without exactly one such department
   refuses the question (422, InvalidRequest on `matter`): name the matter, nothing is invented.
   A named matter takes precedence over the position (which is then only checked to exist).

The knowledge base (KnowledgeBase: every guide with what it is about, matters, departments,
bundles) is read through the GraphStore protocol once per catalog version (KnowledgeBaseCache):
on Neo4j a few hundred reads, the first time a catalog is asked about.

Only the officer of the department a question was routed to answers it, once (the first answer
stands: AlreadyAnswered); a question answered at the window has its answer already. Every write
carries its audit entry ("consultation.create", "consultation.answer").
"""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from graph.errors import InvalidRequest, NotFound
from graph.model import Bundle, Department, Guide, Matter, Position
from graph.planner import resolve
from graph.search import RankedHit, query_terms, search
from graph.store import GraphStore
from tracking.model import AuditEntry, Consultation
from tracking.store import AlreadyAnswered, TrackingStore
from tracking.workflow import Actor, NotPermitted, Role

GUIDE_STRENGTH = 1.2
MATTER_STRENGTH = 1.0
NAME_TERMS = 2  # query terms a matter's name must contain (all of them when fewer)
CENTRE_WORD = "政务服务"
SEARCH_ALL = 10_000  # ranking decides, not a cap

Outcome = Literal["window", "routed"]

# Question words and fillers: they say how something is asked, not what about.
FILLERS = (
    "请问",
    "你好",
    "您好",
    "我们",
    "我想",
    "想要",
    "需要",
    "要求",
    "什么",
    "怎么样",
    "怎么",
    "怎样",
    "如何",
    "哪些",
    "哪个",
    "哪里",
    "哪儿",
    "在哪",
    "多久",
    "多长时间",
    "多少",
    "是否",
    "能否",
    "可以",
    "能不能",
    "了解",
    "一下",
    "办理",
    "手续",
    "流程",
    "的",
    "吗",
    "呢",
    "吧",
    "啊",
)
# What an applicant asks about, by the words asking it (graph.model.GUIDE_TOPICS).
TOPIC_HINTS: dict[str, tuple[str, ...]] = {
    "corrections": ("补正", "退回", "驳回", "不予受理", "被退", "原因", "不通过"),
    "materials": ("材料", "资料", "带什么", "准备", "提交", "证明", "表格"),
    "duration": ("多久", "多长时间", "几天", "时限", "期限", "多快", "时间"),
    "where": ("哪里", "在哪", "哪儿", "地址", "窗口", "向谁", "找谁", "哪个部门"),
}
_NOT_WORD = re.compile(r"[^0-9A-Za-z\u3400-\u9fff\uf900-\ufaff]+")
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_TRAILING = re.compile(
    r"[要能](?=\s|$)"
)  # 许可证要 (多久), 审批要 (多久): the ask, not the subject


def subject_text(question: str) -> str:
    """The question without punctuation, question words and fillers (see the module doc)."""
    text = _NOT_WORD.sub(" ", question)
    for filler in sorted(FILLERS, key=len, reverse=True):
        text = text.replace(filler, " ")
    text = _TRAILING.sub(" ", text)
    # A lone character left between fillers (办, 是 ...) names nothing.
    return " ".join(w for w in text.split() if not (len(w) == 1 and _CJK_RUN.fullmatch(w)))


def topic_hint(question: str) -> str | None:
    for topic, words in TOPIC_HINTS.items():
        if any(w in question for w in words):
            return topic
    return None


def strength(hit: RankedHit, terms: Sequence[str]) -> float:
    return hit.score / max(len(terms), 1)


# --- the knowledge base, read from the catalog ------------------------------------------------


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    """The 一库 and what routing needs of the catalog: every guide with what it is about, the
    matters (department), departments and bundles (their matters). Read once per catalog
    version through the GraphStore protocol (`build`), so it is the same on every backend."""

    version: str
    guides: dict[str, Guide]
    matters: dict[str, Matter]
    departments: dict[str, Department]
    bundles: dict[str, Bundle]
    bundle_matters: dict[str, frozenset[str]]
    matter_bundles: dict[str, frozenset[str]]

    def about_name(self, guide: Guide) -> str:
        if guide.about_kind == "bundle":
            bundle = self.bundles.get(guide.about_id)
            return bundle.name if bundle else guide.about_id
        matter = self.matters.get(guide.about_id)
        return matter.name if matter else guide.about_id

    def department_name(self, department_id: str) -> str:
        found = self.departments.get(department_id)
        return found.name if found else department_id

    def matter_name(self, matter_id: str) -> str:
        found = self.matters.get(matter_id)
        return found.name if found else matter_id

    def guides_of_matter(self, matter_id: str) -> list[Guide]:
        """Guides about the matter, then those about a bundle including it (by id)."""
        bundles = self.matter_bundles.get(matter_id, frozenset())
        own = [
            g for g in self.guides.values() if g.about_kind == "matter" and g.about_id == matter_id
        ]
        of_bundles = [
            g for g in self.guides.values() if g.about_kind == "bundle" and g.about_id in bundles
        ]
        return sorted(own, key=lambda g: g.id) + sorted(of_bundles, key=lambda g: g.id)

    def guides_about(self, matters: Iterable[str], bundles: Iterable[str]) -> set[str]:
        matter_ids, bundle_ids = set(matters), set(bundles)
        return {
            g.id
            for g in self.guides.values()
            if (g.about_kind == "matter" and g.about_id in matter_ids)
            or (g.about_kind == "bundle" and g.about_id in bundle_ids)
        }

    def centre_department(self) -> Department | None:
        """The zone's 政务服务 department, when the catalog has exactly one."""
        found = [d for d in self.departments.values() if CENTRE_WORD in d.name]
        return found[0] if len(found) == 1 else None


def build_knowledge_base(store: GraphStore) -> KnowledgeBase:
    """Walk the catalog from its bundles and its stages' positions through every matter,
    department and bundle they reach (matters' prerequisites and departments' matters too)."""
    view = store.pinned()
    matters: dict[str, Matter] = {}
    departments: dict[str, Department] = {}
    bundles: dict[str, Bundle] = {}
    guides: dict[str, Guide] = {}
    bundle_matters: dict[str, set[str]] = {}
    todo: list[str] = []

    def reach(matter: Matter) -> None:
        if matter.id not in matters:
            matters[matter.id] = matter
            todo.append(matter.id)

    for bundle in view.list_bundles(None, None, None):
        detail = view.bundle_detail(bundle.id)
        bundles[bundle.id] = detail.bundle
        departments[detail.lead_department.id] = detail.lead_department
        departments.update(detail.departments)
        guides.update((g.id, g) for g in detail.guides)
        bundle_matters[bundle.id] = {m.id for m in detail.matters}
        for m in detail.matters:
            reach(m)
    for industry, stages in view.list_industries():
        for stage in stages:
            sub = view.position_subgraph(Position(industry.id, stage.id))
            departments.update(sub.departments)
            for m in sub.matters.values():
                reach(m)
    seen_departments: set[str] = set()
    while todo:
        found = view.matter_detail(todo.pop())
        departments[found.department.id] = found.department
        guides.update((g.id, g) for g in found.guides)
        for b in found.bundles:
            bundles.setdefault(b.id, b)
            bundle_matters.setdefault(b.id, set()).add(found.matter.id)
        for m in [*found.requires, *found.required_by]:
            reach(m)
        if not todo:
            for department_id in sorted(set(departments) - seen_departments):
                seen_departments.add(department_id)
                for m in view.department_detail(department_id).matters:
                    reach(m)
    matter_bundles: dict[str, set[str]] = {}
    for bundle_id, members in bundle_matters.items():
        for matter_id in members:
            matter_bundles.setdefault(matter_id, set()).add(bundle_id)
    return KnowledgeBase(
        version=view.catalog_version(),
        guides=dict(sorted(guides.items())),
        matters=matters,
        departments=departments,
        bundles=bundles,
        bundle_matters={b: frozenset(m) for b, m in bundle_matters.items()},
        matter_bundles={m: frozenset(b) for m, b in matter_bundles.items()},
    )


@dataclass
class KnowledgeBaseCache:
    """One KnowledgeBase per catalog version (a catalog of unknown version is read each time)."""

    _held: KnowledgeBase | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, store: GraphStore) -> KnowledgeBase:
        view = store.pinned()
        version = view.catalog_version()
        held = self._held
        if version and held is not None and held.version == version:
            return held
        with self._lock:
            held = self._held
            if version and held is not None and held.version == version:
                return held
            built = build_knowledge_base(view)
            if version:
                self._held = built
            return built


# --- guides of the 一库 ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GuideHit:
    guide: Guide
    score: float | None  # the search score for the query, None without one


def find_guides(
    store: GraphStore,
    kb: KnowledgeBase,
    matter_id: str | None,
    query: str | None,
    topic: str | None,
    limit: int,
) -> list[GuideHit]:
    """Guides about a matter (its own, then its bundles'), and/or ranked for `query`, of one
    topic or all; NotFound for an unknown matter."""
    candidates = list(kb.guides.values())
    if matter_id is not None:
        detail = store.matter_detail(matter_id)  # NotFound for an unknown matter
        own = sorted(detail.guides, key=lambda g: g.id)
        bundles = {b.id for b in detail.bundles} | kb.matter_bundles.get(matter_id, frozenset())
        seen = {g.id for g in own}
        candidates = own + [
            g
            for g in candidates
            if g.about_kind == "bundle" and g.about_id in bundles and g.id not in seen
        ]
    if topic is not None:
        candidates = [g for g in candidates if g.topic == topic]
    if query is None or not query.strip():
        return [GuideHit(g, None) for g in candidates[:limit]]
    by_id = {g.id: g for g in candidates}
    ranked = search(store, query, limit=SEARCH_ALL, kind="guide")
    return [GuideHit(by_id[h.id], h.score) for h in ranked if h.id in by_id][:limit]


# --- deciding a question ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ask:
    question: str
    industry: str | None = None
    stage: str | None = None
    matter_id: str | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    department_id: str | None  # routed: who answers
    matter_id: str | None  # the subject matter (named, or found), if any
    guide: Guide | None  # window: the guide that answered
    reason: str  # why, in one sentence (kept in the audit entry)


@dataclass(frozen=True, slots=True)
class _Scope:
    matters: frozenset[str]
    bundles: frozenset[str]


def position_scope(store: GraphStore, industry: str | None, stage: str | None) -> _Scope | None:
    """The matters and bundles of a position (every stage of an industry given alone; a stage
    given alone is its industry's); None without one. NotFound, InvalidRequest as the planner."""
    if industry is None and stage is None:
        return None
    chain = store.list_industries()
    if industry is None:
        owner = next((i for i, stages in chain if any(s.id == stage for s in stages)), None)
        if owner is None:
            raise NotFound("stage", str(stage))
        industry = owner.id
    stages = next((ss for i, ss in chain if i.id == industry), None)
    if stages is None:
        raise NotFound("industry", industry)
    matters: set[str] = set()
    bundles: set[str] = set()
    for stage_id in [stage] if stage is not None else [s.id for s in stages]:
        position = Position(industry, stage_id)
        sub = store.position_subgraph(position)
        resolve(sub, position)  # NotFound, or InvalidRequest for another industry's stage
        matters |= set(sub.matters)
        bundles |= {b.id for b in sub.bundles}
    return _Scope(frozenset(matters), frozenset(bundles))


def decide(store: GraphStore, kb: KnowledgeBase, ask: Ask) -> Decision:
    """Answer at the window from a fitting guide, or route (see the module doc)."""
    scope = position_scope(store, ask.industry, ask.stage)
    named = store.matter_detail(ask.matter_id).matter if ask.matter_id is not None else None
    text = subject_text(ask.question)
    terms = query_terms(text)
    hint = topic_hint(ask.question)

    subject: Matter | None = named
    why_subject = f"the named matter {named.id}" if named else ""
    if subject is None and terms:
        for hit in search(store, text, limit=SEARCH_ALL, kind="matter"):
            if scope is not None and hit.id not in scope.matters:
                continue
            in_name = sum(1 for t in terms if t in hit.name.lower())
            if (
                strength(hit, terms) >= MATTER_STRENGTH
                and in_name >= min(NAME_TERMS, len(terms))
                and hit.id in kb.matters
            ):
                subject = kb.matters[hit.id]
                why_subject = (
                    f"the best matter hit {hit.id} (strength {strength(hit, terms):.2f} >= "
                    f"{MATTER_STRENGTH})"
                )
            break  # only the best hit is judged

    if subject is not None:
        considered = {g.id for g in kb.guides_of_matter(subject.id)}
        where = f"about {subject.id} or a bundle including it"
    elif scope is not None:
        considered = kb.guides_about(scope.matters, scope.bundles)
        where = "of the position"
    else:
        considered = set(kb.guides)
        where = "of the catalog"

    ranked: list[tuple[Guide, float]] = []
    if terms:
        ranked = [
            (kb.guides[hit.id], strength(hit, terms))
            for hit in search(store, text, limit=SEARCH_ALL, kind="guide")
            if hit.id in considered and hit.id in kb.guides
        ]
    if ranked and ranked[0][1] >= GUIDE_STRENGTH:
        best, s = ranked[0]
        guide = _on_topic(kb, ranked, best, hint)
        about = f"{guide.about_kind} {guide.about_id}"
        return Decision(
            "window",
            None,
            subject.id if subject else (guide.about_id if guide.about_kind == "matter" else None),
            guide,
            f"guide {best.id} ({where}) fits: strength {s:.2f} >= {GUIDE_STRENGTH}"
            + (f"; {guide.id} is the {hint} entry about {about}" if guide is not best else ""),
        )
    if subject is not None:
        return Decision(
            "routed",
            subject.department_id,
            subject.id,
            None,
            f"no guide {where} fits (strength < {GUIDE_STRENGTH}): routed to the department "
            f"of {why_subject}",
        )
    centre = kb.centre_department()
    if centre is not None:
        return Decision(
            "routed",
            centre.id,
            None,
            None,
            f"no guide {where} fits and no matter matches: routed to the {CENTRE_WORD} "
            f"department {centre.id}",
        )
    raise InvalidRequest(
        "matter",
        "no guide answers the question and no matter of the catalog matches it; name the "
        "matter it is about so that it reaches the department handling it",
    )


def _on_topic(
    kb: KnowledgeBase, ranked: list[tuple[Guide, float]], best: Guide, hint: str | None
) -> Guide:
    """The entry of the hinted topic about what the best guide is about (best ranked first),
    or the best guide itself when there is none or no topic was hinted."""
    if hint is None or best.topic == hint:
        return best
    same = [
        g
        for g, _ in ranked
        if (g.about_kind, g.about_id, g.topic) == (best.about_kind, best.about_id, hint)
    ]
    same += sorted(
        (
            g
            for g in kb.guides.values()
            if (g.about_kind, g.about_id, g.topic) == (best.about_kind, best.about_id, hint)
        ),
        key=lambda g: g.id,
    )
    return same[0] if same else best


# --- writing ----------------------------------------------------------------------------------


def new_id() -> str:
    return "c" + secrets.token_hex(8)


def record(
    store: TrackingStore,
    ask: Ask,
    decision: Decision,
    actor: Actor,
    now: datetime,
    minutes: int,
) -> Consultation:
    """Store the consultation the decision makes, with its audit entry."""
    window = decision.outcome == "window"
    consultation = Consultation(
        id=new_id(),
        question=ask.question,
        industry=ask.industry,
        stage=ask.stage,
        matter_id=decision.matter_id,
        outcome=decision.outcome,
        guide_id=decision.guide.id if decision.guide else None,
        department_id=decision.department_id,
        answer=decision.guide.body if window and decision.guide else None,
        created_at=now,
        created_by=actor.label,
        due_at=None if window else now + timedelta(minutes=minutes),
        answered_at=now if window else None,
        answered_by=actor.label if window else None,
    )
    audit = AuditEntry(
        at=now,
        actor=actor.label,
        action="consultation.create",
        target=f"consultation:{consultation.id}",
        detail={
            "outcome": consultation.outcome,
            "guide": consultation.guide_id,
            "department": consultation.department_id,
            "matter": consultation.matter_id,
            "asked_matter": ask.matter_id,
            "reason": decision.reason,
        },
    )
    store.add_consultation(consultation, audit)
    return consultation


def answer(
    store: TrackingStore, consultation_id: str, text: str, actor: Actor, now: datetime
) -> Consultation:
    """A department's answer to a question routed to it. NotFound; AlreadyAnswered for one
    answered at the window; NotPermitted unless the actor is an officer of the department it
    was routed to; AlreadyAnswered once that department answered (the first answer stands,
    also against a concurrent one: the store writes only an unanswered row). Nothing is
    written when it raises."""
    current = store.consultation(consultation_id)
    if current.outcome == "window":
        raise AlreadyAnswered(current)  # answered at the window from a guide
    if actor.role != Role.OFFICER or actor.department_id != current.department_id:
        raise NotPermitted(
            f"consultation {current.id} was routed to {current.department_id}; an officer of "
            f"{actor.department_id} cannot answer it"
        )
    if current.answer is not None:
        raise AlreadyAnswered(current)
    audit = AuditEntry(
        at=now,
        actor=actor.label,
        action="consultation.answer",
        target=f"consultation:{current.id}",
        detail={"department": current.department_id, "minutes": _minutes(current, now)},
    )
    return store.answer_consultation(current.id, text, actor.label, now, audit)


def _minutes(c: Consultation, at: datetime) -> float:
    return round((at - c.created_at).total_seconds() / 60, 2)


def overdue(c: Consultation, now: datetime) -> bool:
    """Routed and not answered by its due time (answered late, or still open past it)."""
    if c.outcome != "routed" or c.due_at is None:
        return False
    return (c.answered_at or now) > c.due_at


# --- statistics -------------------------------------------------------------------------------

REFERENCE_AT_WINDOW_SHARE = 0.8  # the article: 80% of common questions solved at the window
REFERENCE_RESPONSE_MINUTES = 3.0  # the article: complex matters, departments respond in 3 min


@dataclass(frozen=True, slots=True)
class DepartmentStats:
    department_id: str
    routed: int
    answered: int
    within_deadline: int
    open_overdue: int
    mean_minutes: float | None
    max_minutes: float | None


@dataclass(frozen=True, slots=True)
class ConsultationStats:
    total: int
    at_window: int
    routed: int
    at_window_share: float | None
    answered_routed: int
    within_deadline: int
    within_deadline_share: float | None
    mean_minutes: float | None
    departments: list[DepartmentStats]


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def stats(consultations: Iterable[Consultation], now: datetime) -> ConsultationStats:
    """Window vs routed, and per department how fast routed questions were answered (pure)."""
    items = list(consultations)
    at_window = sum(1 for c in items if c.outcome == "window")
    routed = [c for c in items if c.outcome == "routed"]
    by_department: dict[str, list[Consultation]] = {}
    for c in routed:
        by_department.setdefault(c.department_id or "", []).append(c)
    departments = []
    all_minutes: list[float] = []
    within_all = 0
    for department_id in sorted(by_department):
        group = by_department[department_id]
        answered = [c for c in group if c.answered_at is not None]
        minutes = [_minutes(c, c.answered_at) for c in answered if c.answered_at is not None]
        within = sum(
            1
            for c in answered
            if c.due_at is not None and c.answered_at is not None and c.answered_at <= c.due_at
        )
        all_minutes += minutes
        within_all += within
        departments.append(
            DepartmentStats(
                department_id=department_id,
                routed=len(group),
                answered=len(answered),
                within_deadline=within,
                open_overdue=sum(1 for c in group if c.answered_at is None and overdue(c, now)),
                mean_minutes=_mean(minutes),
                max_minutes=max(minutes) if minutes else None,
            )
        )
    total = len(items)
    return ConsultationStats(
        total=total,
        at_window=at_window,
        routed=len(routed),
        at_window_share=round(at_window / total, 4) if total else None,
        answered_routed=len(all_minutes),
        within_deadline=within_all,
        within_deadline_share=round(within_all / len(all_minutes), 4) if all_minutes else None,
        mean_minutes=_mean(all_minutes),
        departments=departments,
    )
