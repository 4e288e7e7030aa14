"""docs/savings.md holds exactly what `python scripts/savings.py` prints for the shipped catalog."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "savings.md"
BEGIN, END = "<!-- savings table: begin -->", "<!-- savings table: end -->"


def test_the_page_holds_the_commands_table() -> None:
    printed = subprocess.run(
        [sys.executable, "scripts/savings.py"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    page = PAGE.read_text(encoding="utf-8")
    held = page.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert held == printed


def test_a_change_is_signed_and_rounded() -> None:
    spec = importlib.util.spec_from_file_location("savings", ROOT / "scripts" / "savings.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["savings"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    assert module.change(16, 5) == "−69%"
    assert module.change(3, 4) == "+33%"
    assert module.change(0, 0) == "—"
