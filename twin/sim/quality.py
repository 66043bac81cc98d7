"""Latent defects, inspections that can miss them, and what an escape puts under suspicion.

A unit carries its latent defects as bits (one per defect class, in :attr:`Factory.defect_classes`
order). A station that makes them marks a unit as it leaves good; an inspection draws, for each class
the unit carries, whether it catches it; a unit that reaches the end of its routing still carrying a
defect is an escape. Each has its own random streams, so raising one inspection's detection leaves
every other draw as it was (common random numbers).
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from twin.spec.distributions import Sampler

if TYPE_CHECKING:
    from twin.sim.parts import Part


class DefectSource:
    """The latent defects one station makes: one draw per unit leaving good picks at most one class."""

    __slots__ = ("draw", "bounds", "total")

    def __init__(self, probabilities: list[float], draw: Sampler):
        """``probabilities[i]``: probability a unit leaves with a defect of class ``i``."""
        self.draw = draw
        self.bounds: list[tuple[float, int]] = []
        total = 0.0
        for i, p in enumerate(probabilities):
            if p > 0:
                total += p
                self.bounds.append((total, 1 << i))
        self.total = total

    def mark(self, part: Part) -> None:
        u = self.draw()
        if u >= self.total:
            return
        for bound, bit in self.bounds:
            if u < bound:
                part.defects |= bit
                return


class Inspector:
    """An inspection step: catches each class a unit carries with that class's detection probability.

    Every class the unit carries gets its draw, caught or not, so the draws stay aligned between a
    plant and the same plant with a better inspection.
    """

    __slots__ = ("detection", "draw", "rework", "rework_draw")

    def __init__(self, detection: list[float], draw: Sampler, rework: float, rework_draw: Sampler):
        self.detection = detection
        self.draw = draw
        self.rework = rework
        self.rework_draw = rework_draw

    def catches(self, part: Part) -> int:
        """The defect bits of ``part`` this inspection catches (0: it passes)."""
        bits, i, caught = part.defects, 0, 0
        while bits >> i:
            if (bits >> i) & 1 and self.draw() < self.detection[i]:
                caught |= 1 << i
            i += 1
        return caught

    def repairs(self) -> bool:
        """Whether a caught unit is repaired (and inspected again) rather than scrapped."""
        if self.rework <= 0 or self.rework >= 1:
            return self.rework >= 1
        return self.rework_draw() < self.rework


class Containment:
    """Units a customer claim on an escaped unit puts under suspicion, by the plant's traceability.

    ``period``: every unit of its product shipped in the last ``period_min`` (the escape included);
    ``lot``: its order's lot size; ``units``: a fixed count its own records point to.
    """

    def __init__(self, scope: str, lots: list[int], period_min: float = 0.0, units: int = 1):
        self.scope = scope
        self.lots = lots
        self.period_min = period_min
        self.units = units
        self.shipped: list[deque[float]] = [deque() for _ in lots] if scope == "period" else []

    def ship(self, part: Part, now: float) -> None:
        """Record a unit shipped (only the period scope keeps the record, and only over its period)."""
        if self.shipped:
            times = self.shipped[part.route.index]
            times.append(now)
            while times[0] < now - self.period_min:
                times.popleft()

    def suspects(self, part: Part) -> float:
        """Units to sort or recall for the escape of ``part``, recorded as shipped just now."""
        if self.scope == "units":
            return float(self.units)
        if self.scope == "lot":
            return float(self.lots[part.route.index])
        return float(len(self.shipped[part.route.index]))
