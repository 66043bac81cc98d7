"""Build a SimPy model of a factory and run one replication into cumulative snapshots.

A snapshot is one flat vector of every running sum (state times, quantities, lead times, WIP
area...). Snapshots are taken at a fixed number of checkpoints, so memory does not grow with the
horizon, and any window between two checkpoints (e.g. after warm-up) is a difference of two
snapshots: warm-up is a query parameter, not a preprocessing phase.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import simpy

from twin.sim.buffer import Buffer
from twin.sim.calendar import WorkCalendar
from twin.sim.machine import CALENDAR, NO_FAILURES, OPERATING, Machine, Plant
from twin.sim.operators import OperatorPool
from twin.sim.parts import Route, RouteStep
from twin.sim.release import ReleaseControl, saturated_source
from twin.sim.rng import Streams
from twin.spec.distributions import Sampler
from twin.spec.factory import Factory, Station

PLANT_FIELDS = (
    "released",
    "finished",
    "scrapped",
    "on_time",
    "first_pass",
    "wip_area",
    "lead_sum",
    "flow_sum",
    "material",
    "wip",
)
STATION_FIELDS = (
    "producing",
    "setup",
    "down",
    "blocked",
    "starved",
    "waiting_operator",
    "planned_down",
    "off_shift",
    "produced",
    "good",
    "scrapped",
    "reworked",
    "planned_min",
    "failures",
    "active_time",
    "active_periods",
    "queue_area",
    "queue_wait_sum",
    "queue_taken",
)


@dataclass(frozen=True)
class Layout:
    """Where each counter sits in a snapshot vector."""

    n_stations: int
    n_bins: int = Plant.N_BINS

    @property
    def size(self) -> int:
        return len(PLANT_FIELDS) + self.n_bins + self.n_stations * len(STATION_FIELDS)

    def plant(self, vec: np.ndarray, name: str) -> float:
        return float(vec[PLANT_FIELDS.index(name)])

    def hist(self, vec: np.ndarray) -> np.ndarray:
        return vec[len(PLANT_FIELDS) : len(PLANT_FIELDS) + self.n_bins]

    def stations(self, vec: np.ndarray) -> np.ndarray:
        """(n_stations, len(STATION_FIELDS)) view."""
        return vec[len(PLANT_FIELDS) + self.n_bins :].reshape(self.n_stations, len(STATION_FIELDS))


def _setup_lookup(
    station: Station, streams: Streams, routes: dict[str, Route]
) -> Callable[[Route, Route], Sampler | None]:
    default = station.setup_min.sampler(streams(f"setup/{station.name}")) if station.setup_min else None
    matrix = {
        (routes[a].index, routes[b].index): dist.sampler(streams(f"setup/{station.name}/{a}/{b}"))
        for a, row in station.setup_matrix.items()
        for b, dist in row.items()
    }
    if not matrix:
        return lambda last, new: default
    return lambda last, new: matrix.get((last.index, new.index), default)


class Simulation:
    """One replication of a factory: the SimPy environment and every process in it."""

    def __init__(self, factory: Factory, seed: int, replication: int = 0):
        self.factory = factory
        self.env = env = simpy.Environment()
        streams = Streams(seed, replication)
        self.calendar = WorkCalendar(factory.calendar) if factory.calendar else None
        self.layout = Layout(len(factory.stations))
        self.plant = Plant(env)
        index = {s.name: k for k, s in enumerate(factory.stations)}
        rule = factory.policies.dispatch
        self.buffers = [Buffer(env, s.buffer, s.dispatch or rule) for s in factory.stations]

        self.routes: dict[str, Route] = {}
        for p_idx, p in enumerate(factory.products):
            steps = []
            for j, step in enumerate(p.routing):
                k = index[step.station]
                st = factory.stations[k]
                per_unit = (step.planned_min or step.time_min.mean) / (st.batch.size if st.batch else 1)
                sampler = step.time_min.sampler(streams(f"process/{st.name}/{p.name}/{j}"))
                steps.append(RouteStep(k, self.buffers[k], sampler, per_unit))
            self.routes[p.name] = Route(p_idx, p.name, steps, p.due_allowance_min, p.material_cost_cny)

        self.pools: dict[str, OperatorPool] = {}
        crew_of: dict[str, OperatorPool] = {}
        for pool in factory.operators:
            first = pool.count if pool.count is not None else pool.count_per_shift[0]
            op = OperatorPool(env, first)
            self.pools[pool.name] = op
            crew_of.update(dict.fromkeys(pool.stations, op))
            if pool.count_per_shift is not None and self.calendar is not None:
                env.process(self._follow_shifts(op, pool.count_per_shift))

        self.machines: list[list[Machine]] = []
        for k, st in enumerate(factory.stations):
            setup = _setup_lookup(st, streams, self.routes)
            has_quality = st.quality.scrap > 0 or st.quality.rework > 0
            quality_draw = _uniforms(streams(f"quality/{st.name}")) if has_quality else None
            group = []
            for m in range(st.machines):
                f = st.failures
                mode = NO_FAILURES if f is None else OPERATING if f.basis == "operating" else CALENDAR
                group.append(
                    Machine(
                        env,
                        k,
                        self.buffers[k],
                        self.calendar,
                        self.plant,
                        setup=setup,
                        fail_mode=mode,
                        ttf=f.ttf_min.sampler(streams(f"failure/{st.name}/{m}")) if f else None,
                        ttr=f.ttr_min.sampler(streams(f"repair/{st.name}/{m}")) if f else None,
                        quality_draw=quality_draw,
                        scrap=st.quality.scrap,
                        rework=st.quality.rework,
                        crew=crew_of.get(st.name) if st.operators else None,
                        crew_size=st.operators,
                        batch_size=st.batch.size if st.batch else 1,
                        batch_wait=st.batch.wait_min if st.batch else 0.0,
                    )
                )
            self.machines.append(group)

        release = factory.policies.release
        if release.policy == "saturated":
            firsts: dict[int, list[str]] = {}
            for p in factory.products:
                firsts.setdefault(index[p.routing[0].station], []).append(p.name)
            for k, names in firsts.items():
                weights = [next(p.mix for p in factory.products if p.name == n) for n in names]
                self.buffers[k].source = saturated_source(
                    self.plant, [self.routes[n] for n in names], weights, streams(f"mix/{factory.stations[k].name}")
                )
        else:
            self.release = ReleaseControl(env, self.plant, release.policy, release.cap)
            for p in factory.products:
                if p.demand is not None:
                    ia = p.demand.interarrival_min
                    sampler = ia.sampler(streams(f"arrivals/{p.name}")) if ia else None
                    self.release.orders(self.routes[p.name], p.demand, sampler)

    def _follow_shifts(self, pool: OperatorPool, counts: list[int]):
        for t, shift in self.calendar.shift_changes():
            if t > self.env.now:
                yield self.env.timeout(t - self.env.now)
            if shift >= 0:
                pool.set_capacity(counts[shift])

    def snapshot(self) -> np.ndarray:
        """Every running sum up to now, as one flat vector (see :class:`Layout`)."""
        plant = self.plant
        plant.flush()
        vec = np.zeros(self.layout.size)
        vec[: len(PLANT_FIELDS)] = [getattr(plant, name) for name in PLANT_FIELDS]
        self.layout.hist(vec)[:] = plant.lead_hist
        table = self.layout.stations(vec)
        for k, group in enumerate(self.machines):
            buf = self.buffers[k]
            buf.flush()
            row = table[k]
            for m in group:
                m.flush()
                row[:8] += m.times
                row[8:16] += (
                    m.produced,
                    m.good,
                    m.scrapped,
                    m.reworked,
                    m.planned_min,
                    m.failures,
                    m.active_time,
                    m.active_periods,
                )
            row[16:] = (buf.area, buf.wait_sum, buf.taken)
        return vec

    def run(self, checkpoints: list[float], progress: Callable[[float], None] | None = None) -> np.ndarray:
        """Run to each checkpoint in turn; return the (len(checkpoints), size) snapshot matrix."""
        out = np.empty((len(checkpoints), self.layout.size))
        end = checkpoints[-1]
        for i, t in enumerate(checkpoints):
            if t > self.env.now:
                self.env.run(until=t)
            out[i] = self.snapshot()
            if progress is not None:
                progress(t / end if end else 1.0)
        return out


def _uniforms(rng: np.random.Generator) -> Sampler:
    def blocks():
        while True:
            yield from rng.random(256).tolist()

    return blocks().__next__
