"""Picking the best upgrade path by expected NPV, with an indifference zone: Kim and Nelson's procedure KN.

KN (S.-H. Kim and B. L. Nelson, "A fully sequential procedure for indifference-zone selection in simulation",
ACM TOMACS 11(3):251-273, 2001; restated in D. Goldsman and B. L. Nelson, "Statistical selection of the best
system", Proc. 2001 Winter Simulation Conference) takes n0 replications of every system, then one more of each
survivor at a time, and drops system i as soon as its mean falls below another survivor's by more than
W_il(r). W_il is built from the sample variance of the *differences* X_i - X_l over the first n0
replications, which is why KN stays valid under common random numbers and profits from them: the stronger
the positive correlation, the smaller W_il and the sooner inferior paths go.

    eta = ((2 alpha / (k-1)) ** (-2 / (n0-1)) - 1) / 2,   h2 = 2 eta (n0-1)
    W_il(r) = max(0, delta / (2r) * (h2 S2_il / delta**2 - r))

(checked against the paper's Setup/Screening steps as reproduced in two public implementations.) The
guarantee: if the best mean is at least ``delta`` above every other, KN picks it with probability at
least 1 - alpha, for normal observations. A budget (``max_reps``) is our addition: a run that reaches it
names the survivor with the largest mean and reports the others it could not separate.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

Sampler = Callable[[Sequence[int], int, int], np.ndarray]
"""``sample(systems, first_rep, n)`` -> array (n, len(systems)): replications first_rep..first_rep+n-1.

Replication r of every system uses the same random numbers (rows are independent, columns correlated)."""


@dataclass(frozen=True)
class Selection:
    """What KN decided, and on how much evidence."""

    best: int  # index of the chosen system (largest mean is best)
    confidence: float  # 1 - alpha
    delta: float  # indifference zone, in the unit of the observations
    separated: bool  # one survivor left: the KN guarantee applies
    unseparated: list[int]  # other survivors when the budget ran out (empty if separated)
    reps: list[int]  # replications each system received
    means: list[float]  # sample mean over those replications
    eliminated_at: list[int | None]  # replication count at which each system was dropped (None: never)


def kn_h2(k: int, alpha: float, n0: int) -> float:
    """KN's constant h2 = 2 eta (n0-1) for ``k`` systems, error ``alpha`` and first stage ``n0``."""
    eta = 0.5 * ((2 * alpha / (k - 1)) ** (-2 / (n0 - 1)) - 1)
    return 2 * eta * (n0 - 1)


def select_best(
    sample: Sampler,
    k: int,
    *,
    delta: float,
    alpha: float = 0.05,
    n0: int = 5,
    max_reps: int = 40,
    batch: int = 2,
) -> Selection:
    """The system with the largest mean among ``k``, by procedure KN with indifference zone ``delta``.

    Survivors are sampled ``batch`` replications at a time (so a process pool has work), but the
    elimination test runs at every single replication count r using data up to r only, so the decision is
    the one-at-a-time procedure's; replications a system received after its elimination are not used.
    ``reps`` and ``means`` cover every replication each system received. With ``k == 1`` the n0 first-stage
    replications are still taken, so the one path has a mean to report. Raises ``ValueError`` for bad
    arguments and for a sampler that returns the wrong shape or a missing / non-finite observation.
    """
    _check_arguments(k, delta, alpha, n0, max_reps, batch)
    data = _Observations(sample, k, max_reps)
    data.extend(list(range(k)), n0)
    if k == 1:
        return data.selection(0, 1 - alpha, delta, [0], [None])

    first = data.values[:n0]
    s2 = (first[:, :, None] - first[:, None, :]).var(axis=0, ddof=1)
    h2 = kn_h2(k, alpha, n0)
    sums = first.sum(axis=0)
    survivors = np.arange(k)
    eliminated_at: list[int | None] = [None] * k
    r = n0
    while True:
        dropped = _screen(sums[survivors] / r, s2[np.ix_(survivors, survivors)], h2, delta, r)
        for i in survivors[dropped]:
            eliminated_at[i] = r
        survivors = survivors[~dropped]
        if len(survivors) == 1 or r == max_reps:
            break
        if data.counts[survivors[0]] == r:
            data.extend(survivors.tolist(), min(batch, max_reps - r))
        sums[survivors] += data.values[r, survivors]
        r += 1
    best = int(survivors[np.argmax(sums[survivors])])
    return data.selection(best, 1 - alpha, delta, survivors.tolist(), eliminated_at)


