"""Operator pools: a counted resource whose size can follow the shift pattern."""

from __future__ import annotations

from collections import deque

import simpy


class OperatorPool:
    """Operators shared by the machines of some stations; a machine holds its crew while running."""

    __slots__ = ("env", "capacity", "free", "waiting")

    def __init__(self, env: simpy.Environment, capacity: int):
        self.env = env
        self.capacity = capacity
        self.free = capacity
        self.waiting: deque[tuple[int, simpy.Event]] = deque()

    def acquire(self, n: int) -> simpy.Event | None:
        """Take ``n`` operators now (``None``) or get an event that fires when they are free."""
        if not self.waiting and self.free >= n:
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

    def _serve(self) -> None:
        while self.waiting and self.free >= self.waiting[0][0]:
            n, ev = self.waiting.popleft()
            self.free -= n
            ev.succeed()
