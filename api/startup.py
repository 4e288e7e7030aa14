"""The catalog load a serving process owes its backend at start, retried in the background.

The catalog is read and validated before serving (`prepare_startup`), so a broken catalog stops
the process before it serves; a backend that is down only postpones the load: a background task
retries it with exponential back-off while /v1/ready answers 503 and says so.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from api.settings import LoadPolicy, Settings
from graph.errors import BackendUnavailable, LoadInProgress
from graph.model import Catalog
from graph.stores.factory import Backend
from loaders import load_catalog

log = logging.getLogger("chainkg.api")
FIRST_RETRY_S = 1.0
MAX_RETRY_S = 30.0


@dataclass(slots=True)
class StartupLoad:
    """The start-up load and where it stands; `pending` until the backend took it."""

    policy: LoadPolicy
    catalog: Catalog | None
    pending: bool
    attempts: int = 0
    last_error: str = ""
    next_try_at: float | None = None  # time.monotonic() of the next retry

    def attempt(self, backend: Backend) -> None:
        """One try (blocking): load, unless a shared backend already serves a catalog (auto)."""
        if not self.pending or self.catalog is None:
            self.pending = False
            return
        self.attempts += 1
        try:
            if backend.shared and self.policy == LoadPolicy.AUTO and backend.holds_catalog():
                self.pending = False  # the shared database already serves a catalog
                return
            backend.load(self.catalog)
            self.pending = False
        except BackendUnavailable as exc:
            self.last_error = str(exc)
            log.error("catalog not loaded yet, the backend is unavailable: %s", exc)
        except LoadInProgress as exc:
            log.warning("catalog not loaded: %s; serving what that load switches to", exc)
            self.pending = False

    async def retry_until_loaded(
        self,
        backend: Backend,
        first_delay_s: float = FIRST_RETRY_S,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """Retry `attempt` (in a worker thread) with doubling delays until it succeeds."""
        delay = first_delay_s
        while self.pending:
            self.next_try_at = time.monotonic() + delay
            await sleep(delay)
            await asyncio.to_thread(self.attempt, backend)
            delay = min(delay * 2, MAX_RETRY_S)
        self.next_try_at = None

    def status(self) -> str:
        """Why the backend is not ready yet, for /v1/ready."""
        wait = ""
        if self.next_try_at is not None:
            wait = f"; next try in {max(0.0, self.next_try_at - time.monotonic()):.0f} s"
        return (
            f"the start-up catalog load is waiting for the backend ({self.attempts} attempt(s)"
            f"{wait}): {self.last_error}"
        )


def prepare_startup(settings: Settings, backend: Backend) -> StartupLoad:
    """What to load at start into `backend` under the settings' policy.

    An embedded backend always loads (it holds nothing otherwise); a shared one follows
    CHAINKG_LOAD_ON_START. Raises CatalogError for a broken catalog.
    """
    loads = not backend.shared or settings.load_on_start != LoadPolicy.NEVER
    catalog = load_catalog(settings.catalog_path(), settings.catalog_limits()) if loads else None
    return StartupLoad(settings.load_on_start, catalog, pending=loads)
