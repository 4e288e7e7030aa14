"""The window desk (综合窗口 · 一窗受理): one self-contained page a window clerk works through
with an applicant.

It picks the position (GET /v1/industries, /v1/scenarios), plans it (POST /v1/recommendations)
and asks the situational questions one by one, re-planning with each answer; it shows the
bundle, the one-time materials checklist (一次性告知单, printable alone) and the department
path; then it creates the project (POST /v1/projects with the window's bearer token) and shows
its code, status page and QR code (printable alone). It fetches from its own origin only, by
relative URLs (so it works behind a path prefix too); the token lives in sessionStorage, never
in a URL. Every text from the API is set as textContent.
"""

from __future__ import annotations

from functools import cache

from viz.page import asset, render


@cache
def desk_html() -> str:
    """The desk page (the same for everyone: its data comes from the API, in the browser)."""
    return render("desk.html", desk_css=asset("desk.css"), desk_js=asset("desk.js"))
