"""Replications of factory models: run, pick one warm-up, compute KPIs with confidence intervals.

Each replication is a pure function of (model, seed, replication index), so results are identical
whatever executor runs them, and replication r of two variants shares its random numbers (common
random numbers). :func:`compare` runs several variants and cuts them all at the same warm-up, so
their differences are paired; :func:`simulate` is the comparison of one variant.
"""

from __future__ import annotations

import math
import numbers
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np
import pandas as pd
from scipy import stats

from twin.kpi.definitions import PLANT_KPIS, STATION_KPIS, KpiInfo
from twin.kpi.iso22400 import window_kpis
from twin.kpi.stats import Estimate, crossing_of_the_mean, estimate, mser, paired_difference, trend
from twin.run.executors import Executor, PoolExecutor, Replications, SerialExecutor
from twin.sim.calendar import WEEK
from twin.sim.engine import PLANT_FIELDS, Simulation
from twin.spec.factory import MAX_DAYS, MAX_REPLICATIONS, Factory

N_CHECKPOINTS = 200
MIN_WINDOW_MIN = 60.0
"""Shortest window after warm-up: below an hour a KPI is one machine state, not a rate."""
MIN_REPS = 3
WIP_GROWS = "WIP grows through the window"
"""Start of the warning a run gets when its plant does not reach a steady state (demand above capacity)."""
ORDERS_PILE_UP = "orders pile up before release"
"""Start of the warning a run gets when its release policy lets through less than is ordered: the floor may
look steady while the pool of held orders grows (a workload norm that throttles the plant)."""
TREND_BATCHES = 10
TREND_P = 0.001
TREND_GROWTH = 0.25
"""WIP is taken to grow when its slope over the window's batch means is significant at TREND_P and
the fitted rise over the window exceeds TREND_GROWTH of the mean WIP."""
WITH_EFFECTIVENESS = {"effectiveness", "oee", "oee_loaded", "nee", "teep", "bottleneck_oee"}
"""Ratios that are multiples of effectiveness, which exceeds 1 when a machine beats its planned time."""

Progress = Callable[[float], None]
Warmup = Literal["auto"] | float


class OptionError(ValueError):
    """A run option that does not fit the model (e.g. a warm-up beyond the horizon).

    ``option`` names the argument of ``simulate`` it is about (``days``, ``reps``, ``warmup``, ``jobs``)
    so a front end can name its own flag or the model's ``run:`` field.
    """

    def __init__(self, message: str, option: str | None = None):
        super().__init__(message)
        self.option = option


