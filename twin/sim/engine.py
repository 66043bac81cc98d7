"""Build a SimPy model of a factory and run one replication into cumulative snapshots.

A snapshot is one flat vector of every running sum (state times, quantities, lead times, WIP
area...). Snapshots are taken at a fixed number of checkpoints, so memory does not grow with the
horizon, and any window between two checkpoints (e.g. after warm-up) is a difference of two
snapshots: warm-up is a query parameter, not a preprocessing phase.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import simpy

from twin.sim.buffer import Buffer
from twin.sim.calendar import OvertimeCalendar, WorkCalendar
from twin.sim.guard import RunGuard
from twin.sim.information import InfoNetwork
from twin.sim.machine import N_STATES, STATE_NAMES, Machine, Mode
from twin.sim.operators import OperatorPool
from twin.sim.overtime import LateOrders, overtime_planner
from twin.sim.parts import Route, RouteStep
from twin.sim.plant import BaseLoadMeter, Plant
from twin.sim.quality import Containment, DefectSource, Inspector
from twin.sim.queues import AtcsParams
from twin.sim.release import ReleaseControl, load_weights, saturated_source
from twin.sim.rng import Streams, uniform_sampler
from twin.sim.station import Arrival, LineStock, Maintenance, PriceCurve, StationRuntime, price_curve
from twin.sim.stationary import stationary_start
from twin.sim.tariff import CycleTariff
from twin.spec.distributions import Sampler
from twin.spec.factory import Calendar, Factory, Station

PLANT_FIELDS = (
    "released",
    "finished",
    "scrapped",
    "on_time",
    "tardy_min",
    "first_pass",
    "wip_area",
    "lead_sum",
    "flow_sum",
    "material",
    "wip",
    "wip_material_area",
    "wip_value_min_area",
    "scrap_material",
    "scrap_value_min",
    "rework_min",
    "base_kwh",
    "base_cny",
    "escaped",
    "suspect_units",
    "held_area",
    "overtime_min",
)
"""Plant-wide running sums (see :class:`~twin.sim.plant.Plant`); ``base_kwh`` and ``base_cny`` are the
base load's energy and its cost, ``escaped`` the units shipped with a latent defect and
``suspect_units`` the units their claims put under suspicion, ``held_area`` the time integral of the units
of arrived orders a release policy holds back, ``overtime_min`` the paid minutes of overtime shifts worked,
``tardy_min`` the minutes past their due dates of the units shipped late."""
STATION_FIELDS = (
    *STATE_NAMES,  # the machine states first, in the order Machine.times keeps them
    "produced",
    "good",
    "scrapped",
    "reworked",
    "planned_min",
    "failures",
    "active_time",
    "active_periods",
    "active_periods_begun",
    "energy_kwh",
    "energy_cny",
    "standby",
    "interventions",
    "drifts",
    "repair_min",
    "spares_cny",
    "queue_area",
    "queue_wait_sum",
    "queue_taken",
    "material_calls",
)
"""Per-station running sums: the machine states first (in :data:`~twin.sim.machine.STATE_NAMES` order),
then the machines' counters, then the buffer's. ``active_periods`` counts active periods ended and
``active_periods_begun`` those begun, so a window holds ``begun(end) - ended(start)`` periods: each
one that overlaps it, the ones cut by the window's start and end included."""
_BUFFER_FIELDS = STATION_FIELDS.index("queue_area")


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
        self._calendars: dict[str, WorkCalendar | OvertimeCalendar] = {}
        self.overtime: list[OvertimeCalendar] = []
        """The calendars that work the overtime shift when the planner calls it (the plant's, and its
        break-less copy for stations that run through breaks)."""
        self.calendar = self._work_calendar(factory.calendar)
        self.layout = Layout(len(factory.stations))
        price = price_curve(factory.energy.tariff, self.calendar) if factory.energy.tariff else None
        self.plant = Plant(env, base_load=_base_load(factory, self.calendar, price), containment=_containment(factory))
        index = {s.name: k for k, s in enumerate(factory.stations)}
        info = factory.information
        self.network = InfoNetwork(info, self.calendar, streams) if info else None
        stale = self.network and self.network.has("dispatch_state")
        cutoff = self.network.staleness("dispatch_state") if stale else None
        rule = factory.policies.dispatch
        self.buffers = [
            Buffer(
                env,
                s.buffer,
                s.dispatch or rule,
                by_route=s.batch is not None,
                cutoff=cutoff,
                atcs=_atcs_params(factory, s) if (s.dispatch or rule) == "atcs" else None,
            )
            for s in factory.stations
        ]

        self.routes: dict[str, Route] = {}
        for p_idx, p in enumerate(factory.products):
            steps = []
            for j, step in enumerate(p.routing):
                k = index[step.station]
                st = factory.stations[k]
                per_unit = step.planned_min or step.time_min.mean / (st.batch.size if st.batch else 1)
                sampler = step.time_min.sampler(streams(f"process/{st.name}/{p.name}/{j}"))
                steps.append(RouteStep(k, self.buffers[k], sampler, per_unit, step.time_min.mean))
            route = self.routes[p.name] = Route(p_idx, p.name, steps, p.due_allowance_min, p.material_cost_cny)
            if factory.policies.batch_loading == "lookahead":
                route.ahead = next((j for j, s in enumerate(steps) if factory.stations[s.station].batch), -1)

        self.pools: dict[str, OperatorPool] = {}
        crew_of: dict[str, OperatorPool] = {}
        for pool in factory.operators:
            first = pool.count if pool.count is not None else pool.count_per_shift[0]
            op = OperatorPool(env, first)
            self.pools[pool.name] = op
            crew_of.update(dict.fromkeys(pool.stations, op))
            shifts = self._work_calendar(factory.pool_calendar(pool))
            if pool.count_per_shift is not None and shifts is not None:
                env.process(self._follow_shifts(op, pool.count_per_shift, shifts))

        crews = factory.policies.maintenance.crews
        self.crews = OperatorPool(env, crews) if crews else None
        prices: dict[int, PriceCurve] = {id(self.calendar): price} if price is not None else {}
        cycle_tariff = CycleTariff(factory.energy.tariff) if factory.energy.tariff else None

        self.stations: list[StationRuntime] = []
        self.machines: list[list[Machine]] = []
        for k, st in enumerate(factory.stations):
            q, drift = st.quality, st.quality.drift
            calendar = self._work_calendar(factory.station_calendar(st))
            price = None
            if factory.energy.tariff:
                if id(calendar) not in prices:
                    prices[id(calendar)] = price_curve(factory.energy.tariff, calendar)
                price = prices[id(calendar)]
            runtime = StationRuntime(
                index=k,
                buffer=self.buffers[k],
                setup=_setup_lookup(st, streams, self.routes),
                scrap=q.scrap,
                rework=q.rework,
                drift_scrap=drift.scrap if drift else q.scrap,
                drift_rework=drift.rework if drift else q.rework,
                drift_detect=self._drift_detect(st, streams, 0),
                crew=crew_of.get(st.name) if st.operators else None,
                crew_size=st.operators,
                batch_size=st.batch.size if st.batch else 1,
                batch_wait=st.batch.wait_min if st.batch else 0.0,
                tariff_hold=(st.batch.tariff_hold_min or 0.0) if st.batch else 0.0,
                cycle_tariff=cycle_tariff if st.batch and st.batch.tariff_hold_min else None,
                stock=self._stock(st, streams),
                networked=st.networked,
                power=_power_by_state(st),
                standby_kw=st.power_kw.off,
                switch_off_after=factory.energy.switch_off_after_min if st.idle_switch_off else None,
                price=price,
                flat_price=factory.costs.energy_cny_per_kwh,
                maintenance=self._maintenance(streams, f"{st.name}/0"),
                non_interruptible=st.non_interruptible,
            )
            self.stations.append(runtime)
            has_quality = q.scrap > 0 or q.rework > 0 or drift is not None
            quality_draw = uniform_sampler(streams(f"quality/{st.name}")) if has_quality else None
            (defects, drift_defects), inspector = _defects(factory, st, streams), _inspector(factory, st, streams)
            group = []
            for m in range(st.machines):
                own = runtime
                if m > 0:  # each machine notices, calls and corrects on its own streams
                    own = replace(
                        runtime,
                        drift_detect=self._drift_detect(st, streams, m),
                        maintenance=self._maintenance(streams, f"{st.name}/{m}"),
                    )
                group.append(
                    Machine(
                        env,
                        own,
                        calendar,
                        self.plant,
                        modes=self._modes(st, streams, m),
                        quality_draw=quality_draw,
                        defects=defects,
                        drift_defects=drift_defects,
                        inspector=inspector,
                        drift_gap=drift.mtbd_min.sampler(streams(f"drift/{st.name}/{m}")) if drift else None,
                        uniform=uniform_sampler(streams(f"maintenance/{st.name}/{m}")),
                    )
                )
            self.machines.append(group)

        release = factory.policies.release
        self.release: ReleaseControl | None = None
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
            machines = [s.machines for s in factory.stations]
            batch_work = [0.0] * len(factory.stations)
            corrected = release.load == "corrected"  # a batch's work counted as the norm counts it
            for route in self.routes.values():
                for step, weight in zip(route.steps, load_weights(route.steps, corrected), strict=True):
                    batch = factory.stations[step.station].batch
                    if batch is not None:
                        batch_work[step.station] = max(batch_work[step.station], batch.size * weight)
            stations = [[step.station for step in r.steps] for r in sorted(self.routes.values(), key=lambda r: r.index)]
            self.release = ReleaseControl(env, self.plant, release, machines, self.buffers, batch_work, stations)
            for p in factory.products:
                if p.demand is not None:
                    ia = p.demand.interarrival_min
                    sampler = ia.sampler(streams(f"arrivals/{p.name}")) if ia else None
                    self.release.orders(self.routes[p.name], p.demand, sampler, self._flow("orders", p.name))
            ot = factory.policies.overtime
            if ot is not None and self.overtime:
                self.plant.late = self.release.late = LateOrders()
                env.process(overtime_planner(env, self.overtime, self.plant.late, ot.notice_min, ot.when_late_units))

    def _flow(self, name: str, consumer: str | None = None) -> Arrival | None:
        """Delivery-time function of an information flow for one consumer, if the model has the flow."""
        if self.network is None or not self.network.has(name):
            return None
        return self.network.sender(name, consumer)

    def _drift_detect(self, st: Station, streams: Streams, m: int) -> Arrival | None:
        """When a drift of machine ``m`` gets corrected: the quality feedback flow or the fixed detection time."""
        drift = st.quality.drift
        if drift is None:
            return None
        return self._flow("quality_feedback", f"{st.name}/{m}") or _delay(
            drift.detect_min.sampler(streams(f"drift/{st.name}/{m}/detect"))
        )

    def _modes(self, st: Station, streams: Streams, m: int) -> list[Mode]:
        """The failure modes of machine ``m``, each on its own streams (the first on the single-mode streams)."""
        spec = self.factory.policies.maintenance
        recall = spec.predictive.recall if spec.regime == "predictive" and spec.predictive else 0.0
        default_spares = self.factory.costs.spares_cny_per_repair
        pm_every = spec.preventive.every_min if spec.regime != "reactive" and spec.preventive else None
        out = []
        for i, f in enumerate(st.failures or []):
            key = f"{st.name}/{m}" if i == 0 else f"{st.name}/{m}/{f.name}"
            # PM counts producing time, so it is an age replacement only of an operating-basis wear-out
            # mode; a calendar-basis one starts as if run to failure (its PM comes at no fixed age of its own)
            renew_at = pm_every if f.kind == "wear_out" and f.basis == "operating" else None
            age, first = 0.0, None
            if spec.parts_at_start == "long_run":
                age, first = stationary_start(f.ttf_min, renew_at, *streams(f"start/{key}").random(2).tolist())
            out.append(
                Mode(
                    calendar=f.basis == "calendar",
                    ttf=f.ttf_min.sampler(streams(f"failure/{key}")),
                    ttr=f.ttr_min.sampler(streams(f"repair/{key}")),
                    wear=f.kind == "wear_out",
                    recall=recall * f.seen,
                    mean=f.ttf_min.mean,
                    spares=default_spares if f.spares_cny is None else f.spares_cny,
                    renewal=f.renewal_spares_cny,
                    age=age,
                    first=first,
                )
            )
        return out

    def _maintenance(self, streams: Streams, machine: str) -> Maintenance:
        """How a breakdown of ``machine`` (``station/index``) is noticed, called and repaired, on its own streams.

        Only the crews are shared, so a change at one machine leaves the others' walk-by, travel,
        intervention and message times as they were.
        """
        spec = self.factory.policies.maintenance
        pm = spec.preventive if spec.regime != "reactive" else None  # PdM keeps a PM plan it is given
        pdm = spec.predictive if spec.regime == "predictive" else None
        key = f"maintenance/{machine}"
        return Maintenance(
            crews=self.crews,
            travel=spec.travel_min.sampler(streams(f"{key}/travel")) if spec.travel_min else None,
            walk_by=spec.walk_by_min.sampler(streams(f"{key}/walk_by")) if spec.walk_by_min else None,
            alarm=self._flow("failure_alarm", machine),
            call=self._flow("repair_call", machine),
            pm_every=pm.every_min if pm else None,
            pm_duration=pm.duration_min.sampler(streams(f"{key}/pm")) if pm else None,
            recall=pdm.recall if pdm else 0.0,
            precision=pdm.precision if pdm else 1.0,
            lead=pdm.lead_min if pdm else 0.0,
            pdm_duration=pdm.duration_min.sampler(streams(f"{key}/pdm")) if pdm else None,
            condition=self._flow("condition_data", machine),
        )

    def _stock(self, st: Station, streams: Streams) -> LineStock | None:
        if st.material is None:
            return None
        mat = st.material
        delivery = mat.delivery_min.sampler(streams(f"material/{st.name}"))
        need = st.batch.size if st.batch else 1
        return LineStock(
            self.env, mat.bin_units, mat.reorder_units, self._flow("material_call", st.name), delivery, need
        )

    def _work_calendar(self, spec: Calendar | None) -> WorkCalendar | OvertimeCalendar | None:
        """The working-time arithmetic of a calendar spec, built once per spec; the plant's calendar (with
        or without its breaks) works overtime shifts when the plant has an overtime policy."""
        if spec is None:
            return None
        key = spec.model_dump_json()
        cal = self._calendars.get(key)
        if cal is None:
            ot, plant = self.factory.policies.overtime, self.factory.calendar
            if ot is not None and plant is not None and _without_breaks(spec) == _without_breaks(plant):
                cal = OvertimeCalendar(spec, ot)
                self.overtime.append(cal)
            else:
                cal = WorkCalendar(spec)
            self._calendars[key] = cal
        return cal

    def _follow_shifts(self, pool: OperatorPool, counts: list[int], calendar: WorkCalendar):
        for t, _ in calendar.shift_changes():
            if t > self.env.now:
                yield self.env.timeout(t - self.env.now)
            shift = calendar.shift_at(t)  # read on arrival: overtime may have been called since
            if shift >= 0:
                pool.set_capacity(counts[shift])

    def snapshot(self) -> np.ndarray:
        """Every running sum up to now, as one flat vector (see :class:`Layout`)."""
        plant = self.plant
        plant.flush()
        vec = np.zeros(self.layout.size)
        plant.overtime_min = self.overtime[0].overtime_minutes(self.env.now) if self.overtime else 0.0
        vec[: len(PLANT_FIELDS)] = [getattr(plant, name) for name in PLANT_FIELDS]
        self.layout.hist(vec)[:] = plant.lead_hist
        table = self.layout.stations(vec)
        for k, group in enumerate(self.machines):
            buf = self.buffers[k]
            buf.flush()
            row = table[k]
            for m in group:
                m.flush()
                row[:N_STATES] += m.times
                row[N_STATES:_BUFFER_FIELDS] += (
                    m.produced,
                    m.good,
                    m.scrapped,
                    m.reworked,
                    m.planned_credit(),
                    m.failures,
                    m.active_time,
                    m.active_periods,
                    m.active_periods_begun(),
                    m.kwh,
                    m.cny,
                    m.standby,
                    m.interventions,
                    m.drifts,
                    m.repair_min,
                    m.spares_cny,
                )
            stock = self.stations[k].stock
            row[_BUFFER_FIELDS:] = (buf.area, buf.wait_sum, buf.taken, stock.calls if stock else 0)
        return vec

    def run(self, checkpoints: list[float], progress: Callable[[float], None] | None = None) -> np.ndarray:
        """Run to each checkpoint in turn; return the (len(checkpoints), size) snapshot matrix."""
        out = np.empty((len(checkpoints), self.layout.size))
        end = checkpoints[-1]
        guard = RunGuard(self)
        for i, t in enumerate(checkpoints):
            if t > self.env.now:
                guard.advance(t)
            out[i] = self.snapshot()
            if progress is not None:
                progress(t / end if end else 1.0)
        return out


