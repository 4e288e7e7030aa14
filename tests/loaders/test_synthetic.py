"""Synthetic catalogs keep the base's shape; the writer round-trips through the loader."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from graph.model import Catalog, Position
from graph.planner import recommend
from graph.stores.memory import MemoryStore
from loaders import load_catalog
from loaders.synthetic import synth
from loaders.writer import write_catalog


def test_writer_round_trips(mini_catalog: Catalog, tmp_path: Path) -> None:
    write_catalog(mini_catalog, tmp_path)
    assert load_catalog(tmp_path) == mini_catalog


def test_synth_scales_every_table(mini_catalog: Catalog) -> None:
    big = synth(mini_catalog, 4)
    assert big.counts() == {k: 4 * v for k, v in mini_catalog.counts().items()}


def test_synth_is_deterministic_and_valid(mini_catalog: Catalog, tmp_path: Path) -> None:
    assert synth(mini_catalog, 3) == synth(mini_catalog, 3)
    write_catalog(synth(mini_catalog, 3), tmp_path)
    assert load_catalog(tmp_path) == synth(mini_catalog, 3)


def test_a_copy_plans_like_the_base(mini_catalog: Catalog) -> None:
    store = MemoryStore(synth(mini_catalog, 3))
    base = recommend(store, Position("nev", "nev.construction", "kaigong"))
    copy = recommend(store, Position("nev.s2", "nev.construction.s2", "kaigong.s2"))
    assert [p.matters for p in copy.department_path] == [
        [f"{m}.s2" for m in p.matters] for p in base.department_path
    ]
    assert copy.estimate.parallel_days == base.estimate.parallel_days


def test_cli_synth(mini_path: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["synth", "--scale", "2", "--out", str(tmp_path), "--data", str(mini_path)]
    )
    assert result.exit_code == 0, result.output
    assert load_catalog(tmp_path).counts()["matters"] == 14
