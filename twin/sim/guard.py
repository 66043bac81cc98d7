"""A guard against runs that cannot end: the event count explodes while simulated time stands still.

A model can be valid and still not be simulable — a step of 1e-9 min under saturated release, an
order every 1e-5 min — and would then run for ever. The guard steps the SimPy environment itself
in chunks (no cost per event beyond SimPy's own loop) and, every ``WINDOW`` events, checks that
simulated time advanced by at least ``WINDOW / MAX_RATE`` minutes. If not, it names the field
whose rate exploded, from the counters that grew fastest in that window.
"""

from __future__ import annotations

from itertools import repeat
from typing import TYPE_CHECKING

from simpy.core import StopSimulation
from simpy.events import URGENT, Event

from twin.spec.errors import RunError

if TYPE_CHECKING:
    from twin.sim.engine import Simulation

CHUNK = 1 << 14
WINDOW = 1 << 18
MAX_RATE = 50_000
"""Events per simulated minute: the shipped plants make 2-5, a line of 200 machines at 0.1 min a few thousand."""


class RunGuard:
    """Advances one simulation to each checkpoint; raises :class:`RunError` when its event rate explodes."""

    def __init__(self, sim: Simulation):
        self.sim = sim
        self.events = 0
        self.window_events = 0
        self.window_time = 0.0
        self.window_counts = self._counts()

    def advance(self, until: float) -> None:
        """Run the environment until ``until`` exactly as ``env.run(until)`` does (an urgent stop event
        before the events due then, built the way SimPy builds it), but in counted chunks."""
        env = self.sim.env
        stop = Event(env)
        stop._ok, stop._value = True, None
        env.schedule(stop, URGENT, until - env.now)
        stop.callbacks.append(StopSimulation.callback)
        step = env.step
        try:
            while True:
                for _ in repeat(None, CHUNK):
                    step()
                self.events += CHUNK
                if self.events - self.window_events >= WINDOW:
                    self._check()
        except StopSimulation:
            return

    def _check(self) -> None:
        now = self.sim.env.now
        counts = self._counts()
        span = now - self.window_time
        if span < WINDOW / MAX_RATE:
            grown = {key: n - self.window_counts.get(key, 0) for key, n in counts.items()}
            raise RunError(self._message(grown, self.events - self.window_events, span))
        self.window_events, self.window_time, self.window_counts = self.events, now, counts

    def _counts(self) -> dict[tuple[str, int], int]:
        """Counters that grow with the work a model makes: orders, units, breakdowns, interventions, drifts."""
        sim = self.sim
        out: dict[tuple[str, int], int] = {}
        if sim.release is not None:
            out.update((("orders", i), n) for i, n in sim.release.arrived.items())
        for k, group in enumerate(sim.machines):
            out["units", k] = sim.buffers[k].taken
            out["failures", k] = sum(m.failures for m in group)
            out["interventions", k] = sum(m.interventions for m in group)
            out["drifts", k] = sum(m.drifts for m in group)
        return out

    def _message(self, grown: dict[tuple[str, int], int], events: int, span: float) -> str:
        (kind, i), n = max(grown.items(), key=lambda kv: kv[1])
        field, what = self._cause(kind, i)
        rate = f"about {_round(n / span):,} {what} per simulated minute" if span > 0 else f"{n:,} {what} at one instant"
        return (
            f"{field}: {rate}; expected a plant that can be simulated "
            f"({events:,} events in {span:.3g} simulated minutes, limit {MAX_RATE:,} a minute)"
        )

    def _cause(self, kind: str, i: int) -> tuple[str, str]:
        """The field path behind a counter and what it counts."""
        f = self.sim.factory
        if kind == "orders":
            return f"products[{i}].demand.interarrival_min", "orders"
        st = f.stations[i]
        if kind == "failures":
            return f"stations[{i}].failures.ttf_min", "breakdowns"
        if kind == "drifts":
            return f"stations[{i}].quality.drift.mtbd_min", "process drifts"
        if kind == "interventions":
            regime = f.policies.maintenance.regime
            if regime == "preventive":
                return "policies.maintenance.preventive.every_min", f"interventions at station {st.name!r}"
            return f"stations[{i}].failures.ttf_min", f"predicted failures and false alarms at station {st.name!r}"
        steps = [
            (step.time_min.mean, p, j)
            for p, product in enumerate(f.products)
            for j, step in enumerate(product.routing)
            if step.station == st.name
        ]
        _, p, j = min(steps, default=(0.0, None, None))
        where = f"products[{p}].routing[{j}].time_min" if p is not None else f"stations[{i}]"
        return where, f"units at station {st.name!r}"


def _round(x: float) -> int:
    """``x`` to three significant figures, as a whole number."""
    return round(float(f"{x:.3g}"))
