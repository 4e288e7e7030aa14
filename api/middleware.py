"""The ASGI layers around every route, outermost first (create_app stacks them):

- SecurityHeaders: nosniff, no framing and no referrer on every response; on HTML pages a
  Content-Security-Policy that lets the self-contained pages run their inline scripts and styles
  and fetch nothing from anywhere but chainkg itself;
- HeadAsGet: HEAD is answered wherever GET is (RFC 9110 §9.3.2), by running GET and dropping
  the body, so no route needs to declare it;
- ErrorGuard: an exception no handler took becomes a problem+json 500 without internals, and
  the connection stays usable (it is logged here, once);
- BodyLimit: a body over CHAINKG_MAX_BODY_BYTES is refused with 413 before any route runs,
  whether or not the route reads bodies, counted as the bytes stream in (a chunked body has no
  Content-Length); it also binds the app's limits (api/limits.py) for the request.

They are plain ASGI (no BaseHTTPMiddleware): they add no task and no buffering beyond the body,
which is at most CHAINKG_MAX_BODY_BYTES.
"""

from __future__ import annotations

import logging

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import limits as request_limits
from api.limits import Limits
from api.problems import body_too_large, unexpected

log = logging.getLogger("chainkg.api")

# The pages (viz/, Swagger UI) are self-contained: inline scripts and styles, data: images and
# fonts; Swagger UI loads its assets and the OpenAPI document from chainkg itself.
PAGE_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
# Anything else (JSON, CSV, XLSX, the assets) is never a document that runs anything.
DATA_POLICY = "default-src 'none'; frame-ancestors 'none'"
COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                html = headers.get("content-type", "").lower().startswith("text/html")
                for name, value in {
                    **COMMON_HEADERS,
                    "Content-Security-Policy": PAGE_POLICY if html else DATA_POLICY,
                }.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)


class ErrorGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            if started:  # half an answer is out: only the server can end the connection
                raise
            log.exception("unhandled error")
            await unexpected()(scope, receive, send)


class BodyLimit:
    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.body_bytes
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await body_too_large(limit)(scope, receive, send)
            return
        # Read the whole body first (at most `limit` bytes are ever held), so a route that never
        # reads it (GET /v1/health) refuses an oversized one too.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await body_too_large(limit)(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: http.disconnect, when it comes

        with request_limits.bound(self.limits):
            await self.app(scope, replay, send)
