"""A machine of a station as a SimPy process, with ISO 22400 time accounting.

The machine's time is always in exactly one state. A state interval is accounted when it ends
(or at a snapshot); with a calendar, the interval is split into working time (kept in the state),
planned down time and off-shift time. Everything that happens "during production" — a breakdown,
a preventive or predictive intervention, a false alarm, a process drift — runs on a clock of
producing time that is known in advance, so a processing step that would outlast it is split
there, without interrupts. Calendar-basis failures (and their warnings and false alarms) run on
the work clock instead: they strike busy or idle, and an idle machine waits for its part, its crew
or room downstream and for the next strike at once, so both go through the same repair.

A machine's failure modes compete: each has its own clock (producing time or the work clock), the
first to strike fails the machine, and its repair renews that mode only. Preventive maintenance
renews the wear-out modes; a predictive warning renews the mode it foresaw. A run starts with each
mode's part at its long-run age, not new (:mod:`twin.sim.stationary`), so a window of weeks sees
wear-out parts fail at their long-run rate.

A non-interruptible station (a carburising furnace, a quench) starts a cycle only in working time
and then runs it to its end through breaks and shift ends. The minutes it runs on past its calendar
are producing time inside planned busy time, not planned down or off-shift time: the plan of such a
process includes finishing the cycle, and booking them outside planned busy time would give an
availability above one. Its counters of producing time (wear, preventive maintenance, drift) run
with the cycle; a calendar-basis failure stays on the work clock, which stops off-shift.

Only stops planned in the calendar are ISO 22400 planned down time. A preventive or predictive
intervention or a false alarm is triggered by a counter or a detector, not by the calendar: it is
a stop inside planned busy time, kept in its own state (maintenance) so it counts against
availability and is reported apart from breakdowns.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import simpy

from twin.sim.calendar import WorkCalendar
from twin.sim.station import StationRuntime
from twin.spec.distributions import Sampler

if TYPE_CHECKING:
    from twin.sim.parts import Part, Route
    from twin.sim.plant import Plant
    from twin.sim.quality import DefectSource, Inspector

PRODUCING, SETUP, DOWN, BLOCKED, STARVED, WAIT_OPERATOR, PLANNED, OFF, MAINTENANCE = range(9)
STATE_NAMES = (
    "producing",
    "setup",
    "down",
    "blocked",
    "starved",
    "waiting_operator",
    "planned_down",
    "off_shift",
    "maintenance",
)
N_STATES = len(STATE_NAMES)
ACTIVE = (True, True, True, False, False, True, False, False, True)
"""Active states for the active-period bottleneck method (not waiting for a part or for space)."""
IDLE = (False, False, False, True, True, True, False, False, False)

NO_FAILURES, OPERATING, CALENDAR = 0, 1, 2
FAIL, PREVENTIVE, PREDICTED, FALSE_ALARM, DRIFT = range(5)
INF = float("inf")
PM_RETRY = 30.0
"""Producing minutes a due preventive stop waits when no crew is free (assumed: PM is planned work, so
the machine keeps running instead of standing in the queue behind breakdowns)."""


@dataclass(slots=True)
class Mode:
    """One failure mode of one machine: its clock and what maintenance can do about it.

    ``calendar`` modes age on the work clock: ``at`` is the work-clock reading of the failure.
    Operating modes age on producing time only: the machine keeps ``ttf_left``, the producing minutes
    to the nearest operating-mode event, and each mode its ``slack`` beyond it (both shrink together
    while producing, so one subtraction advances them all). ``warn`` is how early the detector
    announces this life's failure (0: unannounced).
    """

    calendar: bool
    ttf: Sampler
    ttr: Sampler
    wear: bool
    """Renewed by preventive maintenance (a wear-out mode)."""
    recall: float
    """Share of its failures the predictive-maintenance detector announces."""
    mean: float
    spares: float = 0.0
    """Spare parts a breakdown of this mode uses (CNY)."""
    renewal: float = 0.0
    """Parts a preventive or predicted stop replaces when it renews this mode (CNY)."""
    age: float = 0.0
    """Age of the part in service when the run starts (on the mode's clock): see :mod:`twin.sim.stationary`."""
    first: float | None = None
    """Remaining life of that part (``None``: it starts new and draws a whole life)."""
    at: float = INF
    slack: float = 0.0
    warn: float = 0.0


class Machine:
    """One machine; its process takes parts, sets up, processes, inspects and pushes them on."""

    def __init__(
        self,
        env: simpy.Environment,
        station: StationRuntime,
        calendar: WorkCalendar | None,
        plant: Plant,
        *,
        modes: list[Mode],
        quality_draw: Sampler | None,
        drift_gap: Sampler | None,
        uniform: Sampler,
        defects: DefectSource | None = None,
        inspector: Inspector | None = None,
        drift_defects: DefectSource | None = None,
    ):
        self.env = env
        self.st = station
        self.buffer = station.buffer
        self.cal = calendar
        self.plant = plant
        self.modes = modes
        self.op_modes = [mode for mode in modes if not mode.calendar]
        self.cal_modes = [mode for mode in modes if mode.calendar]
        self.fail_mode = CALENDAR if self.cal_modes else OPERATING if modes else NO_FAILURES
        self.quality_draw = quality_draw
        self.defects = self.steady_defects = defects
        self.drift_defects = drift_defects
        """Latent defects while drifted, in place of ``steady_defects`` (``None``: a drift changes none)."""
        self.inspector = inspector
        self.scrap = station.scrap
        self.scrap_or_rework = station.scrap + station.rework
        self.drift_gap = drift_gap
        self.uniform = uniform
        self.maint = m = station.maintenance
        self.last_route: Route | None = None
        self.state = STARVED
        self.since = 0.0
        self.times = [0.0] * N_STATES
        self.produced = self.good = self.scrapped = self.reworked = 0
        self.planned_min = 0.0
        self.rate = self.unit_done = 0.0
        self.seg_t0 = INF
        self.failures = self.interventions = self.drifts = 0
        self.repair_min = 0.0
        self.spares_cny = 0.0
        self.reported_at = 0.0
        """When the last breakdown reached maintenance (noticed and called): before it, a down machine waits
        unseen. Set once per breakdown, read only by :mod:`twin.sim.recorder`."""
        self.active_run = self.active_time = 0.0
        self.active_periods = 0
        self.kwh = self.cny = self.standby = self.idle_run = 0.0
        self._priced: tuple[float, tuple[float, float, float]] = (-1.0, (0.0, 0.0, 0.0))
        """The last time priced and its price integrals (working, planned, off-shift)."""
        self._clocked = (-1.0, 0.0, 0.0)
        """The last time accounted and the calendar's work and planned clocks then."""
        self.ttf_left = self.cal_next = self.fa_left = self.fa_clock = INF
        self.op_next: Mode | None = None
        self.cal_due: Mode | None = None
        self.due_at, self.due_event = INF, env.event()
        self.wears = any(mode.wear for mode in modes)
        # the PM count runs from the age of the (first) wear-out part; a second wear-out mode on the same
        # machine keeps its own stationary age, an approximation, as a wear-out repair restarts the count for both
        worn = next((mode.age for mode in self.op_modes if mode.wear), 0.0)
        self.pm_left = max(0.0, m.pm_every - worn) if m.pm_every and self.wears else INF
        self.fa_rate = 0.0
        self._renew(modes)
        if m.precision < 1:
            self.fa_rate = sum(mode.recall / mode.mean for mode in modes) * (1 - m.precision) / m.precision
        self._next_false_alarm()
        self.drift_left = drift_gap() if drift_gap else INF
        self.through = station.non_interruptible and calendar is not None
        self.simple = self.fail_mode != CALENDAR and calendar is None and not (m.pm_every or m.recall or drift_gap)
        self.process = env.process(self.run())

    # --- time and energy accounting ----------------------------------------------------------
    def _account(self, state: int, t0: float, t1: float) -> None:
        through = self.through and state == PRODUCING
        if self.cal is None or through:
            work, planned, off = t1 - t0, 0.0, 0.0
        else:
            # as WorkCalendar.split, reusing the clocks the last account read at its end (this one's start)
            cal, last = self.cal, self._clocked
            w0, p0 = (last[1], last[2]) if last[0] == t0 else (cal.work_clock(t0), cal.planned_clock(t0))
            w1, p1 = cal.work_clock(t1), cal.planned_clock(t1)
            self._clocked = (t1, w1, p1)
            work, planned = w1 - w0, p1 - p0
            off = max(0.0, (t1 - t0) - work - planned)
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
        on = work  # working minutes at the state's power; idle time past the switch-off is at standby
        if IDLE[state] and st.switch_off_after is not None:
            on = max(0.0, min(work, st.switch_off_after - self.idle_run))
            self.idle_run += work
            self.standby += work - on
        kwh = (power[state] * on + st.standby_kw * (work - on) + power[PLANNED] * planned + power[OFF] * off) / 60
        self.kwh += kwh
        if st.price is None:
            self.cny += kwh * st.flat_price
            return
        # accounts follow one another (each starts where the last ended): reuse the last end's integrals
        w0, p0, o0 = self._priced[1] if self._priced[0] == t0 else st.price.integrals(t0)
        w1, p1, o1 = integrals = st.price.integrals(t1)
        self._priced = (t1, integrals)
        if through:
            self.cny += power[state] * ((w1 - w0) + (p1 - p0) + (o1 - o0)) / 60
            return
        w_on = w1 if on == work else st.price.integrals(self._until(t0, on))[0]
        priced = power[state] * (w_on - w0) + st.standby_kw * (w1 - w_on)
        self.cny += (priced + power[PLANNED] * (p1 - p0) + power[OFF] * (o1 - o0)) / 60

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

    def active_periods_begun(self) -> int:
        """Active periods ended, plus the one open now (after :meth:`flush`)."""
        return self.active_periods + (self.active_run > 0)

    def planned_credit(self) -> float:
        """ISO planned run time of the units made so far, with the unit in process credited in
        proportion to its producing time done, so a window gets the share of each unit it holds."""
        if self.rate == 0:
            return self.planned_min
        done = self.unit_done
        now = self.env.now
        if self.seg_t0 < now:
            done += (now - self.seg_t0) if self.through else self._work_clock(now) - self._work_clock(self.seg_t0)
        return self.planned_min + self.rate * done

    # --- the process -------------------------------------------------------------------------
    def run(self) -> Generator[simpy.Event, object, None]:
        env = self.env
        st = self.st
        buffer = self.buffer
        set_state = self.set_state
        watch = self.fail_mode == CALENDAR  # the work clock may strike while the machine waits
        while True:
            part = buffer.take(self)
            while part is None:
                if watch:
                    part = yield from self._wait(STARVED, buffer.wait_take(self), cancel=buffer.cancel_take)
                    if part is None:
                        part = buffer.take(self)
                else:
                    set_state(STARVED)
                    part = yield buffer.wait_take(self)
            parts = [part] if st.batch_size == 1 else (yield from self._fill_batch(part))
            if st.stock is not None:
                ev = st.stock.take(len(parts))
                if ev is not None:
                    yield from self._wait(STARVED, ev)
            if st.crew is not None:
                ev = st.crew.acquire(st.crew_size)
                if ev is not None:
                    yield from self._wait(WAIT_OPERATOR, ev)
            route = part.route
            if route is not self.last_route:
                if self.last_route is not None:
                    sampler = st.setup(self.last_route, route)
                    if sampler is not None:
                        yield from self._work(SETUP, sampler())
                self.last_route = route
            step = route.steps[part.step]
            d = step.time()
            n = len(parts)
            if d > 0:
                self.rate = step.planned_min * n / d
                self.unit_done = 0.0
            if self.simple and d <= self.ttf_left:
                self.ttf_left -= d
                if self.state != PRODUCING:
                    set_state(PRODUCING)
                self.seg_t0 = env.now
                yield env.timeout(d)
            else:
                yield from self._work(PRODUCING, d)
            self.rate = 0.0
            if st.crew is not None:
                st.crew.release(st.crew_size)
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
                        self.plant.rework(route.steps[part.step].planned_min)
                        buffer.put(part, force=True, front=True)
            if self.inspector is not None:
                passed = self._inspect(passed, route)
            if self.defects is not None:
                for part in passed:
                    self.defects.mark(part)
            self.good += len(passed)
            for part in passed:
                self.plant.step_done(route.steps[part.step].planned_min)
                part.step += 1
                if part.step == route.ahead:
                    route.coming -= 1  # on its way no more: queued at its look-ahead batch station
                if part.step == len(route.steps):
                    self.plant.finish(part)
                    continue
                nxt = route.steps[part.step].buffer
                ev = nxt.put(part, force=nxt is buffer)  # a re-entrant step must not block on itself
                if ev is not None:
                    if watch:
                        yield from self._wait(BLOCKED, ev)
                    else:
                        set_state(BLOCKED)
                        yield ev

    def _inspect(self, parts: list[Part], route: Route) -> list[Part]:
        """The parts the inspection lets pass; a caught one is repaired (the defects caught, not the others)
        and inspected again, or scrapped."""
        inspector = self.inspector
        passed = []
        for part in parts:
            caught = inspector.catches(part) if part.defects else 0
            if not caught:
                passed.append(part)
            elif inspector.repairs():
                part.defects &= ~caught
                self.reworked += 1
                part.reworked = True
                self.plant.rework(route.steps[part.step].planned_min)
                self.buffer.put(part, force=True, front=True)
            else:
                self.scrapped += 1
                self.plant.scrap(part)
        return passed

    def _fill_batch(self, first: Part) -> Generator[simpy.Event, object, list[Part]]:
        """Collect up to a full batch of ``first``'s product, waiting at most ``batch_wait``; with
        look-ahead loading, only while units of the product are on their way (a load waits for no
        unit that is not coming). Under load shifting, a part-full load then waits on (still filling)
        for the cheapest cycle start within ``tariff_hold``, unless one of its units is already past
        its due date."""
        st = self.st
        size = st.batch_size
        route = first.route
        batch = [first]
        batch += self.buffer.take_same(self, route, size - 1)
        # look-ahead counts one batch step a route: its first (engine), a later one waits as fixed
        coming = first.step == route.ahead
        yield from self._fill_until(batch, route, self.env.now + st.batch_wait, coming=coming)
        tariff = st.cycle_tariff
        if tariff is None or len(batch) == size:
            return batch
        now = self.env.now
        due = min(p.due for p in batch)
        if due > now:
            cycle = first.route.steps[first.step].mean_min
            latest = min(now + st.tariff_hold, due)  # never held past a unit's due date
            start = tariff.cheapest_start(now, latest, cycle, self.cal if self.through else None)
            yield from self._fill_until(batch, first.route, start, due_stops=True)
        return batch

    def _fill_until(
        self, batch: list[Part], route: Route, deadline: float, due_stops: bool = False, coming: bool = False
    ) -> Generator[simpy.Event, object, None]:
        """Take units of ``route`` into ``batch`` until it is full or ``deadline``; with ``due_stops``,
        also until a unit taken is due (it must not wait for a cheaper start); with ``coming``, only
        while units of ``route`` are on their way here (:attr:`Route.coming`)."""
        size = self.st.batch_size
        while len(batch) < size and self.env.now < deadline and (not coming or route.coming > 0):
            yield from self._wait(STARVED, self.buffer.watch(), self.env.timeout(deadline - self.env.now))
            taken = self.buffer.take_same(self, route, size - len(batch))
            batch += taken
            if due_stops and taken:
                deadline = min(deadline, *(p.due for p in taken))

    def _wait(
        self, state: int, *events: simpy.Event, cancel: Callable[[simpy.Event], None] | None = None
    ) -> Generator[simpy.Event, object, object]:
        """Wait idle in ``state`` for any of ``events`` and return the first one's value (``None`` if
        another came); meanwhile, what falls due on the work clock (a calendar-basis failure, its
        warning, a false alarm) is handled on the spot.

        With ``cancel``, a request not yet served is taken back when the machine goes down (a part
        must not queue at a machine under repair while another could take it): the value is ``None``.
        The events are raw events, never conditions: a condition that fires drops the callbacks of the
        conditions nested in it, which would then never fire.
        """
        self.set_state(state)
        env = self.env
        if self.fail_mode != CALENDAR:
            return (yield events[0] if len(events) == 1 else simpy.AnyOf(env, events))
        first = events[0]
        while True:
            yield simpy.AnyOf(env, [*events, self._due_event()])
            if any(ev.processed for ev in events):
                return first.value if first.processed else None
            withdrawn = cancel is not None and not first.triggered
            if withdrawn:
                cancel(first)
            yield from self._fall_due(*self._due()[1:])
            if withdrawn:
                return None
            self.set_state(state)

    def _until(self, t: float, work: float) -> float:
        return t + work if self.cal is None else self.cal.advance(t, work)

    def _work_clock(self, t: float) -> float:
        return t if self.cal is None else self.cal.work_clock(t)

    def _due(self) -> tuple[float, int, Mode | None]:
        """Work-clock reading, kind and mode of the next calendar-basis event: a failure, its warning, a false alarm."""
        mode = self.cal_due
        at, kind = self.cal_next, PREDICTED if mode is not None and mode.warn > 0 else FAIL
        if self.fa_clock < at:
            at, kind, mode = self.fa_clock, FALSE_ALARM, None
        return at, kind, mode

    def _due_event(self) -> simpy.Event:
        """A timeout at the next calendar-basis event, made once per event and shared by the waits before it."""
        at = self._due()[0]
        if at != self.due_at:
            now = self.env.now
            t = at if self.cal is None else self.cal.time_at_work(at)
            self.due_at, self.due_event = at, self.env.timeout(max(0.0, t - now))
        return self.due_event

    def _next_event(self, state: int, now: float) -> tuple[float, int, Mode | None]:
        """Producing (or working) minutes until the next breakdown, intervention or drift, and the mode it concerns."""
        left, kind, mode = INF, FAIL, None
        if state == PRODUCING:
            mode = self.op_next
            if mode is not None:
                left, kind = self.ttf_left, PREDICTED if mode.warn > 0 else FAIL
            if self.pm_left < left:
                left, kind, mode = self.pm_left, PREVENTIVE, None
            if self.fa_left < left:
                left, kind, mode = self.fa_left, FALSE_ALARM, None
            if self.drift_left < left:
                left, kind, mode = self.drift_left, DRIFT, None
        if self.fail_mode == CALENDAR:
            at, due, which = self._due()
            c = at - self._work_clock(now)
            if c < left:
                left, kind, mode = c, due, which
        return left, kind, mode

    def _produce(self, state: int, x: float) -> None:
        if state == PRODUCING:
            self.ttf_left -= x
            self.pm_left -= x
            self.fa_left -= x
            self.drift_left -= x

    def _work(self, state: int, d: float) -> Generator[simpy.Event, object, None]:
        """Spend ``d`` working minutes in ``state``, handling whatever falls due on the way.

        A non-interruptible cycle waits for working time to start, then spends ``d`` minutes of
        any time (it runs through breaks and shift ends)."""
        env = self.env
        producing = state == PRODUCING
        through = producing and self.through
        if producing:
            self.seg_t0 = INF
        if through:
            start = self.cal.next_work(env.now)
            if start > env.now:
                self.set_state(OFF)  # all of the wait is off-shift or planned down: the calendar books it
                yield env.timeout(start - env.now)
        while True:
            now = env.now
            left, kind, mode = self._next_event(state, now)
            if d <= left or left > 0:
                x = d if d <= left else left
                self._produce(state, x)
                self.set_state(state)
                if producing:
                    self.seg_t0 = now
                yield env.timeout(x if through else self._until(now, x) - now)
                if producing:
                    self.unit_done += x
                    self.seg_t0 = INF
                if d <= left:
                    return
                d -= x
            if kind == DRIFT:
                self._start_drift()
            else:
                yield from self._fall_due(kind, mode)

    # --- maintenance ---------------------------------------------------------------------------
    def _renew(self, renewed: Iterable[Mode]) -> None:
        """After a repair or an intervention: fresh times to failure for ``renewed``, maybe announced early."""
        m = self.maint
        now = self.env.now
        events = [self.ttf_left + mode.slack for mode in self.op_modes]
        for mode in renewed:
            life = mode.ttf() if mode.first is None else mode.first
            mode.first = None
            mode.warn = 0.0
            if mode.recall > 0 and self.uniform() < mode.recall:
                delay = (m.condition(now) - now) if m.condition else 0.0
                mode.warn = max(0.0, m.lead - delay)
            if mode.calendar:
                mode.at = self._work_clock(now) + life
            else:
                events[self.op_modes.index(mode)] = life - mode.warn
        if self.op_modes:
            self.ttf_left = min(events)
            for mode, event in zip(self.op_modes, events, strict=True):
                mode.slack = event - self.ttf_left
            self.op_next = next(mode for mode in self.op_modes if mode.slack == 0)
        self._next_calendar()

    def _next_calendar(self) -> None:
        if self.cal_modes:
            self.cal_due = min(self.cal_modes, key=lambda mode: mode.at - mode.warn)
            self.cal_next = self.cal_due.at - self.cal_due.warn

    def _stopped(self, since: float) -> None:
        """Calendar-basis modes do not age while the machine is stopped for repair or maintenance."""
        if self.cal_modes:
            stopped = self._work_clock(self.env.now) - since
            for mode in self.cal_modes:
                mode.at += stopped
            self._next_calendar()

    def _next_false_alarm(self) -> None:
        """The next false alarm, on the clock the failures run on (producing time or work clock)."""
        gap = -math.log(1 - self.uniform()) / self.fa_rate if self.fa_rate > 0 else INF
        if self.fail_mode == CALENDAR:
            self.fa_clock = self._work_clock(self.env.now) + gap
        else:
            self.fa_left = gap

    def _fall_due(self, kind: int, mode: Mode | None) -> Generator[simpy.Event, object, None]:
        if kind == FAIL:
            yield from self._repair(mode)
        else:
            yield from self._intervene(kind, mode)

    def _hands_on(self, duration: Sampler) -> Generator[simpy.Event, object, None]:
        """A crew taken, its travel and its work; billed as maintenance hours from when the crew is free."""
        m = self.maint
        if m.crews is not None:
            ev = m.crews.acquire(1)
            if ev is not None:
                yield ev
        start = self.env.now
        if m.travel is not None:
            yield self.env.timeout(self._until(start, m.travel()) - start)
        now = self.env.now
        yield self.env.timeout(self._until(now, duration()) - now)
        self.repair_min += self._work_clock(self.env.now) - self._work_clock(start)
        if m.crews is not None:
            m.crews.release(1)

    def _repair(self, mode: Mode) -> Generator[simpy.Event, object, None]:
        """Breakdown of ``mode``: noticed (alarm or walk-by), crew called, crew comes, repair; renews that mode only."""
        m = self.maint
        self.set_state(DOWN)
        self.failures += 1
        self.spares_cny += mode.spares
        now = self.env.now
        since = self._work_clock(now)
        known = now
        if self.st.networked and m.alarm is not None:
            known = m.alarm(now)
        elif m.walk_by is not None:
            known = self._until(now, m.walk_by())
        if m.call is not None:
            known = m.call(known)
        self.reported_at = known
        if known > now:
            yield self.env.timeout(known - now)
        yield from self._hands_on(mode.ttr)
        self._stopped(since)
        self._renew((mode,))
        if mode.wear and m.pm_every:
            self.pm_left = m.pm_every

    def _intervene(self, kind: int, mode: Mode | None) -> Generator[simpy.Event, object, None]:
        """A maintenance stop inside planned busy time: preventive (renews the wear-out modes), predicted
        (renews the mode foreseen) or a false alarm (renews nothing)."""
        m = self.maint
        if kind == PREVENTIVE and m.crews is not None and (m.crews.free < 1 or m.crews.waiting):
            self.pm_left = PM_RETRY
            return
        self.set_state(MAINTENANCE)
        self.interventions += 1
        renewed = [] if kind == FALSE_ALARM else [x for x in self.modes if x.wear] if kind == PREVENTIVE else [mode]
        self.spares_cny += sum(x.renewal for x in renewed)  # the worn parts it replaces, booked as it starts
        since = self._work_clock(self.env.now)
        yield from self._hands_on(m.pm_duration if kind == PREVENTIVE else m.pdm_duration)
        self._stopped(since)
        if kind == FALSE_ALARM:
            self._next_false_alarm()
            return
        self._renew(renewed)
        if m.pm_every and any(x.wear for x in renewed):
            self.pm_left = m.pm_every

    # --- quality drift -------------------------------------------------------------------------
    def _start_drift(self) -> None:
        """The process drifts: more defects until the correction arrives (quality feedback)."""
        st = self.st
        self.drifts += 1
        self.drift_left = INF
        self.scrap = st.drift_scrap
        self.scrap_or_rework = st.drift_scrap + st.drift_rework
        if self.drift_defects is not None:
            self.defects = self.drift_defects
        now = self.env.now
        self.env.timeout(st.drift_detect(now) - now).callbacks.append(self._end_drift)

    def _end_drift(self, _: simpy.Event) -> None:
        self.scrap = self.st.scrap
        self.scrap_or_rework = self.st.scrap + self.st.rework
        self.defects = self.steady_defects
        self.drift_left = self.drift_gap()
