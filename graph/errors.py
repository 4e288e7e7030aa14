"""The error tree of chainkg; api/ maps it to HTTP, the CLI to exit codes."""

from __future__ import annotations

from dataclasses import dataclass


class ChainKGError(Exception):
    """Root of every error chainkg raises on purpose."""


class NotFound(ChainKGError):
    """A record id that the catalog does not hold."""

    def __init__(self, kind: str, record_id: str) -> None:
        super().__init__(f"{kind} '{record_id}' not found")
        self.kind = kind
        self.record_id = record_id


@dataclass(frozen=True, slots=True)
class Problem:
    """One validation problem, located as precisely as the input allows."""

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f":{self.row}"
        if self.column:
            where += f":{self.column}"
        return f"{where}: {self.message}"


class CatalogError(ChainKGError):
    """A catalog that failed validation; carries every problem found, not only the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        head = "; ".join(str(p) for p in problems[:3])
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        super().__init__(f"{len(problems)} catalog error(s): {head}{more}")


class InvalidRequest(ChainKGError):
    """A request that names things inconsistently (e.g. a stage of another industry)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class BackendUnavailable(ChainKGError):
    """The graph backend cannot be reached right now."""


class LoadInProgress(ChainKGError):
    """Another process is loading a catalog into the shared backend right now."""
