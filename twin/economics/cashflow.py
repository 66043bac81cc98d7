"""Cash flows of an investment programme, year by year, and the figures a finance controller reads.

Years are whole periods: year 0 is now and is not discounted; a flow of year k is discounted by
(1 + r)^k (flows at year end). Every function works on plain numbers, so the same code values one
replication's projection or a thousand sampled ones.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy_financial as npf

from twin.kpi.stats import estimate


def straight_line_depreciation(capex_cny: float, year: int, life_years: float, horizon_years: int) -> np.ndarray:
    """Tax depreciation of ``capex_cny`` bought in ``year``, straight line over ``life_years``.

    Depreciation starts in the year after purchase (Chinese practice: from the month after the asset
    is put in use, taken here as the next year) and a fractional life ends with a partial year.
    Returns one value per year 0..horizon.
    """
    out = np.zeros(horizon_years + 1)
    if capex_cny <= 0:
        return out
    per_year = capex_cny / life_years
    left = life_years
    k = year + 1
    while left > 1e-12 and k <= horizon_years:
        share = min(1.0, left)
        out[k] = per_year * share
        left -= share
        k += 1
    return out


@dataclass(frozen=True)
class CashFlows:
    """One projection's yearly lines (index = year 0..horizon), all in CNY, incremental to the baseline."""

    operating: np.ndarray
    """Incremental earnings before depreciation and tax: savings and extra margin minus opex."""
    capex: np.ndarray
    depreciation: np.ndarray
    tax: np.ndarray
    """Tax on the operating result net of depreciation (negative: a shield)."""
    awards_after_tax: np.ndarray
    """Subsidies and awards net of their tax, kept apart because they depend on the province."""

    @property
    def net_without_awards(self) -> np.ndarray:
        return self.operating - self.capex - self.tax

    @property
    def net(self) -> np.ndarray:
        """After-tax cash flow per year, awards included."""
        return self.net_without_awards + self.awards_after_tax


def project_cash_flows(
    operating: Sequence[float],
    capex: Sequence[float],
    depreciation: Sequence[float],
    tax_rate: float,
    awards: Sequence[float] | None = None,
    awards_taxable: bool = True,
) -> CashFlows:
    """After-tax cash flows from the yearly incremental operating result, capex and depreciation.

    Tax is ``tax_rate`` × (operating − depreciation [+ awards if taxable]). A negative tax is the
    shield the project's loss gives against the rest of the company's profit: the plant is assumed
    to be profitable as a whole, as a going concern that applies for a tier is.
    """
    op = np.asarray(operating, dtype=float)
    cap = np.asarray(capex, dtype=float)
    dep = np.asarray(depreciation, dtype=float)
    aw = np.zeros_like(op) if awards is None else np.asarray(awards, dtype=float)
    if not (op.shape == cap.shape == dep.shape == aw.shape):
        raise ValueError("operating, capex, depreciation and awards must cover the same years")
    return CashFlows(op, cap, dep, tax_rate * (op - dep), aw * (1 - tax_rate) if awards_taxable else aw)


def npv(rate: float, flows: Sequence[float]) -> float:
    """Net present value, year 0 undiscounted."""
    return float(npf.npv(rate, np.asarray(flows, dtype=float)))


def irr(flows: Sequence[float]) -> float | None:
    """Internal rate of return (numpy-financial), or ``None`` when the flows never change sign."""
    x = np.asarray(flows, dtype=float)
    if not (np.any(x > 0) and np.any(x < 0)):
        return None
    value = float(npf.irr(x))
    return None if math.isnan(value) else value


def discounted_payback(rate: float, flows: Sequence[float]) -> float | None:
    """Years until the cumulative discounted cash flow turns non-negative for good, interpolated in a year.

    ``None`` when it does not within the flows given ("not within horizon"). 0 when nothing is ever owed.
    """
    x = np.asarray(flows, dtype=float)
    discounted = x / (1 + rate) ** np.arange(len(x))
    cum = np.cumsum(discounted)
    if cum[-1] < 0:
        return None
    negative = np.nonzero(cum < 0)[0]
    if len(negative) == 0:
        return 0.0
    k = int(negative[-1])  # last year still under water; it pays back during year k + 1
    return k + float(-cum[k] / discounted[k + 1])


@dataclass(frozen=True)
class MoneyEstimate:
    """A money figure over replications and sampled effects: its mean with a 95% CI, spread and risk."""

    mean: float | None
    ci95: tuple[float | None, float | None]
    p5: float | None
    p95: float | None
    p_positive: float | None
    n: int
    n_undefined: int
    """Samples where the figure does not exist (no IRR, no payback within the horizon)."""
    median: float | None = None
    """Median over every sample, an undefined one counted at the end it stands for (a payback beyond the
    horizon as the longest); ``None`` when that end is the median. Unlike the mean of the defined samples it
    is not pulled short by leaving out the replications that never pay back."""


def summarise(samples: Sequence[float | None], undefined_as: float | Sequence[float] | None = None) -> MoneyEstimate:
    """Mean with a Student-t 95% interval, the 5-95 % range and P(value > 0); undefined samples counted apart.

    ``undefined_as`` (±inf, one for all or one per sample) is where an undefined sample ranks for the
    median; without it the median is over the defined samples.
    """
    defined = [v is not None and not math.isnan(v) for v in samples]
    values = [float(v) for v, ok in zip(samples, defined, strict=True) if ok]
    missing = len(samples) - len(values)
    if undefined_as is None or not missing:
        ranked = values
    else:
        ends = [undefined_as] * len(samples) if isinstance(undefined_as, float | int) else list(undefined_as)
        ranked = [float(v) if ok else e for v, ok, e in zip(samples, defined, ends, strict=True)]
    median = float(np.median(ranked)) if ranked else None
    median = median if median is not None and math.isfinite(median) else None
    if not values:
        return MoneyEstimate(None, (None, None), None, None, None, 0, missing, median)
    est = estimate(values)
    arr = np.asarray(values)
    return MoneyEstimate(
        est.mean,
        (est.lo, est.hi),
        float(np.percentile(arr, 5)),
        float(np.percentile(arr, 95)),
        float(np.mean(arr > 0)),
        len(values),
        missing,
        median,
    )
