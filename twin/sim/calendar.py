"""The working calendar as arithmetic, not as events.

A week is cut into segments that are working time, planned down time (breaks, planned stops) or
off-shift. With cumulative sums over the segments, "how much working time lies between t0 and t1"
and "when will w minutes of work be done if started at t" are binary searches. Machines therefore
never need a shift process to stop them: they schedule work in working time and their state
intervals are split into working, planned-down and off-shift time when they are accounted.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterator

from twin.spec.factory import Calendar, Overtime, clock_to_min

WEEK = 7 * 1440.0
WORK, PLANNED, OFF = 0, 1, 2


class WorkCalendar:
    """Weekly working pattern built from a :class:`~twin.spec.factory.Calendar` spec."""

    def __init__(self, spec: Calendar):
        self.n_shifts = len(spec.shifts)
        shifts: list[tuple[float, float, int]] = []
        for day in range(spec.days_per_week):
            for k, s in enumerate(spec.shifts):
                a = day * 1440 + clock_to_min(s.start)
                shifts.append((a, a + s.hours * 60, k))
        stops: list[tuple[float, float]] = []
        for a, b, _ in shifts:
            day0 = int(a // 1440)
            for br in spec.breaks:
                for day in (day0, day0 + 1):
                    bs = day * 1440 + clock_to_min(br.start)
                    stops.append((max(a, bs), min(b, bs + br.minutes)))
        for pd in spec.planned_downtime:
            a = pd.day * 1440 + clock_to_min(pd.start)
            stops.append((a, a + pd.minutes))
        shifts = [piece for a, b, k in shifts for piece in _wrap(a, b, k)]
        stops = [(a, b) for s0, s1 in stops if s1 > s0 for a, b, _ in _wrap(s0, s1, -1)]

        cuts = sorted({0.0, WEEK, *(x for a, b, _ in shifts for x in (a, b)), *(x for s in stops for x in s)})
        segs: list[tuple[float, float, int, int]] = []
        for a, b in zip(cuts, cuts[1:], strict=False):
            mid = (a + b) / 2
            shift = next((k for s0, s1, k in shifts if s0 <= mid < s1), -1)
            kind = OFF if shift < 0 else PLANNED if any(s0 <= mid < s1 for s0, s1 in stops) else WORK
            if segs and segs[-1][2] == kind and segs[-1][3] == shift:
                segs[-1] = (segs[-1][0], b, kind, shift)
            else:
                segs.append((a, b, kind, shift))
        self._starts = [s[0] for s in segs]
        self._kinds = [s[2] for s in segs]
        self._shift = [s[3] for s in segs]
        self._work_cum, self._plan_cum = [0.0], [0.0]
        for a, b, kind, _ in segs:
            self._work_cum.append(self._work_cum[-1] + (b - a) * (kind == WORK))
            self._plan_cum.append(self._plan_cum[-1] + (b - a) * (kind == PLANNED))
        self.week_work = self._work_cum[-1]
        self.week_planned = self._plan_cum[-1]
        if self.week_work <= 0:
            raise ValueError("the calendar has no working time")
        work = [(a, self._work_cum[i], self._work_cum[i + 1]) for i, (a, _, kind, _) in enumerate(segs) if kind == WORK]
        self._ws_start = [w[0] for w in work]
        self._ws_cum0 = [w[1] for w in work]
        self._ws_cum1 = [w[2] for w in work]
        self._segs = segs
        self._never_stops = all(kind == WORK for kind in self._kinds)

    def _locate(self, t: float) -> tuple[float, float, int]:
        weeks, r = divmod(t, WEEK)
        return weeks, r, bisect_right(self._starts, r) - 1

    def work_clock(self, t: float) -> float:
        """Working minutes elapsed from time 0 to ``t``."""
        weeks, r, i = self._locate(t)
        inside = (r - self._starts[i]) if self._kinds[i] == WORK else 0.0
        return weeks * self.week_work + self._work_cum[i] + inside

    def planned_clock(self, t: float) -> float:
        weeks, r, i = self._locate(t)
        inside = (r - self._starts[i]) if self._kinds[i] == PLANNED else 0.0
        return weeks * self.week_planned + self._plan_cum[i] + inside

    def split(self, t0: float, t1: float) -> tuple[float, float, float]:
        """(working, planned down, off-shift) minutes in ``[t0, t1]``."""
        w = self.work_clock(t1) - self.work_clock(t0)
        p = self.planned_clock(t1) - self.planned_clock(t0)
        return w, p, max(0.0, (t1 - t0) - w - p)

    def time_at_work(self, clock: float) -> float:
        """Earliest time at which the work clock reads ``clock``."""
        weeks, rem = divmod(clock, self.week_work)
        if rem == 0 and weeks > 0:
            weeks, rem = weeks - 1, self.week_work
        i = bisect_left(self._ws_cum1, rem)
        return weeks * WEEK + self._ws_start[i] + (rem - self._ws_cum0[i])

    def advance(self, t: float, work: float) -> float:
        """Time at which ``work`` minutes of working time, started at ``t``, are done."""
        if work <= 0:
            return t
        # max: a work amount below float resolution of the clock must not move time backwards
        return max(t, self.time_at_work(self.work_clock(t) + work))

    def next_work(self, t: float) -> float:
        """Earliest working instant at or after ``t``."""
        weeks, r, i = self._locate(t)
        if self._kinds[i] == WORK:
            return t
        j = bisect_right(self._ws_start, r)
        if j == len(self._ws_start):
            return (weeks + 1) * WEEK + self._ws_start[0]
        return weeks * WEEK + self._ws_start[j]

    def work_end(self, t: float) -> float:
        """First instant at or after ``t`` that is not working time (``inf`` for a calendar that never stops)."""
        if self._never_stops:
            return math.inf
        weeks, _, i = self._locate(t)
        if self._kinds[i] != WORK:
            return t
        while self._kinds[i] == WORK:
            i += 1
            if i == len(self._kinds):
                weeks, i = weeks + 1, 0
        return weeks * WEEK + self._starts[i]

    def shift_at(self, t: float) -> int:
        """Index of the shift covering ``t``, or -1 off-shift."""
        return self._shift[self._locate(t)[2]]

    def shift_changes(self) -> Iterator[tuple[float, int]]:
        """(time, shift index or -1) at every change of the covering shift, from time 0."""
        weeks = 0
        last = None
        changed = True
        while changed:  # a week without a change (one shift around the clock): it never changes again
            changed = weeks == 0
            for a, _, _, shift in self._segs:
                if shift != last:
                    yield weeks * WEEK + a, shift
                    last = shift
                    changed = True
            weeks += 1

    def shift_minutes(self, t0: float, t1: float) -> list[float]:
        """On-shift minutes (working + planned down) per shift in ``[t0, t1]``; paid time."""
        out = [0.0] * self.n_shifts
        t = t0
        while t < t1:
            weeks, r, i = self._locate(t)
            end = min(t1, weeks * WEEK + (self._starts[i + 1] if i + 1 < len(self._starts) else WEEK))
            if self._shift[i] >= 0:
                out[self._shift[i]] += end - t
            t = end
        return out


def overtime_slots(spec: Calendar, overtime: Overtime) -> list[tuple[float, float]]:
    """(start, end) minutes from Monday 00:00 of the week's possible overtime: ``overtime.hours`` after
    the end of its shift on each of its days (every working day if none are named), sorted."""
    shift = next(s for s in spec.shifts if s.name == overtime.shift)
    days = overtime.days or range(spec.days_per_week)
    slots = []
    for day in sorted(set(days)):
        a = day * 1440 + clock_to_min(shift.start) + shift.hours * 60
        slots.append((a, a + overtime.hours * 60))
    return slots


class OvertimeCalendar:
    """A working calendar plus the overtime the planner has called so far.

    Overtime lies in time off, after a shift (:func:`overtime_slots`); the planner decides each slot
    before it starts (:meth:`call`), in time order. A slot not called reads as time off, so nothing asked
    before a decision changes with it unless it reaches past the decision. Clocks stay closed forms: the
    base pattern's plus the overtime worked before, found by binary search over the called slots. Same
    interface as :class:`WorkCalendar`; overtime is working time of the extended shift with no breaks.
    """

    def __init__(self, spec: Calendar, overtime: Overtime):
        self.base = WorkCalendar(spec)
        self.n_shifts = self.base.n_shifts
        self.shift = [s.name for s in spec.shifts].index(overtime.shift)
        self.slots = overtime_slots(spec, overtime)
        self.called_starts: list[float] = []
        self.called_ends: list[float] = []
        """Start and end of every slot called, in order."""
        self._cum = [0.0]
        """Overtime minutes of the called slots before each one (and in all, last)."""
        self._clock_at = []
        """Work clock at the start of each called slot."""

    def slots_from(self, t: float) -> Iterator[tuple[float, float]]:
        """Endless possible overtime slots (start, end) starting at or after ``t``, in order."""
        week = int(t // WEEK)
        while True:
            for a, b in self.slots:
                start = week * WEEK + a
                if start >= t:
                    yield start, week * WEEK + b
            week += 1

    def call(self, start: float, end: float) -> None:
        """Work the slot ``[start, end)``: decided before it starts, after every slot called before."""
        if self.called_ends and start < self.called_ends[-1]:
            raise ValueError("overtime called out of order")
        self._clock_at.append(self.base.work_clock(start) + self._cum[-1])
        self.called_starts.append(start)
        self.called_ends.append(end)
        self._cum.append(self._cum[-1] + end - start)

    def overtime_minutes(self, t: float) -> float:
        """Minutes of overtime worked in ``[0, t]``."""
        ends = self.called_ends
        if not ends or t >= ends[-1]:  # the common case: now, after every slot called so far
            return self._cum[-1]
        i = bisect_right(self.called_starts, t)
        if i == 0:
            return 0.0
        return self._cum[i - 1] + min(t, self.called_ends[i - 1]) - self.called_starts[i - 1]

    def overtime_between(self, t0: float, t1: float) -> float:
        return self.overtime_minutes(t1) - self.overtime_minutes(t0)

    def _inside(self, t: float) -> bool:
        i = bisect_right(self.called_starts, t)
        return i > 0 and t < self.called_ends[i - 1]

    def work_clock(self, t: float) -> float:
        return self.base.work_clock(t) + self.overtime_minutes(t)

    def planned_clock(self, t: float) -> float:
        return self.base.planned_clock(t)

    def split(self, t0: float, t1: float) -> tuple[float, float, float]:
        w = self.work_clock(t1) - self.work_clock(t0)
        p = self.planned_clock(t1) - self.planned_clock(t0)
        return w, p, max(0.0, (t1 - t0) - w - p)

    def time_at_work(self, clock: float) -> float:
        i = bisect_left(self._clock_at, clock)
        if i == 0:
            return self.base.time_at_work(clock)
        j = i - 1
        if clock <= self._clock_at[j] + (self.called_ends[j] - self.called_starts[j]):
            return self.called_starts[j] + (clock - self._clock_at[j])
        return self.base.time_at_work(clock - self._cum[i])

    def advance(self, t: float, work: float) -> float:
        if work <= 0:
            return t
        return max(t, self.time_at_work(self.work_clock(t) + work))

    def next_work(self, t: float) -> float:
        if self._inside(t):
            return t
        nxt = self.base.next_work(t)
        i = bisect_left(self.called_starts, t)
        return min(nxt, self.called_starts[i]) if i < len(self.called_starts) else nxt

    def work_end(self, t: float) -> float:
        end = t
        while end < math.inf:
            if self._inside(end):
                end = self.called_ends[bisect_right(self.called_starts, end) - 1]
            elif self.base.next_work(end) == end:
                end = self.base.work_end(end)
            else:
                break
        return end

    def shift_at(self, t: float) -> int:
        return self.shift if self._inside(t) else self.base.shift_at(t)

    def shift_changes(self) -> Iterator[tuple[float, int]]:
        """Every time the covering shift may change (the base pattern's changes and the start and end of
        every possible overtime slot), with the shift as known when asked: read :meth:`shift_at` on
        arrival, since overtime called in between changes it."""
        base = self.base.shift_changes()
        slots = self.slots_from(0.0)
        tb = next(base, (math.inf, -1))[0]
        pending = list(next(slots))
        while True:
            t = min(tb, pending[0])
            if t == tb:
                tb = next(base, (math.inf, -1))[0]
            if t == pending[0]:
                pending.pop(0)
                if not pending:
                    pending = list(next(slots))
            yield t, self.shift_at(t)

    def shift_minutes(self, t0: float, t1: float) -> list[float]:
        out = self.base.shift_minutes(t0, t1)
        out[self.shift] += self.overtime_between(t0, t1)
        return out


def _wrap(a: float, b: float, k: int) -> list[tuple[float, float, int]]:
    """Fold an interval into the week ``[0, WEEK)``."""
    if b <= WEEK:
        return [(a, b, k)]
    return [(a, WEEK, k), (0.0, b - WEEK, k)]
