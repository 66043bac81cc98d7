"""Plant-wide counters: releases, completions, scrap, lead times, work in process and its value."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import simpy

if TYPE_CHECKING:
    from twin.sim.calendar import WorkCalendar
    from twin.sim.overtime import LateOrders
    from twin.sim.parts import Part
    from twin.sim.quality import Containment
    from twin.sim.station import PriceCurve


class BaseLoadMeter:
    """Energy of the plant's base load (compressed air, HVAC, lighting) from time 0 to ``t``.

    The load draws ``on_kw`` while the plant is on shift (working time, breaks and planned stops)
    and ``off_kw`` off shift; it depends on the clock only, so a reading is a closed form, not a process.
    """

    def __init__(
        self, on_kw: float, off_kw: float, calendar: WorkCalendar | None, price: PriceCurve | None, flat_price: float
    ):
        self.on_kw, self.off_kw = on_kw, off_kw
        self.cal, self.price, self.flat_price = calendar, price, flat_price

    def reading(self, t: float) -> tuple[float, float]:
        """(kWh, CNY) drawn in ``[0, t]``; a time-of-use tariff prices each minute when it is drawn."""
        w, p, o = (t, 0.0, 0.0) if self.cal is None else self.cal.split(0.0, t)
        kwh = (self.on_kw * (w + p) + self.off_kw * o) / 60
        if self.price is None:
            return kwh, kwh * self.flat_price
        pw, pp, po = self.price.integrals(t)
        return kwh, (self.on_kw * (pw + pp) + self.off_kw * po) / 60


class Plant:
    """Plant-wide counters: releases, completions, scrap, lead times and WIP.

    Besides counting units, WIP and scrap carry what was put into them: the material of each
    unit released, and its value-added minutes, the ISO planned run time of the steps it has
    passed (a standard-cost measure the KPIs price at the plant's conversion cost per planned
    minute). ``wip_material_area`` and ``wip_value_min_area`` are their time integrals over the
    units in process, as ``wip_area`` is of the count. A finished unit still carrying a latent
    defect is shipped, counted in ``escaped``, and puts ``containment``'s suspect units under claim.
    """

    N_BINS = 320
    BIN_LO = 0.01
    BIN_RATIO = 1.06

    def __init__(
        self,
        env: simpy.Environment,
        on_exit: Callable[[Part], None] | None = None,
        base_load: BaseLoadMeter | None = None,
        containment: Containment | None = None,
    ):
        self._log_ratio = math.log(self.BIN_RATIO)
        self._log = math.log
        self.env = env
        self.on_exit = on_exit
        self.released = self.finished = self.scrapped = self.on_time = self.first_pass = 0
        self.wip = 0
        self.wip_area = 0.0
        self.held = 0
        self.held_area = 0.0
        self._held_t = 0.0
        """Units of arrived orders held before release (a release policy's pool) and its time integral."""
        self.t_last = 0.0
        self.tardy_min = 0.0
        self.lead_sum = 0.0
        self.flow_sum = 0.0
        self.material = 0.0
        self.lead_hist = [0] * self.N_BINS
        self.wip_material = self.wip_value_min = 0.0
        self.wip_material_area = self.wip_value_min_area = 0.0
        self.scrap_material = self.scrap_value_min = 0.0
        self.rework_min = 0.0
        self.base_load = base_load
        self.base_kwh = self.base_cny = 0.0
        self.containment = containment
        self.escaped = 0
        self.suspect_units = 0.0
        self._done: dict[int, list[float]] = {}
        self.late: LateOrders | None = None
        """Past-due open orders, kept only when an overtime planner reads them."""
        self.overtime_min = 0.0

    def _tick(self, now: float) -> None:
        dt = now - self.t_last
        self.wip_area += self.wip * dt
        # max(): the sums of many additions and subtractions may drift a rounding error below zero
        self.wip_material_area += max(self.wip_material, 0.0) * dt
        self.wip_value_min_area += max(self.wip_value_min, 0.0) * dt
        self.t_last = now

    def _value_done(self, part: Part) -> float:
        """Planned minutes of the steps ``part`` has passed (cumulative sums cached per route)."""
        route = part.route
        done = self._done.get(route.index)
        if done is None:
            done = [0.0]
            for step in route.steps:
                done.append(done[-1] + step.planned_min)
            self._done[route.index] = done
        return done[part.step]

    def _enter(self, part: Part) -> None:
        self._tick(self.env.now)
        self.wip += 1
        self.released += 1
        route = part.route
        if route.ahead > 0:
            route.coming += 1
        cost = route.material_cost
        self.material += cost
        self.wip_material += cost

    def _leave(self, part: Part) -> None:
        self.wip -= 1
        if self.wip == 0:  # an empty plant holds nothing: clears the rounding the running sums gathered
            self.wip_material = self.wip_value_min = 0.0
            return
        self.wip_material -= part.route.material_cost
        self.wip_value_min -= self._value_done(part)

    def hold(self, units: int) -> None:
        """Units of arrived orders enter (+) or leave (−) the pool held before release."""
        self._tick_held(self.env.now)
        self.held += units

    def _tick_held(self, now: float) -> None:
        """The pool changes only at arrivals and releases: integrated apart from WIP, which changes at every step."""
        self.held_area += self.held * (now - self._held_t)
        self._held_t = now

    def release(self, part: Part) -> None:
        self._enter(part)
        part.route.steps[0].buffer.put(part, force=True)

    def count_source_release(self, part: Part) -> None:
        """A part created at a never-starved first station: released as it is taken."""
        self._enter(part)

    def step_done(self, planned_min: float) -> None:
        """A unit passed a step: its value added grows by the step's planned run time."""
        self._tick(self.env.now)
        self.wip_value_min += planned_min

    def rework(self, planned_min: float) -> None:
        """A unit goes back to be redone: the redo costs the step's planned run time again."""
        self.rework_min += planned_min

    def finish(self, part: Part) -> None:
        now = self.env.now
        self._tick(now)
        self._leave(part)
        self.finished += 1
        lead = now - part.arrived
        self.lead_sum += lead
        self.flow_sum += now - part.released
        b = int(self._log(lead / self.BIN_LO) / self._log_ratio) + 1 if lead > self.BIN_LO else 0
        self.lead_hist[b if b < self.N_BINS else self.N_BINS - 1] += 1
        if now <= part.due:
            self.on_time += 1
        else:
            self.tardy_min += now - part.due
        if self.late is not None:
            self.late.close(part.due, now)
        if not part.reworked:
            self.first_pass += 1
        if self.containment is not None:
            self.containment.ship(part, now)
            if part.defects:
                self.escaped += 1
                self.suspect_units += self.containment.suspects(part)
        if self.on_exit is not None:
            self.on_exit(part)

    def scrap(self, part: Part) -> None:
        now = self.env.now
        self._tick(now)
        route = part.route
        self.scrap_material += route.material_cost
        if part.step < route.ahead:
            route.coming -= 1
            if not route.coming:  # a load waiting at the look-ahead station for this unit starts now
                route.steps[route.ahead].buffer.wake_watchers()
        self.scrap_value_min += self._value_done(part)
        self._leave(part)
        self.scrapped += 1
        self.flow_sum += now - part.released
        if self.late is not None:
            self.late.close(part.due, now)
        if self.on_exit is not None:
            self.on_exit(part)

    def flush(self) -> None:
        now = self.env.now
        self._tick(now)
        self._tick_held(now)
        if self.base_load is not None:
            self.base_kwh, self.base_cny = self.base_load.reading(now)
