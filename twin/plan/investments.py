"""The investment catalogue: loading it, ordering investments by prerequisites, applying them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np
from pydantic import ValidationError

from twin.plan.patch import PatchError, apply_patch
from twin.sim.rng import Streams
from twin.spec import Factory, SpecError, check_factory, data_dir
from twin.spec.errors import Problem, format_path
from twin.spec.investment import Catalogue, HeadcountPerUnit, Investment, costs_for
from twin.spec.loader import line_of, load_yaml_as, validation_problems


def default_catalogue_path() -> Path:
    return data_dir("scenarios") / "investments.yaml"


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Load and check a catalogue: unique ids, known prerequisites, no prerequisite cycles."""
    path = Path(path) if path else default_catalogue_path()
    catalogue, node = load_yaml_as(Catalogue, path)
    problems: list[Problem] = []

    def problem(loc: tuple, found: str, expected: str) -> None:
        problems.append(Problem(str(path), format_path(loc), found, expected, line_of(node, loc)))

    ids = [inv.id for inv in catalogue.investments]
    graph = nx.DiGraph()
    for i, inv in enumerate(catalogue.investments):
        if ids.index(inv.id) != i:
            problem(("investments", i, "id"), repr(inv.id), "an id used once")
        graph.add_node(inv.id)
        for j, pre in enumerate(inv.prerequisites):
            if pre not in ids:
                problem(("investments", i, "prerequisites", j), repr(pre), "an investment id")
            graph.add_edge(pre, inv.id)
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        cycle = None
    if cycle:
        ring = " -> ".join([a for a, _ in cycle] + [cycle[0][0]])
        problem(
            ("investments", ids.index(cycle[0][1]), "prerequisites"), f"a cycle {ring}", "prerequisites without cycles"
        )
    if problems:
        raise SpecError(problems)
    return catalogue


def order_investments(
    catalogue: Catalogue, requested: list[str], already: list[str], where: str = "--with"
) -> list[Investment]:
    """The requested investments in an order that honours prerequisites; errors name what is missing."""
    problems = []
    unknown = [i for i in requested if i not in catalogue.ids]
    for i in unknown:
        problems.append(
            Problem(where, "", f"unknown investment {i!r}", f"an id from the catalogue: {', '.join(catalogue.ids)}")
        )
    if problems:
        raise SpecError(problems)
    have = set(already) | set(requested)
    for i in requested:
        missing = [p for p in catalogue.get(i).prerequisites if p not in have]
        if missing:
            problems.append(
                Problem(
                    where,
                    i,
                    f"prerequisite {', '.join(missing)} not in the plant or the request",
                    f"{i!r} together with {', '.join(missing)}",
                )
            )
    if problems:
        raise SpecError(problems)
    graph = nx.DiGraph()
    graph.add_nodes_from(requested)
    for i in requested:
        for p in catalogue.get(i).prerequisites:
            if p in requested:
                graph.add_edge(p, i)
    order = list(nx.lexicographical_topological_sort(graph, key=requested.index))
    return [catalogue.get(i) for i in order if i not in already]


def apply_investments(
    factory: Factory,
    investments: list[Investment],
    factor: callable | None = None,
    where: str = "--with",
) -> Factory:
    """The plant after the investments; ``factor(inv, i)`` samples uncertain effects (default: mean)."""
    data = factory.model_dump(by_alias=True, exclude_none=True)
    for inv in investments:
        draw = (lambda i, inv=inv: _mean_factor(inv, i)) if factor is None else (lambda i, inv=inv: factor(inv, i))
        try:
            data = _apply_one(data, inv, draw)
        except PatchError as exc:
            raise SpecError([Problem(where, inv.id, str(exc), "a patch that fits this model")]) from None
        data["investments"] = [*data.get("investments", []), inv.id]
    try:
        patched = Factory.model_validate(data)
    except ValidationError as exc:
        names = ", ".join(i.id for i in investments)
        raise SpecError(validation_problems(f"{factory.name} after {names}", exc, None, data)) from None
    check_factory(patched, f"{factory.name} after {', '.join(i.id for i in investments)}")
    return patched


def priced(plant: Factory, investments: list[Investment]) -> list[tuple[float, float]]:
    """(capex CNY, opex CNY/yr) of each investment, priced on the plant as it is just before it is made.

    ``mdc_all`` pays for the machines not yet networked; ``robot_loading`` after ``vmc_added`` pays for
    one more cell.
    """
    out = []
    for inv in investments:
        out.append(costs_for(inv, plant))
        plant = apply_investments(plant, [inv])
    return out


@dataclass(frozen=True)
class Fit:
    """Whether an investment fits a plant, what it costs there, and why not when it does not."""

    investment: Investment
    capex_cny: float
    opex_cny_per_year: float
    why_not: str | None = None

    @property
    def fits(self) -> bool:
        return self.why_not is None


