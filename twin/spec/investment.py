"""Investments as declarative patches to a factory model, and the catalogue that holds them.

An investment never touches a KPI: it changes the model — a repair-time distribution, an interface
from manual to realtime, a maintenance regime — and the simulation decides what that does. An
uncertain effect is a ``factor`` distribution, sampled once per replication.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from twin.spec.base import Float, Sourced, Spec
from twin.spec.distributions import Distribution
from twin.spec.factory import Declared, Name
from twin.spec.scenarios import SCENARIOS

TIERS = ("basic", "advanced", "excellent", "leading")
TIER_ZH = {
    "basic": "基础级",
    "advanced": "先进级",
    "excellent": "卓越级",
    "leading": "领航级",
    "below_basic": "未达基础级",
}
Tier = Literal["basic", "advanced", "excellent", "leading"]


class PatchOp(Spec):
    """One change to the model. Paths are dotted; ``[name]``, ``[a|b]``, ``[*]`` or ``[3]`` select list items.

    - ``set``: put ``value`` at ``path`` (creating missing mappings on the way)
    - ``scale``: multiply the number or distribution at ``path`` by ``factor`` (a number or a distribution)
    - ``add``: add ``value`` to the number at ``path``
    - ``append``: add ``value`` to the list at ``path`` unless already there
    - ``upsert``: replace the item of the list at ``path`` with the same name (or from/to), else append
    - ``merge``: update the mapping at ``path`` with ``value``
    """

    op: Literal["set", "scale", "add", "append", "upsert", "merge"]
    path: str = Field(min_length=1)
    value: Any = None
    factor: Distribution | None = None


class Investment(Sourced):
    """A catalogue entry. ``source`` cites the cost figures, ``effect_source`` the effect ranges."""

    id: Name
    name_en: str
    name_zh: str
    category: Literal["equipment", "industrial_software", "integration", "data_ai", "people"]
    scenario: str = Field(description="typical scenario of the 40-scenario guide")
    tier: Tier = Field(description="the tier this investment typically belongs to")
    capex_cny: Float = Field(ge=0)
    opex_cny_per_year: Float = Field(default=0.0, ge=0)
    install_downtime_days: Float = Field(default=0.0, ge=0)
    ramp_up_months: Float = Field(default=0.0, ge=0)
    life_years: Float = Field(gt=0)
    prerequisites: list[Name] = []
    patch: list[PatchOp] = Field(min_length=1)
    effect_source: str = Field(min_length=1)

    @field_validator("scenario")
    @classmethod
    def _known_scenario(cls, value: str) -> str:
        if value not in SCENARIOS:
            raise ValueError(f"expected one of the 40 typical scenarios, e.g. {', '.join(SCENARIOS[:4])}, ...")
        return value


class Catalogue(Spec):
    investments: list[Investment] = Field(min_length=1)

    def get(self, investment_id: str) -> Investment:
        return next(i for i in self.investments if i.id == investment_id)

    @property
    def ids(self) -> list[str]:
        return [i.id for i in self.investments]


class Preset(Spec):
    """A named plant: a base model plus catalogue investments (so the two can never drift apart)."""

    name: Name
    name_zh: str | None = None
    base: str
    tier: Tier
    investments: list[Name] = Field(min_length=1)
    declared: Declared | None = Field(
        default=None, description="enterprise facts that differ from the base plant's (e.g. the CMMM level assessed)"
    )
    description: str = ""


class Presets(Spec):
    presets: list[Preset] = []
