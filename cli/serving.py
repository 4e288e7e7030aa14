"""How `chainkg serve` runs uvicorn: the checks before it binds, and its worker processes.

One process (`--workers 1`, the default) serves the backend `serve` opened and validated. With
`--workers N` uvicorn's own supervisor runs N processes on one listening socket (it restarts a
worker that dies); each builds its application from `worker_app`, a factory reading the settings
from the environment, where `serve` puts its --data, --host and --port first, so every worker
builds the same app. `serve` validates the catalog once before any worker starts.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from api.settings import Settings, get_settings
from cli.common import setup_logging

# The import string uvicorn's workers build their application from (factory=True).
WORKER_APP = "cli.serving:worker_app"


def worker_app() -> FastAPI:
    """The application of one worker process; uvicorn calls it in each worker.

    It opens the configured backend at start and makes the start-up load (CHAINKG_LOAD_ON_START)
    like any serving process; `serve` checked the settings and the catalog before."""
    from api.app import create_app

    settings = get_settings()
    setup_logging()  # as `chainkg` does in the process that starts the workers
    logging.getLogger("chainkg").setLevel(settings.log_level.upper())
    return create_app(settings)


@contextmanager
def worker_environment(settings: Settings, host: str, port: int) -> Iterator[None]:
    """CHAINKG_DATA, CHAINKG_HOST and CHAINKG_PORT set to what `serve` serves, for the worker
    processes it starts (they inherit the environment); restored afterwards."""
    values = {"CHAINKG_HOST": host, "CHAINKG_PORT": str(port)}
    if settings.data is not None:
        values["CHAINKG_DATA"] = str(Path(settings.data).resolve())
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def check_bindable(host: str, port: int, workers: int) -> None:
    """Bind and release (host, port) as uvicorn will, so that an address in use, a host that
    does not resolve or a port that needs privileges is refused before anything starts.

    Raises OSError (socket.gaierror for a name that does not resolve)."""
    addresses: list[tuple[socket.AddressFamily, socket.SocketKind, int, Any]]
    if workers > 1:  # uvicorn's supervisor binds one socket, IPv6 when the host has a colon
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        addresses = [(family, socket.SOCK_STREAM, 0, (host, port))]
    else:  # one process: asyncio binds every address the host resolves to
        addresses = [
            (family, kind, proto, address)
            for family, kind, proto, _, address in socket.getaddrinfo(
                host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
            )
        ]
    for family, kind, proto, address in addresses:
        with socket.socket(family, kind, proto) as sock:
            if os.name != "nt":  # as uvicorn and asyncio do: a port in TIME_WAIT is free
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6 and hasattr(socket, "IPPROTO_IPV6"):
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)
