"""Investments as declarative patches to a factory model, and the catalogue that holds them.

An investment never touches a KPI: it changes the model — a repair-time distribution, an interface
from manual to realtime, a maintenance regime — and the simulation decides what that does. An
uncertain effect is a ``factor`` distribution, sampled once per replication.

Costs follow the plant: a fixed part plus parts per machine, per station, per user and per shift,
counted on the stations a ``scope`` selects, so one catalogue prices a plant of any size
(:func:`costs_for`).
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from twin.spec.base import Float, Sourced, Spec
from twin.spec.distributions import Distribution
from twin.spec.factory import Declared, Factory, Name
from twin.spec.scenarios import SCENARIOS
from twin.spec.select import SelectionError, select

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
    """One change to the model. Paths are dotted; ``[name]``, ``[a|b]``, ``[*]``, ``[3]``, ``[kind=cnc_milling]``,
    ``[tags=machining]`` or ``[material=*]`` select list items (:mod:`twin.spec.select`).

    - ``set``: put ``value`` at ``path`` (creating missing mappings on the way)
    - ``scale``: multiply the number or distribution at ``path`` by ``factor`` (a number or a distribution)
    - ``add``: add ``value`` to the number at ``path``
    - ``append``: add ``value`` to the list at ``path`` unless already there
    - ``upsert``: replace the item of the list at ``path`` with the same name (or from/to), else append
    - ``merge``: update the mapping at ``path`` with ``value``
    - ``require``: change nothing, but fail unless ``path`` holds a value somewhere (``value`` says
      why the investment needs it); an investment with nothing to act on does not fit the plant
    - ``forbid``: change nothing, but fail if ``path`` holds a value (``value`` says why): an investment
      that adds what the plant already has does not fit it
    - ``repeat_last``: append a copy of the last item of each list at ``path`` that has one, and skip
      the items without that list (a new shift staffed as the last one: ``operators[*].count_per_shift``)
    """

    op: Literal["set", "scale", "add", "append", "upsert", "merge", "require", "forbid", "repeat_last"]
    path: str = Field(min_length=1)
    value: Any = None
    factor: Distribution | None = None


class HeadcountPerUnit(Spec):
    """A headcount change that follows the plant: people per machine or per station among the stations
    ``scope`` selects (counted before the investment), the same in every shift, rounded to whole people,
    halves upwards: half a person more is hired, half a person less is not a person saved (one robot cell
    that frees 0.5 of its tester's time keeps the tester). Robot cells free people per cell; a second bench
    in each packing area needs one packer per area."""

    per_machine: Float | None = None
    per_station: Float | None = None
    scope: str = Field(min_length=1, description="station selector, as in patch paths and costs")

    @model_validator(mode="after")
    def _one_rate(self) -> HeadcountPerUnit:
        if (self.per_machine is None) == (self.per_station is None):
            raise ValueError("give per_machine or per_station (one of them)")
        return self

    def for_stations(self, stations: list[dict]) -> int:
        """Whole people for the stations of a plant (its data as in a YAML file); 0 where the scope selects none."""
        machines, picked = scope_counts(stations, self.scope)
        raw = self.per_machine * machines if self.per_machine is not None else (self.per_station or 0.0) * picked
        return math.floor(raw + 0.5)


def scope_counts(stations: list[dict], scope: str) -> tuple[int, int]:
    """(machines, stations) among the stations ``scope`` selects (station data as in a YAML file); (0, 0)
    where it selects none: what per-machine and per-station costs and headcounts are counted on."""
    try:
        picked = [stations[i] for i in select(stations, scope, "stations")]
    except SelectionError:
        return 0, 0
    return sum(s.get("machines", 1) for s in picked), len(picked)


TaxClass = Literal["machinery", "electronic", "tools", "vehicle", "building", "software", "expensed"]
TAX_LIFE_YEARS: dict[str, float] = {
    "machinery": 10,
    "electronic": 3,
    "tools": 5,
    "vehicle": 4,
    "building": 20,
    "software": 5,
    "expensed": 1,
}
"""Minimum straight-line tax lives: EIT Law Implementation Regulations art. 60 (plant-data B9 [S69]) for
machinery, electronic equipment, tools/instruments/furniture, vehicles and buildings. Software:
assumed 5 years (an intangible asset; purchased software may be written off faster, not in
plant-data). ``expensed``: training, planning effort and staff, charged in the year they are spent.
The one-off write-off of equipment up to 5 M CNY bought 2024-2027 (B9 [S71]) is not applied."""


class Cost(Spec):
    """A cost that follows the plant: fixed + per machine + per station + per user + per shift.

    Machines and stations are counted among the stations ``scope`` selects (a selector as in patch
    paths: ``*``, ``kind=cnc_milling|cnc_turning``, ``networked=false``, ``material=*``); users are
    the paid heads of every shift (each has a login); shifts are the plant calendar's shifts.
    """

    fixed_cny: Float = Field(default=0.0, ge=0)
    per_machine_cny: Float = Field(default=0.0, ge=0)
    per_station_cny: Float = Field(default=0.0, ge=0)
    per_user_cny: Float = Field(default=0.0, ge=0)
    per_shift_cny: Float = Field(default=0.0, ge=0)
    scope: str = Field(default="*", min_length=1, description="station selector for the per-machine/station parts")

    def for_plant(self, plant: Factory) -> float:
        """The cost in CNY for this plant (0 per-machine part where the scope matches nothing)."""
        machines, stations = scope_counts(plant.model_dump(by_alias=True, exclude_none=True)["stations"], self.scope)
        return (
            self.fixed_cny
            + self.per_machine_cny * machines
            + self.per_station_cny * stations
            + self.per_user_cny * plant_users(plant)
            + self.per_shift_cny * plant_shifts(plant)
        )


def plant_shifts(plant: Factory) -> int:
    """Shifts a day in the plant calendar (one where the plant runs around the clock without shifts)."""
    return len(plant.calendar.shifts) if plant.calendar is not None and plant.calendar.shifts else 1


def plant_users(plant: Factory) -> int:
    """Paid heads over all shifts: the named users of shop-floor software."""
    shifts = plant_shifts(plant)
    return sum(sum(p.count_per_shift) if p.count_per_shift is not None else p.count * shifts for p in plant.operators)


class Install(Spec):
    """What stops while the investment goes in: the stations a selector picks, for whole days."""

    stations: str = Field(default="*", min_length=1, description="station selector, as in patch paths")
    days: Float = Field(default=0.0, ge=0)


class Investment(Sourced):
    """A catalogue entry. ``source`` cites the cost figures, ``effect_source`` the effect ranges."""

    id: Name
    name_en: str
    name_zh: str
    category: Literal["equipment", "industrial_software", "integration", "data_ai", "people"]
    scenario: str = Field(description="typical scenario of the 40-scenario guide")
    tier: Tier = Field(description="the tier this investment typically belongs to")
    cost: Cost = Field(description="capital expenditure, CNY")
    opex: Cost = Field(default=Cost(), description="running cost, CNY per year")
    tax_class: TaxClass = Field(description="EIT depreciation class of the capital expenditure")
    useful_life_years: Float | None = Field(
        default=None,
        gt=0,
        le=30,
        description="economic life: years it serves before it must be replaced (default: its tax life)",
    )
    install: Install = Field(default=Install(), description="stations stopped while it is installed")
    ramp_up_months: Float = Field(default=0.0, ge=0)
    prerequisites: list[Name] = []
    patch: list[PatchOp] = []
    headcount_delta: dict[Name, int | list[int] | HeadcountPerUnit] = Field(
        default_factory=dict,
        description="people added (+) or removed (-) per operator pool, direct or indirect: one number for every"
        " shift, one per shift, or per machine/station of a scope; applied to the pool's counts after the patch",
    )
    effect_source: str = Field(min_length=1)

    @property
    def life_years(self) -> float:
        """Straight-line tax life of the capital expenditure (minimum life of its class)."""
        return TAX_LIFE_YEARS[self.tax_class]

    @property
    def economic_life_years(self) -> float:
        """Years the capital expenditure serves: what a yearly capital charge spreads it over.

        Tax lives are legal minimums (electronic equipment 3 years) and shorter than what a gateway or a
        software licence serves; charging capex over them would overstate the yearly cost.
        """
        return self.useful_life_years or self.life_years

    @property
    def capex_cny(self) -> float:
        """Capital expenditure at the default reference plant; :func:`costs_for` prices another plant."""
        return costs_for(self, default_plant())[0]

    @property
    def opex_cny_per_year(self) -> float:
        """Running cost per year at the default reference plant."""
        return costs_for(self, default_plant())[1]

    @model_validator(mode="after")
    def _changes_something(self) -> Investment:
        if not self.patch and not self.headcount_delta:
            raise ValueError("give a patch, a headcount_delta or both")
        return self

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
    name_en: str | None = None
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


def costs_for(investment: Investment, plant: Factory) -> tuple[float, float]:
    """(capex CNY, opex CNY per year) of the investment in ``plant``, priced on the plant before it."""
    return investment.cost.for_plant(plant), investment.opex.for_plant(plant)


@cache
def default_plant() -> Factory:
    """The default reference plant, as shipped (the plant ``capex_cny`` and ``opex_cny_per_year`` price)."""
    from twin.spec.checks import load_factory
    from twin.spec.loader import data_dir

    return load_factory(data_dir("models") / "precision_machining.yaml")
