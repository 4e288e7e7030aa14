"""What every page shares: the template environment, inlined assets, the CJK font stack, writing.

Assets are read from files (ours under viz/templates, vis-network from inside the pyvis package)
and inlined, because a page must open with no network: nothing may be fetched from a CDN.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

# Names as each OS installs them: Noto/Source Han on Linux, YaHei on Windows, PingFang on macOS.
CJK_FONTS = (
    '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", '
    '"WenQuanYi Micro Hei", sans-serif'
)
VIS_VERSION = "9.1.2"  # the vis-network build pyvis 0.3.2 ships


@cache
def _read(package: str, relative: str) -> str:
    text = (resources.files(package) / relative).read_text(encoding="utf-8")
    if "</script" in text.lower():
        # An inline <script> would end early; none of our assets may contain the sequence.
        raise ValueError(f"{package}/{relative} contains '</script' and cannot be inlined")
    return text


def asset(name: str) -> str:
    """One of our own assets under viz/templates (CSS or JS), as text."""
    return _read("viz", f"templates/{name}")


def vis_js() -> str:
    """vis-network's JavaScript, from inside the installed pyvis package."""
    return _read("pyvis", f"templates/lib/vis-{VIS_VERSION}/vis-network.min.js")


def vis_css() -> str:
    """vis-network's stylesheet (tooltips, navigation), from inside the pyvis package."""
    return _read("pyvis", f"templates/lib/vis-{VIS_VERSION}/vis-network.css")


def environment(**page_globals: Any) -> Environment:
    """A Jinja environment over viz/templates with autoescaping and the shared globals.

    A new environment per page: pyvis renders with a fixed set of variables, so page data
    reaches the template as globals, and a fresh environment keeps concurrent renders apart.
    """
    env = Environment(
        loader=PackageLoader("viz", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        cjk_fonts=CJK_FONTS,
        base_css=asset("base.css"),
        ready_js=asset("ready.js"),
        **page_globals,
    )
    return env


def render(template: str, **context: Any) -> str:
    """Render one of our page templates (no pyvis involved)."""
    return environment().get_template(template).render(**context)


def write_page(path: str | Path, content: str | bytes) -> Path:
    """Write a page or an export; text always as UTF-8, whatever the locale."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        target.write_bytes(content)
    else:
        target.write_text(content, encoding="utf-8")
    return target
