"""Orders and their release to the shop floor: push, CONWIP, workload control, or a never-starved first station.

Workload control is order release as a planning system does it (Land & Gaalman's aggregate-load
release; the finite-capacity release step of an APS): a planning run every ``every_min`` measures the
planned work already released to each station (queued at it or upstream of it, read from the live
floor), and releases the backlog in due-date order while each station on an order's routing is
under its norm of ``norm_h`` hours of its machines' time (with ``load: corrected`` an order's work at a
station counts divided by that station's position in its routing: Oosterman, Land & Gaalman's
corrected aggregate load, which keeps work far upstream from filling the norms of the stations at the
end of long routings and starving them). Orders that would overload a station wait
for the next run; later orders that fit go ahead. With ``group_min`` the run takes, right behind a
released order, the backlog orders of the same product due within that window (one set-up serves
them all): sequencing at release, the way an APS groups same-product orders. With ``on_starving`` a
machine that starves at the first station of a routing gets the earliest-due order waiting for it at
once, norm or not (the starvation-avoidance trigger of continuous workload-control release).
"""

from __future__ import annotations

import heapq
from collections import Counter, deque
from collections.abc import Callable, Generator
from dataclasses import dataclass

import numpy as np
import simpy
from networkx.utils import UnionFind

from twin.sim.overtime import LateOrders
from twin.sim.parts import Part, Route
from twin.sim.plant import Plant
from twin.sim.station import Arrival
from twin.spec.distributions import Sampler
from twin.spec.factory import Demand, Release


def load_weights(steps: list, corrected: bool) -> list[float]:
    """What a unit adds to the workload of the station of each step: its planned minutes, divided by the
    step's position in the routing under corrected aggregate load."""
    return [s.planned_min / (i + 1) if corrected else s.planned_min for i, s in enumerate(steps)]


@dataclass(slots=True)
class Order:
    """A customer order waiting for release (workload control)."""

    due: float
    seq: int
    route: Route
    qty: int
    arrived: float


class WorkloadRelease:
    """Releases the order backlog against a workload norm per station at each planning run."""

    def __init__(
        self,
        env: simpy.Environment,
        plant: Plant,
        spec: Release,
        machines: list[int],
        buffers: list,
        batch_work: list[float] | None = None,
    ):
        """``batch_work``: planned minutes of one full batch per station (0 where it does not batch).

        A batch station's norm is at least two full batches (one in the furnace, one filling): below
        that, release would starve it while it waits to fill and lead time would grow, not shrink.
        """
        self.env, self.plant = env, plant
        floors = batch_work or [0.0] * len(machines)
        self.norm = [max(spec.norm_h * 60.0 * m, 2 * w * m) for m, w in zip(machines, floors, strict=True)]
        self.buffers = buffers
        self.corrected = spec.load == "corrected"
        self._weights: dict[int, list[float]] = {}
        self.group = spec.group_min
        self.backlog: list[Order] = []
        self.seq = 0
        env.process(self._plan(spec.every_min))
        if spec.on_starving:
            for k, buffer in enumerate(buffers):
                buffer.on_starving = lambda k=k: self.feed(k)

    def feed(self, station: int) -> None:
        """Release the earliest-due order whose routing starts at the starving ``station``."""
        first = [o for o in self.backlog if o.route.steps[0].station == station]
        if first:
            order = min(first, key=lambda o: (o.due, o.seq))
            self.backlog.remove(order)
            self._release(order)

    def add(self, route: Route, qty: int, arrived: float) -> None:
        self.seq += 1
        self.backlog.append(Order(arrived + route.due_allowance, self.seq, route, qty, arrived))

    def weights(self, route: Route) -> list[float]:
        """What a unit adds to the load of the station of each step of ``route`` (worked out once a route)."""
        w = self._weights.get(route.index)
        if w is None:
            w = self._weights[route.index] = load_weights(route.steps, self.corrected)
        return w

    def load(self) -> list[float]:
        """Released work waiting at or upstream of each station, read off the floor (planned minutes,
        divided by the station's position in the routing under corrected load)."""
        load = [0.0] * len(self.norm)
        for buffer in self.buffers:
            for part in buffer.queue:
                steps, w = part.route.steps, self.weights(part.route)
                for i in range(part.step, len(steps)):
                    load[steps[i].station] += w[i]
        return load

    def _plan(self, every: float) -> Generator:
        while True:
            if self.backlog:
                self.run()
            yield self.env.timeout(every)

    def run(self) -> None:
        """One planning run: release what fits, earliest due first, same-product orders grouped."""
        load, norm = self.load(), self.norm
        heapq.heapify(waiting := [(o.due, o.seq, o) for o in self.backlog])
        kept: list[Order] = []
        released: set[int] = set()
        while waiting:
            order = heapq.heappop(waiting)[-1]
            if order.seq in released:
                continue
            steps = order.route.steps
            if any(load[s.station] >= norm[s.station] for s in steps):
                kept.append(order)
                continue
            batch = [order]
            if self.group:
                batch += [
                    o
                    for o in self.backlog
                    if o.route is order.route
                    and o.seq != order.seq
                    and o.due <= order.due + self.group
                    and o.seq not in released
                ]
            w = self.weights(order.route)
            for o in batch:
                released.add(o.seq)
                self._release(o)
                for s, ws in zip(steps, w, strict=True):
                    load[s.station] += ws * o.qty
        self.backlog = [o for o in kept if o.seq not in released]

    def _release(self, order: Order) -> None:
        now = self.env.now
        self.plant.hold(-order.qty)
        for _ in range(order.qty):
            self.plant.release(Part(order.route, order.arrived, now))


