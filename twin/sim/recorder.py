"""An opt-in recorder of what the floor looks like minute by minute: for training, never for KPIs.

A normal run keeps running sums only (:mod:`twin.sim.engine`). A trainer needs to *show* a shift:
which machine is producing, down or starved, how long the queues are, how many orders wait before
the floor and which breakdowns nobody has reported yet. :func:`record` builds the same simulation,
adds one SimPy process that reads the live state every ``every_min`` minutes inside a window, and
runs it. The process only reads, so the run's results are those of an unrecorded run with the same
seed; a run that does not ask for a recording has no such process and pays nothing.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

import numpy as np
import simpy

from twin.sim.engine import Simulation
from twin.sim.machine import DOWN, OFF, PLANNED, PRODUCING, STATE_NAMES
from twin.spec.factory import Factory

UNREPORTED = len(STATE_NAMES)
"""Shown state of a machine that is down while its breakdown has not reached maintenance yet."""
SHOWN_STATES = (*STATE_NAMES, "down_unreported")
"""Every value :attr:`Recording.states` holds: the engine's machine states, then ``down_unreported``."""
MAX_FRAMES = 20_000


@dataclass(frozen=True)
class Recording:
    """The floor at each of ``times`` (minutes since the start of the run).

    ``states[f, m]`` is the shown state of machine ``m`` (an index into :data:`SHOWN_STATES`) at frame
    ``f``: the engine's state, except that a machine whose calendar is off at that instant shows
    ``planned_down`` or ``off_shift`` (a non-interruptible cycle running through a break stays
    ``producing``) and a breakdown not yet reported shows ``down_unreported``. ``machines`` names each
    column ``(station, index)``. ``queues[f, s]`` counts the units waiting at station ``s``;
    ``in_transit[f]`` the units of orders still on their way to the floor (the ``orders`` flow) and
    ``held[f]`` those the release policy keeps back (CONWIP backlog, workload-control pool); ``wip[f]``
    the units on the floor and ``finished[f]`` the units finished since time 0.
    """

    times: np.ndarray
    stations: tuple[str, ...]
    machines: tuple[tuple[str, int], ...]
    states: np.ndarray
    queues: np.ndarray
    in_transit: np.ndarray
    held: np.ndarray
    wip: np.ndarray
    finished: np.ndarray

    @property
    def unreported(self) -> np.ndarray:
        """Breakdowns waiting to be reported, per frame."""
        return (self.states == UNREPORTED).sum(axis=1)


def _frame_times(start_min: float, end_min: float, every_min: float) -> list[float]:
    if not 0 <= start_min < end_min:
        raise ValueError(f"found a window {start_min:g}..{end_min:g} min; expected 0 <= start < end")
    if every_min <= 0:
        raise ValueError(f"found every_min {every_min:g}; expected a step above 0")
    n = int(np.floor((end_min - start_min) / every_min + 1e-9)) + 1
    if n > MAX_FRAMES:
        raise ValueError(f"found {n} frames; expected at most {MAX_FRAMES:,} (a longer step or a shorter window)")
    return [start_min + i * every_min for i in range(n)]


def _shown(machine, t: float) -> int:
    state = machine.state
    if state == DOWN and t < machine.reported_at:
        return UNREPORTED
    cal = machine.cal
    if cal is None or (machine.through and state == PRODUCING):
        return state
    work, planned, _ = cal.split(t, t + 1e-3)
    if work > 0:
        return state
    return PLANNED if planned > 0 else OFF


class Recorder:
    """Reads the floor of ``sim`` every ``every_min`` minutes from ``start_min`` to ``end_min`` (both ends in).

    Attach it before the run starts; it adds one SimPy process that only reads, so the run is the one an
    unrecorded run would make with the same seed.
    """

    def __init__(self, sim: Simulation, start_min: float, end_min: float, every_min: float = 5.0):
        self.sim = sim
        self.times = _frame_times(start_min, end_min, every_min)
        n, n_machines = len(self.times), sum(len(g) for g in sim.machines)
        self.states = np.zeros((n, n_machines), dtype=np.int8)
        self.queues = np.zeros((n, len(sim.buffers)), dtype=np.int64)
        self.in_transit, self.held, self.wip, self.finished = (np.zeros(n, dtype=np.int64) for _ in range(4))
        sim.env.process(self._observe())

    def _observe(self) -> Generator[simpy.Event, object, None]:
        sim = self.sim
        env = sim.env
        machines = [m for group in sim.machines for m in group]
        release = sim.release
        for f, t in enumerate(self.times):
            if t > env.now:
                yield env.timeout(t - env.now)
            self.states[f] = [_shown(m, t) for m in machines]
            self.queues[f] = [len(b.queue) for b in sim.buffers]
            if release is not None:
                self.in_transit[f] = release.in_transit
                self.held[f] = release.held_units()
            self.wip[f] = sim.plant.wip
            self.finished[f] = sim.plant.finished

    def recording(self) -> Recording:
        factory = self.sim.factory
        return Recording(
            np.asarray(self.times),
            tuple(s.name for s in factory.stations),
            tuple((s.name, i) for s in factory.stations for i in range(s.machines)),
            self.states,
            self.queues,
            self.in_transit,
            self.held,
            self.wip,
            self.finished,
        )


def record(
    factory: Factory, seed: int, start_min: float, end_min: float, every_min: float = 5.0, replication: int = 0
) -> Recording:
    """Run replication ``replication`` of ``factory`` to ``end_min`` and record the floor every ``every_min``
    minutes from ``start_min`` (both ends included)."""
    sim = Simulation(factory, seed, replication)
    recorder = Recorder(sim, start_min, end_min, every_min)
    sim.run([recorder.times[-1] + 1e-6])
    return recorder.recording()
