"""Market and finance assumptions for valuing an upgrade path: each number with its source and range.

A ``low``/``high`` pair is the range the sensitivity (tornado) view moves the assumption over; an
assumption without a range is held fixed there.
"""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from twin.spec.base import Sourced, Spec
from twin.spec.investment import Tier


class Assumption(Sourced):
    """A number we assume, with the range a sensitivity study moves it over and where it comes from."""

    value: float
    low: float | None = None
    high: float | None = None

    @model_validator(mode="after")
    def _range_holds_value(self) -> Assumption:
        if (self.low is None) != (self.high is None):
            raise ValueError("give both low and high, or neither")
        if self.low is not None and not self.low <= self.value <= self.high:
            raise ValueError(f"low <= value <= high, found {self.low} / {self.value} / {self.high}")
        return self


FRACTIONS = ("discount_rate", "income_tax_rate", "inventory_carrying_rate")


def _yearly_fraction(a: Assumption | None) -> Assumption | None:
    if a is not None and not all(0 <= v < 1 for v in (a.value, a.low, a.high) if v is not None):
        raise ValueError("a yearly fraction in [0, 1) for value, low and high")
    return a


class Award(Sourced):
    """A one-off award or subsidy paid in the year a tier is first reached (province-specific)."""

    tier: Tier
    amount_cny: float = Field(ge=0)


class Finance(Spec):
    """Everything besides the plant that turns KPIs into money; rates are fractions per year."""

    horizon_years: int = Field(default=10, ge=1, le=30)
    discount_rate: Assumption
    income_tax_rate: Assumption
    demand_growth: Assumption
    price_erosion: Assumption
    wage_escalation: Assumption
    energy_price_escalation: Assumption
    inventory_carrying_rate: Assumption
    investment_cost_factor: Assumption = Field(
        default=Assumption(value=1.0, low=0.8, high=1.3, source="assumed: a feasibility-stage cost estimate"),
        description="multiplies every investment's capex and opex; low/high: the cost-estimate range",
    )
    awards_taxable: bool = True
    awards: list[Award] = []
    source: str | None = None

    _fractions = field_validator(*FRACTIONS)(_yearly_fraction)


class FinanceFile(Spec):
    finance: Finance
