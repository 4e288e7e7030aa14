"""What every `chainkg` command prints and writes, on the mini catalog.

tests/cli/test_cli.py covers backends, errors and exit codes; this file pins the output itself:
the rows of each table, the summary lines, the JSON, which stream carries what (data on stdout,
progress and logs on stderr) and the files that `viz` and `synth` write. Expected values are
worked out by hand from tests/fixtures/mini (see the comments), not taken from the code.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import typer.main
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from api.settings import Settings, get_settings
from cli.main import app
from graph.stores.factory import Backend
from graph.stores.memory import MemoryStore
from loaders import load_catalog

runner = CliRunner()

ANSI = re.compile(r"\x1b\[[0-9;]*m")

# --- the mini catalog, by hand ------------------------------------------------------------------
# departments.csv
DEPT = {
    "zj": "住房和城乡建设局",
    "rf": "人民防空办公室",
    "gh": "自然资源和规划局",
    "sw": "商务局",
    "sj": "市场监督管理局",
}
# matters.csv: name, department, type, promised days, legal days
MATTER = {
    "ghxk": ("建设工程规划许可证核发", "gh", "行政许可", 5, 20),
    "sgxk": ("建筑工程施工许可证核发", "zj", "行政许可", 1, 7),
    "rfsp": ("新建民用建筑防空地下室易地建设审批", "rf", "行政许可", 2, 20),
    "xfsc": ("特殊建设工程消防设计审查", "zj", "行政许可", 5, 15),
    "jgba": ("房屋建筑和市政基础设施工程竣工验收备案", "zj", "行政备案", 3, 15),
    "yyzz": ("企业设立登记", "sj", "行政许可", 1, 3),
    "xsba": ("汽车销售企业信息备案", "sw", "行政备案", 3, 30),
}
MATERIAL = {
    "license": "营业执照",
    "legal_rep_id": "法定代表人身份证明",
    "form": "申请表",
    "drawings": "施工图设计文件",
    "fire_docs": "消防设计文件",
}
ROWS = 65  # data rows over the 18 CSVs (see test_check_prints_one_ok_line_with_the_row_count)
COUNTS = {
    "industries": 1,
    "stages": 2,
    "scenarios": 3,
    "departments": 5,
    "matters": 7,
    "materials": 5,
    "bundles": 3,
    "conditions": 2,
    "guides": 1,
    "service_centres": 1,
    "stage_scenarios": 3,
    "scenario_matters": 2,
    "scenario_bundles": 2,
    "bundle_matters": 6,
    "matter_materials": 13,
    "prerequisites": 5,
    "centre_departments": 2,
    "condition_effects": 2,
}

CONSTRUCTION = ["recommend", "--industry", "nev", "--stage", "nev.construction"]
CIRCULATION = ["recommend", "--industry", "nev", "--stage", "nev.circulation"]

# The questions of scenario kaigong (conditions.csv, condition_effects.csv), sorted by id.
BIG_AREA_LINE = "待答: 建筑面积是否超过300平方米 [--answer big_area=…] 是 (+消防设计文件) / 否"
SPECIAL_LINE = (
    "待答: 是否为特殊建设工程 [--answer special_project=…] 是 (+特殊建设工程消防设计审查) / 否"
)


# --- helpers -----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def clean_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No CHAINKG_ variable of the caller leaks in; `configure` sets the ones a test needs."""
    for name in Settings.model_fields:
        monkeypatch.delenv(f"CHAINKG_{name.upper()}", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def configure(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    def set_values(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(f"CHAINKG_{name.upper()}", value)
        get_settings.cache_clear()

    return set_values


def invoke(args: list[str], obj: object = None) -> Result:
    return runner.invoke(app, args, obj=obj)


def ok(args: list[str], obj: object = None) -> Result:
    """Run a command that must succeed."""
    result = invoke(args, obj)
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return result


def lines(text: str) -> list[str]:
    """Output lines without colour codes or trailing blanks."""
    return [ANSI.sub("", line).rstrip() for line in text.splitlines()]


def physical_rows(stdout: str, title: str | None = None) -> tuple[list[str], list[list[str]]]:
    """Header and printed lines (cells stripped) of the rich table titled `title` (else the
    first table)."""
    text = lines(stdout)
    start = 0
    if title is not None:
        start = next(i for i, line in enumerate(text) if line.strip() == title) + 1
    top = next(i for i in range(start, len(text)) if text[i].lstrip().startswith("┏"))
    header = [c.strip() for c in text[top + 1].strip().strip("┃").split("┃")]
    body: list[list[str]] = []
    for line in text[top + 3 :]:  # after the header and its ┡━ rule
        stripped = line.strip()
        if stripped.startswith("└"):
            break
        if stripped.startswith("├"):
            continue  # the rule between two rows of a table drawn with show_lines
        body.append([c.strip() for c in stripped.strip("│").split("│")])
    return header, body


def table(stdout: str, title: str | None = None) -> tuple[list[str], list[list[list[str]]]]:
    """Header and rows of a rich table; each row a list of cells, each cell its lines (a line
    whose first cell is blank continues the row above)."""
    header, body = physical_rows(stdout, title)
    rows: list[list[list[str]]] = []
    for cells in body:
        if cells[0] or not rows:
            rows.append([[c] if c else [] for c in cells])
        else:
            for cell, value in zip(rows[-1], cells, strict=True):
                if value:
                    cell.append(value)
    return header, rows


def flat(rows: list[list[list[str]]]) -> list[tuple[str, ...]]:
    """Rows of one-line cells as tuples."""
    return [tuple("\n".join(cell) for cell in row) for row in rows]


def csv_rows(folder: Path) -> dict[str, int]:
    """Data rows per table of a catalog folder, counted from the files."""
    out = {}
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as f:
            out[path.stem] = sum(1 for _ in csv.DictReader(f))
    return out


def matters_rows(ids: list[tuple[int, str]], critical: set[str]) -> list[tuple[str, ...]]:
    """The expected 事项 rows: phase, name, the matter's own department, type, days, ★."""
    out: list[tuple[str, ...]] = []
    for phase, m in ids:
        name, dept, kind, promised, legal = MATTER[m]
        star = "★" if m in critical else ""
        out.append((str(phase), name, DEPT[dept], kind, f"{promised}/{legal}", star))
    return out


def on_path(matter_id: str, department: str | None = None) -> str:
    """A matter's line in the 部门路径 table: its name — its own department."""
    name, dept, *_ = MATTER[matter_id]
    return f"{name} — {DEPT[department or dept]}"


def alone(matter_id: str) -> dict[str, Any]:
    """The JSON of a matter's own step (no bundle mode): its department leads, its promised
    days are the step's, and nothing is excluded, so elapsed = promised."""
    name, dept, _, promised, _ = MATTER[matter_id]
    ref = {"id": dept, "name": DEPT[dept]}
    return {
        "id": matter_id,
        "kind": "matter",
        "name": name,
        "mode": "",
        "lead": ref,
        "departments": [ref],
        "matters": [matter_id],
        "days": promised,
        "elapsed_days": promised,
    }


TIME_LINE = "时限（工作日）: 串联 {} 天, 审批决定 {} 天, 预计历时 {} 天（含法定不计时段与公告期）"


def node_data(html: str, key: str, follows: str) -> list[dict[str, Any]]:
    match = re.search(rf"{key}: (\[.*?\]),\n  {follows}:", html, re.S)
    assert match, f"no {key} in the page"
    records: list[dict[str, Any]] = json.loads(match.group(1))
    return records


def wrote_line(path: Path, shown: str) -> str:
    return f"wrote {shown} ({path.stat().st_size / 1024:.0f} KB)\n"


# --- --help ------------------------------------------------------------------------------------

COMMANDS = {
    "serve",
    "check",
    "recommend",
    "search",
    "load",
    "synth",
    "viz",
    "tokens",
    "projects",
    "kpis",
    "analyze",
}
VIZ_COMMANDS = {"chain-map", "service-matrix", "flowchart"}
# Groups whose commands' outputs are pinned in their own file (tests/cli/test_tracking_cli.py,
# tests/cli/test_analyze.py).
PINNED_ELSEWHERE = {"tokens", "projects", "kpis", "analyze"}  # analyze: tests/cli/test_analyze.py

HELP: dict[str, tuple[list[str], str]] = {
    "serve": (["--host", "--port", "--workers", "--data"], "Serve the HTTP API"),
    "check": (["path", "--report", "--json"], "Validate a catalog"),
    "recommend": (
        ["--industry", "--stage", "--scenario", "--answer", "ID=OPTION", "--data", "--json"],
        "The bundle, matters, materials and department path",
    ),
    "search": (["text", "--limit", "--data", "--json"], "Search matters, bundles"),
    "load": (["path", "--backend", "memory|neo4j"], "Validate a catalog and load it"),
    "synth": (["--scale", "--out", "--data", "--force"], "Write a deterministic synthetic catalog"),
    "viz chain-map": (["--industry", "--output", "-o", "--max-nodes", "--data"], "The chain map"),
    "viz service-matrix": (
        ["--industry", "--format", "--output", "-o", "--data"],
        "Departments by stages and bundles",
    ),
    "viz flowchart": (
        ["--industry", "--stage", "--scenario", "--answer", "--output", "-o", "--data"],
        "The department path of a recommendation as a flowchart",
    ),
}


def listed_commands(help_text: str) -> set[str]:
    """Command names in the Commands panel of a rich help page."""
    text = lines(help_text)
    start = next(i for i, line in enumerate(text) if "Commands" in line)
    names = set()
    for line in text[start + 1 :]:
        if line.startswith("╰"):
            break
        match = re.match(r"│ ([a-z][a-z-]*)\s", line)
        if match:
            names.add(match.group(1))
    return names


def test_every_command_is_covered_here() -> None:
    """A new command fails this test until its output is pinned in this file."""
    root = typer.main.get_group(app)
    assert set(root.commands) == COMMANDS
    viz = root.commands["viz"]
    assert isinstance(viz, typer.core.TyperGroup)
    assert set(viz.commands) == VIZ_COMMANDS
    covered = {n for n in COMMANDS if n != "viz" and n not in PINNED_ELSEWHERE}
    assert set(HELP) == covered | {f"viz {n}" for n in VIZ_COMMANDS}


def test_top_level_and_viz_help_list_their_commands() -> None:
    for args, expected in (([], COMMANDS), (["viz"], VIZ_COMMANDS)):
        result = ok([*args, "--help"])
        assert listed_commands(result.stdout) == expected
        assert result.stderr == ""


@pytest.mark.parametrize("command", sorted(HELP))
def test_help_of_each_command_names_its_options(command: str) -> None:
    options, summary = HELP[command]
    result = ok([*command.split(), "--help"])
    assert result.stderr == ""
    text = "\n".join(lines(result.stdout))
    assert f"Usage: root {command} " in text
    assert summary in text
    for option in options:
        assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text), option


def test_no_arguments_is_help() -> None:
    for args in ([], ["viz"]):
        result = invoke(args)
        assert result.exit_code == 2  # click's no_args_is_help is a usage error
        assert "Usage: root" in result.stdout + result.stderr


# --- check -------------------------------------------------------------------------------------


def test_check_prints_one_ok_line_with_the_row_count(mini_path: Path) -> None:
    assert csv_rows(mini_path) == COUNTS and sum(COUNTS.values()) == ROWS
    result = ok(["check", str(mini_path)])
    assert result.stdout == f"{mini_path}: ok, {ROWS} rows (7 matters, 3 scenarios)\n"
    assert result.stderr == ""


def test_check_report_prints_counts_bundles_sources_and_orphans(mini_path: Path) -> None:
    result = ok(["check", str(mini_path), "--report"])
    assert result.stderr == ""
    header, rows = table(result.stdout, "rows per table")
    assert header == ["table", "rows"]
    assert {t: int(n) for t, n in flat(rows)} == COUNTS
    header, rows = table(result.stdout, "bundles")
    assert header == ["kind", "id", "名称", "matters"]
    # bundles.csv sorted by kind, then id; bundle_matters.csv: two matters each
    assert flat(rows) == [
        ("chain_special", "car_sales", "汽车销售一件事", "2"),
        ("one_category", "approval", "项目审批一类事", "2"),
        ("one_thing", "kaigong_bundle", "开工一件事", "2"),
    ]
    header, rows = table(result.stdout, "records per source kind")
    assert header == ["source", "rows", "share"]
    # 5 rows cite a regulation (住房和城乡建设部令第42号, 国办发〔2019〕11号 x2, 商务部令 x2)
    assert flat(rows) == [
        ("article", "14", "21.5%"),
        ("illustrative", "46", "70.8%"),
        ("regulation", "5", "7.7%"),
    ]
    tail = lines(result.stdout)[-8:]
    assert tail == [
        "matters reached by no scenario or bundle: 0",
        "departments with no matter or bundle: 0",
        "materials no matter asks for: 0",
        "scenarios under no stage: 0",
        "scenarios with no matter: 0",
        "bundles serving no scenario: 0",
        "bundles with no matter: 0",
        "conditions without a default: 2 (big_area, special_project)",
    ]
    header, rows = table(result.stdout, "source kinds per table")
    assert header == ["table", "regulation", "article", "illustrative", "illustrative share"]
    assert ("matters", "2", "0", "5", "71.4%") in flat(rows)
    header, rows = table(result.stdout, "matters still illustrative (5), most used first")
    assert [r[0] for r in flat(rows)] == ["ghxk", "jgba", "rfsp", "xfsc", "yyzz"]


def test_check_json_is_the_same_report(mini_path: Path) -> None:
    result = ok(["check", str(mini_path), "--json"])
    assert result.stderr == ""
    body = json.loads(result.stdout)
    assert list(body) == [
        "ok",
        "counts",
        "bundles",
        "sources",
        "sources_by_table",
        "illustrative_matters",
        "orphans",
        "conditions_without_default",
        "warnings",
    ]
    # The mini catalog predates defaults: its two questions have none (a catalog may omit them).
    assert body["conditions_without_default"] == ["big_area", "special_project"]
    assert body["sources_by_table"]["matters"] == {"regulation": 2, "illustrative": 5}
    assert body["sources_by_table"]["bundles"] == {"article": 3}
    # matters.csv: 5 illustrative rows, each in 2 positions (the stage and its scenario)
    assert [(m["id"], m["positions"]) for m in body["illustrative_matters"]] == [
        ("ghxk", 2),
        ("jgba", 2),
        ("rfsp", 2),
        ("xfsc", 2),
        ("yyzz", 2),
    ]
    assert body["ok"] is True
    assert body["counts"] == COUNTS
    assert body["bundles"] == [
        {"id": "car_sales", "name": "汽车销售一件事", "kind": "chain_special", "matters": 2},
        {"id": "approval", "name": "项目审批一类事", "kind": "one_category", "matters": 2},
        {"id": "kaigong_bundle", "name": "开工一件事", "kind": "one_thing", "matters": 2},
    ]
    assert body["sources"] == {
        "article": {"rows": 14, "share": 0.215},
        "illustrative": {"rows": 46, "share": 0.708},
        "regulation": {"rows": 5, "share": 0.077},
    }
    assert sum(s["rows"] for s in body["sources"].values()) == ROWS
    assert body["warnings"] == []


def test_check_warnings_are_counted_on_stderr_and_listed_in_json(mini_copy: Path) -> None:
    with (mini_copy / "materials.csv").open("a", encoding="utf-8") as f:
        f.write("unused,未使用的材料,illustrative\n")
    warned = "1 warning(s)\n  materials.csv:7:id: material 'unused' is asked for by no matter\n"
    result = ok(["check", str(mini_copy)])
    assert result.stdout == f"{mini_copy}: ok, {ROWS + 1} rows (7 matters, 3 scenarios)\n"
    assert result.stderr == warned  # every warning, at its file and row
    result = ok(["check", str(mini_copy), "--json"])
    body = json.loads(result.stdout)
    assert body["warnings"] == ["materials.csv:7:id: material 'unused' is asked for by no matter"]
    assert body["orphans"]["materials no matter asks for"] == ["unused"]
    assert result.stderr == warned
    result = ok(["check", str(mini_copy), "--report"])
    assert "materials no matter asks for: 1 (unused)" in lines(result.stdout)
    assert result.stderr == warned


def test_check_json_of_a_broken_catalog_lists_the_problems(mini_copy: Path) -> None:
    with (mini_copy / "materials.csv").open("a", encoding="utf-8") as f:
        f.write("form,重复,illustrative\n")
    result = invoke(["check", str(mini_copy), "--json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {
        "ok": False,
        "errors": [
            {
                "file": "materials.csv",
                "row": 7,
                "column": "id",
                "message": "duplicate id 'form' (first defined on row 4)",
            }
        ],
        "warnings": [],
    }
    assert result.stderr == ""


# --- recommend: the whole construction stage ------------------------------------------------
# Stage nev.construction has scenarios jungong and kaigong. kaigong needs ghxk itself and its
# bundle kaigong_bundle brings sgxk and rfsp; jungong needs jgba. xfsc is situational (only
# special_project=是 adds it). Prerequisites: sgxk, rfsp -> ghxk; jgba -> sgxk. So phase 1 ghxk
# (gh, 5 d), phase 2 rfsp (rf, 2 d) and sgxk (zj, 1 d), phase 3 jgba (zj, 3 d).
# Serial 5+2+1+3 = 11; parallel: ghxk -> sgxk -> jgba = 5+1+3 = 9 beats ghxk -> rfsp = 7.
# Materials: ghxk license form; sgxk license form drawings; rfsp license drawings; jgba license:
# 8 before, 3 distinct after (none 免提交 or 告知承诺). No bundle has a mode, so every matter is a
# step of its own on the department path. Windows (一窗受理): kaigong_bundle (rfsp, sgxk), ghxk,
# jgba. Visits 1 each before = 4; after kaigong_bundle min(1, 1 + 1) = 1, ghxk 1, jgba 1 = 3.
# Steps 4 matters -> 3 windows. Nothing excluded or on a calendar: elapsed 9 = decision 9.


def test_recommend_stage_prints_position_bundle_and_department_path(mini_path: Path) -> None:
    result = ok([*CONSTRUCTION, "--data", str(mini_path)])
    assert result.stderr == ""
    assert lines(result.stdout)[:2] == ["新能源汽车 / 建设 (2 个场景)", "一件事: 开工一件事"]
    header, printed = physical_rows(result.stdout, "部门路径 department path")
    assert header == ["阶段", "步骤（牵头部门）", "事项 — 办理部门", "承诺时限"]
    # one row per step (a matter alone: no lead shown), each line a matter with its own department
    assert [tuple(r) for r in printed] == [
        ("1", "—", on_path("ghxk"), "5 天"),
        ("2", "—", on_path("rfsp"), "2 天"),
        ("2", "—", on_path("sgxk"), "1 天"),
        ("3", "—", on_path("jgba"), "3 天"),
    ]


def test_recommend_stage_matters_materials_and_summary_lines(mini_path: Path) -> None:
    result = ok([*CONSTRUCTION, "--data", str(mini_path)])
    header, rows = table(result.stdout, "事项 matters")
    assert header == ["阶段", "事项", "部门", "类型", "承诺/法定", "关键"]
    assert flat(rows) == matters_rows(
        [(1, "ghxk"), (2, "rfsp"), (2, "sgxk"), (3, "jgba")], critical={"ghxk", "sgxk", "jgba"}
    )
    header, rows = table(result.stdout, "材料 (每项只交一次)")
    assert header == ["材料", "用于", ""]
    assert flat(rows) == [  # none 免提交 or 可告知承诺: the third column is empty
        (MATERIAL["license"], "4 个事项", ""),
        (MATERIAL["drawings"], "2 个事项", ""),
        (MATERIAL["form"], "2 个事项", ""),
    ]
    out = lines(result.stdout)
    assert out[-4:] == [
        TIME_LINE.format(11, 9, 9),
        "材料 8 → 3, 跑动 4 → 3, 环节 4 → 3",
        BIG_AREA_LINE,
        SPECIAL_LINE,
    ]
    for note in ("须已取得", "由他方办理", "假定", "另可选择的场景"):
        assert not [line for line in out if line.startswith(note)], note


def test_recommend_stage_json(mini_path: Path) -> None:
    result = ok([*CONSTRUCTION, "--json", "--data", str(mini_path)])
    assert result.stderr == ""
    body = json.loads(result.stdout)
    assert body["position"] == {
        "industry": {"id": "nev", "name": "新能源汽车"},
        "stage": {"id": "nev.construction", "name": "建设"},
        "stage_kind": "construction",
        "scenario": None,
        "scenarios": [
            {"id": "jungong", "name": "竣工验收"},
            {"id": "kaigong", "name": "新建厂房开工"},
        ],
    }
    assert body["bundles"] == [{"id": "kaigong_bundle", "name": "开工一件事"}]
    matters = {m["id"]: m for m in body["matters"]}
    assert [m["id"] for m in body["matters"]] == ["ghxk", "rfsp", "sgxk", "jgba"]
    for mid, m in matters.items():
        name, dept, kind, promised, legal = MATTER[mid]
        assert (m["name"], m["department"], m["type"]) == (
            name,
            {"id": dept, "name": DEPT[dept]},
            kind,
        )
        assert (m["time_limit_days"], m["legal_days"]) == (promised, legal)
    assert {mid: m["phase"] for mid, m in matters.items()} == {
        "ghxk": 1,
        "rfsp": 2,
        "sgxk": 2,
        "jgba": 3,
    }
    assert {mid: m["requires"] for mid, m in matters.items()} == {
        "ghxk": [],
        "rfsp": ["ghxk"],
        "sgxk": ["ghxk"],
        "jgba": ["sgxk"],
    }
    assert {mid: m["reasons"] for mid, m in matters.items()} == {
        "ghxk": ["scenario:kaigong"],
        "rfsp": ["bundle:kaigong_bundle"],
        "sgxk": ["bundle:kaigong_bundle"],
        "jgba": ["scenario:jungong"],
    }
    assert [(m["id"], m["used_by"], m["added_by"]) for m in body["materials"]] == [
        ("license", ["ghxk", "jgba", "rfsp", "sgxk"], []),
        ("drawings", ["rfsp", "sgxk"], []),
        ("form", ["ghxk", "sgxk"], []),
    ]
    assert body["department_path"] == [
        {
            "phase": 1,
            "departments": [{"id": "gh", "name": DEPT["gh"]}],
            "matters": ["ghxk"],
            "days": 5,
            "steps": [alone("ghxk")],
        },
        {
            "phase": 2,
            "departments": [{"id": "rf", "name": DEPT["rf"]}, {"id": "zj", "name": DEPT["zj"]}],
            "matters": ["rfsp", "sgxk"],
            "days": 2,
            "steps": [alone("rfsp"), alone("sgxk")],
        },
        {
            "phase": 3,
            "departments": [{"id": "zj", "name": DEPT["zj"]}],
            "matters": ["jgba"],
            "days": 3,
            "steps": [alone("jgba")],
        },
    ]
    assert body["estimate"] == {
        "serial_days": 11,
        "parallel_days": 9,
        "critical_path": ["ghxk", "sgxk", "jgba"],
        "elapsed_days": 9,
        "with_commitment_days": 9,
        "excluded": [],
    }
    assert body["savings"] == {
        "materials_before": 8,
        "materials_after": 3,
        "visits_before": 4,
        "visits_after": 3,
        "steps_before": 4,
        "steps_after": 3,
        "materials_shared": 0,
        "materials_by_commitment": 0,
        # statutory days 20 + 20 + 7 + 15 one after the other; decision time along the path 9
        "days_before": 62,
        "days_after": 9,
    }
    assert [q["id"] for q in body["pending_questions"]] == ["big_area", "special_project"]
    assert body["pending_questions"][1] == {
        "id": "special_project",
        "question": "是否为特殊建设工程",
        "scenario": {"id": "kaigong", "name": "新建厂房开工"},
        "options": [
            {"value": "是", "adds": [{"kind": "matter", "id": "xfsc", "name": MATTER["xfsc"][0]}]},
            {"value": "否", "adds": []},
        ],
        "default": None,
    }
    assert body["answers"] == {} and body["prerequisites_held"] == []
    # no default, no other party, no life-event scenario in the mini catalog
    assert body["assumptions"] == [] and body["by_others"] == [] and body["other_scenarios"] == []


# --- recommend: answers --------------------------------------------------------------------------
# special_project=是 adds xfsc (zj, 5 d, requires ghxk: phase 2) and big_area=是 adds fire_docs
# to sgxk. Serial 11+5 = 16; parallel ghxk -> xfsc = 10 (elapsed too); phase 2 lasts 5 days.
# Materials 8 + 1 (xfsc drawings) + 1 (fire_docs) = 10 before, 4 after; windows kaigong_bundle
# (rfsp, sgxk), ghxk, xfsc, jgba: visits 5 -> 1 + 1 + 1 + 1 = 4, steps 5 -> 4.

BOTH_YES = ["--answer", "special_project=是", "--answer", "big_area=是"]


def test_recommend_with_answers_adds_the_matter_and_the_material(mini_path: Path) -> None:
    result = ok([*CONSTRUCTION, *BOTH_YES, "--data", str(mini_path)])
    assert result.stderr == ""
    _, rows = table(result.stdout, "部门路径 department path")
    # one row per step: phase 2 holds three steps, each its own matter and days
    assert flat(rows) == [
        ("1", "—", on_path("ghxk"), "5 天"),
        ("2", "—", on_path("rfsp"), "2 天"),
        ("2", "—", on_path("sgxk"), "1 天"),
        ("2", "—", on_path("xfsc"), "5 天"),
        ("3", "—", on_path("jgba"), "3 天"),
    ]
    _, rows = table(result.stdout, "事项 matters")
    assert flat(rows) == matters_rows(
        [(1, "ghxk"), (2, "rfsp"), (2, "sgxk"), (2, "xfsc"), (3, "jgba")],
        critical={"ghxk", "xfsc"},
    )
    _, rows = table(result.stdout, "材料 (每项只交一次)")
    assert flat(rows) == [
        (MATERIAL["license"], "4 个事项", ""),
        (MATERIAL["drawings"], "3 个事项", ""),
        (MATERIAL["form"], "2 个事项", ""),
        (MATERIAL["fire_docs"], "1 个事项", ""),
    ]
    out = lines(result.stdout)
    assert out[-2:] == [TIME_LINE.format(16, 10, 10), "材料 10 → 4, 跑动 5 → 4, 环节 5 → 4"]
    assert not [line for line in out if line.startswith("待答")]


def test_recommend_json_echoes_the_answers_and_says_what_they_added(mini_path: Path) -> None:
    body = json.loads(ok([*CONSTRUCTION, *BOTH_YES, "--json", "--data", str(mini_path)]).stdout)
    assert body["answers"] == {"big_area": "是", "special_project": "是"}
    assert body["pending_questions"] == []
    [xfsc] = [m for m in body["matters"] if m["id"] == "xfsc"]
    assert xfsc["reasons"] == ["condition:special_project=是"] and xfsc["critical"]
    [fire] = [m for m in body["materials"] if m["id"] == "fire_docs"]
    assert (fire["used_by"], fire["added_by"]) == (["sgxk"], ["condition:big_area=是"])
    assert body["estimate"] == {
        "serial_days": 16,
        "parallel_days": 10,
        "critical_path": ["ghxk", "xfsc"],
        "elapsed_days": 10,
        "with_commitment_days": 10,
        "excluded": [],
    }


def test_recommend_one_answer_leaves_the_other_question_pending(mini_path: Path) -> None:
    result = ok([*CONSTRUCTION, "--answer", "special_project=否", "--data", str(mini_path)])
    out = lines(result.stdout)
    assert [line for line in out if line.startswith("待答")] == [BIG_AREA_LINE]
    assert MATTER["xfsc"][0] not in result.stdout
    assert TIME_LINE.format(11, 9, 9) in out


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (
            "special_project=maybe",
            "answers.special_project: 'maybe' is not one of the options 是/否",
        ),
        ("nope=是", "answers.nope: not a question asked at this position"),
    ],
)
def test_recommend_a_wrong_answer_is_one_line_on_stderr(
    mini_path: Path, answer: str, message: str
) -> None:
    result = invoke([*CONSTRUCTION, "--answer", answer, "--data", str(mini_path)])
    assert result.exit_code == 1
    assert (result.stdout, result.stderr) == ("", message + "\n")


def test_recommend_a_scenario_of_another_stage_is_refused(mini_path: Path) -> None:
    result = invoke([*CIRCULATION, "--scenario", "kaigong", "--data", str(mini_path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "scenario: scenario 'kaigong' is not under stage 'nev.circulation'\n"


def test_recommend_without_a_stage_is_a_usage_error(mini_path: Path) -> None:
    result = invoke(["recommend", "--industry", "nev", "--data", str(mini_path)])
    assert result.exit_code == 2
    assert result.stdout == "" and "--stage" in result.stderr


# --- recommend: other positions ------------------------------------------------------------------


def test_recommend_circulation(mini_path: Path) -> None:
    # sales -> car_sales: yyzz (sj, 1 d), then xsba (sw, 3 d, requires yyzz); car_sales is one
    # window: visits 1 + 0 = 1 before, min(1, 1 + 0) = 1 after (online or not), steps 2 -> 1;
    # yyzz legal_rep_id form + xsba license legal_rep_id: 4 -> 3.
    result = ok([*CIRCULATION, "--data", str(mini_path)])
    out = lines(result.stdout)
    assert out[:2] == ["新能源汽车 / 流通 (1 个场景)", "一件事: 汽车销售一件事"]
    _, printed = physical_rows(result.stdout, "部门路径 department path")
    assert [tuple(r) for r in printed] == [
        ("1", "—", on_path("yyzz"), "1 天"),
        ("2", "—", on_path("xsba"), "3 天"),
    ]
    _, rows = table(result.stdout, "事项 matters")
    assert flat(rows) == matters_rows([(1, "yyzz"), (2, "xsba")], critical={"yyzz", "xsba"})
    _, rows = table(result.stdout, "材料 (每项只交一次)")
    assert flat(rows) == [
        (MATERIAL["legal_rep_id"], "2 个事项", ""),
        (MATERIAL["form"], "1 个事项", ""),
        (MATERIAL["license"], "1 个事项", ""),
    ]
    assert out[-2:] == [TIME_LINE.format(4, 4, 4), "材料 4 → 3, 跑动 1 → 1, 环节 2 → 1"]


def test_recommend_one_scenario_moves_the_critical_path(mini_path: Path) -> None:
    # kaigong alone: ghxk, then rfsp (2 d) and sgxk (1 d): the critical path runs through rfsp.
    # Windows kaigong_bundle (rfsp, sgxk) and ghxk: visits 3 -> 1 + 1 = 2, steps 3 -> 2.
    result = ok([*CONSTRUCTION, "--scenario", "kaigong", "--data", str(mini_path)])
    out = lines(result.stdout)
    assert out[:2] == ["新能源汽车 / 建设 / 新建厂房开工", "一件事: 开工一件事"]
    _, rows = table(result.stdout, "事项 matters")
    assert flat(rows) == matters_rows(
        [(1, "ghxk"), (2, "rfsp"), (2, "sgxk")], critical={"ghxk", "rfsp"}
    )
    assert TIME_LINE.format(8, 7, 7) in out
    assert "材料 7 → 3, 跑动 3 → 2, 环节 3 → 2" in out
    assert [line for line in out if line.startswith("待答")] == [BIG_AREA_LINE, SPECIAL_LINE]


def test_recommend_lists_prerequisites_that_must_already_be_held(mini_path: Path) -> None:
    # jungong alone: jgba needs sgxk, which is outside the scenario; the catalog puts sgxk in
    # kaigong_bundle, which serves kaigong (建设 · 新建厂房开工). jgba alone keeps its 1 visit.
    args = [*CONSTRUCTION, "--scenario", "jungong", "--data", str(mini_path)]
    out = lines(ok(args).stdout)
    assert out[0] == "新能源汽车 / 建设 / 竣工验收"
    assert not [line for line in out if line.startswith("一件事")]
    assert out[-3:] == [
        TIME_LINE.format(3, 3, 3),
        "材料 1 → 1, 跑动 1 → 1, 环节 1 → 1",
        f"须已取得: {MATTER['sgxk'][0]}（建设 · 新建厂房开工）",
    ]
    body = json.loads(ok([*args, "--json"]).stdout)
    assert body["prerequisites_held"] == [
        {
            "id": "sgxk",
            "name": MATTER["sgxk"][0],
            "required_by": ["jgba"],
            "places": [
                {
                    "stage": {"id": "nev.construction", "name": "建设"},
                    "scenario": {"id": "kaigong", "name": "新建厂房开工"},
                }
            ],
        }
    ]


@pytest.mark.parametrize(
    "args",
    [
        CONSTRUCTION,
        CIRCULATION,
        [*CONSTRUCTION, *BOTH_YES],
        [*CONSTRUCTION, "--scenario", "jungong"],
    ],
    ids=["construction", "circulation", "answered", "jungong"],
)
def test_the_matters_table_shows_each_matter_with_its_own_department(
    mini_path: Path, args: list[str]
) -> None:
    with (mini_path / "matters.csv").open(encoding="utf-8", newline="") as f:
        own = {row["name"]: DEPT[row["department_id"]] for row in csv.DictReader(f)}
    _, rows = table(ok([*args, "--data", str(mini_path)]).stdout, "事项 matters")
    assert rows
    for row in rows:
        [name], [department] = row[1], row[2]
        assert department == own[name], name


def situational_jungong(folder: Path) -> Path:
    """The mini catalog where jungong's matter jgba applies only when need_ba=是."""
    with (folder / "conditions.csv").open("a", encoding="utf-8") as f:
        f.write("need_ba,是否需要竣工验收备案,jungong,是|否,illustrative\n")
    with (folder / "condition_effects.csv").open("a", encoding="utf-8") as f:
        f.write("need_ba,是,matter,jgba,,illustrative\n")
    return folder


JUNGONG = [*CONSTRUCTION, "--scenario", "jungong"]


def test_recommend_with_no_matter_until_answered_asks_the_question(mini_copy: Path) -> None:
    data = str(situational_jungong(mini_copy))
    result = ok([*JUNGONG, "--data", data])
    assert lines(result.stdout) == [
        "新能源汽车 / 建设 / 竣工验收",
        "尚无确定的事项：本位置的事项取决于办理情形，请先回答下列问题（--answer）。",
        f"待答: 是否需要竣工验收备案 [--answer need_ba=…] 是 (+{MATTER['jgba'][0]}) / 否",
    ]
    assert result.stderr == ""
    result = ok([*JUNGONG, "--answer", "need_ba=是", "--data", data])
    _, rows = table(result.stdout, "事项 matters")
    assert flat(rows) == matters_rows([(1, "jgba")], critical={"jgba"})
    body = json.loads(ok([*JUNGONG, "--answer", "need_ba=是", "--json", "--data", data]).stdout)
    assert body["matters"][0]["reasons"] == ["condition:need_ba=是", "scenario:jungong"]


def test_recommend_with_nothing_to_do_and_nothing_to_ask_does_not_ask(mini_copy: Path) -> None:
    data = str(situational_jungong(mini_copy))
    body = json.loads(ok([*JUNGONG, "--answer", "need_ba=否", "--json", "--data", data]).stdout)
    assert body["matters"] == [] and body["pending_questions"] == []
    result = ok([*JUNGONG, "--answer", "need_ba=否", "--data", data])
    assert lines(result.stdout) == ["新能源汽车 / 建设 / 竣工验收", "本位置没有需要办理的事项。"]
    assert "请先回答" not in result.stdout and "--answer" not in result.stdout
    assert result.stderr == ""


def test_department_path_lines_pair_each_matter_with_its_own_department(
    mini_copy: Path,
) -> None:
    # sgxk handled by gh instead of zj: phase 2 is rfsp (rf) and sgxk (gh); departments sorted
    # by id are gh, rf, so two independent columns would read gh | rfsp and rf | sgxk. Each
    # line of the 事项 — 办理部门 column must name the matter's own department.
    path = mini_copy / "matters.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(",区,zj,7,1,", ",区,gh,7,1,"), encoding="utf-8")
    result = ok([*CONSTRUCTION, "--scenario", "kaigong", "--data", str(mini_copy)])
    _, rows = table(result.stdout, "事项 matters")
    assert (MATTER["sgxk"][0], DEPT["gh"]) in [(r[1][0], r[2][0]) for r in rows]  # the edit took
    _, printed = physical_rows(result.stdout, "部门路径 department path")
    by_name = {name: DEPT[dept] for name, dept, *_ in MATTER.values()} | {
        MATTER["sgxk"][0]: DEPT["gh"]
    }
    paired = [tuple(line.split(" — ")) for _, _, line, _ in printed if line]
    assert sorted(name for name, _ in paired) == sorted(
        MATTER[m][0] for m in ("ghxk", "rfsp", "sgxk")
    )
    for name, department in paired:
        assert department == by_name[name], name
    assert on_path("sgxk", "gh") in [line for _, _, line, _ in printed]
    assert on_path("rfsp") in [line for _, _, line, _ in printed]


# --- search ------------------------------------------------------------------------------------
# 施工: one term. Score = 2 per term in the name + 1 per term in the text + 5 when the query is
# in the name + len(query) / len(name). sgxk 2+5+2/11; jgba (设施工程 holds 施工) 2+5+2/19;
# kaigong_bundle (its description) 1+2/5; g_kaigong (its body) 1+2/9.

SEARCH_SHIGONG = [
    ("matter", "sgxk", MATTER["sgxk"][0], 7 + 2 / 11, "0002\n新建厂房开工"),
    ("matter", "jgba", MATTER["jgba"][0], 7 + 2 / 19, "0005\n竣工验收"),
    ("bundle", "kaigong_bundle", "开工一件事", 1 + 2 / 5, "施工许可与人防审批并联办理"),
    (
        "guide",
        "g_kaigong",
        "开工一件事办理指南",
        1 + 2 / 9,
        "施工许可与人防审批并联办理，不到48小时通过审批。",
    ),
]


def test_search_table(mini_path: Path) -> None:
    result = ok(["search", "施工", "--data", str(mini_path)])
    assert result.stderr == ""
    header, rows = table(result.stdout)
    assert header == ["kind", "id", "名称", "score"]
    assert flat(rows) == [(k, i, n, f"{s:.1f}") for k, i, n, s, _ in SEARCH_SHIGONG]


def test_search_json(mini_path: Path) -> None:
    result = ok(["search", "施工", "--json", "--data", str(mini_path)])
    assert result.stderr == ""
    hits = json.loads(result.stdout)
    assert [(h["kind"], h["id"], h["name"], h["snippet"]) for h in hits] == [
        (k, i, n, snippet) for k, i, n, _, snippet in SEARCH_SHIGONG
    ]
    assert [h["score"] for h in hits] == pytest.approx([s for _, _, _, s, _ in SEARCH_SHIGONG])


def test_search_limit(mini_path: Path) -> None:
    # 许可: ghxk and sgxk both score 2+5+2/11 and tie-break on id; rfsp has no 许可.
    result = ok(["search", "许可", "--limit", "2", "--data", str(mini_path)])
    _, rows = table(result.stdout)
    assert [row[1] for row in flat(rows)] == ["ghxk", "sgxk"]
    hits = json.loads(
        ok(["search", "许可", "--limit", "2", "--json", "--data", str(mini_path)]).stdout
    )
    assert [h["id"] for h in hits] == ["ghxk", "sgxk"]


def test_search_without_hits(mini_path: Path) -> None:
    for text in ("火星", "   "):
        assert json.loads(ok(["search", text, "--json", "--data", str(mini_path)]).stdout) == []
    result = ok(["search", "火星", "--data", str(mini_path)])
    header, rows = table(result.stdout)
    assert header == ["kind", "id", "名称", "score"] and rows == []
    assert result.stderr == ""


# --- load --------------------------------------------------------------------------------------

SECONDS = r"\d+\.\d\d s"
SPEED = r"[\d,]+ rows/s"


def test_load_into_the_configured_memory_backend_is_a_dry_run(
    configure: Callable[..., None], mini_path: Path
) -> None:
    configure(backend="memory")
    result = ok(["load", str(mini_path)])
    assert result.stdout == ""
    assert re.fullmatch(
        rf"dry run \(the memory backend keeps nothing; a serving process loads CHAINKG_DATA at "
        rf"start\): built {ROWS} rows in {SECONDS} \({SPEED}; reading and validation {SECONDS}\)\n",
        result.stderr,
    ), result.stderr


class Served(MemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.closed = False

    def close(self) -> None:
        self.closed = True


def test_load_into_a_shared_backend_reports_when_it_serves(mini_path: Path) -> None:
    opened: list[Served] = []

    def opener(settings: Settings) -> Backend:
        assert settings.backend == "neo4j"
        opened.append(Served())
        return Backend("neo4j", opened[-1], shared=True)

    result = ok(["load", str(mini_path), "--backend", "neo4j"], obj=opener)
    assert result.stdout == ""
    assert re.fullmatch(
        rf"loaded {ROWS} rows into neo4j: serving after {SECONDS} \({SPEED}\), old catalog "
        rf"removed in {SECONDS} more; reading and validation {SECONDS}\n",
        result.stderr,
    ), result.stderr
    [store] = opened
    assert store.closed
    assert store.stats()["Matter"] == 7 and store.stats()["Department"] == 5


# --- synth -------------------------------------------------------------------------------------


def test_synth_writes_a_valid_catalog_n_times_the_base(mini_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "synthetic"
    result = ok(["synth", "--scale", "3", "--out", str(out), "--data", str(mini_path)])
    assert result.stdout == ""
    assert result.stderr == f"wrote {3 * ROWS} rows (3x {mini_path}) to {out}\n"
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in mini_path.iterdir())
    assert csv_rows(out) == {table: 3 * n for table, n in COUNTS.items()}
    catalog = load_catalog(out)
    assert catalog.total_rows() == 3 * ROWS
    assert catalog.counts() == {table: 3 * n for table, n in COUNTS.items()}
    # copy k carries the suffix .sK on ids and （合成K） on names
    assert catalog.matters["sgxk.s2"].name == "建筑工程施工许可证核发（合成2）"
    assert catalog.matters["sgxk.s2"].department_id == "zj.s2"
    assert catalog.matters["sgxk"].name == MATTER["sgxk"][0]  # copy 0 is the base
    checked = ok(["check", str(out)])
    assert checked.stdout == f"{out}: ok, {3 * ROWS} rows (21 matters, 9 scenarios)\n"
    # a copy plans exactly like the base
    args = ["recommend", "--industry", "nev.s1", "--stage", "nev.construction.s1", "--json"]
    body = json.loads(ok([*args, "--data", str(out)]).stdout)
    assert body["estimate"] == {
        "serial_days": 11,
        "parallel_days": 9,
        "critical_path": ["ghxk.s1", "sgxk.s1", "jgba.s1"],
        "elapsed_days": 9,
        "with_commitment_days": 9,
        "excluded": [],
    }


def test_synth_reads_chainkg_data_by_default(
    configure: Callable[..., None], mini_path: Path, tmp_path: Path
) -> None:
    configure(data=str(mini_path))
    result = ok(["synth", "--scale", "1", "--out", str(tmp_path)])
    assert result.stderr == f"wrote {ROWS} rows (1x {mini_path}) to {tmp_path}\n"
    assert csv_rows(tmp_path) == COUNTS


def test_synth_scale_below_one_is_a_usage_error(mini_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "never"
    result = invoke(["synth", "--scale", "0", "--out", str(out), "--data", str(mini_path)])
    assert result.exit_code == 2 and "--scale" in result.stderr
    assert result.stdout == "" and not out.exists()


# --- viz chain-map -------------------------------------------------------------------------------


def test_chain_map_writes_chain_map_html_here_by_default(
    mini_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = ok(["viz", "chain-map", "--industry", "nev", "--data", str(mini_path)])
    page = tmp_path / "chain-map.html"
    assert result.stdout == ""
    assert result.stderr == wrote_line(page, "chain-map.html")
    assert [p.name for p in tmp_path.iterdir()] == ["chain-map.html"]
    html = page.read_text(encoding="utf-8")
    assert html.startswith('<!DOCTYPE html>\n<html lang="zh-CN">')
    assert "<title>产业链图谱 · 新能源汽车" in html
    assert "20 个节点 · 21 条连线" in html
    nodes = {n["id"]: n["label"] for n in node_data(html, "nodes", "edges")}
    # approval serves no scenario, so two bundles; 7 matters; 5 departments
    assert nodes == {
        "industry:nev": "新能源汽车",
        "stage:nev.construction": "建设",
        "stage:nev.circulation": "流通",
        "scenario:kaigong": "新建厂房开工",
        "scenario:jungong": "竣工验收",
        "scenario:sales": "整车销售",
        "bundle:kaigong_bundle": "开工一件事",
        "bundle:car_sales": "汽车销售一件事",
        **{f"matter:{m}": v[0] for m, v in MATTER.items()},
        **{f"department:{d}": name for d, name in DEPT.items()},
    }
    edges = node_data(html, "edges", "options")
    handled = {e["from"]: e["to"] for e in edges if e["from"].startswith("matter:")}
    assert handled == {f"matter:{m}": f"department:{v[1]}" for m, v in MATTER.items()}


def test_chain_map_folds_above_max_nodes(mini_path: Path, tmp_path: Path) -> None:
    # 20 nodes > 10: fold matters (13 left, still > 10), then scenarios and bundles too: 8 left.
    page = tmp_path / "sub" / "map.html"
    args = ["viz", "chain-map", "--max-nodes", "10", "-o", str(page), "--data", str(mini_path)]
    result = ok(args)
    assert result.stderr == wrote_line(page, str(page))
    html = page.read_text(encoding="utf-8")
    nodes = node_data(html, "nodes", "edges")
    assert sorted(n["id"].split(":")[0] for n in nodes) == sorted(
        ["industry"] + ["stage"] * 2 + ["department"] * 5
    )
    assert re.findall(r'class="folded">(\d+) 个已折叠', html) == ["3", "2", "7"]
    assert "<title>产业链图谱 · 全部产业" in html  # no --industry: every industry
    too_small = invoke([*args[:3], "9", *args[4:]])
    assert too_small.exit_code == 2 and "--max-nodes" in too_small.stderr


# --- viz service-matrix --------------------------------------------------------------------------
# Candidate matters per row: 建设 = ghxk (gh), rfsp (rf), sgxk jgba xfsc (zj); 开工一件事 = sgxk
# (zj), rfsp (rf); 流通 and 汽车销售一件事 = yyzz (sj), xsba (sw). Leads: zj for kaigong_bundle
# (so for 建设), sw for car_sales (so for 流通). Columns by total, then id: zj gh rf sj sw.

MATRIX_HEAD = ["产业", "阶段", "类型", "名称", "牵头部门"]
MATRIX_CSV = [
    [*MATRIX_HEAD, *(DEPT[d] for d in ("zj", "gh", "rf", "sj", "sw")), "合计"],
    ["新能源汽车", "建设", "阶段", "建设", DEPT["zj"], "3", "1", "1", "0", "0", "5"],
    ["新能源汽车", "建设", "一件事", "开工一件事", DEPT["zj"], "1", "0", "1", "0", "0", "2"],
    ["新能源汽车", "流通", "阶段", "流通", DEPT["sw"], "0", "0", "0", "1", "1", "2"],
    ["新能源汽车", "流通", "一件事", "汽车销售一件事", DEPT["sw"], "0", "0", "0", "1", "1", "2"],
    ["", "", "", "合计（各阶段去重）", "", "3", "1", "1", "1", "1", "7"],
]


def test_service_matrix_csv(mini_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "m.csv"
    args = ["viz", "service-matrix", "--format", "csv", "-o", str(target)]
    result = ok([*args, "--data", str(mini_path)])
    assert (result.stdout, result.stderr) == ("", wrote_line(target, str(target)))
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(raw.decode("utf-8-sig")))) == MATRIX_CSV


def test_service_matrix_xlsx(mini_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "m.xlsx"
    args = ["viz", "service-matrix", "--industry", "nev", "--format", "xlsx", "-o", str(target)]
    ok([*args, "--data", str(mini_path)])
    sheet = openpyxl.load_workbook(target)["服务矩阵"]
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=1, max_row=5)]

    def expected(cell: str, column: int) -> object:
        if column >= 5 and column < 10:  # department counts: blank for zero
            return None if cell == "0" else int(cell)
        if column == 10:
            return int(cell)
        return cell

    assert values[0] == MATRIX_CSV[0]
    assert values[1:] == [[expected(c, j) for j, c in enumerate(row)] for row in MATRIX_CSV[1:5]]


def test_service_matrix_html_is_the_default_here(
    mini_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = ok(["viz", "service-matrix", "--industry", "nev", "--data", str(mini_path)])
    page = tmp_path / "service-matrix.html"
    assert (result.stdout, result.stderr) == ("", wrote_line(page, "service-matrix.html"))
    html = page.read_text(encoding="utf-8")
    assert "4 行 · 5 个部门 · 7 项事项（去重）" in html
    assert re.findall(r'data-row-total="([^"]+)">(\d+)<', html) == [
        ("nev.construction", "5"),
        ("nev.construction/kaigong_bundle", "2"),
        ("nev.circulation", "2"),
        ("nev.circulation/car_sales", "2"),
    ]
    assert re.findall(r'data-col-total="(\w+)">(\d+)<', html) == [
        ("zj", "3"),
        ("gh", "1"),
        ("rf", "1"),
        ("sj", "1"),
        ("sw", "1"),
    ]
    assert "data-grand-total>7<" in html
    leads = re.findall(r'<td data-col="(\w+)" data-count="(\d+)" class="lead"', html)
    assert leads == [("zj", "3"), ("zj", "1"), ("sw", "1"), ("sw", "1")]


def test_service_matrix_unknown_industry_writes_nothing(mini_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "m.html"
    args = ["viz", "service-matrix", "--industry", "nope", "-o", str(target)]
    result = invoke([*args, "--data", str(mini_path)])
    assert result.exit_code == 1
    assert (result.stdout, result.stderr) == ("", "industry 'nope' not found\n")
    assert not target.exists()


# --- viz flowchart -----------------------------------------------------------------------------


def test_flowchart_writes_flowchart_html_here_by_default(
    mini_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = ok(["viz", "flowchart", *CONSTRUCTION[1:], "--data", str(mini_path)])
    page = tmp_path / "flowchart.html"
    assert (result.stdout, result.stderr) == ("", wrote_line(page, "flowchart.html"))
    html = page.read_text(encoding="utf-8")
    assert "<title>办理流程图 · 新能源汽车 · 建设</title>" in html
    assert "一件事：开工一件事" in html and "场景：竣工验收、新建厂房开工" in html
    boxes = re.findall(r'<g class="box( critical)?" data-matter="(\w+)" data-phase="(\d)"', html)
    assert boxes == [
        (" critical", "ghxk", "1"),
        ("", "rfsp", "2"),
        (" critical", "sgxk", "2"),
        (" critical", "jgba", "3"),
    ]
    assert re.findall(r'class="phase-head"[^>]*>([^<]+)<', html) == [
        "第 1 步 · 5 个工作日",
        "第 2 步 · 2 个工作日",
        "第 3 步 · 3 个工作日",
    ]
    assert "<b data-matters>4</b>" in html and "<b data-phases>3</b>" in html
    assert "<b>11</b> → <b data-parallel-days>9</b>" in html
    critical = " → ".join(MATTER[m][0] for m in ("ghxk", "sgxk", "jgba"))
    assert f"红色：关键路径（{critical}）" in html
    # each box names its own department
    for mid, (_, dept, *_rest) in MATTER.items():
        if f'data-matter="{mid}"' in html:
            box = html.split(f'data-matter="{mid}"', 1)[1].split("</g>", 1)[0]
            assert '<text class="dept"' in box and f">{DEPT[dept]}</text>" in box
    assert "待确认的办理情形" in html
    assert "是否为特殊建设工程（新建厂房开工）：是（+特殊建设工程消防设计审查） / 否" in html


def test_flowchart_with_answers_and_held_prerequisites(mini_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "flow.html"
    args = ["viz", "flowchart", *CONSTRUCTION[1:], *BOTH_YES, "-o", str(target)]
    ok([*args, "--data", str(mini_path)])
    html = target.read_text(encoding="utf-8")
    critical = re.findall(r'<g class="box critical" data-matter="(\w+)"', html)
    assert critical == ["ghxk", "xfsc"]
    assert "<b>16</b> → <b data-parallel-days>10</b>" in html
    assert "待确认的办理情形" not in html
    target = tmp_path / "jungong.html"
    args = ["viz", "flowchart", *JUNGONG[1:], "-o", str(target), "--data", str(mini_path)]
    ok(args)
    html = target.read_text(encoding="utf-8")
    held = f"<li>{MATTER['sgxk'][0]}（建设 · 新建厂房开工）</li>"  # with where the catalog puts it
    assert f"须已取得（本阶段之外的前置事项）</h2><ul>\n{held}" in html


def test_flowchart_unknown_stage_writes_nothing(mini_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "flow.html"
    args = ["viz", "flowchart", "--industry", "nev", "--stage", "nope", "-o", str(target)]
    result = invoke([*args, "--data", str(mini_path)])
    assert result.exit_code == 1
    assert (result.stdout, result.stderr) == ("", "stage 'nope' not found\n")
    assert not target.exists()


# --- serve -------------------------------------------------------------------------------------


@pytest.fixture
def fake_uvicorn(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """uvicorn.run replaced: drives the app through TestClient (start-up and shutdown too) and
    keeps what it was called with and what the API answered. `serve` sets the level of the
    chainkg logger; it is restored afterwards. The addresses are not bound (10.1.2.3 is no
    address of this machine), so the check that they can be is skipped."""
    import uvicorn

    from cli import serving

    seen: dict[str, Any] = {}

    def run(app: FastAPI, **options: Any) -> None:
        seen["options"] = options
        with TestClient(app) as client:
            seen["ready"] = client.get("/v1/ready")
            seen["recommendation"] = client.post(
                "/v1/recommendations", json={"industry": "nev", "stage": "nev.construction"}
            )

    monkeypatch.setattr(uvicorn, "run", run)
    monkeypatch.setattr(serving, "check_bindable", lambda host, port, workers: None)
    logger = logging.getLogger("chainkg")
    level = logger.level
    yield seen
    logger.setLevel(level)


def test_serve_prints_a_banner_on_stderr_and_serves(
    fake_uvicorn: dict[str, Any], mini_path: Path
) -> None:
    result = ok(["serve", "--host", "0.0.0.0", "--port", "8123", "--data", str(mini_path)])
    assert result.stdout == ""
    assert result.stderr.splitlines()[0] == "chainkg: memory backend, http://0.0.0.0:8123/v1/docs"
    assert fake_uvicorn["options"] == {
        "host": "0.0.0.0",
        "port": 8123,
        "log_level": "info",
        "workers": 1,
    }
    assert fake_uvicorn["ready"].status_code == 200
    answer = fake_uvicorn["recommendation"]
    assert answer.status_code == 200
    body = answer.json()
    assert body["estimate"] == {
        "serial_days": 11,
        "parallel_days": 9,
        "critical_path": ["ghxk", "sgxk", "jgba"],
        "elapsed_days": 9,
        "with_commitment_days": 9,
        "excluded": [],
    }
    assert [(p["phase"], p["matters"], p["days"]) for p in body["department_path"]] == [
        (1, ["ghxk"], 5),
        (2, ["rfsp", "sgxk"], 2),
        (3, ["jgba"], 3),
    ]
    cli = json.loads(ok([*CONSTRUCTION, "--json", "--data", str(mini_path)]).stdout)
    assert body["matters"] == cli["matters"]  # the API and the CLI plan alike


def test_serve_takes_host_port_and_catalog_from_the_settings(
    configure: Callable[..., None], fake_uvicorn: dict[str, Any], mini_path: Path
) -> None:
    configure(host="10.1.2.3", port="9001", data=str(mini_path), log_level="WARNING")
    result = ok(["serve"])
    assert result.stderr.splitlines()[0] == "chainkg: memory backend, http://10.1.2.3:9001/v1/docs"
    assert fake_uvicorn["options"] == {
        "host": "10.1.2.3",
        "port": 9001,
        "log_level": "warning",
        "workers": 1,
    }
    assert fake_uvicorn["ready"].json()["counts"]["Matter"] == 7
    assert fake_uvicorn["recommendation"].json()["savings"]["materials_after"] == 3
