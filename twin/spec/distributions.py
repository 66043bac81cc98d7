"""Probability distributions for times and quantities, as validated spec objects.

A distribution is written in YAML either as a bare number (deterministic) or as a mapping with a
``dist`` tag, e.g. ``{dist: lognormal, mean: 120, cv: 0.8}``. Lognormal and gamma are given by
mean and coefficient of variation because that is how planners know their data. Each distribution
can build a fast sampler on its own random stream; draws are fetched in blocks because one numpy
call per draw would dominate the simulation's run time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from itertools import repeat
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BeforeValidator, Field, model_validator

from twin.spec.base import Float, Sourced

Sampler = Callable[[], float]
Law = Any
"""A frozen scipy.stats distribution (imported lazily: scipy.stats is slow to import and a run needs it only
to start its failure modes at their long-run age, :mod:`twin.sim.stationary`)."""
_BLOCK = 256
MAX_VALUE = 1e9
"""Largest parameter of a distribution (minutes: about 1,900 years), so every draw stays finite."""


def blocks(draw: Callable[[int], np.ndarray]) -> Iterator[float]:
    """Endless draws, fetched ``_BLOCK`` at a time (the sequence does not depend on the block size)."""
    while True:
        yield from draw(_BLOCK).tolist()


class Deterministic(Sourced):
    dist: Literal["deterministic"] = "deterministic"
    value: Float = Field(gt=0, le=MAX_VALUE, description="the constant value (minutes for times)")

    @property
    def mean(self) -> float:
        return self.value

    @property
    def variance(self) -> float:
        return 0.0

    def sampler(self, rng: np.random.Generator) -> Sampler:
        return repeat(float(self.value)).__next__

    def law(self) -> Law | None:
        """The scipy distribution the sampler draws from; ``None``: the draws take a finite set of values."""
        return None


class Exponential(Sourced):
    dist: Literal["exponential"]
    mean: Float = Field(gt=0, le=MAX_VALUE)

    @property
    def variance(self) -> float:
        return self.mean**2

    def sampler(self, rng: np.random.Generator) -> Sampler:
        mean = self.mean
        return blocks(lambda n: rng.exponential(mean, n)).__next__

    def law(self) -> Law:
        from scipy import stats

        return stats.expon(scale=self.mean)


class Uniform(Sourced):
    dist: Literal["uniform"]
    low: Float = Field(ge=0, le=MAX_VALUE)
    high: Float = Field(gt=0, le=MAX_VALUE)

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high <= self.low:
            raise ValueError(f"high ({self.high}) must be greater than low ({self.low})")
        return self

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    @property
    def variance(self) -> float:
        return (self.high - self.low) ** 2 / 12

    def sampler(self, rng: np.random.Generator) -> Sampler:
        lo, hi = self.low, self.high
        return blocks(lambda n: rng.uniform(lo, hi, n)).__next__

    def law(self) -> Law:
        from scipy import stats

        return stats.uniform(loc=self.low, scale=self.high - self.low)


class Triangular(Sourced):
    dist: Literal["triangular"]
    low: Float = Field(ge=0, le=MAX_VALUE)
    mode: Float = Field(ge=0, le=MAX_VALUE)
    high: Float = Field(gt=0, le=MAX_VALUE)

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not (self.low <= self.mode <= self.high and self.low < self.high):
            raise ValueError(f"need low <= mode <= high and low < high, got {self.low}, {self.mode}, {self.high}")
        return self

    @property
    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3

    @property
    def variance(self) -> float:
        a, c, b = self.low, self.mode, self.high
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18

    def sampler(self, rng: np.random.Generator) -> Sampler:
        a, c, b = self.low, self.mode, self.high
        return blocks(lambda n: rng.triangular(a, c, b, n)).__next__

    def law(self) -> Law:
        from scipy import stats

        width = self.high - self.low
        return stats.triang(c=(self.mode - self.low) / width, loc=self.low, scale=width)


class Normal(Sourced):
    """Normal with ``mean`` and ``sd`` before truncation at zero: negative draws are redrawn.

    The properties ``mean`` and ``variance`` are those of the truncated distribution actually sampled
    (the planned time defaults to that mean); they differ from the parameters once sd/mean exceeds 0.3.
    """

    dist: Literal["normal"]
    mu: Float = Field(alias="mean", gt=0, le=MAX_VALUE, description="mean before truncation at zero")
    sd: Float = Field(ge=0, le=MAX_VALUE, description="standard deviation before truncation at zero")

    def _hazard(self) -> float:
        """phi(a) / (1 - Phi(a)) at the truncation point a = -mu/sd (inverse Mills ratio)."""
        z = self.mu / self.sd
        return math.exp(-z * z / 2) / math.sqrt(2 * math.pi) / (0.5 * math.erfc(-z / math.sqrt(2)))

    @property
    def mean(self) -> float:
        return self.mu if self.sd == 0 else self.mu + self.sd * self._hazard()

    @property
    def variance(self) -> float:
        if self.sd == 0:
            return 0.0
        lam = self._hazard()
        return self.sd**2 * (1 - self.mu / self.sd * lam - lam * lam)

    def sampler(self, rng: np.random.Generator) -> Sampler:
        mu, sd = self.mu, self.sd

        def draw(n: int) -> np.ndarray:
            x = rng.normal(mu, sd, n)
            bad = x < 0
            while bad.any():
                x[bad] = rng.normal(mu, sd, int(bad.sum()))
                bad = x < 0
            return x

        return blocks(draw).__next__

    def law(self) -> Law | None:
        """The normal truncated at zero; ``None`` without spread (every draw is the mean)."""
        if self.sd == 0:
            return None
        from scipy import stats

        return stats.truncnorm(a=-self.mu / self.sd, b=math.inf, loc=self.mu, scale=self.sd)


class Lognormal(Sourced):
    dist: Literal["lognormal"]
    mean: Float = Field(gt=0, le=MAX_VALUE)
    cv: Float = Field(ge=0.001, le=10, description="coefficient of variation, sd/mean (a constant is a bare number)")

    @property
    def variance(self) -> float:
        return (self.cv * self.mean) ** 2

    def _log_params(self) -> tuple[float, float]:
        """(mu, sigma) of the underlying normal, from the mean and cv."""
        sigma2 = math.log1p(self.cv**2)
        return math.log(self.mean) - sigma2 / 2, math.sqrt(sigma2)

    def sampler(self, rng: np.random.Generator) -> Sampler:
        mu, sigma = self._log_params()
        return blocks(lambda n: rng.lognormal(mu, sigma, n)).__next__

    def law(self) -> Law:
        from scipy import stats

        mu, sigma = self._log_params()
        return stats.lognorm(s=sigma, scale=math.exp(mu))


class Gamma(Sourced):
    dist: Literal["gamma"]
    mean: Float = Field(gt=0, le=MAX_VALUE)
    cv: Float = Field(ge=0.001, le=10, description="coefficient of variation, sd/mean (a constant is a bare number)")

    @property
    def variance(self) -> float:
        return (self.cv * self.mean) ** 2

    def _shape_scale(self) -> tuple[float, float]:
        shape = 1 / self.cv**2
        return shape, self.mean / shape

    def sampler(self, rng: np.random.Generator) -> Sampler:
        shape, scale = self._shape_scale()
        return blocks(lambda n: rng.gamma(shape, scale, n)).__next__

    def law(self) -> Law:
        from scipy import stats

        shape, scale = self._shape_scale()
        return stats.gamma(a=shape, scale=scale)


class Weibull(Sourced):
    """Weibull by mean and shape (shape < 1: infant mortality, > 1: wear-out)."""

    dist: Literal["weibull"]
    mean: Float = Field(gt=0, le=MAX_VALUE)
    shape: Float = Field(ge=0.1, le=100, description="below 0.1 the mean is dominated by rare huge draws")

    @property
    def scale(self) -> float:
        return self.mean / math.gamma(1 + 1 / self.shape)

    @property
    def variance(self) -> float:
        k = self.shape
        return self.scale**2 * (math.gamma(1 + 2 / k) - math.gamma(1 + 1 / k) ** 2)

    def sampler(self, rng: np.random.Generator) -> Sampler:
        k, scale = self.shape, self.scale
        return blocks(lambda n: scale * rng.weibull(k, n)).__next__

    def law(self) -> Law:
        from scipy import stats

        return stats.weibull_min(c=self.shape, scale=self.scale)


class Empirical(Sourced):
    """Resamples observed values with equal probability."""

    dist: Literal["empirical"]
    values: list[Annotated[Float, Field(ge=0, le=MAX_VALUE)]] = Field(min_length=1)

    @model_validator(mode="after")
    def _positive_mean(self) -> Empirical:
        if self.mean <= 0:
            raise ValueError("values must not all be zero")
        return self

    @property
    def mean(self) -> float:
        return sum(self.values) / len(self.values)

    @property
    def variance(self) -> float:
        m = self.mean
        return sum((v - m) ** 2 for v in self.values) / len(self.values)

    def sampler(self, rng: np.random.Generator) -> Sampler:
        values = np.asarray(self.values, dtype=float)
        return blocks(lambda n: rng.choice(values, n)).__next__

    def law(self) -> Law | None:
        return None


DIST_NAMES = (
    "deterministic",
    "exponential",
    "uniform",
    "triangular",
    "normal",
    "lognormal",
    "gamma",
    "weibull",
    "empirical",
)


def _number_is_deterministic(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("a number or a distribution, not true or false")
    if isinstance(value, int | float):
        return {"dist": "deterministic", "value": value}
    if isinstance(value, dict) and "dist" not in value and "value" in value:
        return {"dist": "deterministic", **value}
    return value


Distribution = Annotated[
    Deterministic | Exponential | Uniform | Triangular | Normal | Lognormal | Gamma | Weibull | Empirical,
    Field(discriminator="dist"),
    BeforeValidator(_number_is_deterministic),
]
"""Any supported distribution; a bare number means deterministic."""
