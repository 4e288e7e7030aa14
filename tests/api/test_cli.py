"""The `chainkg` command line: check, recommend, search; data on stdout, errors on stderr."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from api.cli import app

runner = CliRunner()


def test_check_ok(mini_path: Path) -> None:
    result = runner.invoke(app, ["check", str(mini_path)])
    assert result.exit_code == 0, result.output
    assert "ok" in result.stdout


def test_check_reports_every_error_and_exits_1(mini_copy: Path) -> None:
    with (mini_copy / "materials.csv").open("a", encoding="utf-8") as f:
        f.write("form,重复,illustrative\nBAD,x,illustrative\n")
    result = runner.invoke(app, ["check", str(mini_copy)])
    assert result.exit_code == 1
    assert "materials.csv:7:id: duplicate id 'form'" in result.stderr
    assert "materials.csv:8:id:" in result.stderr
    assert result.stdout == ""


def test_check_report_json(mini_path: Path) -> None:
    result = runner.invoke(app, ["check", str(mini_path), "--json"])
    body = json.loads(result.stdout)
    assert body["ok"] and body["counts"]["matters"] == 7
    assert set(body["sources"]) == {"article", "illustrative", "regulation"}
    assert not any(body["orphans"].values())


def test_check_report_table(mini_path: Path) -> None:
    result = runner.invoke(app, ["check", str(mini_path), "--report"])
    assert "汽车销售一件事" in result.stdout and "orphans" not in result.stderr


def test_recommend_prints_bundle_and_department_path(mini_path: Path) -> None:
    result = runner.invoke(
        app,
        ["recommend", "--industry", "nev", "--stage", "nev.circulation", "--data", str(mini_path)],
    )
    assert result.exit_code == 0, result.output
    assert "汽车销售一件事" in result.stdout
    assert "市场监督管理局" in result.stdout and "商务局" in result.stdout


def test_recommend_json_with_answers(mini_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "recommend",
            "--industry",
            "nev",
            "--stage",
            "nev.construction",
            "--scenario",
            "kaigong",
            "--answer",
            "special_project=是",
            "--json",
            "--data",
            str(mini_path),
        ],
    )
    body = json.loads(result.stdout)
    assert body["estimate"]["critical_path"] == ["ghxk", "xfsc"]


def test_recommend_bad_input(mini_path: Path) -> None:
    result = runner.invoke(
        app, ["recommend", "--industry", "nev", "--stage", "nope", "--data", str(mini_path)]
    )
    assert result.exit_code == 1 and "stage 'nope' not found" in result.stderr
    result = runner.invoke(
        app,
        [
            "recommend",
            "--industry",
            "nev",
            "--stage",
            "nev.construction",
            "--answer",
            "x",
            "--data",
            str(mini_path),
        ],
    )
    assert result.exit_code == 2 and "CONDITION_ID=OPTION" in result.stderr


def test_search(mini_path: Path) -> None:
    result = runner.invoke(app, ["search", "施工", "--json", "--data", str(mini_path)])
    assert json.loads(result.stdout)[0]["id"] == "sgxk"
