"""Tracking writes under contention: status updates per second with 1, 4 and 16 concurrent
writers on SQLite and PostgreSQL, and the proof that no update was lost.

    python -m bench.tracking [--writers 1,4,16] [--duration 5] [--matters 32] [--threads]
                             [--backends sqlite,postgresql] [--pg-url URL]

Each writer loops for `--duration` seconds over a pool of matters (`--matters`, 4 to a
project): it picks one at random, reads its current version, and moves it on with
tracking.projects.change_status at that version, as an officer of its department (待受理 ->
已受理 -> 审查中 -> 需补正 -> 审查中 -> 需补正 ...: valid moves forever). Two writers on one
matter race: one wins, the other gets VersionConflict (HTTP 409), counted as a conflict.
Writers are processes by default (each opens its own store, like `chainkg serve --workers`);
`--threads` runs them as threads sharing one store (one serving process).

Then it checks the database: LOST UPDATES is the sum of (a) successful changes the writers
counted minus the status_events rows (and the audit log's matter.status entries) that
recorded them, matter by matter, (b) matters whose version is not 1 + their number of events,
(c) events that do not start where the previous one ended (a change made over a stale state).
All must be 0; the command exits 1 otherwise, or on any error other than a conflict.

Every measurement gets a fresh database: a SQLite file (WAL, synchronous=FULL, as shipped)
in a temporary folder, and a throwaway PostgreSQL database with a random name created
through `--pg-url`'s role (it needs CREATEDB) and dropped afterwards. `--pg-url` defaults to
what `bash scripts/postgres.sh url` prints; an unreachable server is skipped with a message.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import queue
import random
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.common import percentiles, table
from graph.errors import ChainKGError
from tracking import projects as tracked
from tracking.calendar import WorkingCalendar
from tracking.model import NewMatter, NewProject
from tracking.store import TrackingStore, VersionConflict
from tracking.stores.sql import open_sql_store, sqlite_url
from tracking.workflow import Actor, Role, Status

ROOT = Path(__file__).resolve().parents[1]
DEPARTMENT = "bench"
PER_PROJECT = 4
# A move that is always valid for an officer of the matter's department, from every state the
# loop reaches (a 行政许可 that is not deferrable; no prerequisites).
NEXT = {
    Status.PENDING: Status.ACCEPTED,
    Status.ACCEPTED: Status.REVIEWING,
    Status.REVIEWING: Status.CORRECTION,
    Status.CORRECTION: Status.REVIEWING,
}
Matter = tuple[str, str]  # project code, matter id


@dataclass
class Counts:
    """What one writer did."""

    successes: int = 0
    conflicts: int = 0
    errors: int = 0
    elapsed_s: float = 0.0
    latencies_ns: list[int] = field(default_factory=list)  # read + change, successful ones
    per_matter: Counter[Matter] = field(default_factory=Counter)
    first_error: str = ""


def seed_projects(store: TrackingStore, matters: int) -> list[Matter]:
    """Projects of PER_PROJECT matters each (the last maybe fewer), `matters` in all, 待受理."""
    now = datetime.now(UTC)
    actor = Actor("bench", Role.WINDOW)
    pool: list[Matter] = []
    for p in range(-(-matters // PER_PROJECT)):
        count = min(PER_PROJECT, matters - p * PER_PROJECT)
        items = tuple(
            NewMatter(
                matter_id=f"m{i}",
                name=f"事项 {i}",
                department_id=DEPARTMENT,
                department_name="基准测试局",
                promised_days=5,
                phase=1,
                licence=True,
                deferrable=False,
            )
            for i in range(count)
        )
        project = NewProject(
            code=tracked.new_code(),
            name=f"bench {p}",
            enterprise="bench",
            industry="bench",
            stage="bench",
            scenario=None,
            answers={},
            catalog_version="bench",
            plan={},
            matters=items,
            created_at=now,
            created_by=actor.label,
        )
        tracked.create_project(store, project, actor)
        pool += [(project.code, m.matter_id) for m in items]
    return pool


def writer_loop(
    store: TrackingStore, pool: list[Matter], duration: float, seed: int, ready: Callable[[], Any]
) -> Counts:
    """One writer: read the version, change at that version, for `duration` seconds after
    `ready()` returns (every writer waits there for the others)."""
    rng = random.Random(seed)
    calendar = WorkingCalendar()
    actor = Actor(f"w{seed}", Role.OFFICER, DEPARTMENT)
    counts = Counts()
    ready()
    began = time.perf_counter()
    deadline = began + duration
    while time.perf_counter() < deadline:
        code, matter_id = rng.choice(pool)
        start = time.perf_counter_ns()
        try:
            current = store.matter(code, matter_id)
            tracked.change_status(
                store,
                calendar,
                code,
                matter_id,
                NEXT[current.status],
                actor,
                current.version,
                "bench",
                datetime.now(UTC),
            )
        except VersionConflict:
            counts.conflicts += 1
            continue
        except ChainKGError as exc:  # a refused move, the database gone: none expected
            counts.errors += 1
            counts.first_error = counts.first_error or f"{type(exc).__name__}: {exc}"
            continue
        counts.latencies_ns.append(time.perf_counter_ns() - start)
        counts.successes += 1
        counts.per_matter[(code, matter_id)] += 1
    counts.elapsed_s = time.perf_counter() - began
    return counts


def _process_writer(
    url: str,
    pool: list[Matter],
    duration: float,
    seed: int,
    barrier: Any,
    results: Any,
) -> None:
    """A writer process: its own store (engine, connections), as a serving worker has."""
    store = open_sql_store(url)
    try:
        results.put(writer_loop(store, pool, duration, seed, barrier.wait))
    except BaseException as exc:
        barrier.abort()
        results.put(f"{type(exc).__name__}: {exc}")
        raise
    finally:
        store.close()


START_TIMEOUT_S = 180  # for every writer process to start and open its store


def run_processes(url: str, pool: list[Matter], writers: int, duration: float) -> list[Counts]:
    ctx = mp.get_context("spawn")  # no engine or connection inherited by a fork
    barrier = ctx.Barrier(writers + 1)
    results = ctx.Queue()
    procs = [
        ctx.Process(
            target=_process_writer, args=(url, pool, duration, seed, barrier, results), daemon=True
        )
        for seed in range(writers)
    ]
    for p in procs:
        p.start()
    try:
        try:
            barrier.wait(timeout=START_TIMEOUT_S)
        except threading.BrokenBarrierError:
            raise RuntimeError(f"writers did not start: {_drain(results)}") from None
        counts: list[Counts] = []
        for _ in procs:
            got = results.get(timeout=duration + 120)
            if not isinstance(got, Counts):
                raise RuntimeError(f"a writer failed: {got}")
            counts.append(got)
        return counts
    finally:
        for p in procs:
            p.join(timeout=30)
            if p.is_alive():
                p.terminate()
                p.join()


def _drain(results: Any) -> str:
    try:
        return str(results.get(timeout=1))
    except queue.Empty:
        return "no message (see above)"


def run_threads(
    store: TrackingStore, pool: list[Matter], writers: int, duration: float
) -> list[Counts]:
    barrier = threading.Barrier(writers)
    counts: list[Counts] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def work(seed: int) -> None:
        try:
            done = writer_loop(store, pool, duration, seed, barrier.wait)
        except BaseException as exc:
            barrier.abort()
            failures.append(exc)
            return
        with lock:
            counts.append(done)

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise RuntimeError(f"a writer failed: {failures[0]!r}")
    return counts


@dataclass(frozen=True)
class Check:
    events: int
    audited: int
    lost: int


def verify(store: TrackingStore, counts: list[Counts]) -> Check:
    """Compare what the writers counted with what the database kept (see the module doc)."""
    succeeded: Counter[Matter] = Counter()
    for c in counts:
        succeeded.update(c.per_matter)
    events = store.all_events()
    by_matter: dict[Matter, list[Status]] = {}
    lost = 0
    for e in events:  # oldest first
        chain = by_matter.setdefault((e.project_code, e.matter_id), [Status.PENDING])
        if e.from_status != chain[-1]:
            lost += 1  # (c): made over a state that was no longer there
        chain.append(e.to_status)
    recorded: Counter[Matter] = Counter({m: len(c) - 1 for m, c in by_matter.items()})
    for m in set(succeeded) | set(recorded):
        lost += abs(succeeded[m] - recorded[m])  # (a)
    for state in store.all_matters():
        key = (state.project_code, state.matter_id)
        if state.version != 1 + recorded[key]:
            lost += 1  # (b)
        if by_matter.get(key, [Status.PENDING])[-1] != state.status:
            lost += 1  # (c): the status is not where its history ends
    total = sum(succeeded.values())
    audited = sum(1 for a in store.audit_log(limit=total + 1_000) if a.action == "matter.status")
    lost += abs(total - audited)  # (a), in the audit log
    return Check(len(events), audited, lost)


@dataclass(frozen=True)
class Result:
    backend: str
    writers: int
    counts: list[Counts]
    check: Check

    def row(self) -> tuple[str, ...]:
        ok = sum(c.successes for c in self.counts)
        conflicts = sum(c.conflicts for c in self.counts)
        errors = sum(c.errors for c in self.counts)
        seconds = max(c.elapsed_s for c in self.counts)
        p50, p99 = percentiles([n for c in self.counts for n in c.latencies_ns])
        share = conflicts / max(1, ok + conflicts + errors)
        return (
            self.backend,
            str(self.writers),
            f"{ok / seconds:,.0f}",
            f"{conflicts} ({share:.0%})",
            str(self.check.lost),
            f"{ok} / {self.check.events}",
            f"{p50:.1f} / {p99:.1f}",
            str(errors),
        )


HEADER = (
    "backend",
    "writers",
    "updates/s",
    "conflicts (409)",
    "lost updates",
    "changes / events",
    "p50 / p99 ms",
    "errors",
)


def measure(kind: str, url: str, writers: int, args: argparse.Namespace) -> Result:
    """One measurement on the fresh database at `url`."""
    store = open_sql_store(url)
    try:
        pool = seed_projects(store, args.matters)
        if args.threads:
            counts = run_threads(store, pool, writers, args.duration)
        else:
            counts = run_processes(url, pool, writers, args.duration)
        check = verify(store, counts)
    finally:
        store.close()
    return Result(kind, writers, counts, check)


def default_pg_url() -> str | None:
    """What `bash scripts/postgres.sh url` prints (None if it cannot say)."""
    try:
        done = subprocess.run(
            ["bash", str(ROOT / "scripts" / "postgres.sh"), "url"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    url = done.stdout.strip()
    return url if done.returncode == 0 and url else None


def _admin_engine(url: str) -> sa.Engine:
    return sa.create_engine(
        url,
        isolation_level="AUTOCOMMIT",
        poolclass=sa.pool.NullPool,
        connect_args={"connect_timeout": 5},
    )


def pg_unusable(url: str) -> str | None:
    """Why PostgreSQL at `url` cannot be used: unreachable, or a role that may not create
    databases (None if it can be used)."""
    try:
        if sa.engine.make_url(url).get_backend_name() != "postgresql":
            return "not a postgresql:// URL"
        with _admin_engine(url).connect() as conn:
            query = "SELECT rolcreatedb FROM pg_roles WHERE rolname = current_user"
            may_create = conn.execute(sa.text(query)).scalar()
    except sa.exc.SQLAlchemyError as exc:
        orig = str(getattr(exc, "orig", None) or exc).strip()
        return orig.splitlines()[0] if orig else type(exc).__name__
    return None if may_create else "its role lacks CREATEDB, needed for a throwaway database"


@contextmanager
def pg_database(url: str) -> Iterator[str]:
    """A throwaway database (random name) made through `url`'s role; dropped at the end."""
    name = f"chainkg_bench_{secrets.token_hex(6)}"
    admin = _admin_engine(url)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.engine.make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def safe(url: str) -> str:
    """`url` without its password, for messages."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "(an invalid URL)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", default="1,4,16", help="writer counts, each measured")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per measurement")
    parser.add_argument("--matters", type=int, default=32, help="matters the writers share")
    parser.add_argument(
        "--threads", action="store_true", help="writers as threads of one store, not processes"
    )
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--pg-url", default=None, help="SQLAlchemy URL (default: bash scripts/postgres.sh url)"
    )
    args = parser.parse_args()
    try:
        writer_counts = [int(x) for x in args.writers.split(",")]
    except ValueError:
        parser.error(f"--writers {args.writers!r}: expected counts such as 1,4,16")
    backends = [x.strip() for x in args.backends.split(",") if x.strip()]
    if (
        not writer_counts
        or min(writer_counts) < 1
        or args.duration <= 0
        or args.duration > 600
        or args.matters < 1
    ):
        parser.error("--writers >= 1 each, 0 < --duration <= 600, --matters >= 1")
    unknown = set(backends) - {"sqlite", "postgresql"}
    if unknown:
        parser.error(f"--backends: unknown {', '.join(sorted(unknown))}")
    results: list[Result] = []
    notes: list[str] = []
    mode = "threads sharing one store" if args.threads else "processes, a store each"
    for kind in backends:
        if kind == "sqlite":
            with tempfile.TemporaryDirectory(prefix="chainkg-bench-tracking-") as tmp:
                for i, writers in enumerate(writer_counts):
                    url = sqlite_url(Path(tmp) / f"tracking-{i}.db")
                    results.append(_one(kind, url, writers, args))
                notes.append(f"sqlite: a fresh file per row under {tmp} (WAL, synchronous=FULL)")
            continue
        pg_url = args.pg_url or default_pg_url()
        why = pg_unusable(pg_url) if pg_url else "`bash scripts/postgres.sh url` printed none"
        if pg_url is None or why is not None:
            where = f" at {safe(pg_url)}" if pg_url else ""
            message = (
                f"postgresql skipped: cannot use the server{where} ({why}); start it with "
                "`bash scripts/postgres.sh start` or pass --pg-url"
            )
            print(message, file=sys.stderr)
            notes.append(message)
            continue
        for writers in writer_counts:
            with pg_database(pg_url) as url:
                results.append(_one(kind, url, writers, args))
        notes.append(f"postgresql: a throwaway database per row on {safe(pg_url)}, dropped after")
    print(
        f"{args.duration:g} s per row, {args.matters} matters shared, writers as {mode}; "
        "each update reads the matter's version and changes it at that version"
    )
    for note in notes:
        print(note)
    if not results:
        print("nothing measured")
        sys.exit(1)
    print(table([r.row() for r in results], HEADER))
    bad = [r for r in results if r.check.lost or any(c.errors for c in r.counts)]
    for r in bad:
        first = next((c.first_error for c in r.counts if c.first_error), "")
        print(
            f"FAILED {r.backend} x{r.writers}: lost updates {r.check.lost}, {first}",
            file=sys.stderr,
        )
    sys.exit(1 if bad else 0)


def _one(kind: str, url: str, writers: int, args: argparse.Namespace) -> Result:
    print(f"{kind}: {writers} writer(s) for {args.duration:g} s ...", file=sys.stderr, flush=True)
    result = measure(kind, url, writers, args)
    print("  " + " | ".join(result.row()), file=sys.stderr, flush=True)
    return result


if __name__ == "__main__":
    main()
