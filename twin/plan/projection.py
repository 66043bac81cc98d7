"""The plant states an upgrade path passes through, simulated once per distinct state and demand level.

A path's plant in a year is the base plant plus every investment installed by then; different paths
meet the same state (the base plant, or the same investments on it), and years of flat demand meet
the same load. :class:`StateRuns` keys each (state, demand level) by content — the base plant's
model and the investments applied, never a name — and runs each once, every replication with the
same seed and warm-up as all the others, so every difference between states is a paired one
(common random numbers) and the baseline numbers are the same in every path.

Demand levels are multiples of today's order rate on a grid (:data:`LEVEL_STEP`); the valuation
interpolates years between grid points. A state that cannot keep up with a level (its WIP grows through
the window) is run saturated instead (:mod:`twin.kpi.capacity`): it sells what it can make, and the
rest of the demand is lost. What it can make does not depend on how much more is ordered, so the
levels a state cannot keep up with share one saturated run of it (:func:`capacity_level`).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from twin.kpi.capacity import Saturated
from twin.plan.investments import Scenario, apply_investments, order_investments
from twin.run.executors import Executor
from twin.run.experiment import ORDERS_PILE_UP, WIP_GROWS, Model, ReplicationKpis, Warmup, base_factory, compare
from twin.spec.factory import Factory
from twin.spec.investment import Catalogue, Investment
from twin.spec.path import UpgradePath

LEVEL_STEP = 0.25
"""Demand levels simulated: multiples of today's demand rounded outwards to this grid."""

SATURATION_LOAD = 1.0
"""Share of time with work at the busiest station, scaled to a level, from which that level is run saturated at
once (certain overload; a level close below it is run demand-bound and caught if its WIP grows)."""

_SCALED = ("value", "mu", "mean", "sd", "low", "mode", "high", "values")


def scale_demand(plant: Factory, level: float) -> Factory:
    """The plant with orders arriving ``level`` times as often (same lots, same mix, same due dates).

    Inter-arrival times are divided by ``level`` (their coefficient of variation is kept); release
    plans are left as they are, since a plan is a fixed schedule, not a rate.
    """
    if level == 1.0:
        return plant
    products = []
    for p in plant.products:
        d = p.demand
        if d is not None and d.interarrival_min is not None:
            dist = d.interarrival_min
            update = {}
            for name in _SCALED:
                if name in type(dist).model_fields and getattr(dist, name, None) is not None:
                    value = getattr(dist, name)
                    update[name] = [v / level for v in value] if isinstance(value, list) else value / level
            d = d.model_copy(update={"interarrival_min": dist.model_copy(update=update)})
        products.append(p.model_copy(update={"demand": d}))
    return plant.model_copy(update={"products": products})


@dataclass(frozen=True)
class AtLevel:
    """A model whose orders arrive ``level`` times as often as the model says."""

    model: Model
    level: float

    @property
    def base(self) -> Factory:
        return scale_demand(base_factory(self.model), self.level)

    @property
    def name(self) -> str:
        return base_factory(self.model).name if self.level == 1.0 else f"{base_factory(self.model).name}@{self.level:g}"

    def for_replication(self, seed: int, replication: int) -> Factory:
        plant = self.model if isinstance(self.model, Factory) else self.model.for_replication(seed, replication)
        return scale_demand(plant, self.level).model_copy(update={"name": self.name})


@dataclass(frozen=True)
class PlantState:
    """The base plant with investments applied: what a path's plant is after a stage.

    ``model`` samples each investment's uncertain effect anew per replication; ``plant`` has the mean
    effects and the enterprise facts declared for the stage (what the tier assessment reads).
    """

    key: str
    investments: tuple[str, ...]
    model: Model
    plant: Factory


def content_key(base: Factory, investments: Sequence[str]) -> str:
    """A key for a plant state that depends on what it is, not on what it is called."""
    text = base.model_copy(update={"name": "_", "name_en": None, "name_zh": None, "description": ""}).model_dump_json()
    return hashlib.sha256(f"{text}|{','.join(investments)}".encode()).hexdigest()[:16]


