"""Replications of one factory model: run, pick the warm-up, compute KPIs with confidence intervals.

Each replication is a pure function of (model, seed, replication index), so results are identical
whatever executor runs them, and replication r of two scenarios shares its random numbers
(common random numbers).
"""

from __future__ import annotations

import math
import numbers
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np
import pandas as pd

from twin.kpi.definitions import PLANT_KPIS, STATION_KPIS
from twin.kpi.iso22400 import window_kpis
from twin.kpi.stats import Estimate, estimate, mser5
from twin.run.pool import map_with_progress
from twin.sim.calendar import WorkCalendar
from twin.sim.engine import PLANT_FIELDS, Layout, Simulation
from twin.spec.factory import Factory

N_CHECKPOINTS = 200
MAX_DAYS = 3650
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
    if not _whole(reps) or reps < 1:
        raise OptionError(f"found {_shown(reps)}; expected a whole number of replications >= 1", "reps")
    if not _whole(jobs) or jobs < 1:
        raise OptionError(f"found {_shown(jobs)}; expected a whole number of worker processes >= 1", "jobs")
    if warmup != "auto" and (not _real(warmup) or not 0 <= warmup < days * 1440):
        raise OptionError(
            f"found {_shown(warmup)}; expected 'auto' or minutes from 0 to below the horizon of {days * 1440:g} min",
            "warmup",
        )


def checkpoint_times(horizon: float, warmup: Warmup) -> list[float]:
    """Evenly spaced snapshot times from 0 to the horizon, plus a fixed warm-up end if given."""
    times = {horizon * i / N_CHECKPOINTS for i in range(N_CHECKPOINTS + 1)}
    if warmup != "auto":
        times.add(float(warmup))
    return sorted(times)


def run_replication(
    factory: Factory, seed: int, replication: int, checkpoints: list[float], progress: Progress | None = None
) -> np.ndarray:
    """Snapshot matrix of one replication (rows: checkpoints)."""
    return Simulation(factory, seed, replication).run(checkpoints, progress)


class Variants(Protocol):
    """A model whose replications may differ (e.g. uncertain investment effects drawn per replication)."""

    base: Factory

    def for_replication(self, seed: int, replication: int) -> Factory: ...


def replication_models(model: Factory | Variants, seed: int, reps: int) -> list[Factory]:
    if isinstance(model, Factory):
        return [model] * reps
    return [model.for_replication(seed, r) for r in range(reps)]


@dataclass
class ReplicationKpis:
    plant: dict[str, float]
    stations: dict[str, dict[str, float]]
    bottleneck: str


@dataclass
class SimulationResult:
    """KPIs of a model over replications, with their per-replication values kept for comparisons."""

    model: str
    seed: int
    horizon_min: float
    warmup_min: float
    replications: list[ReplicationKpis]
    kpis: dict[str, Estimate] = field(init=False)
    stations: dict[str, dict[str, Estimate]] = field(init=False)
    bottleneck: str = field(init=False)

    def __post_init__(self) -> None:
        reps = self.replications
        self.bottleneck = Counter(r.bottleneck for r in reps).most_common(1)[0][0]
        for r in reps:  # one bottleneck for all replications, so its OEE is comparable across them
            r.plant["bottleneck_oee"] = r.stations[self.bottleneck]["oee"]
        self.kpis = {name: estimate([r.plant[name] for r in reps]) for name in PLANT_KPIS}
        self.stations = {
            st: {name: estimate([r.stations[st][name] for r in reps]) for name in STATION_KPIS}
            for st in reps[0].stations
        }

    def table(self) -> pd.DataFrame:
        """Plant KPIs per replication (rows) — the raw material for paired comparisons."""
        return pd.DataFrame([r.plant for r in self.replications])

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
            "kpis": {k: enc(e, PLANT_KPIS[k].unit) for k, e in self.kpis.items()},
            "stations": {
                st: {k: enc(e, STATION_KPIS[k].unit) for k, e in kp.items()} for st, kp in self.stations.items()
            },
        }


def _num(x: float | None) -> float | None:
    return None if x is None or math.isnan(x) else round(float(x), 10)


def run_snapshots(
    models: list[Factory],
    *,
    checkpoints: list[float],
    seed: int,
    jobs: int = 1,
    progress: Progress | None = None,
) -> list[np.ndarray]:
    """Snapshot matrices of replication r of ``models[r]``, serially or in a process pool."""
    reps = len(models)
    if jobs <= 1 or reps == 1:
        out = []
        for r, factory in enumerate(models):
            inner = (lambda f, r=r: progress((r + f) / reps)) if progress else None
            out.append(run_replication(factory, seed, r, checkpoints, inner))
        return out
    return map_with_progress(run_replication, [(f, seed, r, checkpoints) for r, f in enumerate(models)], jobs, progress)


def choose_warmup(snapshots: list[np.ndarray], checkpoints: list[float]) -> int:
    """Checkpoint index where steady state begins: MSER-5 on the replications' mean WIP series."""
    t = np.asarray(checkpoints)
    column = PLANT_FIELDS.index("wip_area")
    area = np.mean([s[:, column] for s in snapshots], axis=0)
    series = np.diff(area) / np.maximum(np.diff(t), 1e-12)
    return mser5(series)


def simulate(
    model: Factory | Variants,
    *,
    days: float | None = None,
    reps: int | None = None,
    warmup: Warmup | None = None,
    seed: int = 1,
    jobs: int = 1,
    progress: Progress | None = None,
) -> SimulationResult:
    """Simulate a model and summarise its KPIs; unset options come from the model's ``run:``."""
    factory = model if isinstance(model, Factory) else model.base
    days = factory.run.days if days is None else days
    reps = factory.run.replications if reps is None else reps
    warmup = factory.run.warmup if warmup is None else warmup
    _check_options(days, reps, warmup, jobs)
    horizon = days * 1440.0
    checkpoints = checkpoint_times(horizon, warmup)
    models = replication_models(model, seed, reps)
    snapshots = run_snapshots(models, checkpoints=checkpoints, seed=seed, jobs=jobs, progress=progress)
    layout = Layout(len(factory.stations))
    start = choose_warmup(snapshots, checkpoints) if warmup == "auto" else checkpoints.index(float(warmup))
    calendar = WorkCalendar(factory.calendar) if factory.calendar else None
    t0 = checkpoints[start]
    results = [
        ReplicationKpis(*window_kpis(f, layout, s[start], s[-1], t0, horizon, calendar))
        for f, s in zip(models, snapshots, strict=True)
    ]
    return SimulationResult(models[0].name, seed, horizon, t0, results)
