"""A path's yearly money, incremental to doing nothing, from the simulated plant states it passes through.

How a year is built (the README says the same):

* **Operating lines.** Each simulated plant state gives yearly lines at today's prices: revenue (good
  units × the demand-weighted price), material, direct and indirect labour (paid hours), energy
  (time-of-use priced), maintenance labour and spares, overhead, and the carrying cost of its WIP
  value. A state that keeps up with its orders sells what is ordered: it makes its scrapped parts again,
  which costs their material (the material per good unit carries it) and time it has to spare, not the
  sale (not the window's completions either, which also carry the window's change of WIP); a saturated
  state sells what it made.
  A year's lines come from the state's runs at that year's demand, interpolated between the simulated
  demand levels.
* **Phase-in.** A stage is installed at the start of its year; its effect on every line grows linearly
  over its longest ramp-up, so a 6-month ramp-up gives 75 % of the effect in the first year. A path's
  incremental line is the sum over its stages of each stage's share × (its state − the state before it).
* **Installation.** Stations an investment stops (its ``install`` scope and days) lose the margin
  (price − material) of the units they would have made in those days; catching up later is not counted.
* **Prices.** Revenue falls by the price erosion each year, labour and maintenance rise with wages,
  energy with its escalation; material, overhead and opex stay at today's prices.
* **Capital.** Capex is paid at the start of the stage's year, bought again when its economic life ends
  within the horizon, and what is left of the last purchase's economic life at the horizon's end is
  counted back as residual value (its gain over the tax book value taxed). Tax depreciation is straight
  line over the tax class's life, from the next year.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from twin.economics.cashflow import CashFlows, project_cash_flows, straight_line_depreciation
from twin.spec.finance import Finance

HOURS_PER_YEAR = 8760.0
COST_LINES = {
    "material": "cost_material_cny",
    "direct_labour": "cost_direct_labour_cny",
    "indirect_labour": "cost_indirect_labour_cny",
    "energy": "cost_energy_cny",
    "maintenance": "cost_maintenance_cny",
    "overhead": "cost_overhead_cny",
    "escapes": "cost_escapes_cny",
}
"""Cost lines and the per-good-unit KPI each is made of (a KPI the engine does not report counts 0)."""
LINES = ("revenue", *COST_LINES, "inventory_carrying")
ESCALATES_WITH = {
    "revenue": "price",
    "direct_labour": "wage",
    "indirect_labour": "wage",
    "maintenance": "wage",
    "energy": "energy",
}


VARIABLE_LINES = ("material", "escapes")
"""Cost lines that follow the units sold one for one; the others are what the window paid per hour."""


def operating_lines(
    kpis: dict[str, float], price_cny: float, carrying_rate: float, offered_per_h: float | None = None
) -> dict[str, float]:
    """One state's yearly lines at today's prices (CNY per year) from its plant KPIs.

    A plant that keeps up with its orders sells, in the long run, what is ordered: a make-to-order
    supplier replaces a scrapped part, so scrap costs the material of the parts made again (the material
    per good unit includes the scrapped units') and spare machine time, not the sale. With
    ``offered_per_h`` (units ordered per hour) the units sold are ``offered``, and material and claims
    follow them. The window's own completions differ from that by the change of WIP over the window, which
    is noise, not sales. Labour, overhead, energy and maintenance are what the
    window paid per hour. Without ``offered_per_h`` (a saturated plant) the units are the window's own.
    """
    window_units = _finite(kpis.get("throughput_per_h")) * HOURS_PER_YEAR
    units = window_units
    if offered_per_h is not None:
        units = offered_per_h * HOURS_PER_YEAR
    out = {"revenue": units * price_cny}
    for line, kpi in COST_LINES.items():
        out[line] = _finite(kpis.get(kpi)) * (units if line in VARIABLE_LINES else window_units)
    out["inventory_carrying"] = _finite(kpis.get("wip_value_cny")) * carrying_rate
    return out


def _finite(x: float | None) -> float:
    return 0.0 if x is None or math.isnan(x) else float(x)


def margin(lines: dict[str, float]) -> float:
    """Revenue minus every cost line."""
    return lines["revenue"] - sum(v for k, v in lines.items() if k != "revenue")


def phase_in_share(ramp_months: float, years_since: int) -> float:
    """Mean share of an effect reached in year ``years_since`` after installation (0: the year itself).

    The effect grows linearly from nothing at installation to full after ``ramp_months``.
    """
    if years_since < 0:
        return 0.0
    if ramp_months <= 0:
        return 1.0
    a, b, r = 12.0 * years_since, 12.0 * (years_since + 1), ramp_months

    def integral(t: float) -> float:  # ∫0^t min(1, s/r) ds
        return t * t / (2 * r) if t <= r else r / 2 + (t - r)

    return (integral(b) - integral(a)) / 12.0


def escalation(finance: Finance, horizon: int) -> dict[str, np.ndarray]:
    """Price index per year (1 in year 0) of each line that escalates."""
    years = np.arange(horizon + 1)
    rates = {
        "price": -finance.price_erosion.value,
        "wage": finance.wage_escalation.value,
        "energy": finance.energy_price_escalation.value,
    }
    return {line: (1 + rates[kind]) ** years for line, kind in ESCALATES_WITH.items()}


@dataclass(frozen=True)
class StageMoney:
    """What the valuation needs of one stage besides its simulated lines."""

    year: int
    ramp_months: float
    lost_margin_cny: float
    """Margin of the units installation stops cost, at today's prices."""
    purchases: tuple[Purchase, ...]


@dataclass(frozen=True)
class Purchase:
    investment: str
    capex_cny: float
    opex_cny_per_year: float
    tax_life_years: float
    economic_life_years: float


@dataclass(frozen=True)
class PathMoney:
    """One replication's yearly money of a path (arrays over years 0..horizon), incremental to doing nothing."""

    lines: dict[str, np.ndarray]
    """Incremental operating lines after escalation (a cost line > 0 means more cost)."""
    installation: np.ndarray
    opex: np.ndarray
    residual: np.ndarray
    flows: CashFlows

    @property
    def operating(self) -> np.ndarray:
        """Incremental operating result (after opex and installation losses), residual value left out."""
        return self.flows.operating - self.residual


def incremental_lines(
    state_lines: Sequence[Sequence[dict[str, float]]], stages: Sequence[StageMoney], horizon: int
) -> dict[str, np.ndarray]:
    """Σ over stages of phase-in share × (state after the stage − state before), per line and year.

    ``state_lines[s][y]`` are the lines of the state before stage ``s`` + 1 (index 0: do nothing) at
    year ``y``'s demand.
    """
    out = {line: np.zeros(horizon + 1) for line in LINES}
    for s, stage in enumerate(stages, start=1):
        for y in range(horizon + 1):
            share = phase_in_share(stage.ramp_months, y - stage.year)
            if share == 0.0:
                continue
            after, before = state_lines[s][y], state_lines[s - 1][y]
            for line in LINES:
                out[line][y] += share * (after[line] - before[line])
    return out


def path_money(
    state_lines: Sequence[Sequence[dict[str, float]]],
    stages: Sequence[StageMoney],
    finance: Finance,
    awards: Sequence[float] | None = None,
    tax_rate: float | None = None,
    cost_factor: float = 1.0,
    cost_factors: dict[str, float] | None = None,
) -> PathMoney:
    """Yearly incremental cash flows of a path for one replication (see the module docstring).

    ``cost_factor`` scales every investment's capex and opex (the cost-estimate range of the tornado);
    ``cost_factors`` scales named investments' on top of it (one investment's cost at its low or high).
    """
    horizon = finance.horizon_years
    lines = incremental_lines(state_lines, stages, horizon)
    index = escalation(finance, horizon)
    for line, factor in index.items():
        lines[line] = lines[line] * factor
    installation = np.zeros(horizon + 1)
    for stage in stages:
        installation[stage.year] += stage.lost_margin_cny * index["revenue"][stage.year]
    capex, opex, dep, residual, book = (np.zeros(horizon + 1) for _ in range(5))
    for stage in stages:
        for p in stage.purchases:
            factor = cost_factor * (cost_factors or {}).get(p.investment, 1.0)
            opex[stage.year :] += p.opex_cny_per_year * factor
            price = p.capex_cny * factor
            bought = float(stage.year)
            while bought <= horizon:
                y = int(math.floor(bought))
                capex[y] += price
                d = straight_line_depreciation(price, y, p.tax_life_years, horizon)
                dep += d
                end = bought + p.economic_life_years  # in service until here (years from now)
                left = end - (horizon + 1)
                if left > 0:
                    residual[horizon] += price * left / p.economic_life_years
                    book[horizon] += price - d.sum()
                bought = end
    operating = lines["revenue"] - sum(lines[k] for k in LINES if k != "revenue") - installation - opex
    rate = finance.income_tax_rate.value if tax_rate is None else tax_rate
    flows = project_cash_flows(
        operating + residual - book,  # the taxable gain on what is left is taxed with the year's result
        capex,
        dep,
        rate,
        awards=awards,
        awards_taxable=finance.awards_taxable,
    )
    # the residual's book value was not income: take it back out of the operating line, keep the tax
    flows = CashFlows(operating + residual, flows.capex, flows.depreciation, flows.tax, flows.awards_after_tax)
    return PathMoney(lines, installation, opex, residual, flows)