def _shown(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else repr(value)


def _whole(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _real(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _check_options(days: float, reps: int, warmup: Warmup, jobs: int) -> None:
    """Refuse options no run can honour, before any replication starts."""
    if not _real(days) or not 0 < days <= MAX_DAYS:
        raise OptionError(f"found {_shown(days)}; expected days above 0 and up to {MAX_DAYS}", "days")
    if not _whole(reps) or not 1 <= reps <= MAX_REPLICATIONS:
        raise OptionError(
            f"found {_shown(reps)}; expected a whole number of replications from 1 to {MAX_REPLICATIONS:,}", "reps"
        )
    if not _whole(jobs) or jobs < 1:
        raise OptionError(f"found {_shown(jobs)}; expected a whole number of worker processes >= 1", "jobs")
    if warmup != "auto" and (not _real(warmup) or not 0 <= warmup < days * 1440):
        raise OptionError(
            f"found {_shown(warmup)}; expected 'auto' or minutes from 0 to below the horizon of {days * 1440:g} min",
            "warmup",
        )


class Variants(Protocol):
    """A model whose replications may differ (e.g. uncertain investment effects drawn per replication)."""

    base: Factory

    def for_replication(self, seed: int, replication: int) -> Factory: ...


Model = Factory | Variants


def feasible_range(name: str, info: KpiInfo, effectiveness: float = 1.0) -> tuple[float, float]:
    """Values a KPI can take: shares in [0, 1], amounts ≥ 0, and OEE-like ratios at most the
    effectiveness they are a multiple of (``effectiveness``: the largest seen, 1 if below)."""
    if name == "effectiveness" or info.unit != "ratio":
        return 0.0, math.inf
    return 0.0, max(1.0, effectiveness) if name in WITH_EFFECTIVENESS else 1.0


def calendar_period(factory: Factory) -> float | None:
    """Length of the calendars' cycle (the plant's and the stations' own): a day when all seven days
    of each are alike, else a week."""
    cals = [c for c in (factory.calendar, *(s.calendar for s in factory.stations)) if c is not None]
    if not cals:
        return None
    return 1440.0 if all(c.days_per_week == 7 and not c.planned_downtime for c in cals) else WEEK


def _period_name(period: float) -> str:
    return "day" if period == 1440.0 else "week"


def checkpoint_times(horizon: float, warmup: Warmup, periods: Sequence[float] = ()) -> list[float]:
    """Evenly spaced snapshot times from 0 to the horizon, every calendar-period boundary, and a
    fixed warm-up end if given."""
    times = {horizon * i / N_CHECKPOINTS for i in range(N_CHECKPOINTS + 1)}
    for p in periods:
        times.update(k * p for k in range(1, int(horizon // p) + 1))
    if warmup != "auto":
        times.add(float(warmup))
    return sorted(times)


def run_replication(
    factory: Factory, seed: int, replication: int, checkpoints: list[float], progress: Progress | None = None
) -> np.ndarray:
    """Snapshot matrix of one replication (rows: checkpoints)."""
    return Simulation(factory, seed, replication).run(checkpoints, progress)


def replication_models(model: Model, seed: int, reps: int, first_rep: int = 0) -> list[Factory]:
    """The plant each replication simulates; all must share one structure (stations, calendar)."""
    if isinstance(model, Factory):
        return [model] * reps
    models = [model.for_replication(seed, r) for r in range(first_rep, first_rep + reps)]
    shape = _structure(models[0])
    for r, f in enumerate(models[1:], start=1):
        if _structure(f) != shape:
            raise ValueError(
                f"replication {r} of {models[0].name} has other stations or another calendar than replication 0: "
                "an uncertain effect may change numbers, not the plant's structure"
            )
    return models


def _structure(f: Factory) -> tuple:
    return tuple(s.name for s in f.stations), f.calendar


def _mean_wip_area(snapshots: list[np.ndarray], field: str = "wip_area") -> np.ndarray:
    column = PLANT_FIELDS.index(field)
    return np.mean([s[:, column] for s in snapshots], axis=0)


def choose_warmup(
    snapshots: list[np.ndarray], checkpoints: list[float], period: float | None = None
) -> tuple[float, list[str]]:
    """Warm-up end (minutes) from the replications' mean WIP, and warnings about the choice.

    With a calendar the output is periodic, which blinds any rule that reads the raw series (a
    Sunday dip looks like the end of the start-up). So the series is batched into whole calendar
    periods and MSER picks a whole number of them, at least one: the plant starts empty, and the
    first period holds the fill (batch means over the cycle, as Law & Kelton advise for periodic
    output). Without a calendar the crossing-of-the-mean rule reads the fine series.
    """
    t = np.asarray(checkpoints)
    area = _mean_wip_area(snapshots)
    horizon = float(t[-1])
    if period is not None and horizon >= 2 * period:
        edges = np.arange(int(horizon // period) + 1) * period
        index = np.searchsorted(t, edges)
        batch_means = np.diff(area[index]) / period
        return float(edges[mser(batch_means, 0.5, first=1)]), []
    warnings = []
    if period is not None:
        name = _period_name(period)
        warnings.append(
            f"the run is shorter than two calendar {name}s, so the warm-up cannot be a whole {name}: "
            f"KPIs depend on the days the window covers; run --days {2 * period / 1440:g} or more"
        )
    rates = np.diff(area) / np.maximum(np.diff(t), 1e-12)
    return float(t[crossing_of_the_mean(rates)]), warnings


def wip_grows(
    snapshots: list[np.ndarray], checkpoints: list[float], t0: float, period: float | None, field: str = "wip_area"
) -> bool:
    """Whether mean WIP rises through ``[t0, end]`` (an overloaded plant never reaches steady state); with
    ``field="held_area"``, whether the orders held before release pile up.

    Batch means are over whole calendar periods when the window holds enough of them, so the
    weekly rhythm does not read as a trend.
    """
    t = np.asarray(checkpoints)
    window = float(t[-1]) - t0
    n_periods = int(window // period) if period else 0
    batches = n_periods if n_periods >= TREND_BATCHES // 2 else TREND_BATCHES
    step = period if n_periods >= TREND_BATCHES // 2 else window / batches
    index = np.unique(np.clip(np.searchsorted(t, t0 + np.arange(batches + 1) * step - 1e-9), 0, len(t) - 1))
    if len(index) < 5:
        return False
    area = _mean_wip_area(snapshots, field)
    batch_means = np.diff(area[index]) / np.diff(t[index])
    if not np.any(batch_means > 0):
        return False
    found = trend(batch_means)
    critical = float(stats.t.ppf(1 - TREND_P, len(batch_means) - 2))
    return found.t_stat > critical and found.relative_growth > TREND_GROWTH


@dataclass
class ReplicationKpis:
    plant: dict[str, float]
    stations: dict[str, dict[str, float]]
    bottleneck: str


@dataclass
class SimulationResult:
    """KPIs of a model over replications, with their per-replication values kept for comparisons.

    ``warnings`` are one-line notes a reader must see next to the numbers (too few replications,
    output that is not steady, intervals cut to the feasible range, replications left out).
    """

    model: str
    seed: int
    horizon_min: float
    warmup_min: float
    replications: list[ReplicationKpis]
    warnings: list[str] = field(default_factory=list)
    kpis: dict[str, Estimate] = field(init=False)
    stations: dict[str, dict[str, Estimate]] = field(init=False)
    bottleneck: str = field(init=False)

    def __post_init__(self) -> None:
        reps = self.replications
        self.bottleneck = Counter(r.bottleneck for r in reps).most_common(1)[0][0]
        for r in reps:  # one bottleneck for all replications, so its OEE is comparable across them
            r.plant["bottleneck_oee"] = r.stations[self.bottleneck]["oee"]
        self.kpis = plant_estimates({name: [r.plant[name] for r in reps] for name in PLANT_KPIS})
        self.stations = {}
        for st in reps[0].stations:
            fastest = _largest([r.stations[st]["effectiveness"] for r in reps])
            self.stations[st] = {
                name: estimate([r.stations[st][name] for r in reps], bounds=feasible_range(name, info, fastest))
                for name, info in STATION_KPIS.items()
            }
        self.warnings = [*self.warnings, *self._estimate_warnings()]

    def _estimate_warnings(self) -> list[str]:
        out = []
        n = len(self.replications)
        missing = [f"{k} ({e.n_missing} of {n})" for k, e in self.kpis.items() if e.n_missing and e.n]
        missing += [
            f"{st}.{k} ({e.n_missing} of {n})"
            for st, kp in self.stations.items()
            for k, e in kp.items()
            if e.n_missing and e.n
        ]
        if missing:
            out.append(
                "means leave out replications where the KPI is undefined (nothing to divide by): " + ", ".join(missing)
            )
        clipped = [k for k, e in self.kpis.items() if e.clipped]
        if clipped:
            out.append(
                "the t-interval ran past the possible values and was cut to them for: "
                + ", ".join(clipped)
                + "; the interval is not reliable, run more replications or longer"
            )
        return out

    def table(self) -> pd.DataFrame:
        """Plant KPIs per replication (rows) — the raw material for paired comparisons."""
        return pd.DataFrame([r.plant for r in self.replications])

    def values(self, kpi: str) -> list[float]:
        """Per-replication values of a plant KPI, or of a station KPI written ``station.kpi``."""
        if "." in kpi:
            station, name = kpi.split(".", 1)
            return [r.stations[station][name] for r in self.replications]
        return [r.plant[kpi] for r in self.replications]

    def to_dict(self) -> dict:
        """The JSON document of ``twin simulate --json``."""

        def enc(e: Estimate, unit: str) -> dict:
            return {"mean": _num(e.mean), "ci95": [_num(e.lo), _num(e.hi)], "unit": unit}

        return {
            "model": self.model,
            "seed": self.seed,
            "replications": len(self.replications),
            "horizon_min": self.horizon_min,
            "warmup_min": self.warmup_min,
            "bottleneck": self.bottleneck,
            "warnings": list(self.warnings),
            "kpis": {k: enc(e, PLANT_KPIS[k].unit) for k, e in self.kpis.items()},
            "stations": {
                st: {k: enc(e, STATION_KPIS[k].unit) for k, e in kp.items()} for st, kp in self.stations.items()
            },
        }


def plant_estimates(values: dict[str, list[float]]) -> dict[str, Estimate]:
    """Each plant KPI's mean and 95% interval over replications, the interval cut to what the KPI can take
    (OEE-like ratios up to the largest effectiveness seen)."""
    fastest = _largest(values.get("effectiveness", []))
    return {name: estimate(v, bounds=feasible_range(name, PLANT_KPIS[name], fastest)) for name, v in values.items()}


def _largest(values: list[float | None]) -> float:
    defined = [v for v in values if v is not None and not math.isnan(v)]
    return max(defined, default=1.0)


def _num(x: float | None) -> float | None:
    return None if x is None or math.isnan(x) else round(float(x), 10)


@dataclass
class Comparison:
    """Variants run with common random numbers and cut at one warm-up: ``results[i]`` is variant i."""

    results: list[SimulationResult]

    @property
    def warmup_min(self) -> float:
        return self.results[0].warmup_min

    def delta(self, kpi: str, variant: int, base: int = 0) -> Estimate:
        """Paired-t interval of variant − base for a plant KPI (or ``station.kpi``), replication by replication."""
        return paired_difference(self.results[variant].values(kpi), self.results[base].values(kpi))

    def deltas(self, variant: int, base: int = 0) -> dict[str, Estimate]:
        """Paired differences variant − base of every plant KPI."""
        return {k: self.delta(k, variant, base) for k in PLANT_KPIS}

    def to_dict(self) -> dict:
        """JSON of a comparison: each variant's result, and each later variant's paired difference from the first."""
        return {
            "warmup_min": self.warmup_min,
            "variants": [r.to_dict() for r in self.results],
            "deltas": [
                {k: {"mean": _num(e.mean), "ci95": [_num(e.lo), _num(e.hi)]} for k, e in self.deltas(i).items()}
                for i in range(1, len(self.results))
            ],
        }

    def table(self) -> pd.DataFrame:
        """Plant KPIs per variant and replication (long format: columns ``variant``, ``replication``, KPIs)."""
        frames = [
            r.table().assign(variant=i, replication=range(len(r.replications))) for i, r in enumerate(self.results)
        ]
        return pd.concat(frames, ignore_index=True)


def compare(
    variants: Sequence[Model],
    *,
    days: float | None = None,
    reps: int | None = None,
    warmup: Warmup | None = None,
    seed: int = 1,
    jobs: int = 1,
    progress: Progress | None = None,
    first_rep: int = 0,
    executor: Executor | None = None,
) -> Comparison:
    """Run every variant with the same seed and cut all of them at one warm-up.

    Unset options come from the first variant's ``run:``. With ``warmup='auto'`` each variant's
    rule is applied to its own output and the latest end is taken for all, so each variant is past
    its start-up and every difference compares the same window. ``first_rep`` runs replications
    ``first_rep .. first_rep + reps - 1``: with a fixed warm-up, more replications can be added later
    (ranking and selection) and are the ones a single longer run would have made.
    """
    if not variants:
        raise ValueError("compare needs at least one variant")
    first = base_factory(variants[0])
    days = first.run.days if days is None else days
    reps = first.run.replications if reps is None else reps
    warmup = first.run.warmup if warmup is None else warmup
    _check_options(days, reps, warmup, jobs)
    horizon = days * 1440.0
    _check_window(horizon, warmup)
    per_variant = [replication_models(v, seed, reps, first_rep) for v in variants]
    periods = [calendar_period(models[0]) for models in per_variant]
    checkpoints = checkpoint_times(horizon, warmup, sorted({p for p in periods if p}))
    if executor is None:
        executor = PoolExecutor(jobs) if jobs > 1 else SerialExecutor()
    batches = [Replications(v, seed, first_rep, reps) for v in variants]
    snapshots = executor.run(batches, checkpoints, progress)

    notes: list[list[str]] = [[] for _ in variants]
    if warmup == "auto":
        choices = [choose_warmup(s, checkpoints, p) for s, p in zip(snapshots, periods, strict=True)]
        t0 = max(c[0] for c in choices)
        notes = [c[1] for c in choices]
    else:
        t0 = float(warmup)
    start = checkpoints.index(t0)
    results = []
    for models, snaps, period, note in zip(per_variant, snapshots, periods, notes, strict=True):
        warnings = [*note, *_run_warnings(snaps, checkpoints, t0, period, reps, note)]
        warnings += _overtime_warnings(models[0], snaps, start, t0, horizon)
        kpis = [
            ReplicationKpis(*window_kpis(f, s[start], s[-1], t0, horizon)) for f, s in zip(models, snaps, strict=True)
        ]
        results.append(SimulationResult(models[0].name, seed, horizon, t0, kpis, warnings))
    return Comparison(results)


def base_factory(model: Model) -> Factory:
    """The plant a model is built on (a Factory is its own base)."""
    return model if isinstance(model, Factory) else model.base


def _check_window(horizon: float, warmup: Warmup) -> None:
    """A window after warm-up long enough for a KPI to be a rate, not one machine state."""
    if warmup == "auto":
        if horizon < 2 * MIN_WINDOW_MIN:
            raise OptionError(
                f"found {horizon / 1440:g} days; expected at least {2 * MIN_WINDOW_MIN / 1440:.3f} days to choose "
                f"a warm-up and keep a window of {MIN_WINDOW_MIN:g} min",
                "days",
            )
        return
    if horizon - float(warmup) < MIN_WINDOW_MIN:
        raise OptionError(
            f"found {_shown(warmup)}, leaving a window of {horizon - float(warmup):g} min; expected a warm-up "
            f"that leaves at least {MIN_WINDOW_MIN:g} min of the {horizon:g}-min horizon",
            "warmup",
        )


OVERTIME_CAP_H_PER_MONTH = 36.0
"""Extended working hours a month the PRC Labour Law (1994, art. 41) allows at most (plant-data A5 [S33])."""


def _overtime_warnings(
    factory: Factory, snapshots: list[np.ndarray], start: int, t0: float, horizon: float
) -> list[str]:
    """Overtime beyond the legal monthly cap: every head of the extended shift works each slot called."""
    ot = factory.policies.overtime
    if ot is None:
        return []
    at = PLANT_FIELDS.index("overtime_min")
    minutes = float(np.mean([s[-1][at] - s[start][at] for s in snapshots]))
    per_month = minutes / 60 / ((horizon - t0) / (1440 * 365.25 / 12))
    if per_month <= OVERTIME_CAP_H_PER_MONTH:
        return []
    return [
        f"overtime: the {ot.shift} shift stays {per_month:.0f} h a month longer, above the "
        f"{OVERTIME_CAP_H_PER_MONTH:g} h the law allows (PRC Labour Law art. 41): the plant is short of capacity "
        "at regular hours for these orders"
    ]


def _run_warnings(
    snapshots: list[np.ndarray],
    checkpoints: list[float],
    t0: float,
    period: float | None,
    reps: int,
    note: list[str],
) -> list[str]:
    """Warnings about the run itself; ``note`` holds the warm-up rule's own, which a window warning would repeat."""
    out = []
    if reps < MIN_REPS:
        out.append(
            f"only {reps} replication{'s' if reps > 1 else ''}: confidence intervals need at least "
            f"{MIN_REPS} (5 or more for a usable width)"
        )
    window = checkpoints[-1] - t0
    if period is not None and not note:
        name, whole = _period_name(period), window / period
        if whole < 1:
            out.append(
                f"the window after warm-up is shorter than the calendar's {name}: KPIs depend on the days it covers"
            )
        elif abs(whole - round(whole)) > 1e-6:
            out.append(
                f"the window after warm-up ({window / 1440:g} days) is not whole {name}s: KPIs lean towards the days "
                f"of the part {name}; give --days so that days minus warm-up is a multiple of {period / 1440:g}"
            )
    if wip_grows(snapshots, checkpoints, t0, period):
        out.append(
            f"{WIP_GROWS}: the plant does not reach a steady state (demand above capacity?), "
            "so the KPIs depend on the run length and are not steady-state values"
        )
    if wip_grows(snapshots, checkpoints, t0, period, "held_area"):
        out.append(
            f"{ORDERS_PILE_UP}: the release policy lets through less than is ordered (a workload norm or WIP cap "
            "too tight for this demand?), so the plant makes less than it is asked and the KPIs depend on the run "
            "length"
        )
    return out


def simulate(
    model: Model,
    *,
    days: float | None = None,
    reps: int | None = None,
    warmup: Warmup | None = None,
    seed: int = 1,
    jobs: int = 1,
    progress: Progress | None = None,
    executor: Executor | None = None,
) -> SimulationResult:
    """Simulate a model and summarise its KPIs; unset options come from the model's ``run:``."""
    return compare(
        [model], days=days, reps=reps, warmup=warmup, seed=seed, jobs=jobs, progress=progress, executor=executor
    ).results[0]
