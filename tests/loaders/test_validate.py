"""Every kind of catalog error is reported with its file, row and column; none is fatal alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.errors import CatalogError, Problem
from loaders import CatalogRejected, check_catalog, load_catalog
from loaders.tabular import read_tables
from loaders.validate import build_catalog


def _edit(folder: Path, table: str, old: str, new: str) -> None:
    path = folder / f"{table}.csv"
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture has no '{old}' in {table}.csv"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _append(folder: Path, table: str, line: str) -> None:
    with (folder / f"{table}.csv").open("a", encoding="utf-8") as f:
        f.write(line + "\n")


def _problems(folder: Path) -> list[Problem]:
    with pytest.raises(CatalogError) as caught:
        load_catalog(folder)
    return caught.value.problems


def _one(problems: list[Problem], file: str, row: int | None, column: str | None) -> Problem:
    found = [p for p in problems if (p.file, p.row, p.column) == (file, row, column)]
    assert found, f"no problem at {file}:{row}:{column} in {[str(p) for p in problems]}"
    return found[0]


def test_the_fixture_catalog_is_valid(mini_path: Path) -> None:
    catalog = load_catalog(mini_path)
    assert catalog.counts()["matters"] == 7


def test_missing_required_table(mini_copy: Path) -> None:
    (mini_copy / "matters.csv").unlink()
    assert "missing" in _one(_problems(mini_copy), "matters.csv", None, None).message


def test_unknown_table(mini_copy: Path) -> None:
    (mini_copy / "matterz.csv").write_text("id\nx\n", encoding="utf-8")
    assert "unknown table" in _one(_problems(mini_copy), "matterz.csv", None, None).message


def test_missing_column(mini_copy: Path) -> None:
    _edit(mini_copy, "departments", "id,name,level,source", "id,name,source")
    text = (mini_copy / "departments.csv").read_text(encoding="utf-8")
    (mini_copy / "departments.csv").write_text(text.replace(",区,", ","), encoding="utf-8")
    assert "missing" in _one(_problems(mini_copy), "departments.csv", 1, "level").message


def test_unknown_column(mini_copy: Path) -> None:
    _edit(mini_copy, "materials", "id,name,source", "id,name,source,colour")
    assert "unknown column" in _one(_problems(mini_copy), "materials.csv", 1, "colour").message


def test_empty_id_and_empty_required_value(mini_copy: Path) -> None:
    _append(mini_copy, "materials", ",无名材料,illustrative")
    _append(mini_copy, "materials", "m_x,,illustrative")
    problems = _problems(mini_copy)
    assert _one(problems, "materials.csv", 7, "id").message == "empty value"
    assert _one(problems, "materials.csv", 8, "name").message == "empty value"


def test_duplicate_id_names_the_first_row(mini_copy: Path) -> None:
    _append(mini_copy, "materials", "form,申请书,illustrative")
    problem = _one(_problems(mini_copy), "materials.csv", 7, "id")
    assert "duplicate id 'form'" in problem.message and "row 4" in problem.message


def test_invalid_id(mini_copy: Path) -> None:
    _append(mini_copy, "materials", "Bad Id,材料,illustrative")
    assert "not a valid id" in _one(_problems(mini_copy), "materials.csv", 7, "id").message


def test_dangling_reference(mini_copy: Path) -> None:
    _append(mini_copy, "matter_materials", "sgxk,no_such_material,illustrative")
    problem = _one(_problems(mini_copy), "matter_materials.csv", 15, "material_id")
    assert problem.message == "unknown material 'no_such_material'"


def test_dangling_department_of_a_matter(mini_copy: Path) -> None:
    _edit(mini_copy, "matters", "行政许可,区,gh,", "行政许可,区,nowhere,")
    problem = _one(_problems(mini_copy), "matters.csv", 2, "department_id")
    assert "unknown department 'nowhere'" in problem.message


def test_bad_numbers_and_booleans(mini_copy: Path) -> None:
    _edit(mini_copy, "matters", "gh,20,5,1,true,0", "gh,二十,5,-1,maybe,free")
    problems = _problems(mini_copy)
    assert "not a whole number" in _one(problems, "matters.csv", 2, "legal_days").message
    assert ">= 0" in _one(problems, "matters.csv", 2, "visits").message
    assert "not a boolean" in _one(problems, "matters.csv", 2, "online").message
    assert "not a number" in _one(problems, "matters.csv", 2, "fee").message


def test_promised_limit_above_legal_limit(mini_copy: Path) -> None:
    _edit(mini_copy, "matters", "zj,7,1,", "zj,7,9,")
    assert "exceeds" in _one(_problems(mini_copy), "matters.csv", 3, "promised_days").message


def test_unknown_enum_values(mini_copy: Path) -> None:
    _edit(
        mini_copy,
        "matters",
        "ghxk,0001,建设工程规划许可证核发,行政许可",
        "ghxk,0001,建设工程规划许可证核发,审批",
    )
    _edit(mini_copy, "stages", "nev.circulation,nev,circulation", "nev.circulation,nev,retail")
    _edit(mini_copy, "bundles", "chain_special", "special")
    problems = _problems(mini_copy)
    assert "not one of" in _one(problems, "matters.csv", 2, "type").message
    assert "not one of" in _one(problems, "stages.csv", 3, "kind").message
    assert "not one of" in _one(problems, "bundles.csv", 4, "kind").message


def test_prerequisite_cycle_is_named(mini_copy: Path) -> None:
    _append(mini_copy, "prerequisites", "ghxk,jgba,illustrative")
    problem = _one(_problems(mini_copy), "prerequisites.csv", 7, "requires_id")
    assert problem.message == "prerequisite cycle: ghxk -> jgba -> sgxk -> ghxk"


def test_self_prerequisite_is_a_cycle(mini_copy: Path) -> None:
    _append(mini_copy, "prerequisites", "yyzz,yyzz,illustrative")
    assert (
        "yyzz -> yyzz" in _one(_problems(mini_copy), "prerequisites.csv", 7, "requires_id").message
    )


def test_duplicate_link(mini_copy: Path) -> None:
    _append(mini_copy, "bundle_matters", "car_sales,yyzz,illustrative")
    assert "duplicate link" in _one(_problems(mini_copy), "bundle_matters.csv", 8, None).message


def test_condition_options_and_effects(mini_copy: Path) -> None:
    _edit(
        mini_copy, "conditions", "kaigong,是|否,illustrative\nbig", "kaigong,是,illustrative\nbig"
    )
    _append(mini_copy, "condition_effects", "big_area,也许,matter,xfsc,,illustrative")
    problems = _problems(mini_copy)
    assert "two or more" in _one(problems, "conditions.csv", 2, "options").message
    assert "not an option" in _one(problems, "condition_effects.csv", 4, "option").message


def test_family_must_be_a_one_category_bundle(mini_copy: Path) -> None:
    _edit(mini_copy, "bundles", "zj,approval,,", "zj,car_sales,,")
    assert "not a one_category" in _one(_problems(mini_copy), "bundles.csv", 3, "family_id").message


def test_every_problem_is_reported_not_only_the_first(mini_copy: Path) -> None:
    _append(mini_copy, "materials", "form,申请书,illustrative")
    _append(mini_copy, "matter_materials", "sgxk,nothing,illustrative")
    _append(mini_copy, "prerequisites", "ghxk,jgba,illustrative")
    files = {p.file for p in _problems(mini_copy)}
    assert files == {"materials.csv", "matter_materials.csv", "prerequisites.csv"}


def test_undecodable_file(mini_copy: Path) -> None:
    (mini_copy / "materials.csv").write_bytes(b"id,name,source\nx,\xff\xfe\xfa\xff,illustrative\n")
    assert "cannot decode" in _one(_problems(mini_copy), "materials.csv", None, None).message


def test_problem_renders_as_file_row_column() -> None:
    assert str(Problem("matters.csv", 5, "legal_days", "bad")) == "matters.csv:5:legal_days: bad"


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ("gh,3651,5,1,true,0", "legal_days"),
        ("gh,20,5,99999,true,0", "visits"),
    ],
)
def test_day_limits_and_visits_have_an_upper_bound(
    mini_copy: Path, cells: str, column: str
) -> None:
    _edit(mini_copy, "matters", "gh,20,5,1,true,0", cells)
    message = _one(_problems(mini_copy), "matters.csv", 2, column).message
    assert "at most 3650" in message


def test_a_huge_number_is_not_a_whole_number(mini_copy: Path) -> None:
    _edit(mini_copy, "matters", "gh,20,5,1,true,0", "gh,1e400,5,1,true,0")
    message = _one(_problems(mini_copy), "matters.csv", 2, "legal_days").message
    assert "not a whole number" in message


@pytest.mark.parametrize("fee", ["inf", "-inf", "Infinity", "1e400", "1000000001"])
def test_fee_must_be_finite_and_sensible(mini_copy: Path, fee: str) -> None:
    _edit(mini_copy, "matters", "gh,20,5,1,true,0", f"gh,20,5,1,true,{fee}")
    message = _one(_problems(mini_copy), "matters.csv", 2, "fee").message
    assert f"'{fee}'" in message


def test_a_nan_fee_is_refused(mini_path: Path) -> None:
    # A table built in code is validated as one read from a file (which keeps "nan" as text).
    tables = read_tables(mini_path).tables
    tables["matters"].rows[0]["fee"] = "nan"
    _, problems = build_catalog(tables)
    assert "'nan'" in _one(problems, "matters.csv", 2, "fee").message


def test_the_largest_allowed_values_are_accepted(mini_copy: Path) -> None:
    _edit(mini_copy, "matters", "gh,20,5,1,true,0", "gh,3650,3650,3650,true,1000000000")
    matter = load_catalog(mini_copy).matters["ghxk"]
    assert (matter.legal_days, matter.visits, matter.fee) == (3650, 3650, 1e9)


@pytest.mark.parametrize(
    ("order", "says"),
    [("0", ">= 1"), ("-1", ">= 1"), ("1.5", ">= 1"), ("5", "at most 4"), ("x", "whole number")],
)
def test_stage_order_is_1_to_4(mini_copy: Path, order: str, says: str) -> None:
    _edit(mini_copy, "stages", "nev,construction,建设,1,", f"nev,construction,建设,{order},")
    message = _one(_problems(mini_copy), "stages.csv", 2, "order").message
    assert f"'{order}'" in message and says in message


def test_stage_order_must_match_its_kind(mini_copy: Path) -> None:
    _edit(mini_copy, "stages", "nev,circulation,流通,3,", "nev,circulation,流通,2,")
    message = _one(_problems(mini_copy), "stages.csv", 3, "order").message
    assert "does not match kind 'circulation'" in message and "circulation=3" in message


def test_stage_order_is_unique_per_industry(mini_copy: Path) -> None:
    _append(mini_copy, "stages", "nev.production,nev,production,生产,1,illustrative")
    problems = _problems(mini_copy)
    duplicate = [p for p in problems if "already has a stage of order 1" in p.message]
    assert [(p.row, p.column) for p in duplicate] == [(4, "order")]
    assert "(row 2)" in duplicate[0].message


def test_another_industry_may_use_the_same_order(mini_copy: Path) -> None:
    _append(mini_copy, "industries", "ev2,电动车,,illustrative")
    _append(mini_copy, "stages", "ev2.construction,ev2,construction,建设,1,illustrative")
    assert "ev2.construction" in load_catalog(mini_copy).stages


def test_the_shipped_stages_follow_the_chain_order() -> None:
    from api.settings import shipped_catalog

    stages = load_catalog(shipped_catalog()).stages.values()
    chain = ["construction", "production", "circulation", "aftermarket"]
    assert all(s.order == chain.index(s.kind) + 1 for s in stages)


PREREQUISITES_MISSING = Problem(
    "prerequisites.csv",
    None,
    None,
    "optional table is missing (read as empty): no matter requires another first, so every "
    "plan is a single phase",
)


def test_warnings_are_returned_as_data(mini_copy: Path) -> None:
    (mini_copy / "prerequisites.csv").unlink()
    _append(mini_copy, "materials", "unused,未使用的材料,illustrative")
    checked = check_catalog(mini_copy)
    assert checked.warnings == [
        PREREQUISITES_MISSING,
        Problem("materials.csv", 7, "id", "material 'unused' is asked for by no matter"),
    ]
    assert checked.catalog.prerequisites == []


def test_a_rejected_catalog_carries_its_warnings(mini_copy: Path) -> None:
    (mini_copy / "prerequisites.csv").unlink()
    _append(mini_copy, "materials", "form,申请书,illustrative")
    with pytest.raises(CatalogRejected) as caught:
        load_catalog(mini_copy)
    assert [str(p) for p in caught.value.problems] == [
        "materials.csv:7:id: duplicate id 'form' (first defined on row 4)"
    ]
    assert caught.value.warnings == [PREREQUISITES_MISSING]


def test_the_shipped_catalog_has_no_warning() -> None:
    from api.settings import shipped_catalog

    assert check_catalog(shipped_catalog()).warnings == []


def test_a_table_read_leniently_is_not_validated_twice(mini_copy: Path) -> None:
    """A row reported while reading (here: a field too many) gets no follow-on problem, and the
    id it defines still stands for the rows that name it."""
    _edit(
        mini_copy, "departments", "zj,住房和城乡建设局,区,illustrative", "zj,住房,城乡建设局,区,x"
    )
    assert [str(p) for p in _problems(mini_copy)] == [
        "departments.csv:2: the row has 5 fields, the header has 4: extra value 'x' after "
        "column source"
    ]
