"""The units waiting at a station, ordered for its dispatching rule: O(log n) per decision.

Queue order is arrival order, except that rework goes to the front. A rule picks among the units
the dispatcher knows about: FIFO the first; EDD the earliest due date; SPT the shortest planned
time at this step; set-up avoiding the first of the product the machine last ran, else the first;
ATCS the highest apparent tardiness cost with set-ups (:func:`atcs_pick`). Ties go to the unit
earlier in the queue. With a stale view (``dispatch_state`` flow) units become
known in the order they entered, once the cut-off passes their entry time; if none is known yet
the person at the machine takes the first unit of the product it is set up for, else the first unit
in the queue (the shop-floor habit of a plant without a dispatcher).
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from twin.sim.machine import Machine
    from twin.sim.parts import Part, Route


class FifoQueue(deque):
    """First come, first served (the common case, kept as a bare deque)."""

    __slots__ = ()

    def push(self, part: Part) -> None:
        self.append(part)

    def push_front(self, part: Part) -> None:
        self.appendleft(part)

    def pop_for(self, machine: Machine) -> Part:
        return self.popleft()


class _Entry:
    __slots__ = ("seq", "part", "live", "group")

    def __init__(self, seq: int, part: Part):
        self.seq, self.part, self.live = seq, part, True
        self.group: _Group | None = None
        """The ATCS group the unit is counted in once the dispatcher knows it."""


@dataclass(frozen=True, slots=True)
class AtcsParams:
    """What ATCS needs of a station: its look-ahead scales and its expected set-ups."""

    k1: float
    k2: float
    setup_mean: Callable[[int, int], float]
    """Expected set-up minutes from one product (route index) to another; 0 for none."""
    setup_bar: float
    """Mean set-up minutes of the station (s̄); 0 if it has none."""
    lot: Callable[[int], int]
    """Units per customer order of a product (route index): the job ATCS ranks is the order lot."""
    batch: int = 1
    """Units per load at a batch station (1 elsewhere): there the rule ranks loads (:func:`atcs_pick`)."""


class _Group:
    """Known units of one product at one routing step: they share p, w and s, so ATCS ranks them by due date.

    As in the published rule a job is a customer order: its lot of ``lot`` units weighs ``lot`` and takes
    ``lot`` × the planned minutes per unit, here and on the rest of its routing."""

    __slots__ = ("route", "planned", "remaining", "lot", "heap", "count")

    def __init__(self, part: Part, lot: int):
        steps = part.route.steps
        self.route = part.route.index
        self.lot = lot
        self.planned = steps[part.step].planned_min * lot
        self.remaining = sum(s.planned_min for s in steps[part.step :]) * lot
        self.heap: list[tuple[float, int, _Entry]] = []
        self.count = 0


def atcs_index(
    planned: float, due: float, remaining: float, setup: float, now: float, p_bar: float, a: AtcsParams
) -> float:
    """log of the ATCS priority (Lee, Bhaskaran & Pinedo 1997) of a job of ``planned`` minutes per unit
    of weight: I = w/p · exp(−max(d − R − t, 0)/(k1 p̄)) · exp(−s/(k2 s̄)), with w/p = 1/``planned``.

    ``R`` is the planned work left on the job's routing from this step on, so on a single machine
    (R = p) the slack is the published d − p − t, and downstream work counts against it elsewhere.
    """
    slack = due - remaining - now
    log_i = -math.log(planned) - (slack if slack > 0 else 0.0) / (a.k1 * p_bar)
    if setup > 0 and a.setup_bar > 0:
        log_i -= setup / (a.k2 * a.setup_bar)
    return log_i


def atcs_pick(candidates: list[tuple[_Group, _Entry]], last: int | None, now: float, a: AtcsParams) -> _Entry:
    """The candidate with the highest ATCS index, ties to the earlier due date, then to the one earlier in the queue.

    Candidates are the earliest-due known unit of each group; within a group the index falls with
    the due date, so the best candidate is the best known unit: the exact rule in O(groups).

    At a batch station a cycle takes the same time however full its load, so what is ranked is the
    load a candidate would start: the BATC-II index of batch scheduling (the sum of its jobs'
    w/p_b · exp(−slack⁺/(k1 p̄))), with every unit of the load given the urgency of the candidate unit
    (its earliest-due one; an upper bound that keeps the pick O(groups)). So the index gains
    log(units in the load), and a fuller load wins unless the other is clearly more urgent."""
    jobs = sum(g.count / g.lot for g, _ in candidates)
    p_bar = sum(g.planned * g.count / g.lot for g, _ in candidates) / jobs
    batch = a.batch
    best, best_key = None, None
    for g, e in candidates:
        setup = 0.0 if last is None or last == g.route else a.setup_mean(last, g.route)
        index = atcs_index(g.planned / g.lot, e.part.due, g.remaining, setup, now, p_bar, a)
        if batch > 1:
            index += math.log(min(g.count, batch))
        key = (index, -e.part.due, -e.seq)
        if best_key is None or key > best_key:
            best, best_key = e, key
    return best


def _first_live(entries: deque[_Entry]) -> _Entry | None:
    while entries and not entries[0].live:
        entries.popleft()
    return entries[0] if entries else None


def _top_live(heap: list) -> _Entry | None:
    while heap and not heap[0][-1].live:
        heapq.heappop(heap)
    return heap[0][-1] if heap else None


class IndexedQueue:
    """Queue with a heap per rule, per-product access for batches, and an optional stale view.

    Taken units are marked dead and dropped lazily when they reach the top of a structure; the
    structures are compacted when dead entries outnumber live ones, so memory stays O(queue).
    """

    def __init__(
        self,
        rule: str,
        by_route: bool,
        cutoff: Callable[[float], float] | None,
        now: Callable[[], float],
        atcs: AtcsParams | None = None,
    ):
        self.rule = rule
        self.atcs = atcs
        self.groups: dict[tuple[int, int], _Group] = {}
        self.by_route = by_route or (cutoff is not None and rule != "fifo")
        """Per-product order is kept for batch takes and for the fallback of a stale view."""
        self.n = 0
        self.dead = 0
        self.front_seq = 0
        self.back_seq = 0
        self.order: deque[_Entry] = deque()
        self.routes: dict[int, deque[_Entry]] = {}
        self.heap: list[tuple] = []
        self.route_heaps: dict[int, list[tuple[int, _Entry]]] = {}
        stale = cutoff is not None and rule != "fifo"
        self.unseen: deque[_Entry] | None = deque() if stale else None
        self.cutoff, self.now = cutoff, now

    def __len__(self) -> int:
        return self.n

    def __iter__(self) -> Iterator[Part]:
        return (e.part for e in self.order if e.live)

    def push(self, part: Part) -> None:
        e = _Entry(self.back_seq, part)
        self.back_seq += 1
        self.order.append(e)
        if self.by_route:
            self.routes.setdefault(part.route.index, deque()).append(e)
        self._enter(e)

    def push_front(self, part: Part) -> None:
        self.front_seq -= 1
        e = _Entry(self.front_seq, part)
        self.order.appendleft(e)
        if self.by_route:
            self.routes.setdefault(part.route.index, deque()).appendleft(e)
        self._enter(e)

    def _enter(self, e: _Entry) -> None:
        self.n += 1
        if self.unseen is not None:
            self.unseen.append(e)
        else:
            self._show(e)

    def _show(self, e: _Entry) -> None:
        """Make a unit known to the dispatching rule."""
        part, rule = e.part, self.rule
        if rule == "edd":
            heapq.heappush(self.heap, (part.due, e.seq, e))
        elif rule == "spt":
            heapq.heappush(self.heap, (part.route.steps[part.step].planned_min, e.seq, e))
        elif rule == "setup_avoiding":
            heapq.heappush(self.heap, (e.seq, e))
            heapq.heappush(self.route_heaps.setdefault(part.route.index, []), (e.seq, e))
        elif rule == "atcs":
            key = (part.route.index, part.step)
            g = self.groups.get(key)
            if g is None:
                g = self.groups[key] = _Group(part, self.atcs.lot(part.route.index))
            heapq.heappush(g.heap, (part.due, e.seq, e))
            g.count += 1
            e.group = g

    def _reveal(self) -> None:
        known = self.cutoff(self.now())
        unseen = self.unseen
        while unseen:
            e = unseen[0]
            if not e.live:  # taken unseen (its part may since have entered elsewhere)
                unseen.popleft()
            elif e.part.entered <= known:
                unseen.popleft()
                self._show(e)
            else:
                return

    def _choose(self, machine: Machine) -> _Entry | None:
        """The rule's pick among the known units, or ``None`` if it knows none (or is FIFO)."""
        if self.rule == "fifo":
            return None
        if self.rule == "atcs":
            candidates = [(g, e) for g in self.groups.values() if g.count and (e := _top_live(g.heap)) is not None]
            if not candidates:
                return None
            last = machine.last_route.index if machine.last_route is not None else None
            return atcs_pick(candidates, last, self.now(), self.atcs)
        if self.rule == "setup_avoiding" and machine.last_route is not None:
            same = self.route_heaps.get(machine.last_route.index)
            if same:
                e = _top_live(same)
                if e is not None:
                    return e
        return _top_live(self.heap)

    def pop_for(self, machine: Machine) -> Part:
        """The unit the rule picks for ``machine`` (the queue must not be empty)."""
        if self.unseen is not None:
            self._reveal()
        e = self._choose(machine) or self._fallback(machine)
        self._kill(e)
        return e.part

    def _fallback(self, machine: Machine) -> _Entry:
        """The unit a person takes when the dispatcher knows none: the set-up's product first, else the first."""
        if self.unseen is not None and machine.last_route is not None:
            same = self.routes.get(machine.last_route.index)
            if same is not None:
                e = _first_live(same)
                if e is not None:
                    return e
        return _first_live(self.order)

    def take_route(self, route: Route, limit: int) -> list[Part]:
        """Up to ``limit`` units of one product, in queue order (known to the dispatcher or not).

        Needs a queue made ``by_route`` (batch stations)."""
        entries = self.routes.get(route.index)
        picked: list[Part] = []
        while entries and len(picked) < limit:
            e = entries.popleft()
            if e.live:
                self._kill(e)
                picked.append(e.part)
        return picked

    def _kill(self, e: _Entry) -> None:
        e.live = False
        if e.group is not None:
            e.group.count -= 1
        self.n -= 1
        self.dead += 1
        if self.dead > 64 + 2 * self.n:
            self._compact()

    def _compact(self) -> None:
        self.dead = 0
        self.order = deque(e for e in self.order if e.live)
        self.routes = {r: deque(e for e in q if e.live) for r, q in self.routes.items()}
        self.routes = {r: q for r, q in self.routes.items() if q}
        self.heap = [x for x in self.heap if x[-1].live]
        heapq.heapify(self.heap)
        self.route_heaps = {r: [x for x in h if x[-1].live] for r, h in self.route_heaps.items()}
        self.route_heaps = {r: h for r, h in self.route_heaps.items() if h}
        for h in self.route_heaps.values():
            heapq.heapify(h)
        for g in self.groups.values():
            g.heap = [x for x in g.heap if x[-1].live]
            heapq.heapify(g.heap)
        if self.unseen is not None:
            self.unseen = deque(e for e in self.unseen if e.live)


def make_queue(
    rule: str,
    by_route: bool,
    cutoff: Callable[[float], float] | None,
    now: Callable[[], float],
    atcs: AtcsParams | None = None,
) -> FifoQueue | IndexedQueue:
    """The cheapest queue that serves ``rule`` (and per-product takes for batch stations)."""
    if rule == "fifo" and not by_route:
        return FifoQueue()
    if rule == "atcs" and atcs is None:
        raise ValueError("rule atcs needs its parameters")
    return IndexedQueue(rule, by_route, cutoff, now, atcs)
