"""Information flows at run time: how long a message takes along a flow's path.

Each interface (edge) delays a message by its mode — a manual hand-over waits for working time
and takes a person's handling time, a batch interface waits for its next run, a realtime one only
its latency — plus redo on error and waiting out an outage. Every edge of every flow draws from
its own random stream per consumer (a machine's alarms, a station's material calls), so switching
one interface to realtime leaves other flows' numbers alone, and a change at one machine leaves
the messages of every other machine as they were.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from twin.sim.calendar import WorkCalendar
from twin.sim.rng import Streams, uniform_sampler
from twin.spec.distributions import Sampler
from twin.spec.errors import RunError
from twin.spec.information import Information, Interface

MAX_ATTEMPTS = 10_000
"""Hand-overs of one message before a run stops: an interface that loses nearly every message
would otherwise loop for ever (error 0.99 needs 100 attempts on average; 10,000 fail with p < 1e-43)."""


class _Edge:
    __slots__ = ("itf", "where", "latency", "uniform", "outage")

    def __init__(self, itf: Interface, where: str, latency: Sampler, uniform: Sampler, outage: Sampler):
        self.itf, self.where, self.latency, self.uniform, self.outage = itf, where, latency, uniform, outage


class InfoNetwork:
    """Delay sampler for each flow of a factory's information layer, per consumer."""

    def __init__(self, info: Information, calendar: WorkCalendar | None, streams: Streams):
        self.info = info
        self.calendar = calendar
        self.streams = streams
        self.paths: dict[tuple[str, str | None], list[_Edge]] = {}

    def has(self, flow: str) -> bool:
        return flow in self.info.flows

    def arrival(self, flow: str, t: float, consumer: str | None = None) -> float:
        """Time at which a message sent at ``t`` along ``flow`` is delivered.

        ``consumer`` names whose messages these are (e.g. ``"milling/2"``); each consumer's hops
        draw from their own streams, created at its first message.
        """
        edges = self.paths.get((flow, consumer))
        if edges is None:
            edges = self.paths[flow, consumer] = self._edges(flow, consumer)
        for edge in edges:
            t = self._edge(edge, t)
        return t

    def sender(self, flow: str, consumer: str | None = None) -> Callable[[float], float]:
        """The delivery-time function of ``flow`` for one consumer."""
        return lambda t: self.arrival(flow, t, consumer)

    def _edges(self, flow: str, consumer: str | None) -> list[_Edge]:
        nodes = self.info.flows[flow]
        edges = []
        for i, (a, b) in enumerate(zip(nodes, nodes[1:], strict=False)):
            itf: Interface = self.info.interface(flow, a, b)
            key = f"info/{flow}/{i}/{a}-{b}" + (f"/{consumer}" if consumer else "")
            uniform = uniform_sampler(self.streams(key + "/events"))
            outage = float(itf.outage_min)
            latency = itf.latency_min.sampler(self.streams(key + "/latency"))
            where = f"information.interfaces[{next(k for k, x in enumerate(self.info.interfaces) if x is itf)}]"
            edges.append(_Edge(itf, where, latency, uniform, lambda u=uniform, m=outage: -m * math.log(1 - u())))
        return edges

    def _edge(self, edge: _Edge, t: float) -> float:
        itf = edge.itf
        for _ in range(MAX_ATTEMPTS):
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
        raise RunError(
            f"{edge.where}.error: {itf.error:g} means about {1 / (1 - itf.error):,.0f} hand-overs per message "
            f"({MAX_ATTEMPTS:,} failed in a row); expected an interface that gets messages through (error below 0.99)"
        )

    def staleness(self, flow: str) -> Callable[[float], float]:
        """Cut-off function: at time ``now`` the receiver knows the state as of ``cutoff(now)``.

        Uses mean latencies (state refresh is periodic, not a random message per decision).
        """
        nodes = self.info.flows[flow]
        itfs = [self.info.interface(flow, a, b) for a, b in zip(nodes, nodes[1:], strict=False)]
        lag = sum(itf.latency_min.mean for itf in itfs)
        period = max((itf.every_min or 0.0) for itf in itfs)
        if period > 0:
            return lambda now: math.floor((now - lag) / period) * period
        return lambda now: now - lag