def _without_breaks(spec: Calendar) -> Calendar:
    return spec.model_copy(update={"breaks": []})


def _base_load(factory: Factory, calendar: WorkCalendar | None, price: PriceCurve | None) -> BaseLoadMeter | None:
    loads = factory.energy.base_loads
    if not loads:
        return None
    on = sum(b.on_shift_kw for b in loads)
    off = sum(b.off_shift_kw for b in loads)
    return BaseLoadMeter(on, off, calendar, price, factory.costs.energy_cny_per_kwh)


def _containment(factory: Factory) -> Containment | None:
    """What an escape puts under suspicion; ``None`` when no station makes latent defects (nothing escapes)."""
    if not factory.defect_classes:
        return None
    t = factory.traceability
    lots = [p.demand.lot_size if p.demand else 1 for p in factory.products]
    return Containment(t.scope, lots, (t.period_days or 0.0) * 1440, t.units or 1)


def _defects(factory: Factory, st: Station, streams: Streams) -> tuple[DefectSource | None, DefectSource | None]:
    """The latent defects ``st`` makes in control and while drifted, on one stream of its own (one draw per unit
    whichever applies); ``None`` where it makes none."""
    drift = st.quality.drift.defects if st.quality.drift else {}
    if not any(st.quality.defects.values()) and not any(drift.values()):
        return None, None
    draw = uniform_sampler(streams(f"defects/{st.name}"))
    steady = DefectSource([st.quality.defects.get(c, 0.0) for c in factory.defect_classes], draw)
    drifted = DefectSource([drift.get(c, 0.0) for c in factory.defect_classes], draw) if drift else None
    return steady, drifted


