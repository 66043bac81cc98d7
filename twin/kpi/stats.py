"""Statistics over replications: Student-t intervals, paired differences, warm-up rules, trend test."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

UNBOUNDED = (-math.inf, math.inf)


@dataclass(frozen=True)
class Estimate:
    """Mean over replications with a 95% confidence interval (``None`` bounds with < 2 values).

    ``n_missing`` counts replications left out because the value is undefined there (e.g. no unit
    finished); ``clipped`` says the t-interval ran past what the KPI can take and was cut to it.
    """

    mean: float | None
    lo: float | None
    hi: float | None
    n: int
    n_missing: int = 0
    clipped: bool = False

    @property
    def half_width(self) -> float | None:
        return None if self.lo is None or self.hi is None else (self.hi - self.lo) / 2

    def contains(self, value: float) -> bool:
        return self.lo is not None and self.hi is not None and self.lo <= value <= self.hi


def estimate(
    values: Sequence[float | None], confidence: float = 0.95, bounds: tuple[float, float] = UNBOUNDED
) -> Estimate:
    """Student-t interval of the mean, cut to the feasible ``bounds``; undefined values are left out."""
    x = np.asarray([v for v in values if v is not None and not math.isnan(v)], dtype=float)
    n, missing = len(x), len(values) - len(x)
    if n == 0:
        return Estimate(None, None, None, 0, missing)
    mean = float(x.mean())
    if n < 2:
        return Estimate(mean, None, None, 1, missing)
    half = float(stats.t.ppf((1 + confidence) / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    lo, hi = max(mean - half, bounds[0]), min(mean + half, bounds[1])
    return Estimate(mean, lo, hi, n, missing, lo != mean - half or hi != mean + half)


def paired_difference(
    values: Sequence[float | None], base: Sequence[float | None], confidence: float = 0.95
) -> Estimate:
    """Paired-t interval of ``values - base`` replication by replication (common random numbers)."""
    diffs = [
        math.nan if v is None or b is None else v - b
        for v, b in zip(values, base, strict=True)  # NaN propagates: undefined on either side
    ]
    return estimate(diffs, confidence)


def mser(series: Sequence[float], max_fraction: float = 0.5, first: int = 0) -> int:
    """MSER truncation point of ``series`` (White 1997), searched in ``[first, max_fraction·n]``.

    The truncation d minimising the marginal standard error of what is left,
    Σ(z - z̄)² / (n - d)², is returned.
    """
    z = np.asarray(series, dtype=float)
    last = max(first, int(len(z) * max_fraction))
    best_d, best = first, math.inf
    for d in range(first, min(last, len(z) - 1) + 1):
        rest = z[d:]
        value = float(((rest - rest.mean()) ** 2).sum()) / len(rest) ** 2
        if value < best:
            best_d, best = d, value
    return best_d


def crossing_of_the_mean(series: Sequence[float], max_fraction: float = 0.5) -> int:
    """Index of the first crossing of the second half's mean, at most ``max_fraction`` of the series.

    Fishman's crossing-of-the-mean rule, with the mean of the second half as the steady-state
    reference: the start-up is over when the averaged output first reaches the level it keeps
    later. Unlike MSER it does not chase the series' excursions, which on queue output (skewed,
    strongly autocorrelated) cut high stretches out of the window and bias the mean downwards.
    """
    z = np.asarray(series, dtype=float)
    if len(z) < 4:
        return 0
    above = z >= z[len(z) // 2 :].mean()
    changes = np.nonzero(above[1:] != above[:-1])[0]
    first = int(changes[0]) + 1 if len(changes) else 0
    return min(first, int(len(z) * max_fraction))


@dataclass(frozen=True)
class Trend:
    """Least-squares growth of a series of batch means: slope t-statistic and growth over the mean."""

    t_stat: float
    relative_growth: float


def trend(batch_means: Sequence[float]) -> Trend:
    """OLS line through equally spaced batch means; growth = fitted rise over the series / its mean."""
    y = np.asarray(batch_means, dtype=float)
    x = np.arange(len(y), dtype=float)
    fit = stats.linregress(x, y)
    mean = float(y.mean())
    t_stat = math.inf if fit.stderr == 0 and fit.slope > 0 else fit.slope / fit.stderr if fit.stderr else 0.0
    growth = fit.slope * (len(y) - 1) / mean if mean > 0 else 0.0
    return Trend(float(t_stat), float(growth))
