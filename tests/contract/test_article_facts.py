"""The source article's facts, asserted through the public HTTP API on every backend.

Records are found by their Chinese names (GET /v1/industries, /v1/bundles, /v1/search ...),
never by an internal id, so a renumbered catalog still has to state the same facts. The numbers
are the article's (docs/domain.md, "Facts the seed states"); a test that fails here means the
catalog no longer reproduces the article, not that the test should be bent.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from graph.store import GraphStore
from graph.stores.factory import Backend

Json = dict[str, Any]

LEAD_CHAINS = ("新能源汽车", "生物医药", "电子信息")
STAGES = ("建设", "生产", "流通", "后市场")
NEV, BIOMED = "新能源汽车", "生物医药"
# 国办发〔2019〕11号: the four stages of engineering construction approval, one scenario each.
PROJECT_APPROVAL_SCENARIOS = ("立项用地规划许可", "工程建设许可", "施工许可", "竣工验收")
PROJECT_APPROVAL, PROJECT_START = "项目审批一类事", "开工一件事"
CONSTRUCTION_PERMIT = "建筑工程施工许可证核发"
CIVIL_AIR_DEFENCE = "新建民用建筑防空地下室易地建设审批"
FOREIGN_TRADE, FACTOR_GUARANTEES = "外贸一类事", "要素保障一类事"
CAR_SALES = "汽车销售一件事"
DRUG_OFFICE = "河南省药品监督管理局航空港行政审批服务办公室"
MEDICAL_CITY = "中原医学科学城"
ABOLISHED = "对外贸易经营者备案登记"  # abolished 2022-12-30
# Short forms the article uses for official department names.
ALIASES = {"市场监管": ("市场监管", "市场监督管理"), "税务": ("税务",)}
# The article's reported outcomes: (search query, bundle or matter the guide is about, phrase).
OUTCOMES = [
    ("86%", FOREIGN_TRADE, "减少企业跑动86%"),
    ("92%", FOREIGN_TRADE, "减时间92%"),
    ("81%", FOREIGN_TRADE, "减环节81%"),
    ("60%", PROJECT_APPROVAL, "材料压减60%"),
    ("352", PROJECT_APPROVAL, "定制辅导352次"),
    ("92%", PROJECT_APPROVAL, "一次通过率提升至92%"),
    ("163", PROJECT_APPROVAL, "163个企业投资重点项目"),
    ("37天", PROJECT_APPROVAL, "37天开工"),
    ("48小时", PROJECT_START, "不到48小时"),
    ("46%", FACTOR_GUARANTEES, "要素获取效率提升46%"),
    ("6小时", CONSTRUCTION_PERMIT, "6小时取得施工许可证"),
    ("40分钟", "报关单位备案（进出口货物收发货人）", "全程40分钟"),
]


@pytest.fixture
def http(shipped_backend: GraphStore) -> Iterator[TestClient]:
    """The running app over the shipped catalog on each backend (memory, Neo4j)."""
    backend = Backend("under test", shipped_backend, shared=True)
    with TestClient(create_app(Settings(), backend=backend)) as client:
        yield client


# --- lookups by Chinese name -----------------------------------------------------------------
def get(http: TestClient, path: str, **params: str | int) -> Any:
    response = http.get(path, params=params)
    assert response.status_code == 200, (path, params, response.text)
    return response.json()


def only(records: Iterable[Json], name: str, key: str = "name") -> Json:
    """The one record called `name`; fails when there is none or more than one."""
    found = [r for r in records if r[key] == name]
    assert len(found) == 1, f"{len(found)} records named {name}"
    return found[0]


def names(records: Iterable[Json]) -> list[str]:
    return [r["name"] for r in records]


def mentions(records: Iterable[Json], word: str) -> list[str]:
    """Names of the records containing `word` (or one of its official long forms)."""
    forms = ALIASES.get(word, (word,))
    return [n for n in names(records) if any(f in n for f in forms)]


def industry(http: TestClient, name: str) -> Json:
    return only(get(http, "/v1/industries"), name)


def stage_id(industry_record: Json, name: str) -> str:
    stage_record: Json = only(industry_record["stages"], name)
    return str(stage_record["id"])


def bundle(http: TestClient, name: str) -> Json:
    found = only(get(http, "/v1/bundles"), name)
    detail: Json = get(http, f"/v1/bundles/{found['id']}")
    return detail


def hit(http: TestClient, kind: str, name: str) -> Json:
    """The search hit of `kind` whose name is exactly `name`."""
    return only(get(http, "/v1/search", q=name, kind=kind, limit=100), name)


def matter(http: TestClient, name: str) -> Json:
    detail: Json = get(http, f"/v1/matters/{hit(http, 'matter', name)['id']}")
    return detail


def department(http: TestClient, name: str) -> Json:
    detail: Json = get(http, f"/v1/departments/{hit(http, 'department', name)['id']}")
    return detail


# --- the chains --------------------------------------------------------------------------------
def test_lead_chains_have_four_stages_in_order(http: TestClient) -> None:
    industries = get(http, "/v1/industries")
    assert sorted(names(industries)) == sorted(LEAD_CHAINS)
    for record in industries:
        stages = record["stages"]
        assert [s["name"] for s in stages] == list(STAGES), record["name"]
        assert [s["order"] for s in stages] == [1, 2, 3, 4], record["name"]


def test_every_stage_has_scenarios(http: TestClient) -> None:
    for name in LEAD_CHAINS:
        detail = get(http, f"/v1/industries/{industry(http, name)['id']}")
        for stage in detail["stages"]:
            assert stage["scenarios"], f"{name} · {stage['name']} has no scenario"
            listed = get(http, "/v1/scenarios", industry=detail["id"], stage=stage["id"])
            assert {s["id"] for s in listed} == {s["id"] for s in stage["scenarios"]}


# --- cross-industry families: linked, not copied -----------------------------------------------
@pytest.mark.parametrize("scenario_name", PROJECT_APPROVAL_SCENARIOS)
def test_project_approval_scenario_shared_by_every_construction_stage(
    http: TestClient, scenario_name: str
) -> None:
    shared = only(get(http, "/v1/scenarios"), scenario_name)  # one scenario, not one per chain
    for name in LEAD_CHAINS:
        record = industry(http, name)
        construction = stage_id(record, "建设")
        listed = get(http, "/v1/scenarios", industry=record["id"], stage=construction)
        assert shared["id"] in {s["id"] for s in listed}, f"{scenario_name} missing under {name}"


@pytest.mark.parametrize("family", [PROJECT_APPROVAL, FOREIGN_TRADE, FACTOR_GUARANTEES])
def test_family_is_one_bundle_linked_to_every_chain(http: TestClient, family: str) -> None:
    record = only(get(http, "/v1/bundles"), family)
    assert record["kind"] == "one_category"
    for name in LEAD_CHAINS:
        listed = get(http, "/v1/bundles", industry=industry(http, name)["id"])
        assert record["id"] in {b["id"] for b in listed}, f"{family} not linked to {name}"


def test_project_approval_family_serves_every_construction_stage(http: TestClient) -> None:
    family = only(get(http, "/v1/bundles"), PROJECT_APPROVAL)
    for name in LEAD_CHAINS:
        record = industry(http, name)
        listed = get(http, "/v1/bundles", industry=record["id"], stage=stage_id(record, "建设"))
        assert family["id"] in {b["id"] for b in listed}, name


def test_project_start_runs_permit_and_civil_air_defence_in_parallel(http: TestClient) -> None:
    kg = bundle(http, PROJECT_START)
    assert kg["family"] is not None and kg["family"]["name"] == PROJECT_APPROVAL
    assert sorted(names(kg["matters"])) == sorted([CONSTRUCTION_PERMIT, CIVIL_AIR_DEFENCE])
    assert kg["scenarios"], "开工一件事 serves no scenario"
    wanted = set(names(kg["matters"]))
    for name in LEAD_CHAINS:
        detail = get(http, f"/v1/industries/{industry(http, name)['id']}")
        for scenario in kg["scenarios"]:
            stage = next(s for s in detail["stages"] if scenario["id"] in _ids(s["scenarios"]))
            assert stage["name"] == "建设"
            position = {"industry": detail["id"], "stage": stage["id"], "scenario": scenario["id"]}
            first = _recommend(http, position)
            # Both matters are situational: answer the questions whose options add them.
            answers = {
                q["id"]: option["value"]
                for q in first["pending_questions"]
                for option in q["options"]
                if wanted & set(names(option["adds"]))
            }
            rec = _recommend(http, {**position, "answers": answers})
            phase = {m["name"]: m["phase"] for m in rec["matters"]}
            assert wanted <= set(phase), f"{name}: {sorted(wanted - set(phase))} not planned"
            assert phase[CONSTRUCTION_PERMIT] == phase[CIVIL_AIR_DEFENCE], name
            planned = [m for m in rec["matters"] if m["name"] in wanted]
            assert not _ids(planned) & {r for m in planned for r in m["requires"]}, name
            # 不到48小时: the parallel estimate fits in two working days.
            assert rec["estimate"]["parallel_days"] <= 2
            assert rec["estimate"]["parallel_days"] < rec["estimate"]["serial_days"]


def _ids(records: Iterable[Json]) -> set[str]:
    return {str(r["id"]) for r in records}


def _recommend(http: TestClient, body: Json) -> Json:
    response = http.post("/v1/recommendations", json=body)
    assert response.status_code == 200, response.text
    out: Json = response.json()
    return out


def test_foreign_trade_family_14_matters_and_value_added_services(http: TestClient) -> None:
    wm = bundle(http, FOREIGN_TRADE)
    assert len(wm["matters"]) == 14
    for word in ("企业开办", "报关单位备案"):
        assert mentions(wm["matters"], word), word
    assert ABOLISHED not in names(wm["matters"])
    value_added: list[Json] = []
    for member in wm["members"]:
        value_added += get(http, f"/v1/bundles/{member['id']}")["matters"]
    for word in ("电子口岸卡", "外汇备案"):
        assert mentions(value_added, word), f"no value-added service {word}"


@pytest.mark.parametrize("word", ["土地超市", "中介", "人才", "政策"])
def test_factor_guarantees_cover(http: TestClient, word: str) -> None:
    ysbz = bundle(http, FACTOR_GUARANTEES)
    assert mentions(ysbz["matters"], word) or mentions(ysbz["members"], word), word


# --- industry-chain special bundles ------------------------------------------------------------
def test_sixteen_chain_special_bundles(http: TestClient) -> None:
    assert len(get(http, "/v1/bundles", kind="chain_special")) == 16


@pytest.mark.parametrize(
    ("stage", "count", "among"),
    [
        ("生产", 3, ["零部件检验检测", "企业用工", "两评两证"]),
        ("流通", 1, ["汽车销售"]),
        ("后市场", 6, ["自动驾驶道路测试", "充电桩建设", "汽车赛事"]),
    ],
)
def test_nev_special_bundles_per_stage(
    http: TestClient, stage: str, count: int, among: list[str]
) -> None:
    nev = industry(http, NEV)
    found = get(
        http, "/v1/bundles", industry=nev["id"], stage=stage_id(nev, stage), kind="chain_special"
    )
    assert len(found) == count, names(found)
    for word in among:
        assert mentions(found, word), word
    assert {b["industry_id"] for b in found} == {nev["id"]}


def test_nev_has_ten_special_bundles(http: TestClient) -> None:
    nev = industry(http, NEV)
    assert len(get(http, "/v1/bundles", industry=nev["id"], kind="chain_special")) == 3 + 1 + 6


def test_car_sales_integrates_eight_matters(http: TestClient) -> None:
    qcxs = bundle(http, CAR_SALES)
    assert qcxs["kind"] == "chain_special"
    assert len(qcxs["matters"]) == 8
    assert len(_ids(qcxs["matters"])) == 8


def test_biomedicine_six_special_bundles(http: TestClient) -> None:
    biomed = industry(http, BIOMED)
    found = get(http, "/v1/bundles", industry=biomed["id"], kind="chain_special")
    assert len(found) == 6, names(found)
    for word in ("医疗机构注册", "试剂检验检测"):
        assert mentions(found, word), word


def test_biomedicine_26_scenarios(http: TestClient) -> None:
    biomed = industry(http, BIOMED)
    scenarios = get(http, "/v1/scenarios", industry=biomed["id"])
    assert len(_ids(scenarios)) == len(scenarios) == 26


# --- biomedicine sub-centre and provincial approvals ------------------------------------------
def test_medical_city_sub_centre_hosts_12_departments(http: TestClient) -> None:
    centres = [c for c in get(http, "/v1/service-centres") if MEDICAL_CITY in c["name"]]
    assert len(centres) == 1, names(centres)
    hosted = centres[0]["departments"]
    assert len(_ids(hosted)) == 12, names(hosted)
    for word in ("市场监管", "税务"):
        assert mentions(hosted, word), word


def test_25_provincial_approvals_done_in_the_zone(http: TestClient) -> None:
    office = department(http, DRUG_OFFICE)
    assert office["level"] == "省"
    assert len(office["matters"]) == 25
    assert {m["level"] for m in office["matters"]} == {"省"}
    drug_registration = [n for n in names(office["matters"]) if "药品" in n and "注册" in n]
    assert drug_registration, "no 药品注册 matter"
    assert any(MEDICAL_CITY in c["name"] for c in office["centres"]), "not in 中原医学科学城"


# --- absent matter, search, sources, outcomes ---------------------------------------------------
def test_abolished_foreign_trade_filing_is_absent(http: TestClient) -> None:
    hits = get(http, "/v1/search", q=ABOLISHED, kind="matter", limit=100)
    assert ABOLISHED not in names(hits)
    assert all(ABOLISHED not in n for n in names(hits))


def test_search_construction_finds_the_permit_first(http: TestClient) -> None:
    hits = get(http, "/v1/search", q="施工", kind="matter")
    assert hits and hits[0]["name"] == CONSTRUCTION_PERMIT, names(hits)[:3]


@pytest.mark.parametrize(("query", "about", "phrase"), OUTCOMES)
def test_reported_outcome_found_by_search(
    http: TestClient, query: str, about: str, phrase: str
) -> None:
    hits = _ids(get(http, "/v1/search", q=query, kind="guide", limit=100))
    if any(about == b["name"] for b in get(http, "/v1/bundles")):
        guides = bundle(http, about)["guides"]
    else:
        guides = matter(http, about)["guides"]
    stating = [g for g in guides if phrase in g["body"]]
    assert stating, f"no guide of {about} states {phrase}"
    assert hits & _ids(stating), f"searching {query} does not find {[g['title'] for g in stating]}"


def test_every_record_carries_a_source(http: TestClient) -> None:
    records = _walk(http)
    counts = get(http, "/v1/ready")["counts"]
    for kind, label in [
        ("matter", "Matter"),
        ("bundle", "Bundle"),
        ("scenario", "Scenario"),
        ("department", "Department"),
        ("industry", "Industry"),
        ("centre", "ServiceCentre"),
        ("guide", "Guide"),
    ]:
        assert len(records[kind]) == counts[label], f"the walk reached {kind}s partly"
        blank = sorted(i for i, r in records[kind].items() if not str(r["source"]).strip())
        assert not blank, f"{kind}s without source: {blank}"


def _walk(http: TestClient) -> dict[str, dict[str, Json]]:
    """Every record the API reaches from the industries, bundles, centres and scenarios lists."""
    found: dict[str, dict[str, Json]] = {
        k: {} for k in ("matter", "bundle", "scenario", "department", "industry", "centre", "guide")
    }
    todo: dict[str, set[str]] = {"matter": set(), "bundle": set(), "department": set()}

    def see(kind: str, refs: Iterable[Json]) -> None:
        todo[kind].update(_ids(refs) - set(found[kind]))

    def guides(records: Iterable[Json]) -> None:
        found["guide"].update({g["id"]: g for g in records})

    for record in get(http, "/v1/industries"):
        detail = get(http, f"/v1/industries/{record['id']}")
        found["industry"][detail["id"]] = detail
        for stage in detail["stages"]:
            found["scenario"].update({s["id"]: s for s in stage["scenarios"]})
            see("bundle", stage["bundles"])
            rec = _recommend(http, {"industry": detail["id"], "stage": stage["id"]})
            see("matter", rec["matters"])
            see("matter", rec["prerequisites_held"])
            for question in rec["pending_questions"]:
                for option in question["options"]:
                    see("matter", [a for a in option["adds"] if a["kind"] == "matter"])
    found["scenario"].update({s["id"]: s for s in get(http, "/v1/scenarios")})
    see("bundle", get(http, "/v1/bundles"))
    for centre in get(http, "/v1/service-centres"):
        found["centre"][centre["id"]] = centre
        see("department", centre["departments"])

    while any(todo.values()):
        for bundle_id in sorted(todo["bundle"]):
            b = found["bundle"][bundle_id] = get(http, f"/v1/bundles/{bundle_id}")
            see("matter", b["matters"])
            see("department", [*b["departments"], b["lead_department"]])
            see("bundle", b["members"] + ([b["family"]] if b["family"] else []))
            guides(b["guides"])
        for matter_id in sorted(todo["matter"]):
            m = found["matter"][matter_id] = get(http, f"/v1/matters/{matter_id}")
            see("department", [m["department"]])
            see("matter", m["prerequisites"] + m["required_by"])
            see("bundle", m["bundles"])
            guides(m["guides"])
        for department_id in sorted(todo["department"]):
            d = found["department"][department_id] = get(http, f"/v1/departments/{department_id}")
            see("matter", d["matters"])
            see("bundle", d["leads"])
        for kind, seen in found.items():
            if kind in todo:
                todo[kind] -= set(seen)
    return found
