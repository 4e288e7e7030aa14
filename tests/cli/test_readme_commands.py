"""The README's command table names every command `chainkg` has (docs checked by tests)."""

from __future__ import annotations

from pathlib import Path

import typer.main

from cli.main import app

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_every_command_and_group_is_in_the_readme() -> None:
    command = typer.main.get_command(app)
    names = sorted(command.commands)  # type: ignore[attr-defined]
    assert len(names) >= 10
    missing = [name for name in names if f"`chainkg {name}" not in README]
    assert missing == []
