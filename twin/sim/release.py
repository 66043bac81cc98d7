"""Orders and their release to the shop floor: push, CONWIP, or a never-starved first station."""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Generator

import numpy as np
import simpy

from twin.sim.parts import Part, Route
from twin.sim.plant import Plant
from twin.sim.station import Arrival
from twin.spec.distributions import Sampler
from twin.spec.factory import Demand


class ReleaseControl:
    """Holds arrived orders (the backlog) and releases their units by the release policy."""

    def __init__(
        self,
        env: simpy.Environment,
        plant: Plant,
        policy: str,
        cap: int | None,
    ):
        self.env = env
        self.plant = plant
        self.cap = cap if policy == "conwip" else None
        self.backlog: deque[Part] = deque()
        self.arrived: Counter[int] = Counter()
        """Orders arrived per product index (the run guard names a product whose orders explode)."""
        if self.cap is not None:
            plant.on_exit = self.pull

    def arrive(self, route: Route, qty: int, delivery: Arrival | None) -> None:
        """A customer order: it reaches the shop floor after the ``orders`` flow's delay (``delivery``)."""
        now = self.env.now
        self.arrived[route.index] += 1
        if delivery is None:
            self._admit(route, qty, now)
            return
        delay = delivery(now) - now
        self.env.timeout(delay).callbacks.append(lambda _: self._admit(route, qty, now))

    def _admit(self, route: Route, qty: int, arrived: float) -> None:
        now = self.env.now
        for _ in range(qty):
            part = Part(route, arrived, now)
            if self.cap is None:
                self.plant.release(part)
            else:
                self.backlog.append(part)
        if self.cap is not None:
            self.pull()

    def pull(self) -> None:
        """Release backlog units while the CONWIP cap allows."""
        plant = self.plant
        while self.backlog and plant.wip < self.cap:
            part = self.backlog.popleft()
            part.released = part.entered = self.env.now
            plant.release(part)

    def orders(
        self, route: Route, demand: Demand, interarrival: Sampler | None, delivery: Arrival | None = None
    ) -> None:
        """Start the order processes of one product; ``delivery`` is its own path to the floor."""
        if interarrival is not None:
            self.env.process(self._random_orders(route, demand.lot_size, interarrival, delivery))
        if demand.plan:
            self.env.process(self._planned_orders(route, [(e.at_min, e.qty) for e in demand.plan], delivery))

    def _random_orders(self, route: Route, lot: int, interarrival: Sampler, delivery: Arrival | None) -> Generator:
        while True:
            yield self.env.timeout(interarrival())
            self.arrive(route, lot, delivery)

    def _planned_orders(self, route: Route, plan: list[tuple[float, int]], delivery: Arrival | None) -> Generator:
        for at, qty in sorted(plan):
            yield self.env.timeout(at - self.env.now)
            self.arrive(route, qty, delivery)


def saturated_source(
    plant: Plant, routes: list[Route], weights: list[float], rng: np.random.Generator
) -> Callable[[], Part]:
    """A maker of new units for a first station that is never starved (raw material always there)."""
    env = plant.env
    if len(routes) == 1:
        only = routes[0]

        def make_one() -> Part:
            part = Part(only, env.now, env.now)
            plant.count_source_release(part)
            return part

        return make_one
    p = np.asarray(weights) / sum(weights)
    picks = iter(())

    def make() -> Part:
        nonlocal picks
        try:
            k = next(picks)
        except StopIteration:
            picks = iter(rng.choice(len(routes), 256, p=p).tolist())
            k = next(picks)
        part = Part(routes[k], env.now, env.now)
        plant.count_source_release(part)
        return part

    return make
