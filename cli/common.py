"""What `chainkg` (cli/main.py) and `chainkg viz` (cli/viz.py) share: the consoles, the common
options, error reporting, and the backend a query command reads.

A query command (recommend, search, viz ...) reads the configured backend: a shared one (Neo4j)
serves what was loaded into it, so without `--data` nothing is loaded; an embedded one gets the
catalog at `--data`, CHAINKG_DATA or the shipped one. With `--data` the catalog there is read
into an embedded backend whatever is configured.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.text import Text

from api.settings import Settings, get_settings
from graph.errors import CatalogError, ChainKGError
from graph.model import Catalog
from graph.store import GraphStore
from graph.stores.factory import Backend, embedded_backend, open_backend
from loaders import load_catalog

out = Console()  # data
if not out.is_terminal:
    out = Console(width=200)  # piped: no truncation of long Chinese names
err = Console(stderr=True)  # progress, logs, errors
if not err.is_terminal:
    err = Console(stderr=True, width=200)

CatalogOpt = Annotated[
    Path | None,
    typer.Option(
        "--data", help="Catalog folder or .xlsx (default: CHAINKG_DATA or the shipped one)."
    ),
]
SourceOpt = Annotated[
    Path | None,
    typer.Option(
        "--data",
        help="Read this catalog folder or .xlsx instead of the configured backend (default: "
        "with CHAINKG_BACKEND=neo4j what Neo4j serves, else CHAINKG_DATA or the shipped one).",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]
# A position in the chain, as `recommend` and `viz flowchart` take it.
IndustryArg = Annotated[str, typer.Option("--industry", help="Industry id, e.g. nev.")]
StageArg = Annotated[str, typer.Option("--stage", help="Stage id, e.g. nev.circulation.")]
ScenarioOpt = Annotated[
    str | None, typer.Option("--scenario", help="One scenario (default: all of the stage).")
]
AnswersOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--answer", metavar="ID=OPTION", help="Answer a question: CONDITION_ID=OPTION (repeatable)."
    ),
]


def catalog_path(data: Path | None) -> Path:
    """The catalog to read: `--data`, else CHAINKG_DATA, else the shipped one."""
    return data if data is not None else get_settings().catalog_path()


def print_problems(exc: CatalogError, path: Path) -> None:
    """Every validation problem, one per line, as file:row:column: message."""
    err.print(f"[red]{path}: {len(exc.problems)} error(s)[/red]", highlight=False)
    for problem in exc.problems:
        err.print(f"  {problem}", highlight=False, markup=False)


def fail(message: object, code: int = 1) -> NoReturn:
    """Print `message` as one red line on stderr (no traceback) and exit with `code`."""
    line = " ".join(str(message).split())  # driver messages span lines
    err.print(Text(line, style="red"), soft_wrap=True, highlight=False)
    raise typer.Exit(code) from None


def emit_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")


def read_catalog(path: Path) -> Catalog:
    """The catalog at `path`; its problems printed and exit 1 if it is invalid."""
    try:
        return load_catalog(path)
    except CatalogError as exc:
        print_problems(exc, path)
        raise typer.Exit(1) from None


# How a command opens the configured backend. `chainkg` uses open_backend; a test passes its
# own opener as the typer context object (`runner.invoke(app, args, obj=opener)`).
BackendOpener = Callable[[Settings], Backend]


def _open_configured(settings: Settings) -> Backend:
    return open_backend(settings.backend_config())


def open_configured(ctx: typer.Context, settings: Settings, failure: str = "") -> Backend:
    """The configured backend, nothing loaded; an unusable configuration is one red line
    (`failure` first)."""
    injected = ctx.find_root().obj
    opener: BackendOpener = injected if callable(injected) else _open_configured
    try:
        return opener(settings)
    except (ChainKGError, ValueError) as exc:
        fail(f"{failure}{exc}")


def open_query_backend(ctx: typer.Context, data: Path | None) -> Backend:
    """The backend a query command reads (see the module doc); the caller closes it."""
    if data is not None:
        return embedded_backend(read_catalog(data))
    settings = get_settings()
    backend = open_configured(ctx, settings)
    if not backend.shared:
        try:
            backend.load(read_catalog(settings.catalog_path()))
        except BaseException:
            backend.close()
            raise
    return backend


@contextmanager
def quiet_driver() -> Iterator[None]:
    """Mute the Neo4j driver's warnings (one per retry, each over several lines) for a one-shot
    command, which reports the final error itself; `chainkg serve` keeps them in its log."""
    logger = logging.getLogger("neo4j")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


@contextmanager
def query_store(ctx: typer.Context, data: Path | None) -> Iterator[GraphStore]:
    """The catalog store of `open_query_backend` for a `with` block: closed at its end; a
    ChainKGError raised inside (an unknown id, Neo4j unreachable ...) becomes one red line on
    stderr and exit 1."""
    with quiet_driver():
        backend = open_query_backend(ctx, data)
        try:
            yield backend.catalog
        except ChainKGError as exc:
            fail(exc)
        finally:
            backend.close()
