"""Loading upgrade paths and checking them against the catalogue and the plant they are for.

Every problem gets the same one-line form as a model error (file:line: field: found; expected), so a
planner editing a paths file is sent to the exact stage and investment.
"""

from __future__ import annotations

from pathlib import Path

from twin.economics.assumptions import load_finance
from twin.plan.investments import apply_investments, load_catalogue, order_investments
from twin.spec import Factory, SpecError, data_dir
from twin.spec.errors import Problem, format_path
from twin.spec.finance import Finance
from twin.spec.investment import Catalogue
from twin.spec.loader import line_of, load_yaml_as
from twin.spec.path import PathsFile, UpgradePath


def default_paths_path() -> Path:
    return data_dir("scenarios") / "paths.yaml"


def load_paths(
    path: str | Path | None,
    plant: Factory,
    catalogue: Catalogue | None = None,
    horizon_years: int | None = None,
) -> tuple[list[UpgradePath], Finance]:
    """The paths of ``path`` for ``plant``, checked, and the finance assumptions with the file's overrides.

    Raises :class:`SpecError` listing every problem: unknown investment ids, an investment made twice
    (or already in the plant), one made before its prerequisites, stage years that do not increase or
    lie beyond the horizon, a patch that does not fit the plant, and a plant with no path at all.
    """
    file = Path(path) if path else default_paths_path()
    spec, node = load_yaml_as(PathsFile, file)
    catalogue = catalogue or load_catalogue()
    finance = load_finance()
    if spec.finance is not None:
        finance = Finance.model_validate({**finance.model_dump(), **spec.finance.model_dump(exclude_none=True)})
    horizon = horizon_years or finance.horizon_years
    problems: list[Problem] = []

    def problem(loc: tuple, found: str, expected: str) -> None:
        problems.append(Problem(str(file), format_path(loc), found, expected, line_of(node, loc)))

    names = [p.name for p in spec.paths]
    chosen = []
    for i, upgrade in enumerate(spec.paths):
        if names.index(upgrade.name) != i:
            problem(("paths", i, "name"), repr(upgrade.name), "a path name used once")
        if not upgrade.fits(plant.name):
            continue
        chosen.append(upgrade)
        _check_path(upgrade, ("paths", i), plant, catalogue, horizon, problem)
    if not problems and not chosen:
        problem(("paths",), f"no path for plant {plant.name!r}", "a path with `plant:` naming it, or without `plant:`")
    if problems:
        raise SpecError(problems)
    return chosen, finance


def path_problems(
    upgrade: UpgradePath, plant: Factory, catalogue: Catalogue, horizon_years: int, where: str = "plan"
) -> list[Problem]:
    """The problems :func:`load_paths` would report for one path built elsewhere (the dashboard's planner),
    each located at ``where`` by its field path (``stages[1].investments[0]``)."""
    problems: list[Problem] = []

    def problem(loc: tuple, found: str, expected: str) -> None:
        problems.append(Problem(where, format_path(loc), found, expected))

    _check_path(upgrade, (), plant, catalogue, horizon_years, problem)
    return problems


def stage_plants(upgrade: UpgradePath, plant: Factory, catalogue: Catalogue) -> list[Factory]:
    """The plant after each stage of ``upgrade`` (a checked path: prerequisites are met in time)."""
    states, state = [], plant
    for stage in upgrade.stages:
        ordered = order_investments(catalogue, stage.investments, state.investments, where=f"path {upgrade.name}")
        state = apply_investments(state, ordered, where=f"path {upgrade.name}").declaring(stage.declared)
        states.append(state)
    return states


def _check_path(upgrade, loc, plant, catalogue, horizon, problem) -> None:
    installed = set(plant.investments)
    last_year = -1
    fits = True
    for j, stage in enumerate(upgrade.stages):
        here = (*loc, "stages", j)
        if stage.year <= last_year:
            problem((*here, "year"), f"{stage.year} after year {last_year}", "stage years increasing stage by stage")
        elif stage.year >= horizon:
            problem((*here, "year"), str(stage.year), f"a year before the end of the {horizon}-year horizon")
        last_year = max(last_year, stage.year)
        this_stage = set(stage.investments)
        for k, inv_id in enumerate(stage.investments):
            at = (*here, "investments", k)
            if inv_id not in catalogue.ids:
                problem(at, f"unknown investment {inv_id!r}", "an id from the catalogue (see `twin investments`)")
                fits = False
                continue
            if inv_id in installed or stage.investments.index(inv_id) != k:
                problem(at, f"{inv_id!r} again", "each investment made once (and not one the plant already has)")
                fits = False
                continue
            missing = [p for p in catalogue.get(inv_id).prerequisites if p not in installed | this_stage]
            if missing:
                problem(
                    at,
                    f"{inv_id!r} before its prerequisite {', '.join(missing)}",
                    f"{', '.join(missing)} in an earlier stage or the same one",
                )
                fits = False
        installed |= this_stage
    if not fits:
        return
    state = plant
    for j, stage in enumerate(upgrade.stages):
        try:
            ordered = order_investments(catalogue, stage.investments, state.investments, where=f"path {upgrade.name}")
            state = apply_investments(state, ordered, where=f"path {upgrade.name}")
        except SpecError as exc:
            for p in exc.problems:
                problem((*loc, "stages", j, "investments"), f"{p.path}: {p.found}", p.expected)
            return
