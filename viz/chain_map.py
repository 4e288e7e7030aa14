"""The chain map page: a pyvis network over our own template, with vis-network inlined.

pyvis builds the node and edge records and renders the template; the template is ours
(viz/templates/chain_map.html) because pyvis's own links Bootstrap and vis-network from CDNs.
The page carries the whole map but draws a small part of it (chain_map.js): an overview of
industry -> stages -> scenarios with what lies below folded into counts on each node, grown
on click, a focus on one node's neighbourhood, and a position's path, which is embedded here
from graph.planner.recommend (the data of POST /v1/recommendations) so a page written to a
file works offline. A map past `max_nodes` is folded (matters first, then scenarios and
bundles) so the whole catalog stays usable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from pyvis.network import Network

from graph.chain import LEVELS, ChainEdge, ChainMap, ChainNode, chain_map, fold
from graph.planner import every_position, recommend
from graph.store import GraphStore
from viz.layout import layered_positions
from viz.page import CJK_FONTS, asset, environment, vis_css, vis_js

DEFAULT_MAX_NODES = 2500
SHORT_NAME = 8  # characters a name keeps in the overview; the full name is on hover
FOLD_STEPS = (("matter",), ("matter", "scenario", "bundle"))


@dataclass(frozen=True, slots=True)
class NodeStyle:
    label: str  # Chinese name of the type, for the legend
    shape: str  # a vis-network shape
    color: str
    size: int = 14
    label_inside: bool = False  # box-like shapes draw the label inside: white text

    @property
    def font_color(self) -> str:
        return "#ffffff" if self.label_inside else "#1f2933"


NODE_STYLES: dict[str, NodeStyle] = {
    "industry": NodeStyle("产业", "star", "#b42318", 30),
    "stage": NodeStyle("阶段", "ellipse", "#c05621", label_inside=True),
    "scenario": NodeStyle("应用场景", "box", "#2f855a", label_inside=True),
    "bundle": NodeStyle("一件事", "hexagon", "#6b46c1", 15),
    "matter": NodeStyle("事项", "dot", "#2b6cb0", 9),
    "department": NodeStyle("部门", "diamond", "#4a5568", 13),
}
EDGE_LABELS = {
    "HAS_STAGE": "设有阶段",
    "HAS_SCENARIO": "应用场景",
    "SERVED_BY": "由一件事办理",
    "INCLUDES": "一件事包含的事项",
    "NEEDS": "场景需办的事项",
    "ADDS": "按情形增加的事项",
    "HANDLED_BY": "办理部门",
    "LINKS": "经折叠的事项",
}


def build_chain_map(
    store: GraphStore, industry_id: str | None = None, max_nodes: int = DEFAULT_MAX_NODES
) -> ChainMap:
    """The map of one industry (or all), folded level by level until it fits `max_nodes`."""
    full = chain_map(store, industry_id)
    chain = full
    for types in FOLD_STEPS:
        if len(chain.nodes) <= max_nodes:
            break
        chain = fold(full, types)  # always from the full map, so edges keep their matters
    return chain


def position_paths(store: GraphStore, industry_id: str | None = None) -> dict[str, Any]:
    """Per position ("<stage id>|<scenario id or empty>"), its recommendation's path.

    The data of POST /v1/recommendations with no answers (graph.planner.recommend): the
    bundles, the department path's phases in order, each with its departments and matters, and
    the questions left open (the page served by the API asks the API again once answered).
    """
    out: dict[str, Any] = {}
    for position in every_position(store):
        if industry_id is not None and position.industry != industry_id:
            continue
        rec = recommend(store, position)
        view = rec.position
        label = f"{view.industry.name} · {view.stage.name}"
        if view.scenario is not None:
            label += f" · {view.scenario.name}"
        names = {m.id: m.name for m in rec.matters}
        out[f"{position.stage}|{position.scenario or ''}"] = {
            "industry": position.industry,
            "stage": position.stage,
            "scenario": position.scenario or "",
            "label": label,
            "bundles": [[b.id, b.name] for b in rec.bundles],
            "questions": [
                [q.id, q.question, [o.value for o in q.options], q.default or ""]
                for q in rec.pending_questions
            ],
            "phases": [
                {
                    "phase": phase.phase,
                    "departments": [[d.id, d.name] for d in phase.departments],
                    "matters": [[m, names.get(m, m)] for m in phase.matters],
                    "steps": [
                        {
                            "kind": step.kind,
                            "id": step.id,
                            "matters": list(step.matters),
                            "departments": [d.id for d in step.departments],
                        }
                        for step in phase.steps
                    ],
                }
                for phase in rec.department_path
            ],
        }
    return out


def short_name(name: str, keep: int = SHORT_NAME) -> str:
    """The name cut to `keep` characters with an ellipsis (the overview's label)."""
    return name if len(name) <= keep else name[: keep - 1] + "…"


def summaries(chain: ChainMap) -> dict[str, str]:
    """What lies below each node, as the count text drawn under its name ("12 事项 · 5 部门")."""
    down: dict[str, list[str]] = {}
    level = {n.id: n.level for n in chain.nodes}
    kind = {n.id: n.type for n in chain.nodes}
    for e in chain.edges:
        if level[e.source] < level[e.target]:
            down.setdefault(e.source, []).append(e.target)
    reach: dict[str, set[str]] = {}

    def below(node_id: str) -> set[str]:
        if node_id not in reach:
            out: set[str] = set()
            for child in down.get(node_id, []):
                out.add(child)
                out |= below(child)
            reach[node_id] = out
        return reach[node_id]

    handled: dict[str, int] = {}
    for e in chain.edges:
        if kind[e.target] == "department" and kind[e.source] == "matter":
            handled[e.target] = handled.get(e.target, 0) + 1
    text: dict[str, str] = {}
    for node in chain.nodes:
        under = below(node.id)
        count = {t: sum(1 for i in under if kind[i] == t) for t in LEVELS}
        parts = []
        if node.type == "industry":
            parts.append(f"{count['stage']} 阶段")
        if node.type == "stage":
            parts.append(f"{count['scenario']} 场景")
        if node.type in ("industry", "stage", "scenario", "bundle") and count["matter"]:
            parts.append(f"{count['matter']} 事项")
        if node.type in ("industry", "stage", "scenario") and count["department"]:
            parts.append(f"{count['department']} 部门")
        if node.type == "matter":
            parts.extend(short_name(names, 10) for names in _names(chain, under, "department"))
        if node.type == "department":
            parts.append(f"{handled.get(node.id, 0)} 事项")
        text[node.id] = " · ".join(parts)
    return text


def _names(chain: ChainMap, ids: set[str], type_: str) -> list[str]:
    return sorted(n.name for n in chain.nodes if n.id in ids and n.type == type_)


def chain_map_html(chain: ChainMap, paths: dict[str, Any] | None = None) -> str:
    """The self-contained HTML page of a chain map; `paths` from `position_paths`."""
    net = network(chain)
    counts = chain.counts()
    net.path = "chain_map.html"
    net.templateEnv = environment(
        vis_js=vis_js(),
        vis_css=vis_css(),
        chain_js=asset("chain_map.js"),
        chain_css=asset("chain_map.css"),
        page={
            "title": chain.title,
            "stages": chain.stages,
            "names": sorted({n.name for n in chain.nodes}),
            "legend": [
                {
                    "type": t,
                    "label": NODE_STYLES[t].label,
                    "shape": NODE_STYLES[t].shape,
                    "color": NODE_STYLES[t].color,
                    "count": counts[t],
                    "folded": chain.folded.get(t, 0),
                }
                for t in LEVELS
            ],
            "node_count": len(chain.nodes),
            "edge_count": len(chain.edges),
        },
        extra={"requires": chain.requires, "paths": paths or {}},
    )
    html: str = net.generate_html(name="chain_map.html")
    return html


def network(chain: ChainMap) -> Network:
    """The pyvis Network of a chain map: positioned nodes, styled edges, physics off."""
    positions = layered_positions(chain.nodes, chain.edges)
    by_stage = stage_positions(chain)
    net = Network(
        height="100%", width="100%", directed=True, cdn_resources="in_line", heading=chain.title
    )
    counts = summaries(chain)
    for node in chain.nodes:
        x, y = positions[node.id]
        _add_node(net, node, x, y, {s: by_stage[s][node.id] for s in node.stages}, counts)
    widest = max((len(e.via) for e in chain.edges), default=1) or 1
    for edge in chain.edges:
        net.add_edge(edge.source, edge.target, kind=edge.kind, **_edge_options(edge, widest))
    large = len(chain.nodes) > 800
    net.options = _options(large)
    return net


def stage_positions(chain: ChainMap) -> dict[str, dict[str, tuple[int, int]]]:
    """Per stage, the layout of that stage's nodes alone, so a stage filter shows them large."""
    out = {}
    for stage_id, _ in chain.stages:
        nodes = [n for n in chain.nodes if stage_id in n.stages]
        ids = {n.id for n in nodes}
        edges = [e for e in chain.edges if e.source in ids and e.target in ids]
        out[stage_id] = layered_positions(nodes, edges)
    return out


def _add_node(
    net: Network,
    node: ChainNode,
    x: int,
    y: int,
    at: dict[str, tuple[int, int]],
    counts: dict[str, str],
) -> None:
    style = NODE_STYLES[node.type]
    options: dict[str, Any] = {
        "title": tooltip(node),
        "x": x,
        "y": y,
        "at": at,  # position per stage, used when the stage filter shows one stage
        "physics": False,
        "size": style.size,
        "font": {"color": style.font_color, "face": CJK_FONTS},
        "ntype": node.type,  # read by the page's type filter and legend counts
        "stages": list(node.stages),  # read by the stage filter
        "level": node.level,
        "name": node.name,  # the full name; the label is short in the overview
        "short": short_name(node.name),
        "summary": counts.get(node.id, ""),
    }
    # Long names wrap instead of running into the next column.
    options["widthConstraint"] = {"maximum": 200 if style.label_inside else 260}
    net.add_node(node.id, label=node.name, shape=style.shape, color=style.color, **options)


def tooltip(node: ChainNode) -> str:
    """Plain text (vis-network shows a string title as text, never as HTML)."""
    lines = [node.name] + [f"{label}：{value}" for label, value in node.fields if value]
    return "\n".join(lines)


def _edge_options(edge: ChainEdge, widest: int) -> dict[str, Any]:
    title = EDGE_LABELS[edge.kind]
    if edge.note:
        title += f"\n{edge.note}"
    options: dict[str, Any] = {"color": "#9aa5b1", "width": 1}
    if edge.kind == "ADDS":
        options.update(color="#dd6b20", dashes=True)
    elif edge.kind == "LINKS":
        shown = "\n".join(f"· {name}" for name in edge.via[:15])
        more = f"\n… 共 {len(edge.via)} 项" if len(edge.via) > 15 else ""
        title = f"{len(edge.via)} 项事项\n{shown}{more}" if edge.via else title
        # Width grows with the number of matters behind the link, on a log scale.
        options["width"] = 1 + 4 * math.log1p(len(edge.via)) / math.log1p(widest)
    options["title"] = title
    return options


def _options(large: bool) -> dict[str, Any]:
    return {
        "autoResize": True,
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False, "hierarchical": {"enabled": False}},
        "interaction": {
            "hover": True,
            "tooltipDelay": 120,
            "hideEdgesOnDrag": large,
            "hideEdgesOnZoom": large,
            "navigationButtons": False,
            "keyboard": False,
        },
        "nodes": {"font": {"face": CJK_FONTS, "size": 14}, "borderWidth": 1},
        "edges": {
            "smooth": False,
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.45}},
            "color": {"inherit": False},
            "selectionWidth": 2,
        },
    }
