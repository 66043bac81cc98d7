"""A machine of a station as a SimPy process, with ISO 22400 time accounting.

The machine's time is always in exactly one state. A state interval is accounted when it ends
(or at a snapshot); with a calendar, the interval is split into working time (kept in the state),
planned down time and off-shift time. Everything that happens "during production" — a breakdown,
a preventive or predictive intervention, a false alarm, a process drift — runs on a clock of
producing time that is known in advance, so a processing step that would outlast it is split
there, without interrupts.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import TYPE_CHECKING

import simpy

from twin.sim.calendar import WorkCalendar
from twin.sim.station import StationRuntime
from twin.spec.distributions import Sampler

if TYPE_CHECKING:
    from twin.sim.parts import Part, Route
    from twin.sim.plant import Plant

PRODUCING, SETUP, DOWN, BLOCKED, STARVED, WAIT_OPERATOR, PLANNED, OFF = range(8)
STATE_NAMES = ("producing", "setup", "down", "blocked", "starved", "waiting_operator", "planned_down", "off_shift")
ACTIVE = (True, True, True, False, False, True, False, False)
"""Active states for the active-period bottleneck method (not waiting for a part or for space)."""
IDLE = (False, False, False, True, True, True, False, False)

NO_FAILURES, OPERATING, CALENDAR = 0, 1, 2
FAIL, PREVENTIVE, PREDICTED, FALSE_ALARM, DRIFT = range(5)
INF = float("inf")


class Machine:
    """One machine; its process takes parts, sets up, processes, inspects and pushes them on."""

    def __init__(
        self,
        env: simpy.Environment,
        station: StationRuntime,
        calendar: WorkCalendar | None,
        plant: Plant,
        *,
        fail_mode: int,
        ttf: Sampler | None,
        ttr: Sampler | None,
        quality_draw: Sampler | None,
        drift_gap: Sampler | None,
        uniform: Sampler,
        mttf: float = INF,
    ):
        self.env = env
        self.st = station
        self.buffer = station.buffer
        self.cal = calendar
        self.plant = plant
        self.fail_mode = fail_mode
        self.ttf, self.ttr = ttf, ttr
        self.quality_draw = quality_draw
        self.scrap = station.scrap
        self.scrap_or_rework = station.scrap + station.rework
        self.drift_gap = drift_gap
        self.uniform = uniform
        self.maint = m = station.maintenance
        self.last_route: Route | None = None
        self.state = STARVED
        self.since = 0.0
        self.times = [0.0] * 8
        self.produced = self.good = self.scrapped = self.reworked = 0
        self.planned_min = 0.0
        self.failures = self.interventions = self.drifts = 0
        self.repair_min = 0.0
        self.active_run = self.active_time = 0.0
        self.active_periods = 0
        self.kwh = self.cny = self.standby = self.idle_run = 0.0
        self.warn_margin = 0.0
        self.ttf_left = INF
        self.fail_clock = ttf() if fail_mode == CALENDAR else INF
        self.pm_left = m.pm_every if m.pm_every else INF
        self.fa_rate = 0.0
        if fail_mode == OPERATING:
            self._new_life()
            if m.recall > 0 and m.precision < 1:
                self.fa_rate = m.recall / mttf * (1 - m.precision) / m.precision
        self.fa_left = self._next_false_alarm()
        self.drift_left = drift_gap() if drift_gap else INF
        self.simple = self.fail_mode != CALENDAR and calendar is None and not (m.pm_every or m.recall or drift_gap)
        self.process = env.process(self.run())

    # --- time and energy accounting ----------------------------------------------------------
    def _account(self, state: int, t0: float, t1: float) -> None:
        if self.cal is None:
            work, planned, off = t1 - t0, 0.0, 0.0
        else:
            work, planned, off = self.cal.split(t0, t1)
            self.times[PLANNED] += planned
            self.times[OFF] += off
        self.times[state] += work
        if ACTIVE[state]:
            self.active_run += work
            self.active_time += work
        st = self.st
        if st.power is None:
            return
        power = st.power
        kw_min = power[state] * work
        if IDLE[state] and st.switch_off_after is not None:
            on = max(0.0, min(work, st.switch_off_after - self.idle_run))
            self.idle_run += work
            self.standby += work - on
            kw_min += (st.standby_kw - power[state]) * (work - on)
        kw_min += power[BLOCKED] * planned + power[OFF] * off
        kwh = kw_min / 60
        self.kwh += kwh
        self.cny += kwh * (st.flat_price if st.price is None else st.price.average(t0, t1))

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
        if not IDLE[new]:
            self.idle_run = 0.0
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
        st = self.st
        buffer = self.buffer
        set_state = self.set_state
        catch_up = self.fail_mode == CALENDAR
        while True:
            part = buffer.take(self)
            if part is None:
                set_state(STARVED)
                part = yield buffer.wait_take(self)
                if catch_up:
                    yield from self._catch_up_failures()
            parts = [part] if st.batch_size == 1 else (yield from self._fill_batch(part))
            if st.stock is not None:
                ev = st.stock.take(len(parts))
                if ev is not None:
                    set_state(STARVED)
                    yield ev
            if st.crew is not None:
                ev = st.crew.acquire(st.crew_size)
                if ev is not None:
                    set_state(WAIT_OPERATOR)
                    yield ev
                    if catch_up:
                        yield from self._catch_up_failures()
            route = part.route
            if route is not self.last_route:
                if self.last_route is not None:
                    sampler = st.setup(self.last_route, route)
                    if sampler is not None:
                        yield from self._work(SETUP, sampler())
                self.last_route = route
            step = route.steps[part.step]
            d = step.time()
            if self.simple and d <= self.ttf_left:
                self.ttf_left -= d
                if self.state != PRODUCING:
                    set_state(PRODUCING)
                yield env.timeout(d)
            else:
                yield from self._work(PRODUCING, d)
            if st.crew is not None:
                st.crew.release(st.crew_size)
            n = len(parts)
            self.produced += n
            self.planned_min += step.planned_min * n
            passed = parts
            if self.quality_draw is not None:
                passed = []
                for part in parts:
                    u = self.quality_draw()
                    if u >= self.scrap_or_rework:
                        passed.append(part)
                    elif u < self.scrap:
                        self.scrapped += 1
                        self.plant.scrap(part)
                    else:
                        self.reworked += 1
                        part.reworked = True
                        buffer.put(part, force=True, front=True)
            self.good += len(passed)
            for part in passed:
                part.step += 1
                if part.step == len(route.steps):
                    self.plant.finish(part)
                    continue
                nxt = route.steps[part.step].buffer
                ev = nxt.put(part, force=nxt is buffer)  # a re-entrant step must not block on itself
                if ev is not None:
                    set_state(BLOCKED)
                    yield ev
                    if catch_up:
                        yield from self._catch_up_failures()

    def _fill_batch(self, first: Part) -> Generator[simpy.Event, object, list[Part]]:
        """Collect up to a full batch of ``first``'s product, waiting at most ``batch_wait``."""
        size = self.st.batch_size
        batch = [first]
        batch += self.buffer.take_same(self, first.route, size - 1)
        deadline = self.env.now + self.st.batch_wait
        while len(batch) < size and self.env.now < deadline:
            self.set_state(STARVED)
            yield self.buffer.watch() | self.env.timeout(deadline - self.env.now)
            batch += self.buffer.take_same(self, first.route, size - len(batch))
        return batch

    def _until(self, t: float, work: float) -> float:
        return t + work if self.cal is None else self.cal.advance(t, work)

    def _work_clock(self, t: float) -> float:
        return t if self.cal is None else self.cal.work_clock(t)

    def _next_event(self, state: int, now: float) -> tuple[float, int]:
        """Producing (or working) minutes until the next breakdown, intervention or drift."""
        left, kind = INF, FAIL
        if state == PRODUCING:
            if self.fail_mode == OPERATING:
                left, kind = self.ttf_left - self.warn_margin, PREDICTED if self.warn_margin > 0 else FAIL
            if self.pm_left < left:
                left, kind = self.pm_left, PREVENTIVE
            if self.fa_left < left:
                left, kind = self.fa_left, FALSE_ALARM
            if self.drift_left < left:
                left, kind = self.drift_left, DRIFT
        if self.fail_mode == CALENDAR:
            c = self.fail_clock - self._work_clock(now)
            if c < left:
                left, kind = c, FAIL
        return left, kind

    def _produce(self, state: int, x: float) -> None:
        if state == PRODUCING:
            self.ttf_left -= x
            self.pm_left -= x
            self.fa_left -= x
            self.drift_left -= x

    def _work(self, state: int, d: float) -> Generator[simpy.Event, object, None]:
        """Spend ``d`` working minutes in ``state``, handling whatever falls due on the way."""
        env = self.env
        while True:
            now = env.now
            left, kind = self._next_event(state, now)
            if d <= left:
                self._produce(state, d)
                self.set_state(state)
                yield env.timeout(self._until(now, d) - now)
                return
            if left > 0:
                self._produce(state, left)
                self.set_state(state)
                yield env.timeout(self._until(now, left) - now)
                d -= left
            if kind == FAIL:
                yield from self._repair()
            elif kind == DRIFT:
                self._start_drift()
            else:
                yield from self._intervene(kind)

    # --- maintenance ---------------------------------------------------------------------------
    def _new_life(self) -> None:
        """After a repair or an intervention: a fresh time to failure, maybe announced early."""
        m = self.maint
        if self.fail_mode != OPERATING:
            return
        self.ttf_left = self.ttf()
        self.warn_margin = 0.0
        if m.recall > 0 and self.uniform() < m.recall:
            now = self.env.now
            delay = (m.condition(now) - now) if m.condition else 0.0
            self.warn_margin = max(0.0, m.lead - delay)

    def _next_false_alarm(self) -> float:
        return -math.log(1 - self.uniform()) / self.fa_rate if self.fa_rate > 0 else INF

    def _crew(self) -> Generator[simpy.Event, object, None]:
        m = self.maint
        if m.crews is not None:
            ev = m.crews.acquire(1)
            if ev is not None:
                yield ev
        if m.travel is not None:
            now = self.env.now
            yield self.env.timeout(self._until(now, m.travel()) - now)

    def _repair(self) -> Generator[simpy.Event, object, None]:
        """Breakdown: noticed (alarm or walk-by), crew called, crew comes, repair."""
        m = self.maint
        self.set_state(DOWN)
        self.failures += 1
        now = self.env.now
        known = now
        if self.st.networked and m.alarm is not None:
            known = m.alarm(now)
        elif m.walk_by is not None:
            known = self._until(now, m.walk_by())
        if m.call is not None:
            known = m.call(known)
        if known > now:
            yield self.env.timeout(known - now)
        called = self.env.now
        yield from self._crew()
        now = self.env.now
        yield self.env.timeout(self._until(now, self.ttr()) - now)
        self.repair_min += self._work_clock(self.env.now) - self._work_clock(called)
        if m.crews is not None:
            m.crews.release(1)
        if self.fail_mode == OPERATING:
            self._new_life()
        else:
            self.fail_clock = self._work_clock(self.env.now) + self.ttf()
        if m.pm_every:
            self.pm_left = m.pm_every

    def _intervene(self, kind: int) -> Generator[simpy.Event, object, None]:
        """A planned intervention (ISO 22400 planned down time): preventive, predicted or false alarm."""
        m = self.maint
        self.set_state(PLANNED)
        self.interventions += 1
        called = self.env.now
        yield from self._crew()
        duration = (m.pm_duration if kind == PREVENTIVE else m.pdm_duration)()
        now = self.env.now
        yield self.env.timeout(self._until(now, duration) - now)
        self.repair_min += self._work_clock(self.env.now) - self._work_clock(called)
        if m.crews is not None:
            m.crews.release(1)
        if kind == FALSE_ALARM:
            self.fa_left = self._next_false_alarm()
            return
        self._new_life()
        if m.pm_every:
            self.pm_left = m.pm_every

    def _catch_up_failures(self) -> Generator[simpy.Event, object, None]:
        """Calendar-based failures that struck while idle: down from the strike, found now."""
        now = self.env.now
        while self.fail_clock <= self._work_clock(now):
            strike = self.fail_clock if self.cal is None else self.cal.time_at_work(self.fail_clock)
            end = self._until(strike, self.ttr())
            self.failures += 1
            self.repair_min += self._work_clock(end) - self._work_clock(strike)
            self.fail_clock = self._work_clock(end) + self.ttf()
            start = max(strike, self.since)
            if end <= start:  # struck and repaired within time already accounted (e.g. while blocked)
                continue
            idle_state = self.state
            self.set_state(DOWN, at=start)
            if end > now:
                yield self.env.timeout(end - now)
                return
            self.set_state(idle_state, at=end)

    # --- quality drift -------------------------------------------------------------------------
    def _start_drift(self) -> None:
        """The process drifts: more defects until the correction arrives (quality feedback)."""
        st = self.st
        self.drifts += 1
        self.drift_left = INF
        self.scrap = st.drift_scrap
        self.scrap_or_rework = st.drift_scrap + st.drift_rework
        now = self.env.now
        self.env.timeout(st.drift_detect(now) - now).callbacks.append(self._end_drift)

    def _end_drift(self, _: simpy.Event) -> None:
        self.scrap = self.st.scrap
        self.scrap_or_rework = self.st.scrap + self.st.rework
        self.drift_left = self.drift_gap()
