"""When a batch cycle is cheapest to start under a time-of-use tariff (load shifting, 错峰装炉).

A furnace cycle draws its heating power for a fixed time whenever it starts, so its electricity bill
depends only on the tariff periods the cycle spans. The cost of a cycle of length ``T`` started at
``s`` is ``P(s + T) - P(s)``, with ``P`` the tariff's price integral: piecewise linear in ``s``, with
kinks where the start or the end crosses a period boundary. Its minimum over a window therefore lies
at one of those kinks or at the window's ends, a handful of candidates whatever the window's length.
"""

from __future__ import annotations

import math
from bisect import bisect_right

from twin.sim.calendar import OvertimeCalendar, WorkCalendar
from twin.spec.factory import TariffPeriod, clock_to_min

DAY = 1440.0
LAST_INSTANT = 1e-6
"""How long before a break in working time its last start is (minutes): the start is still working time."""


def daily_tariff(periods: list[TariffPeriod]) -> list[tuple[float, float]]:
    """(start minute, price) of each period of the day in order, from 00:00: the last period given runs on
    past midnight until the first."""
    day = sorted((float(clock_to_min(p.start)), p.price_cny_per_kwh) for p in periods)
    if day[0][0] > 0:
        day.insert(0, (0.0, day[-1][1]))
    return day


class CycleTariff:
    """A daily time-of-use tariff seen by a cycle that cannot pause once started."""

    def __init__(self, periods: list[TariffPeriod]):
        day = daily_tariff(periods)
        self.starts = [s for s, _ in day]
        self.prices = [p for _, p in day]
        self.cum = [0.0]
        for i, price in enumerate(self.prices):
            end = self.starts[i + 1] if i + 1 < len(self.starts) else DAY
            self.cum.append(self.cum[-1] + price * (end - self.starts[i]))

    def integral(self, t: float) -> float:
        """Price × minutes over ``[0, t]`` (CNY/kWh × min)."""
        days, r = divmod(t, DAY)
        i = bisect_right(self.starts, r) - 1
        return days * self.cum[-1] + self.cum[i] + self.prices[i] * (r - self.starts[i])

    def cost(self, start: float, length: float) -> float:
        """Price × minutes of a cycle of ``length`` minutes started at ``start``."""
        return self.integral(start + length) - self.integral(start)

    def cheapest_start(
        self, earliest: float, latest: float, length: float, calendar: WorkCalendar | OvertimeCalendar | None = None
    ) -> float:
        """The earliest of the cheapest starts in ``[earliest, latest]`` of a cycle of ``length`` minutes.

        With a ``calendar`` a cycle starts only in its working time: a wanted start off-shift moves to
        the next working instant, one that could only start after ``latest`` is not a candidate (a load
        held into a Sunday would wait for Monday), and the last instant before each break in working time
        is one (the cost may fall all the way to it). ``earliest`` itself always is, as the station's
        own next working time.
        """
        kinks = {earliest, latest}
        first, last = math.floor(earliest / DAY), math.floor((latest + length) / DAY)
        for day in range(first, last + 1):
            for s in self.starts:
                t = day * DAY + s
                for c in (t, t - length):
                    if earliest < c < latest:
                        kinks.add(c)
        if calendar is None:
            starts = kinks
        else:
            starts = {calendar.next_work(earliest)}
            starts |= {s for s in map(calendar.next_work, kinks) if s <= latest}
            t = calendar.next_work(earliest)
            while t <= latest:
                end = calendar.work_end(t)
                if end > latest:
                    break
                starts.add(end - LAST_INSTANT)
                t = calendar.next_work(end)
        best, best_cost = math.inf, math.inf
        for start in sorted(starts):
            cost = self.cost(start, length)
            if cost < best_cost - 1e-9:  # a tie keeps the earlier start
                best, best_cost = start, cost
        return best
