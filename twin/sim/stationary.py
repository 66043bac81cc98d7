"""Where a failure mode's renewal process stands when a run starts: its part's age and remaining life.

A plant does not open the day all its parts were new. Starting every mode at age zero biases any
run shorter than a few lives: a wear-out part of 300 producing hours' mean life (the CNCs') on a
machine producing 50 h a week barely fails in a six-week run, so preventive maintenance would be
paid for in full and save nothing. A warm-up cannot fix that, because it would have to last many
lives. Instead each mode starts at the age it has in the long run (the stationary, or equilibrium,
renewal process): an age with density R(a) / E[min(L, T)] on [0, T], where R is the life's survival
function and T the age at which preventive maintenance renews it (no T: run to failure), and then
the rest of a life that has survived that age. The expected number of failures in any window is
then the long-run rate times its length (Cox 1962, *Renewal Theory*, §5.2; Ross, *Stochastic
Processes*, §3.5), which is what a twin that compares maintenance policies over weeks needs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from twin.spec.distributions import Deterministic, Distribution, Empirical, Law, Normal

GRID = 4097
"""Points of the age grid the equilibrium distribution is inverted on (its error is far below a draw's)."""
TAIL = 1e-12
"""Survival probability past which a life is taken as ended (the grid's end without preventive renewal)."""


def _values(dist: Distribution) -> np.ndarray:
    """The sorted values of a deterministic or empirical life (each equally likely)."""
    if isinstance(dist, Deterministic):
        return np.array([dist.value])
    if isinstance(dist, Normal):
        return np.array([dist.mu])
    assert isinstance(dist, Empirical)
    return np.sort(np.asarray(dist.values, dtype=float))


@dataclass(frozen=True, slots=True)
class _Life:
    """A life distribution ready for stationary starts: the scipy law (or the values) and the age table."""

    rv: Law | None
    values: np.ndarray | None
    ages: np.ndarray
    area: np.ndarray
    """E[min(L, age)] at each age: the integral of the survival function, inverted to draw an age."""


_LIVES: dict[tuple[str, float], _Life] = {}
"""By (distribution as JSON, renewal age): a model has few distinct lives, each shared by many machines."""


def _life(dist: Distribution, renew_at: float) -> _Life:
    key = (dist.model_dump_json(by_alias=True), renew_at)
    if key not in _LIVES:
        if len(_LIVES) > 1024:
            _LIVES.clear()
        _LIVES[key] = _tabulate(dist, renew_at)
    return _LIVES[key]


def _tabulate(dist: Distribution, renew_at: float) -> _Life:
    rv = dist.law()
    if rv is not None:
        # quantiles, not evenly spaced ages, so a heavy tail neither coarsens the grid where the mass is
        # nor is cut short: each cell holds at most ≈ 1/2,000 of the probability (half the grid spans 1 to 0.01)
        half = GRID // 2
        alive = np.concatenate((np.linspace(1.0, 0.01, half), np.logspace(-2, math.log10(TAIL), GRID - half)[1:]))
        ages = np.concatenate(([0.0], rv.isf(alive)))
        ages = np.append(ages[ages < renew_at], renew_at) if renew_at < ages[-1] else ages
        survival = rv.sf(ages)
        area = np.concatenate(([0.0], np.cumsum((survival[1:] + survival[:-1]) / 2 * np.diff(ages))))
        return _Life(rv, None, ages, area)
    values = _values(dist)
    ages = np.linspace(0.0, min(renew_at, float(values[-1])), GRID)
    return _Life(None, values, ages, np.minimum(values[None, :], ages[:, None]).mean(axis=1))


def stationary_start(dist: Distribution, renew_at: float | None, u_age: float, u_life: float) -> tuple[float, float]:
    """(age, remaining life) of a mode in its long-run state, from two uniforms in [0, 1).

    ``renew_at`` is the age at which preventive maintenance renews the mode (``None``: never). The
    same uniforms give coupled starts to variants with and without preventive maintenance (common
    random numbers).
    """
    life = _life(dist, math.inf if renew_at is None else renew_at)
    age = float(np.interp(u_age * life.area[-1], life.area, life.ages))
    if life.rv is not None:
        alive = float(life.rv.sf(age))
        end = float(life.rv.isf((1.0 - u_life) * alive)) if alive > 0 else age
        return age, max(0.0, end - age)
    left = life.values[life.values > age]
    if left.size == 0:
        return age, 0.0
    return age, float(left[int(u_life * left.size)] - age)
