"""Input buffers with finite capacity, blocking and dispatching rules.

A buffer hands a part straight to a waiting machine, queues it, or, when full, makes the
upstream machine wait (blocking after service). Machines take parts by the station's dispatching
rule. Events are created only when someone must wait, which keeps the hot path cheap.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

import simpy

if TYPE_CHECKING:
    from twin.sim.machine import Machine
    from twin.sim.parts import Part


def _fifo(items: list[Part], machine: Machine) -> int:
    return 0


def _edd(items: list[Part], machine: Machine) -> int:
    return min(range(len(items)), key=lambda i: items[i].due)


def _spt(items: list[Part], machine: Machine) -> int:
    return min(range(len(items)), key=lambda i: items[i].route.steps[items[i].step].planned_min)


def _setup_avoiding(items: list[Part], machine: Machine) -> int:
    last = machine.last_route
    for i, part in enumerate(items):
        if part.route is last:
            return i
    return 0


RULES: dict[str, Callable[[list[Part], Machine], int]] = {
    "fifo": _fifo,
    "edd": _edd,
    "spt": _spt,
    "setup_avoiding": _setup_avoiding,
}


def stale_rule(
    select: Callable[[list[Part], Machine], int], cutoff: Callable[[float], float], env: simpy.Environment
) -> Callable[[list[Part], Machine], int]:
    """A dispatching rule that sees only the units the dispatcher has been told about.

    Units that entered after ``cutoff(now)`` are invisible to the rule; if none is visible the
    machine takes the first unit in the queue, as a person at the machine would.
    """
    if select is _fifo:
        return select

    def pick(items: list[Part], machine: Machine) -> int:
        known = cutoff(env.now)
        visible = [p for p in items if p.entered <= known]
        if not visible:
            return 0
        if len(visible) == len(items):
            return select(items, machine)
        return items.index(visible[select(visible, machine)])

    return pick


class Buffer:
    """The queue in front of one station, shared by its machines."""

    __slots__ = (
        "env",
        "capacity",
        "items",
        "getters",
        "putters",
        "watchers",
        "select",
        "source",
        "area",
        "t_last",
        "wait_sum",
        "taken",
    )

    def __init__(self, env: simpy.Environment, capacity: int | None, rule: str):
        self.env = env
        self.capacity = float("inf") if capacity is None else capacity
        self.items: list[Part] = []
        self.getters: deque[tuple[Machine, simpy.Event]] = deque()
        self.putters: deque[tuple[Part, simpy.Event]] = deque()
        self.watchers: list[simpy.Event] = []
        self.select = RULES[rule]
        self.source: Callable[[], Part] | None = None
        self.area = 0.0
        self.t_last = 0.0
        self.wait_sum = 0.0
        self.taken = 0

    def _tick(self, now: float) -> None:
        self.area += len(self.items) * (now - self.t_last)
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
        if force or len(self.items) < self.capacity:
            self._tick(now)
            part.entered = now
            if front:
                self.items.insert(0, part)
            else:
                self.items.append(part)
            if self.watchers:
                for ev in self.watchers:
                    ev.succeed()
                self.watchers = []
            return None
        ev = self.env.event()
        self.putters.append((part, ev))
        return ev

    def take(self, machine: Machine) -> Part | None:
        """A part chosen by the dispatching rule, or ``None`` if there is none."""
        items = self.items
        if items:
            now = self.env.now
            self._tick(now)
            part = items.pop(self.select(items, machine) if len(items) > 1 else 0)
            self.wait_sum += now - part.entered
            self.taken += 1
            if self.putters:
                waiting, ev = self.putters.popleft()
                waiting.entered = now
                items.append(waiting)
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
        picked: list[Part] = []
        for part in list(self.items):
            if len(picked) == limit:
                break
            if part.route is route:
                self._tick(now)
                self.items.remove(part)
                self.wait_sum += now - part.entered
                self.taken += 1
                picked.append(part)
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
                self.items.append(part)
        while self.putters and len(self.items) < self.capacity:
            waiting, ev = self.putters.popleft()
            self._tick(now)
            waiting.entered = now
            self.items.append(waiting)
            ev.succeed()
        return picked

    def wait_take(self, machine: Machine) -> simpy.Event:
        """Event whose value is the next part put into this (empty) buffer."""
        ev = self.env.event()
        self.getters.append((machine, ev))
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

    def flush(self) -> None:
        self._tick(self.env.now)