def baseline_state(base: Factory) -> PlantState:
    return PlantState(content_key(base, ()), (), base, base)


def path_states(upgrade: UpgradePath, base: Factory, catalogue: Catalogue) -> list[PlantState]:
    """The plant state after each stage of a checked path (prerequisites met in time)."""
    states, made, plant = [], [], base
    for stage in upgrade.stages:
        ordered = order_investments(catalogue, stage.investments, [*base.investments, *made], f"path {upgrade.name}")
        made += [inv.id for inv in ordered]
        plant = apply_investments(plant, ordered, where=f"path {upgrade.name}").declaring(stage.declared)
        invs: tuple[Investment, ...] = tuple(catalogue.get(i) for i in made)
        states.append(PlantState(content_key(base, made), tuple(made), Scenario(base, invs), plant))
    return states


def demand_levels(growth: float, horizon_years: int) -> list[float]:
    """Today's demand × (1 + growth)^year for every year of the horizon."""
    return [(1 + growth) ** y for y in range(horizon_years + 1)]


def grid_levels(levels: Sequence[float]) -> list[float]:
    """The grid points that bracket every level (1.0 always among them)."""
    out = {1.0}
    for m in levels:
        lo = math.floor(round(m / LEVEL_STEP, 9)) * LEVEL_STEP
        hi = math.ceil(round(m / LEVEL_STEP, 9)) * LEVEL_STEP
        out |= {round(lo, 6), round(hi, 6)}
    return sorted(x for x in out if x > 0)


def capacity_level(level: float) -> float:
    """The demand level a state's capacity run uses for ``level``: the power of two at or above it. The
    saturated run offers :data:`~twin.kpi.capacity.DEMAND_FACTOR` times that, so 3-6 times ``level``: a
    state that cannot keep up with ``level`` never runs dry, and every level it cannot keep up with up to
    the next power of two reads the same run (what it makes does not depend on how much more is ordered).
    """
    return float(2.0 ** math.ceil(round(math.log2(level), 9)))


@dataclass
class Run:
    """Per-replication KPIs of one (state, level), and whether the state was run saturated there."""

    replications: list[ReplicationKpis]
    saturated: bool


