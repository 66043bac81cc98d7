"""Replications of one factory model: run, pick the warm-up, compute KPIs with confidence intervals.

Each replication is a pure function of (model, seed, replication index), so results are identical
whatever executor runs them, and replication r of two scenarios shares its random numbers
(common random numbers).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Literal, Protocol

import numpy as np
import pandas as pd

from twin.kpi.definitions import PLANT_KPIS, STATION_KPIS
from twin.kpi.iso22400 import window_kpis
from twin.kpi.stats import Estimate, estimate, mser5
from twin.sim.calendar import WorkCalendar
from twin.sim.engine import PLANT_FIELDS, Layout, Simulation
from twin.spec.factory import Factory

N_CHECKPOINTS = 200
Progress = Callable[[float], None]
Warmup = Literal["auto"] | float


class OptionError(ValueError):
    """A run option that does not fit the model (e.g. a warm-up beyond the horizon)."""


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


def _run_args(args: tuple[Factory, int, int, list[float]]) -> np.ndarray:
    return run_replication(*args)


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
    with ProcessPoolExecutor(max_workers=min(jobs, reps)) as pool:
        futures = [pool.submit(_run_args, (f, seed, r, checkpoints)) for r, f in enumerate(models)]
        out = []
        for i, fut in enumerate(futures):
            out.append(fut.result())
            if progress:
                progress((i + 1) / reps)
        return out


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
    horizon = days * 1440.0
    if warmup != "auto" and not 0 <= float(warmup) < horizon:
        raise OptionError(f"warm-up {warmup} min must lie within the horizon of {horizon:g} min")
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
