"""Parts (units of a product) and the built routes they follow."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from twin.spec.distributions import Sampler

if TYPE_CHECKING:
    from twin.sim.buffer import Buffer


@dataclass(slots=True)
class RouteStep:
    """One step of a built routing: where the unit goes and how long it takes there."""

    station: int
    buffer: Buffer
    time: Sampler
    planned_min: float
    """ISO 22400 planned run time per unit (PRU) at this step."""
    mean_min: float = 0.0
    """Mean processing time (per batch at batch stations): how long a cycle is expected to run."""


@dataclass(slots=True)
class Route:
    """A product as the simulation sees it."""

    index: int
    name: str
    steps: list[RouteStep]
    due_allowance: float
    material_cost: float
    ahead: int = -1
    """Index of the first batch step, whose loads look ahead (``policies.batch_loading: lookahead``); −1:
    no look-ahead. At step 0 nothing can be on its way, so nothing is counted and a load starts at once."""
    coming: int = 0
    """Units of this product on the floor before step ``ahead``: what a part-full load there may still get.
    A unit counts as arrived once it has passed the step before (one blocked in front of a full buffer too)."""


class Part:
    """One unit in the plant. Slots keep the per-unit cost low on the hot path."""

    __slots__ = ("route", "step", "arrived", "released", "due", "reworked", "entered", "defects")

    def __init__(self, route: Route, arrived: float, released: float):
        self.route = route
        self.step = 0
        self.arrived = arrived
        self.released = released
        self.due = arrived + route.due_allowance
        self.reworked = False
        self.entered = released
        self.defects = 0
        """Latent defects carried, one bit per defect class (see :mod:`twin.sim.quality`)."""
