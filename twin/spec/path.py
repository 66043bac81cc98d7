"""Upgrade paths: named, staged sequences of catalogue investments (施工路径), as read from YAML.

Cross-checks that need the catalogue and the plant (known ids, prerequisites installed in time, each
investment once, patches that fit) live in :mod:`twin.plan.paths`.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from twin.spec.base import Sourced, Spec
from twin.spec.factory import Declared, Name
from twin.spec.finance import FRACTIONS, Assumption, Award, _yearly_fraction


class Stage(Spec):
    """Investments made in one year (0 = now); they are installed during that year."""

    year: int = Field(ge=0, le=30)
    investments: list[Name] = Field(min_length=1)
    declared: Declared | None = Field(
        default=None, description="enterprise facts expected after the stage (e.g. the CMMM level it is assessed at)"
    )
    note: str = ""


class UpgradePath(Sourced):
    """A strategy for climbing the tiers, as investments by year. ``source`` says where the choice comes from."""

    name: Name
    name_en: str = Field(min_length=1)
    name_zh: str = Field(min_length=1)
    plant: str | list[str] | None = Field(
        default=None, description="the plant (or plants) this path is written for; none: any plant"
    )

    def fits(self, plant_name: str) -> bool:
        """Whether the path is written for the plant of that name."""
        return self.plant is None or plant_name in ([self.plant] if isinstance(self.plant, str) else self.plant)

    description: str = ""
    stages: list[Stage] = Field(min_length=1)

    @property
    def investments(self) -> list[str]:
        return [i for stage in self.stages for i in stage.investments]


class FinanceOverride(Spec):
    """Finance assumptions a paths file overrides; the rest keep the shipped defaults."""

    horizon_years: int | None = Field(default=None, ge=1, le=30)
    discount_rate: Assumption | None = None
    income_tax_rate: Assumption | None = None
    demand_growth: Assumption | None = None
    price_erosion: Assumption | None = None
    wage_escalation: Assumption | None = None
    energy_price_escalation: Assumption | None = None
    inventory_carrying_rate: Assumption | None = None
    investment_cost_factor: Assumption | None = None
    awards_taxable: bool | None = None
    awards: list[Award] | None = None

    _fractions = field_validator(*FRACTIONS)(_yearly_fraction)


class PathsFile(Spec):
    paths: list[UpgradePath] = Field(min_length=1)
    finance: FinanceOverride | None = None
