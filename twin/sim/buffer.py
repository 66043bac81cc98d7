"""Input buffers with finite capacity, blocking and dispatching rules.

A buffer hands a part straight to a waiting machine, queues it, or, when full, makes the
upstream machine wait (blocking after service). Machines take parts by the station's dispatching
rule, kept in a queue built for it (:mod:`twin.sim.queues`). Events are created only when
someone must wait, which keeps the hot path cheap.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

import simpy

from twin.sim.queues import AtcsParams, make_queue

if TYPE_CHECKING:
    from twin.sim.machine import Machine
    from twin.sim.parts import Part


class Buffer:
    """The queue in front of one station, shared by its machines."""

    __slots__ = (
        "env",
        "capacity",
        "queue",
        "getters",
        "putters",
        "watchers",
        "source",
        "area",
        "t_last",
        "wait_sum",
        "taken",
        "on_starving",
    )

    def __init__(
        self,
        env: simpy.Environment,
        capacity: int | None,
        rule: str,
        by_route: bool = False,
        cutoff: Callable[[float], float] | None = None,
        atcs: AtcsParams | None = None,
    ):
        """``by_route``: batch station (takes units of one product); ``cutoff``: stale dispatching view;
        ``atcs``: the station's parameters for the ATCS rule."""
        self.env = env
        self.capacity = float("inf") if capacity is None else capacity
        self.queue = make_queue(rule, by_route, cutoff, lambda: env.now, atcs)
        self.getters: deque[tuple[Machine, simpy.Event]] = deque()
        self.putters: deque[tuple[Part, simpy.Event]] = deque()
        self.watchers: list[simpy.Event] = []
        self.source: Callable[[], Part] | None = None
        self.area = 0.0
        self.t_last = 0.0
        self.wait_sum = 0.0
        self.taken = 0
        self.on_starving: Callable[[], None] | None = None
        """Called when a machine here starves (workload release then feeds it at once)."""

    def _tick(self, now: float) -> None:
        self.area += len(self.queue) * (now - self.t_last)
        self.t_last = now

    def put(self, part: Part, force: bool = False, front: bool = False) -> simpy.Event | None:
        """Place ``part``; return an event to wait on if the buffer is full, else ``None``.

        ``force`` ignores the capacity and ``front`` queues the part first (rework is redone at once).
        """
        now = self.env.now
        if self.getters:
            self.taken += 1
            self.getters.popleft()[1].succeed(part)
            return None
        if force or len(self.queue) < self.capacity:
            self._tick(now)
            part.entered = now
            if front:
                self.queue.push_front(part)
            else:
                self.queue.push(part)
            if self.watchers:
                self.wake_watchers()
            return None
        ev = self.env.event()
        self.putters.append((part, ev))
        return ev

    def take(self, machine: Machine) -> Part | None:
        """A part chosen by the dispatching rule, or ``None`` if there is none."""
        queue = self.queue
        if queue:
            now = self.env.now
            self._tick(now)
            part = queue.pop_for(machine)
            self.wait_sum += now - part.entered
            self.taken += 1
            if self.putters:
                waiting, ev = self.putters.popleft()
                waiting.entered = now
                queue.push(waiting)
                ev.succeed()
            return part
        if self.putters:  # zero-capacity buffer: take straight from the blocked upstream machine
            part, ev = self.putters.popleft()
            self.taken += 1
            ev.succeed()
            return part
        if self.source is not None:
            self.taken += 1
            return self.source()
        return None

    def take_same(self, machine: Machine, route: object, limit: int) -> list[Part]:
        """Up to ``limit`` parts of one product, queued or held by blocked upstream machines."""
        now = self.env.now
        picked = self.queue.take_route(route, limit)
        if picked:  # account the queue as it was before they left
            self.area += (len(self.queue) + len(picked)) * (now - self.t_last)
            self.t_last = now
            for part in picked:
                self.wait_sum += now - part.entered
            self.taken += len(picked)
        for entry in list(self.putters):
            if len(picked) == limit:
                break
            if entry[0].route is route:
                self.putters.remove(entry)
                self.taken += 1
                entry[1].succeed()
                picked.append(entry[0])
        attempts = 4 * limit  # a source of several products may hand out others first
        while self.source is not None and len(picked) < limit and attempts > 0 and route.steps[0].buffer is self:
            attempts -= 1
            part = self.source()
            self.taken += 1
            if part.route is route:
                picked.append(part)
            else:
                self._tick(now)
                part.entered = now
                self.queue.push(part)
        while self.putters and len(self.queue) < self.capacity:
            waiting, ev = self.putters.popleft()
            self._tick(now)
            waiting.entered = now
            self.queue.push(waiting)
            ev.succeed()
        return picked

    def wait_take(self, machine: Machine) -> simpy.Event:
        """Event whose value is the next part put into this (empty) buffer."""
        ev = self.env.event()
        self.getters.append((machine, ev))
        if self.on_starving is not None:
            self.on_starving()
        return ev

    def cancel_take(self, ev: simpy.Event) -> None:
        """Take back a :meth:`wait_take` not yet served (its machine went down while waiting)."""
        for getter in self.getters:
            if getter[1] is ev:
                self.getters.remove(getter)
                return

    def watch(self) -> simpy.Event:
        """Event fired at the next part queued here (for batch stations waiting to fill)."""
        ev = self.env.event()
        self.watchers.append(ev)
        return ev

    def wake_watchers(self) -> None:
        """Fire the :meth:`watch` events: a part came, or (look-ahead loading) no more will."""
        for ev in self.watchers:
            ev.succeed()
        self.watchers = []

    def flush(self) -> None:
        self._tick(self.env.now)