class StateRuns:
    """Simulations of (plant state, demand level) pairs, each run once and kept by content.

    All runs share ``days``, one fixed ``warmup`` and ``seed``: replication r of every pair uses the
    same random numbers. ``ensure`` adds missing replications in one batch (one progress bar, one pool).
    """

    def __init__(
        self,
        *,
        days: float,
        warmup: Warmup,
        seed: int,
        jobs: int = 1,
        progress: Callable[[str, float], None] | None = None,
        executor: Executor | None = None,
    ):
        if warmup == "auto":
            raise ValueError("StateRuns needs a fixed warm-up, shared by every run and every later replication")
        self.days, self.warmup, self.seed, self.jobs = days, float(warmup), seed, jobs
        self.progress, self.executor = progress, executor
        self.runs: dict[tuple[str, float], Run] = {}
        self.saturated_keys: set[tuple[str, float]] = set()
        self.capacity_runs: dict[tuple[str, float, bool], Run] = {}
        """Saturated runs by (state, capacity level): shared by the levels that share a capacity level."""
        self.simulated = 0
        """Replications simulated so far (a cache hit simulates none)."""

    def ensure(self, pairs: Sequence[tuple[PlantState, float]], reps: int) -> None:
        """Make sure every pair has replications 0..reps-1."""
        todo: dict[tuple[str, float], PlantState] = {}
        for state, level in pairs:
            have = self.runs.get((state.key, level))
            if have is None or len(have.replications) < reps:
                todo[(state.key, level)] = state
        if not todo:
            return
        fresh = [k for k in todo if k not in self.runs]
        # today's load first: how busy a state is there tells which higher levels it cannot keep up with
        today = [k for k in fresh if k[1] == 1.0 or (k[0], 1.0) not in self.runs and (k[0], 1.0) not in todo]
        for batch in (today, [k for k in fresh if k not in today]):
            self.saturated_keys |= {k for k in batch if self._predicted_saturated(k)}
            results = self._run(batch, todo, reps, "simulating plant states")
            grows = [
                k
                for k, run in zip(batch, results, strict=True)
                if k not in self.saturated_keys and any(w.startswith((WIP_GROWS, ORDERS_PILE_UP)) for w in run.warnings)
            ]
            if grows:  # demand above what the state can make or release: it sells its capacity, the rest is lost
                self.saturated_keys |= set(grows)
                for k in grows:
                    del self.runs[k]
                self._run(grows, todo, reps, "capacity runs")
        more = [k for k in todo if k not in fresh and len(self.runs[k].replications) < reps]
        self._run(more, todo, reps, "more replications")

    def _run(self, keys, todo, reps: int, label: str) -> list:
        """Bring ``keys`` to ``reps`` replications, missing ones only, in one batch per first missing
        replication; returns the newest result per key (``None`` where nothing had to run).

        The saturated keys of one state share one capacity run (see :func:`capacity_level`): a plant that
        cannot keep up sells its capacity whatever the demand, so each level does not need its own.
        """
        members: dict[tuple, list] = {}
        for k in keys:
            members.setdefault(self._run_id(k), []).append(k)
        by_start: dict[int, list] = {}
        for rid, ks in members.items():
            run = self.capacity_runs.get(rid) if rid[2] else self.runs.get(ks[0])
            if run is not None and rid[2]:
                for k in ks:
                    self.runs[k] = run
            have = len(run.replications) if run is not None else 0
            if have < reps:
                by_start.setdefault(have, []).append(rid)
        results: dict[tuple, object] = {}
        for start, rids in sorted(by_start.items()):
            models = []
            for state_key, level, saturated in rids:
                m = AtLevel(todo[members[(state_key, level, saturated)][0]].model, level)
                models.append(Saturated(m) if saturated else m)
            text = f"{label} ({len(models)} x {reps - start} replications)"
            progress = (lambda f, text=text: self.progress(text, f)) if self.progress else None
            comparison = compare(
                models,
                days=self.days,
                reps=reps - start,
                warmup=self.warmup,
                seed=self.seed,
                jobs=self.jobs,
                progress=progress,
                first_rep=start,
                executor=self.executor,
            )
            self.simulated += len(models) * (reps - start)
            for rid, result in zip(rids, comparison.results, strict=True):
                results[rid] = result
                saturated = rid[2]
                run = self.capacity_runs.get(rid) if saturated else self.runs.get(members[rid][0])
                if run is None:
                    run = Run([], saturated)
                    if saturated:
                        self.capacity_runs[rid] = run
                run.replications.extend(result.replications)
                for k in members[rid]:
                    self.runs[k] = run
        return [results.get(self._run_id(k)) for k in keys]

    def _run_id(self, key: tuple[str, float]) -> tuple[str, float, bool]:
        """What is simulated for a key: the state at its level, or the state's capacity run."""
        state_key, level = key
        if key in self.saturated_keys:
            return state_key, capacity_level(level), True
        return state_key, level, False

    def _predicted_saturated(self, key: tuple[str, float]) -> bool:
        """A level the state's busiest station cannot serve: its share of time with work today, scaled by
        the level, reaches :data:`SATURATION_LOAD`."""
        state_key, level = key
        today = self.runs.get((state_key, 1.0))
        if today is None or level <= 1.0:
            return False
        if today.saturated:
            return True
        reps = today.replications
        busiest = max(sum(1 - r.stations[st]["starved_share"] for r in reps) / len(reps) for st in reps[0].stations)
        return busiest * level >= SATURATION_LOAD

    def kpis(self, state: PlantState, level: float, reps: int | None = None) -> list[dict[str, float]]:
        """Plant KPIs of the first ``reps`` replications of (state, level)."""
        run = self.runs[(state.key, level)]
        chosen = run.replications if reps is None else run.replications[:reps]
        return [r.plant for r in chosen]

    def replications(self, state: PlantState, level: float) -> list[ReplicationKpis]:
        return self.runs[(state.key, level)].replications

    def saturated(self, state: PlantState, level: float) -> bool:
        return self.runs[(state.key, level)].saturated