def release_held(plant: Plant, part: Part, now: float) -> None:
    """A unit the CONWIP backlog held goes to the floor now."""
    plant.hold(-1)
    part.released = part.entered = now
    plant.release(part)


class LineLoops:
    """CONWIP with one loop per line: each line's own backlog, in arrival order, and its own cap.

    One plant-wide loop couples lines that share no station: whichever line falls behind (a breakdown)
    takes more of the cap, and since releases follow the order mix, nothing brings it back, so the other
    lines starve in turn. Loops per line release each line's orders against its own work in process.
    """

    def __init__(self, env: simpy.Environment, plant: Plant, line_of: dict[int, int], caps: list[int]):
        self.env, self.plant = env, plant
        self.line_of, self.caps = line_of, caps
        self.backlogs: list[deque[Part]] = [deque() for _ in caps]
        self.wip = [0] * len(caps)

    def held(self) -> int:
        """Units waiting in the lines' backlogs."""
        return sum(len(b) for b in self.backlogs)

    def admit(self, part: Part) -> None:
        line = self.line_of[part.route.index]
        self.backlogs[line].append(part)
        self.pull(line)

    def exited(self, part: Part) -> None:
        line = self.line_of[part.route.index]
        self.wip[line] -= 1
        self.pull(line)

    def pull(self, line: int) -> None:
        backlog, cap, plant = self.backlogs[line], self.caps[line], self.plant
        while backlog and self.wip[line] < cap:
            self.wip[line] += 1
            release_held(plant, backlog.popleft(), self.env.now)


def line_loops(routes: list[list[int]], machines: list[int], cap: int) -> tuple[dict[int, int], list[int]]:
    """Lines of a plant: routings (station indices, by route index) joined when they share a station, directly
    or through other routings; each line's cap is its share of ``cap`` by the machines of its stations (at
    least 1, so the caps may add up to a little more than ``cap``)."""
    joined = UnionFind(range(len(machines)))
    for stations in routes:
        joined.union(*stations)
    number: dict[int, int] = {}
    line_of = {i: number.setdefault(joined[stations[0]], len(number)) for i, stations in enumerate(routes)}
    used: list[set[int]] = [set() for _ in number]
    for i, stations in enumerate(routes):
        used[line_of[i]].update(stations)
    total = sum(machines[k] for line in used for k in line)
    caps = [max(1, round(cap * sum(machines[k] for k in line) / total)) for line in used]
    return line_of, caps


