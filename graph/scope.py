"""Resolving a Position against a catalog: the one place that decides what a position means."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from graph.errors import InvalidRequest, NotFound
from graph.model import Industry, Position, Stage


def resolve_position(
    position: Position,
    *,
    industries: Mapping[str, Industry],
    stages: Mapping[str, Stage],
    scenario_exists: Callable[[str], bool],
    stage_scenarios: Callable[[str], list[str]],
) -> tuple[Industry, Stage, list[str]]:
    """Check a position and return its industry, stage and the scenario ids it covers.

    Raises:
        NotFound: the industry, stage or scenario id is unknown.
        InvalidRequest: the stage is another industry's, or the scenario is not under the stage.
    """
    industry = industries.get(position.industry)
    if industry is None:
        raise NotFound("industry", position.industry)
    stage = stages.get(position.stage)
    if stage is None:
        raise NotFound("stage", position.stage)
    if stage.industry_id != industry.id:
        raise InvalidRequest(
            "stage",
            f"stage '{stage.id}' belongs to industry '{stage.industry_id}', not '{industry.id}'",
        )
    under = stage_scenarios(stage.id)
    if position.scenario is None:
        return industry, stage, under
    if not scenario_exists(position.scenario):
        raise NotFound("scenario", position.scenario)
    if position.scenario not in under:
        raise InvalidRequest(
            "scenario", f"scenario '{position.scenario}' is not under stage '{stage.id}'"
        )
    return industry, stage, [position.scenario]
