"""What the machines of one station share at run time: queue, crew, material, rules and settings."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass

import simpy

from twin.sim.buffer import Buffer
from twin.sim.calendar import WEEK, OvertimeCalendar, WorkCalendar
from twin.sim.operators import OperatorPool
from twin.sim.parts import Route
from twin.sim.tariff import CycleTariff, daily_tariff
from twin.spec.distributions import Sampler
from twin.spec.factory import TariffPeriod

Arrival = Callable[[float], float]
"""Time a message sent at t is delivered (an information flow)."""


class LineStock:
    """Line-side material of a station: a :class:`simpy.Container` consumed per unit, refilled by calls.

    A call goes out when the stock falls to the reorder point or can no longer serve the station's
    largest need (a full batch), so a batch station never waits for a bin nobody called. Takers are
    served first come, first served, as the container serves them.
    """

    def __init__(
        self,
        env: simpy.Environment,
        bin_units: int,
        reorder: int,
        call: Arrival | None,
        delivery: Sampler,
        need: int = 1,
    ):
        self.env = env
        self.bin = simpy.Container(env, init=bin_units)
        self.bin_units = bin_units
        self.call_at = max(reorder, need - 1)
        self.call, self.delivery = call, delivery
        self.outstanding = False
        self.calls = 0

    @property
    def level(self) -> float:
        return self.bin.level

    def take(self, n: int) -> simpy.Event | None:
        """Consume ``n`` units now (``None``) or get an event fired once they are there."""
        ev = self.bin.get(n)
        self._maybe_call()
        return None if ev.triggered else ev

    def _maybe_call(self, _: simpy.Event | None = None) -> None:
        if self.outstanding or self.bin.level > self.call_at:
            return
        self.outstanding = True
        self.calls += 1
        now = self.env.now
        known = self.call(now) if self.call else now
        self.env.timeout(known + self.delivery() - now).callbacks.append(self._deliver)

    def _deliver(self, _: simpy.Event) -> None:
        self.outstanding = False
        self.bin.put(self.bin_units).callbacks.append(self._maybe_call)


class PriceCurve:
    """Time-of-use electricity price, integrated over working, planned-down and off-shift time apart.

    Each kind of time draws its own power, so each is priced by the tariff over the times it actually
    occupies. A week of tariff periods with cumulative sums of price × minutes of each kind makes the
    integral up to any time a binary search and one calendar split.
    """

    def __init__(self, periods: list[TariffPeriod], calendar: WorkCalendar | None):
        day = daily_tariff(periods)
        self.cal = calendar
        self._starts = [d * 1440 + s for d in range(7) for s, _ in day]
        self._prices = [p for _ in range(7) for _, p in day]
        self._cum = [(0.0, 0.0, 0.0)]
        for i, (start, price) in enumerate(zip(self._starts, self._prices, strict=True)):
            end = self._starts[i + 1] if i + 1 < len(self._starts) else WEEK
            w, p, o = self._split(start, end)
            c = self._cum[-1]
            self._cum.append((c[0] + price * w, c[1] + price * p, c[2] + price * o))

        # the calendar's clocks at each period's start in the first week: a later week's are these plus
        # whole weeks, so pricing a time reads the calendar's clocks once, at that time
        cal = self.cal
        self._clocks = [(cal.work_clock(a), cal.planned_clock(a)) if cal else (0.0, 0.0) for a in self._starts]

    def _split(self, t0: float, t1: float) -> tuple[float, float, float]:
        return (t1 - t0, 0.0, 0.0) if self.cal is None else self.cal.split(t0, t1)

    def integrals(self, t: float) -> tuple[float, float, float]:
        """Price × minutes of working, planned-down and off-shift time in ``[0, t]`` (CNY/kWh × min)."""
        weeks, r = divmod(t, WEEK)
        i = bisect_right(self._starts, r) - 1
        price = self._prices[i]
        cal = self.cal
        if cal is None:
            w, p, o = t - (weeks * WEEK + self._starts[i]), 0.0, 0.0
        else:  # as cal.split(start of the period, t)
            wc, pc = self._clocks[i]
            w = cal.work_clock(t) - (weeks * cal.week_work + wc)
            p = cal.planned_clock(t) - (weeks * cal.week_planned + pc)
            o = max(0.0, (t - (weeks * WEEK + self._starts[i])) - w - p)
        week, cum = self._cum[-1], self._cum[i]
        return (
            weeks * week[0] + cum[0] + price * w,
            weeks * week[1] + cum[1] + price * p,
            weeks * week[2] + cum[2] + price * o,
        )


class OvertimePriceCurve:
    """A time-of-use price over a calendar with overtime: overtime minutes move from off-shift to working
    time, each priced at the tariff of when it was worked."""

    def __init__(self, periods: list[TariffPeriod], calendar: OvertimeCalendar):
        self.cal = calendar
        self.curve = PriceCurve(periods, calendar.base)
        self._priced = [0.0]
        """Price × minutes of the called overtime slots before each one."""

    def _price_minutes(self, t0: float, t1: float) -> float:
        return sum(self.curve.integrals(t1)) - sum(self.curve.integrals(t0))

    def integrals(self, t: float) -> tuple[float, float, float]:
        w, p, o = self.curve.integrals(t)
        starts, ends, priced = self.cal.called_starts, self.cal.called_ends, self._priced
        while len(priced) <= len(starts):  # price the slots called since the last reading
            i = len(priced) - 1
            priced.append(priced[-1] + self._price_minutes(starts[i], ends[i]))
        i = bisect_right(starts, t)
        if i == 0:
            return w, p, o
        # past the last slot begun: all of it, as priced when it was called
        ot = priced[i] if t >= ends[i - 1] else priced[i - 1] + self._price_minutes(starts[i - 1], t)
        return w + ot, p, o - ot


def price_curve(
    periods: list[TariffPeriod], calendar: WorkCalendar | OvertimeCalendar | None
) -> PriceCurve | OvertimePriceCurve:
    """The price curve of ``periods`` over ``calendar``, whatever kind of calendar it is."""
    if isinstance(calendar, OvertimeCalendar):
        return OvertimePriceCurve(periods, calendar)
    return PriceCurve(periods, calendar)


@dataclass
class Maintenance:
    """How breakdowns reach a repair crew, and which maintenance interventions replace them."""

    crews: OperatorPool | None
    travel: Sampler | None
    walk_by: Sampler | None
    alarm: Arrival | None
    call: Arrival | None
    pm_every: float | None
    pm_duration: Sampler | None
    recall: float
    precision: float
    lead: float
    pdm_duration: Sampler | None
    condition: Arrival | None


@dataclass
class StationRuntime:
    """What the machines of one station share: queue, crew, material, rules and settings.

    ``drift_detect`` and ``maintenance`` are each machine's own (its own random streams and
    messages), so every machine after the first holds a copy with those two replaced.
    """

    index: int
    buffer: Buffer
    setup: Callable[[Route, Route], Sampler | None]
    scrap: float
    rework: float
    drift_scrap: float
    drift_rework: float
    drift_detect: Arrival | None
    crew: OperatorPool | None
    crew_size: int
    batch_size: int
    batch_wait: float
    tariff_hold: float
    """Longest extra hold of a part-full load for a cheaper cycle start (0: none)."""
    cycle_tariff: CycleTariff | None
    stock: LineStock | None
    networked: bool
    power: tuple[float, ...] | None
    """kW by state index; ``None`` when the station draws nothing (skips energy bookkeeping)."""
    standby_kw: float
    switch_off_after: float | None
    price: PriceCurve | None
    flat_price: float
    maintenance: Maintenance
    non_interruptible: bool = False
    """A cycle once started runs to its end through breaks and shift ends (see :class:`~twin.sim.machine.Machine`)."""
