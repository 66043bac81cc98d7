"""Operator pools: a counted resource whose size can follow the shift pattern."""

from __future__ import annotations

from collections import deque

import simpy


class OperatorPool:
    """Operators shared by the machines of some stations; a machine holds its crew while running.

    Requests are served in the order they come, with one exception so that no operator stands idle
    for nothing: a request for more operators than this shift has present cannot be served before a
    larger shift comes, so smaller requests behind it go first. A request the shift can serve keeps
    its place and collects operators as they come free (nobody passes it), so a large crew is never
    starved by a stream of small ones. All requests of one size are served first come, first served.
    """

    __slots__ = ("env", "capacity", "free", "waiting")

    def __init__(self, env: simpy.Environment, capacity: int):
        self.env = env
        self.capacity = capacity
        self.free = capacity
        self.waiting: deque[tuple[int, simpy.Event]] = deque()

    def acquire(self, n: int) -> simpy.Event | None:
        """Take ``n`` operators now (``None``) or get an event that fires when they are free."""
        if self.free >= n and (not self.waiting or self._passable()):
            self.free -= n
            return None
        ev = self.env.event()
        self.waiting.append((n, ev))
        return ev

    def release(self, n: int) -> None:
        self.free += n
        self._serve()

    def set_capacity(self, capacity: int) -> None:
        """Change the number present (shift change); busy operators finish their job first."""
        self.free += capacity - self.capacity
        self.capacity = capacity
        self._serve()

    def _passable(self) -> bool:
        """Whether every waiting request needs more operators than this shift has (may be passed)."""
        return all(n > self.capacity for n, _ in self.waiting)

    def _serve(self) -> None:
        waiting = self.waiting
        i = 0
        while i < len(waiting):
            n, ev = waiting[i]
            if n <= self.free:
                del waiting[i]
                self.free -= n
                ev.succeed()
            elif n <= self.capacity:
                return
            else:
                i += 1
