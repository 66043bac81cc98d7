"""A machine of a station as a SimPy process, with ISO 22400 time accounting.

The machine's time is always in exactly one state. A state interval is accounted when it ends
(or at a snapshot); with a calendar, the interval is split into working time (kept in the state),
planned down time and off-shift time. Breakdowns are handled inline: the time to failure is known
in advance, so a processing step that would outlast it is split into work, repair, and the rest of
the work, without interrupts.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING

import simpy

from twin.sim.calendar import WorkCalendar
from twin.spec.distributions import Sampler

if TYPE_CHECKING:
    from twin.sim.buffer import Buffer
    from twin.sim.operators import OperatorPool
    from twin.sim.parts import Part, Route

PRODUCING, SETUP, DOWN, BLOCKED, STARVED, WAIT_OPERATOR, PLANNED, OFF = range(8)
STATE_NAMES = ("producing", "setup", "down", "blocked", "starved", "waiting_operator", "planned_down", "off_shift")
ACTIVE = (True, True, True, False, False, True, False, False)
"""Active states for the active-period bottleneck method (not waiting for a part or for space)."""

NO_FAILURES, OPERATING, CALENDAR = 0, 1, 2
INF = float("inf")


class Machine:
    """One machine; its process takes parts, sets up, processes, inspects and pushes them on."""

    def __init__(
        self,
        env: simpy.Environment,
        station: int,
        buffer: Buffer,
        calendar: WorkCalendar | None,
        plant: Plant,
        *,
        setup: Callable[[Route, Route], Sampler | None],
        fail_mode: int,
        ttf: Sampler | None,
        ttr: Sampler | None,
        quality_draw: Sampler | None,
        scrap: float,
        rework: float,
        crew: OperatorPool | None,
        crew_size: int,
        batch_size: int,
        batch_wait: float,
    ):
        self.env = env
        self.station = station
        self.buffer = buffer
        self.cal = calendar
        self.plant = plant
        self.setup_sampler = setup
        self.fail_mode = fail_mode
        self.ttf = ttf
        self.ttr = ttr
        self.quality_draw = quality_draw
        self.scrap = scrap
        self.scrap_or_rework = scrap + rework
        self.crew = crew
        self.crew_size = crew_size
        self.batch_size = batch_size
        self.batch_wait = batch_wait
        self.last_route: Route | None = None
        self.state = STARVED
        self.since = 0.0
        self.times = [0.0] * 8
        self.produced = self.good = self.scrapped = self.reworked = 0
        self.planned_min = 0.0
        self.failures = 0
        self.active_run = 0.0
        self.active_time = 0.0
        self.active_periods = 0
        self.ttf_left = ttf() if fail_mode == OPERATING else INF
        self.fail_clock = ttf() if fail_mode == CALENDAR else INF
        self.process = env.process(self.run())

    # --- time accounting -------------------------------------------------------------------
    def _account(self, state: int, t0: float, t1: float) -> None:
        if self.cal is None:
            work = t1 - t0
        else:
            work, planned, off = self.cal.split(t0, t1)
            self.times[PLANNED] += planned
            self.times[OFF] += off
        self.times[state] += work
        if ACTIVE[state]:
            self.active_run += work
            self.active_time += work

    def set_state(self, new: int, at: float | None = None) -> None:
        """Close the current state interval and open ``new`` at ``at`` (default: now)."""
        if new == self.state:
            return
        t = self.env.now if at is None else at
        old = self.state
        self._account(old, self.since, t)
        if ACTIVE[old] and not ACTIVE[new] and self.active_run > 0:
            self.active_periods += 1
            self.active_run = 0.0
        self.state = new
        self.since = t

    def flush(self) -> None:
        """Account the open state interval up to now (for snapshots)."""
        now = self.env.now
        self._account(self.state, self.since, now)
        self.since = now

    # --- the process -------------------------------------------------------------------------
    def run(self) -> Generator[simpy.Event, object, None]:
        env = self.env
        buffer = self.buffer
        set_state = self.set_state
        cal = self.cal
        fast = self.fail_mode != CALENDAR and cal is None
        while True:
            part = buffer.take(self)
            if part is None:
                set_state(STARVED)
                part = yield buffer.wait_take(self)
                if self.fail_mode == CALENDAR:
                    yield from self._catch_up_failures()
            parts = [part] if self.batch_size == 1 else (yield from self._fill_batch(part))
            if self.crew is not None:
                ev = self.crew.acquire(self.crew_size)
                if ev is not None:
                    set_state(WAIT_OPERATOR)
                    yield ev
                    if self.fail_mode == CALENDAR:
                        yield from self._catch_up_failures()
            route = part.route
            if route is not self.last_route:
                if self.last_route is not None:
                    sampler = self.setup_sampler(self.last_route, route)
                    if sampler is not None:
                        yield from self._work(SETUP, sampler())
                self.last_route = route
            step = route.steps[part.step]
            d = step.time()
            if fast and d <= self.ttf_left:
                self.ttf_left -= d
                if self.state != PRODUCING:
                    set_state(PRODUCING)
                yield env.timeout(d)
            else:
                yield from self._work(PRODUCING, d)
            if self.crew is not None:
                self.crew.release(self.crew_size)
            n = len(parts)
            self.produced += n
            self.planned_min += step.planned_min * n
            for part in parts:
                if self.quality_draw is not None:
                    u = self.quality_draw()
                    if u < self.scrap_or_rework:
                        if u < self.scrap:
                            self.scrapped += 1
                            self.plant.scrap(part)
                        else:
                            self.reworked += 1
                            part.reworked = True
                            buffer.put(part, force=True)
                        continue
                self.good += 1
                part.step += 1
                if part.step == len(route.steps):
                    self.plant.finish(part)
                    continue
                ev = route.steps[part.step].buffer.put(part)
                if ev is not None:
                    set_state(BLOCKED)
                    yield ev
                    if self.fail_mode == CALENDAR:
                        yield from self._catch_up_failures()

    def _fill_batch(self, first: Part) -> Generator[simpy.Event, object, list[Part]]:
        """Collect up to a full batch of ``first``'s product, waiting at most ``batch_wait``."""
        batch = [first]
        batch += self.buffer.take_same(self, first.route, self.batch_size - 1)
        deadline = self.env.now + self.batch_wait
        while len(batch) < self.batch_size and self.env.now < deadline:
            self.set_state(STARVED)
            yield self.buffer.watch() | self.env.timeout(deadline - self.env.now)
            batch += self.buffer.take_same(self, first.route, self.batch_size - len(batch))
        return batch

    def _until(self, t: float, work: float) -> float:
        return t + work if self.cal is None else self.cal.advance(t, work)

    def _work_clock(self, t: float) -> float:
        return t if self.cal is None else self.cal.work_clock(t)

    def _work(self, state: int, d: float) -> Generator[simpy.Event, object, None]:
        """Spend ``d`` working minutes in ``state``, breaking down on the way if due."""
        env = self.env
        while True:
            now = env.now
            if self.fail_mode == OPERATING:
                left = self.ttf_left if state == PRODUCING else INF
            elif self.fail_mode == CALENDAR:
                left = self.fail_clock - self._work_clock(now)
            else:
                left = INF
            if d <= left:
                if state == PRODUCING and self.fail_mode == OPERATING:
                    self.ttf_left -= d
                self.set_state(state)
                yield env.timeout(self._until(now, d) - now)
                return
            if left > 0:
                self.set_state(state)
                yield env.timeout(self._until(now, left) - now)
                d -= left
            yield from self._repair()

    def _repair(self) -> Generator[simpy.Event, object, None]:
        self.set_state(DOWN)
        self.failures += 1
        now = self.env.now
        yield self.env.timeout(self._until(now, self.ttr()) - now)
        if self.fail_mode == OPERATING:
            self.ttf_left = self.ttf()
        else:
            self.fail_clock = self._work_clock(self.env.now) + self.ttf()

    def _catch_up_failures(self) -> Generator[simpy.Event, object, None]:
        """Calendar-based failures that struck while idle: down from the strike, found now."""
        now = self.env.now
        while self.fail_clock <= self._work_clock(now):
            strike = self.fail_clock if self.cal is None else self.cal.time_at_work(self.fail_clock)
            idle_state = self.state
            self.set_state(DOWN, at=max(strike, self.since))
            self.failures += 1
            end = self._until(strike, self.ttr())
            self.fail_clock = self._work_clock(end) + self.ttf()
            if end > now:
                yield self.env.timeout(end - now)
                return
            self.set_state(idle_state, at=end)