def _inspector(factory: Factory, st: Station, streams: Streams) -> Inspector | None:
    """The inspection at ``st``, on its own streams; ``None`` if it inspects nothing or no defect is made."""
    if st.inspection is None or not factory.defect_classes:
        return None
    detection = [st.inspection.catches(c) for c in factory.defect_classes]
    return Inspector(
        detection,
        uniform_sampler(streams(f"inspection/{st.name}")),
        st.inspection.rework,
        uniform_sampler(streams(f"inspection/{st.name}/rework")),
    )


def _atcs_params(factory: Factory, station: Station) -> AtcsParams:
    """ATCS look-ahead and the station's expected set-ups by product index (s̄: their mean over product changes)."""
    index = {p.name: k for k, p in enumerate(factory.products)}
    default = station.setup_min.mean if station.setup_min else 0.0
    matrix = {(index[a], index[b]): d.mean for a, row in station.setup_matrix.items() for b, d in row.items()}
    n = len(index)
    changes = [matrix.get((a, b), default) for a in range(n) for b in range(n) if a != b]
    bar = sum(changes) / len(changes) if changes else 0.0
    lots = [p.demand.lot_size if p.demand else 1 for p in factory.products]
    a = factory.policies.atcs
    size = station.batch.size if station.batch else 1
    return AtcsParams(a.k1, a.k2, lambda last, new: matrix.get((last, new), default), bar, lots.__getitem__, size)


def _delay(sampler: Sampler) -> Arrival:
    return lambda t: t + sampler()


def _power_by_state(st: Station) -> tuple[float, ...] | None:
    """kW in each machine state; maintenance stops draw 'down' power, breaks 'idle'."""
    p = st.power_kw
    if not any((p.busy, p.idle, p.setup, p.down, p.off)):
        return None
    return (p.busy, p.setup, p.down, p.idle, p.idle, p.idle, p.idle, p.off, p.down)