def fit_report(plant: Factory, catalogue: Catalogue) -> list[Fit]:
    """Each catalogue investment on ``plant`` (with the prerequisites it lacks), priced on the plant."""
    why: dict[str, str | None] = {}
    out = []
    for inv in order_investments(catalogue, catalogue.ids, []):
        missing = [p for p in inv.prerequisites if why.get(p)]
        if missing:
            why[inv.id] = f"needs {', '.join(missing)}, which does not fit"
        else:
            why[inv.id] = _why_not(plant, catalogue, inv)
        capex, opex = costs_for(inv, plant)
        out.append(Fit(inv, capex, opex, why[inv.id]))
    order = catalogue.ids
    return sorted(out, key=lambda f: order.index(f.investment.id))


def _why_not(plant: Factory, catalogue: Catalogue, inv: Investment) -> str | None:
    """None if the investment applies to the plant after its prerequisites, else the reason in a few words."""
    needed: list[str] = []

    def add(i: str) -> None:
        for p in catalogue.get(i).prerequisites:
            add(p)
        if i not in needed and i not in plant.investments:
            needed.append(i)

    add(inv.id)
    data = plant.model_dump(by_alias=True, exclude_none=True)
    for i in needed:
        other = catalogue.get(i)
        try:
            data = _apply_one(data, other, lambda k, other=other: _mean_factor(other, k))
        except PatchError as exc:
            return exc.brief
    try:
        patched = Factory.model_validate(data)
        check_factory(patched, plant.name)
    except SpecError as exc:
        return f"the plant after it is not valid: {exc.problems[0]}"
    except ValidationError as exc:
        return f"the plant after it is not valid: {str(exc).splitlines()[0]}"
    return None


def _apply_one(data: dict, inv: Investment, draw) -> dict:
    """The model data after one investment: its patch, then its headcount changes (one place for both, so
    checking whether an investment fits and applying it can never disagree)."""
    delta = headcount_on(inv, data.get("stations", []))
    data = apply_patch(data, inv.patch, draw)
    _apply_headcount(data, delta)
    return data


def headcount_on(inv: Investment, stations: list[dict]) -> dict[str, int | list[int]]:
    """The investment's headcount change per pool for a plant's stations (per-machine and per-station
    changes counted on the plant before it), per shift where it gives one per shift."""
    return {
        k: v.for_stations(stations) if isinstance(v, HeadcountPerUnit) else v for k, v in inv.headcount_delta.items()
    }


def _apply_headcount(data: dict, delta: dict[str, int | list[int]]) -> None:
    """Add each pool's headcount change to its count (or to each shift's count)."""
    pools = {p["name"]: p for p in data.get("operators", [])}
    for name, change in delta.items():
        pool = pools.get(name)
        if pool is None:
            raise PatchError(f"headcount_delta names pool {name!r}; the model has: {', '.join(pools) or 'none'}")
        if "count_per_shift" in pool:
            counts = pool["count_per_shift"]
            per_shift = change if isinstance(change, list) else [change] * len(counts)
            if len(per_shift) != len(counts):
                raise PatchError(
                    f"headcount_delta of pool {name!r} gives {len(per_shift)} shifts, the pool {len(counts)}"
                )
            pool["count_per_shift"] = [c + d for c, d in zip(counts, per_shift, strict=True)]
        elif isinstance(change, list):
            if len(set(change)) != 1:
                raise PatchError(f"pool {name!r} has one count for every shift: give one headcount change")
            pool["count"] += change[0]
        else:
            pool["count"] += change


QUANTILE_DRAWS = 20_000


_quantiles: dict[tuple[str, float], float] = {}


def quantile(dist, q: float) -> float:
    """The ``q`` quantile of an effect-factor distribution (from a fixed sample, so the same every time)."""
    key = (dist.model_dump_json(), q)
    if key not in _quantiles:
        draw = dist.sampler(np.random.default_rng(20240101))
        _quantiles[key] = float(np.quantile([draw() for _ in range(QUANTILE_DRAWS)], q))
    return _quantiles[key]


def _mean_factor(inv: Investment, i: int) -> float | None:
    f = inv.patch[i].factor
    return None if f is None else f.mean


@dataclass(frozen=True)
class Scenario:
    """A plant with investments whose uncertain effects are drawn anew in each replication.

    ``fixed`` holds (investment id, quantile) pairs: that investment's effect factors are set to the
    quantile of their distributions in every replication instead (a sensitivity study's low or high end).
    """

    base: Factory
    investments: tuple[Investment, ...]
    fixed: tuple[tuple[str, float], ...] = ()

    @property
    def name(self) -> str:
        return (
            self.base.name if not self.investments else f"{self.base.name}+{'+'.join(i.id for i in self.investments)}"
        )

    def for_replication(self, seed: int, replication: int) -> Factory:
        streams = Streams(seed, replication)

        fixed = dict(self.fixed)

        def factor(inv: Investment, i: int) -> float | None:
            f = inv.patch[i].factor
            if f is None:
                return None
            if inv.id in fixed:
                return quantile(f, fixed[inv.id])
            return f.sampler(streams(f"effect/{inv.id}/{i}"))()

        patched = apply_investments(self.base, list(self.investments), factor)
        return patched.model_copy(update={"name": self.name})
