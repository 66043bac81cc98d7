"""Plant-wide counters: releases, completions, scrap, lead times and work in process."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import simpy

if TYPE_CHECKING:
    from twin.sim.parts import Part


class Plant:
    """Plant-wide counters: releases, completions, scrap, lead times and WIP."""

    N_BINS = 320
    BIN_LO = 0.01
    BIN_RATIO = 1.06

    def __init__(self, env: simpy.Environment, on_exit: Callable[[], None] | None = None):
        self._log_ratio = math.log(self.BIN_RATIO)
        self._log = math.log
        self.env = env
        self.on_exit = on_exit
        self.released = self.finished = self.scrapped = self.on_time = self.first_pass = 0
        self.wip = 0
        self.wip_area = 0.0
        self.t_last = 0.0
        self.lead_sum = 0.0
        self.flow_sum = 0.0
        self.material = 0.0
        self.lead_hist = [0] * self.N_BINS

    def _tick(self, now: float) -> None:
        self.wip_area += self.wip * (now - self.t_last)
        self.t_last = now

    def release(self, part: Part) -> None:
        self._tick(self.env.now)
        self.wip += 1
        self.released += 1
        self.material += part.route.material_cost
        part.route.steps[0].buffer.put(part, force=True)

    def count_source_release(self, part: Part) -> None:
        """A part created at a never-starved first station: released as it is taken."""
        self._tick(self.env.now)
        self.wip += 1
        self.released += 1
        self.material += part.route.material_cost

    def finish(self, part: Part) -> None:
        now = self.env.now
        self._tick(now)
        self.wip -= 1
        self.finished += 1
        lead = now - part.arrived
        self.lead_sum += lead
        self.flow_sum += now - part.released
        b = int(self._log(lead / self.BIN_LO) / self._log_ratio) + 1 if lead > self.BIN_LO else 0
        self.lead_hist[b if b < self.N_BINS else self.N_BINS - 1] += 1
        if now <= part.due:
            self.on_time += 1
        if not part.reworked:
            self.first_pass += 1
        if self.on_exit is not None:
            self.on_exit()

    def scrap(self, part: Part) -> None:
        now = self.env.now
        self._tick(now)
        self.wip -= 1
        self.scrapped += 1
        self.flow_sum += now - part.released
        if self.on_exit is not None:
            self.on_exit()

    def flush(self) -> None:
        self._tick(self.env.now)
