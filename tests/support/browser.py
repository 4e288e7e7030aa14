"""Headless Chromium over the DevTools protocol, for the browser tests, screenshots and bench.

The protocol runs over a pipe (--remote-debugging-pipe: fds 3 and 4, NUL-separated JSON), so no
port is opened and no websocket library is needed. The network is off: every request a page
makes is intercepted (Fetch domain) and failed unless it is file:, data:, blob: or loopback, and
host resolution is mapped to nothing. Each page records console errors, uncaught exceptions,
every request URL and the requests it blocked.

Chromium is the binary named by the environment variable CHAINKG_CHROMIUM if it is set,
otherwise the first of chromium, chromium-browser, google-chrome, google-chrome-stable on PATH
(scripts/install-browser.sh installs Debian's). This is test, bench and screenshot tooling: it
lives under tests/ and is not shipped in the wheel.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

CHROMIUM_ENV = "CHAINKG_CHROMIUM"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
LOCAL_SCHEMES = {"file", "data", "blob", "about", "chrome", "devtools"}
LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]"}
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
    # Belt and braces with the interception: no host name resolves except loopback.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
    "--remote-debugging-pipe",
)


class BrowserError(RuntimeError):
    """Chromium failed, timed out or answered a command with an error."""


class ChromiumNotFound(BrowserError):
    """No Chromium binary: CHAINKG_CHROMIUM is unusable, or unset and none is on PATH."""


def find_chromium() -> str:
    """The Chromium binary to run: $CHAINKG_CHROMIUM if set, otherwise the first one on PATH."""
    configured = os.environ.get(CHROMIUM_ENV)
    if configured:
        found = shutil.which(configured)
        if found is None:
            raise ChromiumNotFound(
                f"{CHROMIUM_ENV}={configured} is not an executable Chromium binary: point "
                f"{CHROMIUM_ENV} at one, or unset it to look on PATH for "
                f"{', '.join(CHROMIUM_NAMES)} (scripts/install-browser.sh installs Chromium)"
            )
        return found
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found is not None:
            return found
    raise ChromiumNotFound(
        f"Chromium not found: {CHROMIUM_ENV} is not set and none of {', '.join(CHROMIUM_NAMES)} "
        f"is on PATH. Set {CHROMIUM_ENV} to the path of a Chromium binary, or run "
        "scripts/install-browser.sh"
    )


def available() -> bool:
    """Whether a Chromium binary can be found (see find_chromium)."""
    try:
        find_chromium()
    except ChromiumNotFound:
        return False
    return True


def is_local(url: str) -> bool:
    """Whether a request stays on this machine (a local scheme or a loopback host)."""
    parts = urlsplit(url)
    return parts.scheme in LOCAL_SCHEMES or (parts.hostname or "") in LOOPBACK


@dataclass
class Page:
    """One tab; its lists fill as the browser reports events."""

    browser: Browser
    session: str
    target: str
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.browser.send(method, params, session=self.session)

    def goto(
        self, url: str, ready: str = "window.chainkgDrawnAt !== undefined", timeout: float = 20.0
    ) -> None:
        """Navigate and wait until the JS expression `ready` is true."""
        reply = self.send("Page.navigate", {"url": url})
        if reply.get("errorText"):
            raise BrowserError(f"{url}: {reply['errorText']}")
        self.wait_for(ready, timeout)

    def wait_for(self, expression: str, timeout: float = 20.0) -> None:
        """Poll a JS expression until it is true (the context may be replaced meanwhile)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.evaluate(f"Boolean({expression})"):
                    return
            except BrowserError:
                pass  # the old document's context went away mid-navigation; poll again
            if time.monotonic() > deadline:
                raise BrowserError(
                    f"timed out waiting for {expression}; errors: {self.console_errors}"
                )
            self.browser.pump(0.02)

    def evaluate(self, expression: str) -> Any:
        """The JSON value of a JS expression (promises awaited); a JS exception raises."""
        reply = self.send(
            "Runtime.evaluate",
            {
                "expression": expression,
                "returnByValue": True,
                "awaitPromise": True,
            },
        )
        if "exceptionDetails" in reply:
            raise BrowserError(_exception_text(reply["exceptionDetails"]))
        return reply["result"].get("value")

    def click(self, x: float, y: float) -> None:
        """A real left click at viewport coordinates (press and release)."""
        for kind in ("mousePressed", "mouseReleased"):
            self.send(
                "Input.dispatchMouseEvent",
                {
                    "type": kind,
                    "x": x,
                    "y": y,
                    "button": "left",
                    "clickCount": 1,
                },
            )

    def type_text(self, text: str) -> None:
        """Type into the focused element, as an input method would (CJK text included)."""
        self.send("Input.insertText", {"text": text})

    def press_enter(self) -> None:
        for kind in ("keyDown", "keyUp"):
            self.send(
                "Input.dispatchKeyEvent",
                {
                    "type": kind,
                    "key": "Enter",
                    "code": "Enter",
                    "windowsVirtualKeyCode": 13,
                    **({"text": "\r"} if kind == "keyDown" else {}),
                },
            )

    def screenshot(self, path: str | Path) -> Path:
        """A PNG of the viewport."""
        reply = self.send("Page.captureScreenshot", {"format": "png"})
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(base64.b64decode(reply["data"]))
        return target

    def close(self) -> None:
        self.browser.send("Target.closeTarget", {"targetId": self.target})
        self.browser.pages.pop(self.session, None)

    def on_event(self, method: str, params: dict[str, Any]) -> None:
        if method == "Fetch.requestPaused":
            url = params["request"]["url"]
            if is_local(url):
                self.browser.post(
                    "Fetch.continueRequest", {"requestId": params["requestId"]}, self.session
                )
            else:
                self.blocked.append(url)
                self.browser.post(
                    "Fetch.failRequest",
                    {
                        "requestId": params["requestId"],
                        "errorReason": "InternetDisconnected",
                    },
                    self.session,
                )
        elif method == "Network.requestWillBeSent":
            self.requests.append(params["request"]["url"])
        elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            self.console_errors.append(f"console.{params['type']}: {text}")
        elif method == "Runtime.exceptionThrown":
            self.console_errors.append(_exception_text(params["exceptionDetails"]))
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            entry = params["entry"]
            self.console_errors.append(f"{entry['source']}: {entry['text']} {entry.get('url', '')}")

    @property
    def external_requests(self) -> list[str]:
        """Requests the page tried to send off this machine (blocked or not)."""
        return [u for u in self.requests + self.blocked if not is_local(u)]