class ReleaseControl:
    """Holds arrived orders (the backlog) and releases their units by the release policy."""

    def __init__(
        self,
        env: simpy.Environment,
        plant: Plant,
        spec: Release,
        machines: list[int] | None = None,
        buffers: list | None = None,
        batch_work: list[float] | None = None,
        routes: list[list[int]] | None = None,
    ):
        """``machines``, ``buffers`` and ``batch_work`` per station are needed by workload control only;
        ``routes`` (each route's station indices, by route index) by CONWIP loops per line."""
        self.env = env
        self.plant = plant
        self.cap = spec.cap if spec.policy == "conwip" else None
        self.lines: LineLoops | None = None
        if self.cap is not None and spec.loops == "line" and routes is not None and machines is not None:
            line_of, caps = line_loops(routes, machines, self.cap)
            if len(caps) > 1:
                self.lines = LineLoops(env, plant, line_of, caps)
        workload = spec.policy == "workload"
        self.workload = WorkloadRelease(env, plant, spec, machines, buffers, batch_work) if workload else None
        self.backlog: deque[Part] = deque()
        self.arrived: Counter[int] = Counter()
        """Orders arrived per product index (the run guard names a product whose orders explode)."""
        self.late: LateOrders | None = None
        """Told of every order when an overtime planner counts late units."""
        self.in_transit = 0
        """Units of orders on their way to the floor over the ``orders`` flow (paper, a print run), read only
        by :mod:`twin.sim.recorder`."""
        if self.lines is not None:
            plant.on_exit = self.lines.exited
        elif self.cap is not None:
            plant.on_exit = self.pull

    def arrive(self, route: Route, qty: int, delivery: Arrival | None) -> None:
        """A customer order: it reaches the shop floor after the ``orders`` flow's delay (``delivery``)."""
        now = self.env.now
        self.arrived[route.index] += 1
        if self.late is not None:
            self.late.order(now + route.due_allowance, qty)
        if delivery is None:
            self._admit(route, qty, now)
            return
        delay = delivery(now) - now
        self.in_transit += qty
        self.env.timeout(delay).callbacks.append(lambda _: self._delivered(route, qty, now))

    def _delivered(self, route: Route, qty: int, arrived: float) -> None:
        self.in_transit -= qty
        self._admit(route, qty, arrived)

    def _admit(self, route: Route, qty: int, arrived: float) -> None:
        if self.workload is not None:
            self.plant.hold(qty)
            self.workload.add(route, qty, arrived)
            return
        now = self.env.now
        if self.lines is not None:
            self.plant.hold(qty)
            for _ in range(qty):
                self.lines.admit(Part(route, arrived, now))
            return
        for _ in range(qty):
            part = Part(route, arrived, now)
            if self.cap is None:
                self.plant.release(part)
            else:
                self.plant.hold(1)
                self.backlog.append(part)
        if self.cap is not None:
            self.pull()

    def held_units(self) -> int:
        """Units of arrived orders the policy still holds back (CONWIP backlogs, the workload pool)."""
        held = len(self.backlog) + (self.lines.held() if self.lines is not None else 0)
        if self.workload is not None:
            held += sum(o.qty for o in self.workload.backlog)
        return held

    def pull(self, _exited: Part | None = None) -> None:
        """Release backlog units while the CONWIP cap allows (``_exited``: the plant says which unit left,
        which only loops per line need)."""
        plant = self.plant
        while self.backlog and plant.wip < self.cap:
            release_held(plant, self.backlog.popleft(), self.env.now)

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
