"""Information flows at run time: how long a message takes along a flow's path.

Each interface (edge) delays a message by its mode — a manual hand-over waits for working time
and takes a person's handling time, a batch interface waits for its next run, a realtime one only
its latency — plus redo on error and waiting out an outage. Every edge of every flow draws from
its own random stream, so switching one interface to realtime leaves other flows' numbers alone.
"""

from __future__ import annotations

import math

from twin.sim.calendar import WorkCalendar
from twin.sim.rng import Streams, uniform_sampler
from twin.spec.distributions import Sampler
from twin.spec.information import Information, Interface


class _Edge:
    __slots__ = ("itf", "latency", "uniform", "outage")

    def __init__(self, itf: Interface, latency: Sampler, uniform: Sampler, outage: Sampler):
        self.itf, self.latency, self.uniform, self.outage = itf, latency, uniform, outage


class InfoNetwork:
    """Delay sampler for each flow of a factory's information layer."""

    def __init__(self, info: Information, calendar: WorkCalendar | None, streams: Streams):
        self.calendar = calendar
        self.paths: dict[str, list[_Edge]] = {}
        for flow, nodes in info.flows.items():
            edges = []
            for i, (a, b) in enumerate(zip(nodes, nodes[1:], strict=False)):
                itf: Interface = info.interface(flow, a, b)
                key = f"info/{flow}/{i}/{a}-{b}"
                uniform = uniform_sampler(streams(key + "/events"))
                outage = float(itf.outage_min)
                latency = itf.latency_min.sampler(streams(key + "/latency"))
                edges.append(_Edge(itf, latency, uniform, lambda u=uniform, m=outage: -m * math.log(1 - u())))
            self.paths[flow] = edges

    def has(self, flow: str) -> bool:
        return flow in self.paths

    def arrival(self, flow: str, t: float) -> float:
        """Time at which a message sent at ``t`` along ``flow`` is delivered."""
        for edge in self.paths[flow]:
            t = self._edge(edge, t)
        return t

    def _edge(self, edge: _Edge, t: float) -> float:
        itf = edge.itf
        while True:
            if itf.mode == "batch":
                t = math.ceil(t / itf.every_min) * itf.every_min
            if itf.mode == "manual" and self.calendar is not None:
                t = self.calendar.advance(self.calendar.next_work(t), edge.latency())
            else:
                t += edge.latency()
            if itf.availability < 1 and edge.uniform() > itf.availability:
                t += edge.outage()
            if itf.error > 0 and edge.uniform() < itf.error:
                continue  # lost or wrong: the hand-over is redone
            return t

    def staleness(self, flow: str):
        """Cut-off function: at time ``now`` the receiver knows the state as of ``cutoff(now)``.

        Uses mean latencies (state refresh is periodic, not a random message per decision).
        """
        edges = self.paths[flow]
        lag = sum(e.itf.latency_min.mean for e in edges)
        period = max((e.itf.every_min or 0.0) for e in edges)
        if period > 0:
            return lambda now: math.floor((now - lag) / period) * period
        return lambda now: now - lag
