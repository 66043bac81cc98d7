"""Statistics over replications: means with Student-t confidence intervals, and MSER-5 warm-up."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class Estimate:
    """Mean over replications with a 95% confidence interval (``None`` bounds with < 2 values)."""

    mean: float | None
    lo: float | None
    hi: float | None
    n: int

    @property
    def half_width(self) -> float | None:
        return None if self.lo is None or self.hi is None else (self.hi - self.lo) / 2

    def contains(self, value: float) -> bool:
        return self.lo is not None and self.hi is not None and self.lo <= value <= self.hi


def estimate(values: Sequence[float], confidence: float = 0.95) -> Estimate:
    """Student-t interval of the mean; undefined values (NaN) are left out."""
    x = np.asarray([v for v in values if v is not None and not math.isnan(v)], dtype=float)
    n = len(x)
    if n == 0:
        return Estimate(None, None, None, 0)
    mean = float(x.mean())
    if n < 2:
        return Estimate(mean, None, None, 1)
    half = float(stats.t.ppf((1 + confidence) / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return Estimate(mean, mean - half, mean + half, n)


def mser5(series: Sequence[float], max_fraction: float = 0.5) -> int:
    """MSER-5 truncation point: index into ``series`` where the steady state is taken to begin.

    The series is grouped in batches of 5; the truncation d (in batches, at most ``max_fraction``
    of them) minimising the marginal standard error of the remaining batch means is returned,
    converted back to an index of the original series (White 1997; Hoad, Robinson & Davies 2010).
    """
    y = np.asarray(series, dtype=float)
    n_batches = len(y) // 5
    if n_batches < 4:
        return 0
    z = y[: n_batches * 5].reshape(n_batches, 5).mean(axis=1)
    best_d, best = 0, math.inf
    for d in range(int(n_batches * max_fraction) + 1):
        rest = z[d:]
        value = float(((rest - rest.mean()) ** 2).sum()) / len(rest) ** 2
        if value < best:
            best_d, best = d, value
    return best_d * 5