def _screen(means: np.ndarray, s2: np.ndarray, h2: float, delta: float, r: int) -> np.ndarray:
    """Which of the survivors (all with ``r`` replications) KN drops at r: mean_i < mean_l - W_il(r)."""
    w = np.maximum(0.0, delta / (2 * r) * (h2 * s2 / delta**2 - r))
    behind = means[None, :] - w - means[:, None]
    np.fill_diagonal(behind, -np.inf)
    return (behind > 0).any(axis=1)


class _Observations:
    """Every observation received, by replication and system; each (system, rep) is asked for once."""

    def __init__(self, sample: Sampler, k: int, max_reps: int):
        self.sample = sample
        self.values = np.full((max_reps, k), np.nan)
        self.counts = np.zeros(k, dtype=int)

    def extend(self, systems: list[int], n: int) -> None:
        first = int(self.counts[systems[0]])
        try:
            got = np.asarray(self.sample(systems, first, n), dtype=float)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"select_best: sampler returned non-numbers ({exc}); expected numbers") from exc
        if got.shape != (n, len(systems)):
            raise ValueError(
                f"select_best: sampler returned shape {got.shape} for {n} replications of {len(systems)} systems; "
                f"expected ({n}, {len(systems)})"
            )
        bad = np.argwhere(~np.isfinite(got))
        if len(bad):
            row, col = bad[0]
            raise ValueError(
                f"select_best: sampler returned {got[row, col]} for system {systems[col]}, replication "
                f"{first + row}; expected a finite number (a missing observation reads as nan)"
            )
        self.values[first : first + n, systems] = got
        self.counts[systems] += n

    def selection(
        self, best: int, confidence: float, delta: float, survivors: list[int], eliminated_at: list[int | None]
    ) -> Selection:
        means = [float(self.values[:n, i].mean()) for i, n in enumerate(self.counts)]
        return Selection(
            best=best,
            confidence=confidence,
            delta=delta,
            separated=len(survivors) == 1,
            unseparated=[i for i in survivors if i != best],
            reps=self.counts.tolist(),
            means=means,
            eliminated_at=eliminated_at,
        )


def _check_arguments(k: int, delta: float, alpha: float, n0: int, max_reps: int, batch: int) -> None:
    if not _is_int(k) or k < 1:
        raise ValueError(f"select_best: k (number of systems) is {k!r}; expected an integer >= 1")
    if not (isinstance(delta, Real) and math.isfinite(delta) and delta > 0):
        raise ValueError(f"select_best: delta (indifference zone) is {delta!r}; expected a finite number > 0")
    upper = 1 - 1 / k if k > 1 else 1.0
    if not (isinstance(alpha, Real) and 0 < alpha < upper):
        raise ValueError(f"select_best: alpha is {alpha!r}; expected 0 < alpha < {upper:g} (1 - 1/k, for k={k})")
    if not _is_int(n0) or n0 < 2:
        raise ValueError(f"select_best: n0 (first-stage replications) is {n0!r}; expected an integer >= 2")
    if not _is_int(max_reps) or max_reps < n0:
        raise ValueError(f"select_best: max_reps is {max_reps!r}; expected an integer >= n0 ({n0})")
    if not _is_int(batch) or batch < 1:
        raise ValueError(f"select_best: batch is {batch!r}; expected an integer >= 1")


def _is_int(x: object) -> bool:
    return isinstance(x, Integral) and not isinstance(x, bool)


def describe(selection: Selection, names: list[str], unit: str = "CNY") -> str:
    """One plain sentence for a report: what was chosen, against what zone, with what confidence.

    "Within delta of the best" is the planner's reading of KN's guarantee (proven as: the best is picked
    with probability >= 1 - alpha whenever it leads the rest by at least delta).
    """
    if len(names) != len(selection.reps):
        raise ValueError(f"describe: {len(names)} names for {len(selection.reps)} systems; expected one name each")
    best = names[selection.best]
    confidence = f"{100 * selection.confidence:g} %"
    zone = f"{_amount(selection.delta)} {unit}".strip()
    reps = selection.reps[selection.best]
    if selection.separated:
        if len(names) == 1:
            return f"{best} is the only path ({reps} replications)"
        return f"{best} is within {zone} of the best path with {confidence} confidence (KN, {reps} replications)"
    others = [names[i] for i in selection.unseparated]
    listed = others[0] if len(others) == 1 else ", ".join(others[:-1]) + " and " + others[-1]
    return (
        f"{best} has the largest mean so far, but KN could not separate {best} from {listed} within {reps} "
        f"replications ({confidence} confidence, indifference zone {zone})"
    )


def _amount(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"
