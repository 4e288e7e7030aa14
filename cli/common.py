"""What `chainkg` (cli/main.py) and `chainkg viz` (cli/viz.py) share: the consoles, the common
options, error reporting, and the backend a query command reads.

A query command (recommend, search, viz ...) reads the configured backend: a shared one (Neo4j)
serves what was loaded into it, so without `--data` nothing is loaded; an embedded one gets the
catalog at `--data`, CHAINKG_DATA or the shipped one. With `--data` the catalog there is read
into an embedded backend whatever is configured.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from pydantic import SecretStr, ValidationError
from pydantic_settings import SettingsError
from rich.console import Console
from rich.text import Text
from typer.core import TyperGroup

from api.settings import Settings, get_settings
from graph.errors import CatalogError, ChainKGError, Problem
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


def setup_logging() -> None:
    """Logs to stderr: warnings of every library (`serve` sets chainkg's own level)."""
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )


def say(message: object) -> None:
    """`message` as one red line on stderr."""
    line = " ".join(str(message).split())  # driver messages span lines
    err.print(Text(line, style="red"), soft_wrap=True, highlight=False)


def fail(message: object, code: int = 1) -> NoReturn:
    """Print `message` as one red line on stderr (no traceback) and exit with `code`."""
    say(message)
    raise typer.Exit(code) from None


def reason(exc: OSError) -> str:
    """Why an operating-system call failed, in words (`Is a directory`, `Permission denied`)."""
    return exc.strerror or str(exc) or type(exc).__name__


def write_failure(exc: OSError, path: Path) -> str:
    """Why `path` (a file or folder to create) could not be written, in words: a file where a
    folder of its path should be, or the OS's reason."""
    for parent in path.parents:
        if parent.exists() or parent.is_symlink():
            if not parent.is_dir():
                return f"{parent} is a file, not a folder"
            break
    blamed = exc.filename
    return reason(exc) if blamed is None or str(blamed) == str(path) else f"{blamed}: {reason(exc)}"


# --- errors as one line -----------------------------------------------------------------------


def _click_class(name: str) -> type[Exception]:
    """The click exception class `name` that typer raises (typer >= 0.2x vendors click)."""
    return next(c for c in typer.BadParameter.__mro__ if c.__name__ == name)


CLICK_ERROR = _click_class("ClickException")
USAGE_ERROR = _click_class("UsageError")


def _show_click_error(exc: Any) -> int:
    """Show a click error (a usage error: with the --help to read) on one line; its exit code."""
    if type(exc).__name__ == "NoArgsIsHelpError":
        if exc.format_message():  # rich help is printed already, plain help is not
            exc.show()
        return int(exc.exit_code)
    hint = ""
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, USAGE_ERROR) and ctx is not None and ctx.help_option_names:
        hint = f" Try '{ctx.command_path} {ctx.help_option_names[0]}' for help."
    message = str(exc.format_message()).strip()
    if message and message[-1] not in ".!?":
        message += "."
    say(f"{message}{hint}")
    return int(exc.exit_code)


class OneLineErrors(TyperGroup):
    """The `chainkg` command group: what goes wrong is one red line on stderr, never a panel or
    a traceback.

    A usage error (a missing option, a value out of range ...) is one line naming the --help to
    read, exit 2 (click's own format is a framed panel over several lines); an OSError no command
    handled (a file that cannot be read or written) is one line, exit 1.
    """

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(
                args, prog_name, complete_var, standalone_mode, windows_expand_args, **extra
            )
        try:
            code = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except typer.Abort:
            say("Aborted!")
            sys.exit(1)
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename is not None else ""
            say(f"{where}{reason(exc)}")
            sys.exit(1)
        except Exception as exc:
            if not isinstance(exc, CLICK_ERROR):
                raise
            sys.exit(_show_click_error(exc))
        sys.exit(code if isinstance(code, int) else 0)


# --- settings ----------------------------------------------------------------------------------


def settings_problem(exc: ValidationError | SettingsError) -> str:
    """Each invalid setting as `CHAINKG_NAME='value': expected ...`, on one line."""
    if not isinstance(exc, ValidationError):
        return f"invalid settings in the environment (CHAINKG_*): {exc}"
    prefix = str(Settings.model_config.get("env_prefix", ""))
    parts = []
    for error in exc.errors():
        name = "_".join(str(part) for part in error["loc"][:1]) or "?"
        field = Settings.model_fields.get(name)
        secret = field is not None and field.annotation is SecretStr
        value = "***" if secret else repr(error.get("input"))
        message = str(error["msg"])
        if message.startswith("Input should be "):
            message = "expected " + message.removeprefix("Input should be ")
        parts.append(f"{prefix}{name.upper()}={value}: {message}")
    return "invalid setting: " + "; ".join(parts)


def cli_settings() -> Settings:
    """The settings (CHAINKG_* variables), read once; an invalid one is a red line, exit 2.

    Every command reads its settings here, so a ValidationError never reaches the user as a
    traceback."""
    try:
        return get_settings()
    except (ValidationError, SettingsError) as exc:
        fail(settings_problem(exc), code=2)


def catalog_path(data: Path | None) -> Path:
    """The catalog to read: `--data`, else CHAINKG_DATA, else the shipped one."""
    return data if data is not None else cli_settings().catalog_path()


# --- catalogs ----------------------------------------------------------------------------------


def print_problems(exc: CatalogError, path: Path) -> None:
    """Every validation problem, one per line, as file:row:column: message (a single problem on
    one line with the catalog's path)."""
    if len(exc.problems) == 1:
        [problem] = exc.problems
        if problem.file in {str(path), path.name}:  # about the path itself: name it once
            problem = dataclasses.replace(problem, file=str(path))
            say(problem)
        else:
            say(f"{path}: {problem}")
        return
    err.print(f"[red]{path}: {len(exc.problems)} error(s)[/red]", highlight=False)
    for problem in exc.problems:
        err.print(f"  {problem}", highlight=False, markup=False)


def unreadable(exc: OSError, path: Path) -> CatalogError:
    """A file of the catalog at `path` that the operating system would not read, as a problem
    of the catalog (a dangling link, a folder named like a table, no permission ...)."""
    where = Path(exc.filename) if exc.filename is not None else path
    try:
        name = str(where.relative_to(path)) if where != path else str(where)
    except ValueError:
        name = str(where)
    if where.is_symlink() and not where.exists():
        why = "a symbolic link to nothing"
    elif exc.errno == errno.EISDIR or (where.is_dir() and where != path):
        why = "a folder, not a file"
    else:
        why = reason(exc)
    return CatalogError([Problem(name, None, None, f"cannot read: {why}")])


def load_checked(path: Path) -> Catalog:
    """`load_catalog(path)` within the configured limits (CHAINKG_CATALOG_MAX_*); a file it
    cannot read raises CatalogError too, never OSError."""
    try:
        return load_catalog(path, cli_settings().catalog_limits())
    except OSError as exc:
        raise unreadable(exc, path) from None


def emit_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")


def read_catalog(path: Path) -> Catalog:
    """The catalog at `path`; its problems printed and exit 1 if it is invalid or unreadable."""
    try:
        return load_checked(path)
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
    settings = cli_settings()
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
