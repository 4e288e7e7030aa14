"""Who is asking: a bearer token resolved to an Actor, and the roles a route needs, declared
once as dependency aliases (a route takes `WindowDep` and is the window's).

No token, or one that is unknown or revoked: 401 with `WWW-Authenticate: Bearer`. A token whose
role may not use the route: 403. Either way the route never runs, so nothing is written. A
project's own pages and status need no token: its unguessable code is the capability.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from graph.errors import BackendUnavailable, ChainKGError
from tracking.store import TrackingStore
from tracking.tokens import resolve
from tracking.workflow import Actor, NotPermitted, Role

_bearer = HTTPBearer(auto_error=False, description="A token from `chainkg tokens create`.")


class Unauthenticated(ChainKGError):
    """No valid bearer token came with a request that needs one."""


async def get_tracking(request: Request) -> TrackingStore:
    store: TrackingStore | None = request.app.state.tracking
    if store is None:  # an app whose lifespan has not run (or has ended)
        raise BackendUnavailable("the tracking database is not open")
    return store


TrackingDep = Annotated[TrackingStore, Depends(get_tracking)]


async def current_actor(
    tracking: TrackingDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    if credentials is None or not credentials.credentials:
        raise Unauthenticated("this needs a bearer token (Authorization: Bearer <token>)")
    presented = credentials.credentials
    if len(presented) > 200:  # no token is that long: not worth a lookup
        raise Unauthenticated("unknown or revoked token")
    actor = await run_in_threadpool(resolve, tracking, presented)
    if actor is None:
        raise Unauthenticated("unknown or revoked token")
    return actor


ActorDep = Annotated[Actor, Depends(current_actor)]


def requires(*roles: Role) -> Callable[[Actor], Coroutine[Any, Any, Actor]]:
    """A dependency letting through the actors of `roles` only (403 for the others)."""
    allowed = ", ".join(r.value for r in roles)

    async def check(actor: ActorDep) -> Actor:
        if actor.role not in roles:
            raise NotPermitted(f"this needs the role {allowed}; the token's role is {actor.role}")
        return actor

    return check


AnyRoleDep = ActorDep  # planners read everything; so do the other roles
WindowDep = Annotated[Actor, Depends(requires(Role.WINDOW))]
OfficerDep = Annotated[Actor, Depends(requires(Role.OFFICER))]
StaffDep = Annotated[Actor, Depends(requires(Role.WINDOW, Role.OFFICER))]
AdminDep = Annotated[Actor, Depends(requires(Role.ADMIN))]
AuditorDep = Annotated[Actor, Depends(requires(Role.ADMIN, Role.PLANNER))]
