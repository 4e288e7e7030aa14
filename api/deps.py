"""Dependencies shared by routes, declared once: the backend the app serves, its store, the
recommendation cache, the clock and the working-day calendar."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from api.cache import ResponseCache
from graph.store import GraphStore
from graph.stores.factory import Backend
from tracking.calendar import WorkingCalendar
from tracking.projects import utc_now

T = TypeVar("T")


# Coroutines, so FastAPI calls them on the event loop: a plain `def` dependency is sent to the
# thread pool, one hop per dependency per request, for a lookup that does no I/O.
async def get_backend(request: Request) -> Backend:
    backend: Backend = request.app.state.backend
    return backend


async def get_store(backend: Annotated[Backend, Depends(get_backend)]) -> GraphStore:
    return backend.catalog


async def get_recommendation_cache(request: Request) -> ResponseCache:
    cache: ResponseCache = request.app.state.recommendations
    return cache


async def run_read(backend: Backend, read: Callable[[], T]) -> T:
    """`read()` (which reads the backend's store) from a coroutine route: on the event loop for
    an embedded backend, which answers from memory, in the thread pool for a shared one, whose
    reads wait on the network and must not hold up the loop."""
    if backend.shared:
        return await run_in_threadpool(read)
    return read()


async def get_clock() -> Callable[[], datetime]:
    """What time it is (tests override this dependency to move through the calendar)."""
    return utc_now


async def get_calendar(request: Request) -> WorkingCalendar:
    calendar: WorkingCalendar = request.app.state.calendar
    return calendar


BackendDep = Annotated[Backend, Depends(get_backend)]
StoreDep = Annotated[GraphStore, Depends(get_store)]
ClockDep = Annotated[Callable[[], datetime], Depends(get_clock)]
CalendarDep = Annotated[WorkingCalendar, Depends(get_calendar)]
RecommendationCacheDep = Annotated[ResponseCache, Depends(get_recommendation_cache)]
