"""Overtime: a planner who has a shift stay longer when the plant has fallen behind its customers.

The trigger is what a planner looks at before asking people to stay: units of customer orders already
past their due date and not yet shipped. Nothing else changes: the extra hours are worked by everything
that follows the plant's calendar, as the calendar (:class:`~twin.sim.calendar.OvertimeCalendar`) says,
and they are paid at a premium (:mod:`twin.kpi.iso22400`).
"""

from __future__ import annotations

import heapq
from collections.abc import Generator

import simpy

from twin.sim.calendar import OvertimeCalendar


class LateOrders:
    """Units of customer orders past due and still open (neither shipped nor scrapped), read when asked.

    Counts, not a scan of the floor: units ordered whose due date has passed, less units closed whose
    due date has passed. Closing a unit costs one comparison (and a heap push if it closes early).
    """

    __slots__ = ("_ordered", "_closed_early", "ordered_due", "closed_due")

    def __init__(self) -> None:
        self._ordered: list[tuple[float, int]] = []
        self._closed_early: list[float] = []
        self.ordered_due = 0
        self.closed_due = 0

    def order(self, due: float, qty: int) -> None:
        heapq.heappush(self._ordered, (due, qty))

    def close(self, due: float, now: float) -> None:
        if due <= now:
            self.closed_due += 1
        else:
            heapq.heappush(self._closed_early, due)

    def late_units(self, now: float) -> int:
        ordered, early = self._ordered, self._closed_early
        while ordered and ordered[0][0] <= now:
            self.ordered_due += heapq.heappop(ordered)[1]
        while early and early[0] <= now:
            heapq.heappop(early)
            self.closed_due += 1
        return self.ordered_due - self.closed_due


def overtime_planner(
    env: simpy.Environment,
    calendars: list[OvertimeCalendar],
    late: LateOrders,
    notice: float,
    threshold: int,
) -> Generator[simpy.Event, object, None]:
    """``notice`` minutes before each possible overtime slot, call it if ``threshold`` or more units are
    late; every calendar derived from the plant's works the same slots."""
    for start, end in calendars[0].slots_from(0.0):
        t = start - notice
        if t > env.now:
            yield env.timeout(t - env.now)
        if late.late_units(env.now) >= threshold:
            for cal in calendars:
                cal.call(start, end)