class Plant:
    """Plant-wide counters: releases, completions, scrap, lead times and WIP."""

    N_BINS = 320
    BIN_LO = 0.01
    BIN_RATIO = 1.06

    def __init__(self, env: simpy.Environment, on_exit: Callable[[], None] | None = None):
        self._log_ratio = math.log(self.BIN_RATIO)
        self._log = math.log
        self.env = env
        self.on_exit = on_exit
        self.released = self.finished = self.scrapped = self.on_time = self.first_pass = 0
        self.wip = 0
        self.wip_area = 0.0
        self.t_last = 0.0
        self.lead_sum = 0.0
        self.flow_sum = 0.0
        self.material = 0.0
        self.lead_hist = [0] * self.N_BINS

    def _tick(self, now: float) -> None:
        self.wip_area += self.wip * (now - self.t_last)
        self.t_last = now

    def release(self, part: Part) -> None:
        self._tick(self.env.now)
        self.wip += 1
        self.released += 1
        self.material += part.route.material_cost
        part.route.steps[0].buffer.put(part, force=True)

    def count_source_release(self, part: Part) -> None:
        """A part created at a never-starved first station: released as it is taken."""
        self._tick(self.env.now)
        self.wip += 1
        self.released += 1
        self.material += part.route.material_cost

    def finish(self, part: Part) -> None:
        now = self.env.now
        self._tick(now)
        self.wip -= 1
        self.finished += 1
        lead = now - part.arrived
        self.lead_sum += lead
        self.flow_sum += now - part.released
        b = int(self._log(lead / self.BIN_LO) / self._log_ratio) + 1 if lead > self.BIN_LO else 0
        self.lead_hist[b if b < self.N_BINS else self.N_BINS - 1] += 1
        if now <= part.due:
            self.on_time += 1
        if not part.reworked:
            self.first_pass += 1
        if self.on_exit is not None:
            self.on_exit()

    def scrap(self, part: Part) -> None:
        now = self.env.now
        self._tick(now)
        self.wip -= 1
        self.scrapped += 1
        self.flow_sum += now - part.released
        if self.on_exit is not None:
            self.on_exit()

    def flush(self) -> None:
        self._tick(self.env.now)