class Browser:
    """A headless Chromium process; use as a context manager.

    `executable` defaults to find_chromium() (CHAINKG_CHROMIUM, else PATH); ChromiumNotFound
    when there is none.
    """

    def __init__(self, executable: str | None = None, timeout: float = 30.0) -> None:
        self.executable = executable or find_chromium()
        self.timeout = timeout
        self.pages: dict[str, Page] = {}
        self._next_id = 0
        self._waiting: set[int] = set()
        self._replies: dict[int, dict[str, Any]] = {}
        self._buffer = b""
        self._closed = False
        self._profile = tempfile.mkdtemp(prefix="chainkg-chromium-")
        # Chromium reads commands on fd 3 and writes on fd 4; bash moves our pipe ends there
        # (they sit above 9 so the moves cannot clobber each other; dash cannot name such fds).
        to_child_r, self._to_child = _high_pipe()
        self._from_child, from_child_w = _high_pipe()
        moves = f"3<&{to_child_r} 4>&{from_child_w} {to_child_r}<&- {from_child_w}>&-"
        shell = f'exec "$0" "$@" {moves}'
        self._log = open(Path(self._profile) / "chromium.log", "wb")  # noqa: SIM115
        try:
            self._process = subprocess.Popen(
                [
                    "/bin/bash",
                    "-c",
                    shell,
                    self.executable,
                    *FLAGS,
                    f"--user-data-dir={self._profile}",
                    "about:blank",
                ],
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=self._log,
                pass_fds=(to_child_r, from_child_w),
            )
        except BaseException:
            for fd in (self._to_child, self._from_child):
                os.close(fd)
            self._log.close()
            shutil.rmtree(self._profile, ignore_errors=True)
            raise
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        try:
            self.send("Target.setDiscoverTargets", {"discover": False})
        except BrowserError:
            self.close()
            raise

    def __enter__(self) -> Browser:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def new_page(self, width: int = 1280, height: int = 800) -> Page:
        """A fresh tab with the network off and every event recorded."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        page = Page(self, session, target)
        self.pages[session] = page
        page.send("Fetch.enable", {"patterns": [{"urlPattern": "*"}]})
        for domain in ("Network", "Runtime", "Log", "Page"):
            page.send(f"{domain}.enable")
        page.send(
            "Emulation.setDeviceMetricsOverride",
            {
                "width": width,
                "height": height,
                "deviceScaleFactor": 1,
                "mobile": False,
            },
        )
        return page

    # --- protocol ------------------------------------------------------------------------------
    def post(
        self, method: str, params: dict[str, Any] | None = None, session: str | None = None
    ) -> int:
        """Send a command without waiting for its reply."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session is not None:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        while data:
            written = os.write(self._to_child, data)
            data = data[written:]
        return self._next_id

    def send(
        self, method: str, params: dict[str, Any] | None = None, session: str | None = None
    ) -> dict[str, Any]:
        """Send a command and wait for its reply, handling events meanwhile."""
        message_id = self.post(method, params, session)
        self._waiting.add(message_id)
        try:
            deadline = time.monotonic() + self.timeout
            while message_id not in self._replies:
                if time.monotonic() > deadline:
                    raise BrowserError(f"{method}: no reply in {self.timeout} s")
                self.pump(0.05)
        finally:
            # Given up on (timeout, Chromium gone): a late reply is then dropped by pump.
            self._waiting.discard(message_id)
        reply = self._replies.pop(message_id)
        if "error" in reply:
            raise BrowserError(f"{method}: {reply['error'].get('message')}")
        result: dict[str, Any] = reply.get("result", {})
        return result

    def pump(self, wait: float) -> None:
        """Read what Chromium has sent (waiting up to `wait` s) and dispatch it."""
        ready, _, _ = select.select([self._from_child], [], [], wait)
        if not ready:
            return
        chunk = os.read(self._from_child, 1 << 20)
        if not chunk:
            # The profile (and the log in it) goes away on close: quote the log's end here.
            self._log.flush()
            log = (Path(self._profile) / "chromium.log").read_bytes()[-2000:]
            raise BrowserError(
                f"Chromium exited (code {self._process.poll()}): " + log.decode("utf-8", "replace")
            )
        self._buffer += chunk
        *messages, self._buffer = self._buffer.split(b"\0")
        for raw in messages:
            message = json.loads(raw)
            if "id" in message:
                # Replies to fire-and-forget commands (post) are not awaited: drop them.
                if message["id"] in self._waiting:
                    self._replies[message["id"]] = message
                continue
            page = self.pages.get(message.get("sessionId", ""))
            if page is not None:
                page.on_event(message["method"], message.get("params", {}))

    def close(self) -> None:
        """Stop Chromium and remove its profile; closing again does nothing."""
        if self._closed:
            return  # the fds may since have been reused: never close them twice
        self._closed = True
        if self._process.poll() is None:
            with contextlib.suppress(BrowserError, OSError):
                self.post("Browser.close")
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        for fd in (self._to_child, self._from_child):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._log.close()
        shutil.rmtree(self._profile, ignore_errors=True)


def _high_pipe() -> tuple[int, int]:
    r, w = os.pipe()
    high = (fcntl.fcntl(r, fcntl.F_DUPFD_CLOEXEC, 10), fcntl.fcntl(w, fcntl.F_DUPFD_CLOEXEC, 10))
    os.close(r)
    os.close(w)
    return high


def _exception_text(details: dict[str, Any]) -> str:
    exception = details.get("exception", {})
    return str(exception.get("description") or details.get("text", "exception"))


def require_chromium() -> str:
    """Chromium's path for a test fixture: the test is skipped where there is none, but fails in
    CI (CI set) or when CHAINKG_CHROMIUM names a binary that is not there (a wrong setting, not a
    missing browser)."""
    import pytest  # only the test fixtures call this

    try:
        return find_chromium()
    except ChromiumNotFound as missing:
        problem = str(missing)
    # Reported here, outside the except: no chained traceback.
    if os.environ.get("CI") or os.environ.get(CHROMIUM_ENV):
        pytest.fail(problem, pytrace=False)
    pytest.skip(problem)
