"""How far a run has got, shown on stderr: a bar on a terminal, a plain line every few seconds in a log."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

BAR_AFTER_S = 1.0
LOG_EVERY_S = 5.0


def log_interval() -> float:
    """Seconds between progress lines when stderr is not a terminal (``TWIN_PROGRESS_SECONDS``)."""
    try:
        return max(0.0, float(os.environ.get("TWIN_PROGRESS_SECONDS", LOG_EVERY_S)))
    except ValueError:
        return LOG_EVERY_S


def _clock(seconds: float) -> str:
    minutes, s = divmod(int(seconds), 60)
    h, m = divmod(minutes, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class RunProgress:
    """A progress callback (fraction done, 0..1) that stays silent for runs shorter than its delay.

    On a terminal it draws a transient bar once the run has taken a second; elsewhere (CI, a log
    file) it writes one line every ``log_interval()`` seconds, so a long run is seen to be alive.
    """

    def __init__(self, label: str, console: Console, clock: Callable[[], float] = time.monotonic):
        self.label, self.console, self.clock = label, console, clock
        self.start = clock()
        self.terminal = console.is_terminal
        self.every = BAR_AFTER_S if self.terminal else log_interval()
        self.last_line = self.start
        self.bar: Progress | None = None
        self.task = None

    def __call__(self, fraction: float) -> None:
        now = self.clock()
        if self.terminal:
            self._draw(fraction, now)
        elif now - self.last_line >= self.every and fraction < 1.0:
            self.last_line = now
            elapsed = now - self.start
            left = f", about {_clock(elapsed * (1 - fraction) / fraction)} left" if fraction > 0 else ""
            self.console.file.write(f"{self.label}: {fraction:.0%} after {_clock(elapsed)}{left}\n")
            self.console.file.flush()

    def _draw(self, fraction: float, now: float) -> None:
        if self.bar is None:
            if now - self.start < self.every:
                return
            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TaskProgressColumn(),
                TimeRemainingColumn(),
                console=self.console,
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=1.0)
        self.bar.update(self.task, completed=fraction)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
