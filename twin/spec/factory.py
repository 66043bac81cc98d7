"""The factory model: what a plant is, as validated by pydantic from one YAML file.

Time is in minutes, money in yuan (CNY), power in kW. Simulation time 0 is Monday 00:00.
Cross-references (routings naming stations, operator pools naming stations, setup matrices
naming products) are checked in :mod:`twin.spec.checks` so each problem gets its own path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from twin.spec.base import Bool, Float, Int, Sourced, Spec
from twin.spec.distributions import Distribution
from twin.spec.errors import Problem
from twin.spec.information import Information

MAX_DAYS = 3650
"""Longest horizon of a run, days (ten years); the CLI's ``--days`` has the same cap."""
MAX_REPLICATIONS = 10_000
"""Most replications of a run; the CLI's ``--reps`` has the same cap."""
MAX_UNITS = 100_000
"""Most units in one lot, release, batch, buffer, bin or CONWIP cap (each unit is an object in memory)."""
MAX_MACHINES = 500
"""Most machines at one station."""
MAX_PEOPLE = 10_000
"""Most operators in a pool or repair crews."""

_NAME = re.compile(r"^[\w.\-]+$")
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def _name(value: str) -> str:
    if not _NAME.match(value):
        raise ValueError("a name of letters (any script), digits, '_', '.' or '-', without spaces")
    return value


Name = Annotated[str, Field(min_length=1, max_length=80), AfterValidator(_name)]
"""An id other parts of the model refer to; letters of any script (``车床``) are fine."""


def clock_to_min(value: str) -> int:
    """Minutes after midnight of an ``HH:MM`` clock time."""
    m = _CLOCK.match(value)
    if not m:
        raise ValueError(f"expected a clock time HH:MM, found {value!r}")
    return int(m.group(1)) * 60 + int(m.group(2))


def _clock(value: object) -> object:
    if not isinstance(value, str) or not _CLOCK.match(value):
        raise ValueError("a clock time HH:MM from 00:00 to 23:59")
    return value


Clock = Annotated[str, BeforeValidator(_clock), Field(description="clock time HH:MM")]


class Shift(Spec):
    name: Name
    start: Clock
    hours: Float = Field(gt=0, le=24)


class Break(Spec):
    """A break inside every shift that covers it (machines stop: planned down time)."""

    start: Clock
    minutes: Float = Field(gt=0, le=240)


class PlannedDowntime(Sourced):
    """A weekly planned stop (e.g. preventive maintenance) counted as ISO 22400 planned down time."""

    day: Int = Field(ge=0, le=6, description="0 = Monday")
    start: Clock
    minutes: Float = Field(gt=0, le=10080)
    reason: str = ""


class Calendar(Sourced):
    shifts: list[Shift] = Field(min_length=1)
    days_per_week: Int = Field(default=5, ge=1, le=7, description="working days from Monday")
    breaks: list[Break] = []
    planned_downtime: list[PlannedDowntime] = []

    @model_validator(mode="after")
    def _shifts_do_not_overlap(self) -> Calendar:
        spans = sorted((clock_to_min(s.start), clock_to_min(s.start) + s.hours * 60) for s in self.shifts)
        for (_a0, a1), (b0, _) in zip(spans, spans[1:], strict=False):
            if b0 < a1:
                raise ValueError("shifts overlap: each minute of the day may belong to one shift only")
        if spans and spans[-1][1] - 1440 > spans[0][0]:
            raise ValueError("the last shift runs past the start of the first shift of the next day")
        return self


class Failures(Sourced):
    """Breakdowns of each machine of a station.

    ``basis: operating`` counts time to failure on producing time only (wear from cutting);
    ``basis: calendar`` counts it on all on-shift time, busy or idle.
    """

    basis: Literal["operating", "calendar"] = "operating"
    ttf_min: Distribution = Field(description="time to failure, minutes")
    ttr_min: Distribution = Field(description="time to repair, minutes (incl. waiting for repair)")


class Drift(Sourced):
    """A process drift (tool wear, paste viscosity...) that raises defects until corrected.

    Drifts start after ``mtbd_min`` of producing time; the correction arrives through the
    ``quality_feedback`` flow (or after ``detect_min`` if the model has no such flow).
    """

    mtbd_min: Distribution = Field(description="producing time between drifts")
    scrap: Float = Field(ge=0, lt=1, description="scrap probability while drifted")
    rework: Float = Field(default=0.0, ge=0, lt=1, description="rework probability while drifted")
    detect_min: Distribution | None = Field(default=None, description="detection + correction without a flow")


class Quality(Sourced):
    scrap: Float = Field(default=0.0, ge=0, lt=1, description="probability a unit is scrapped here")
    rework: Float = Field(default=0.0, ge=0, lt=1, description="probability a unit is redone here")
    drift: Drift | None = None

    @model_validator(mode="after")
    def _sum_below_one(self) -> Quality:
        if self.scrap + self.rework >= 1:
            raise ValueError(f"scrap + rework must be below 1, found {self.scrap + self.rework}")
        return self


class Power(Sourced):
    """Electric power draw per machine state, kW. ``idle`` also applies to breaks."""

    busy: Float = Field(default=0.0, ge=0)
    idle: Float = Field(default=0.0, ge=0)
    setup: Float = Field(default=0.0, ge=0)
    down: Float = Field(default=0.0, ge=0)
    off: Float = Field(default=0.0, ge=0)


class Batch(Spec):
    """Batch processing (furnaces, washers): up to ``size`` units of one product per cycle."""

    size: Int = Field(ge=1, le=MAX_UNITS)
    wait_min: Float = Field(default=0.0, ge=0, description="longest wait for a full batch once the first unit is there")


class LineSideMaterial(Sourced):
    """Line-side stock of the material a station consumes (one unit per part processed).

    When the stock falls to ``reorder_units`` a call goes out through the ``material_call`` flow,
    then the warehouse delivers ``bin_units`` after ``delivery_min``; an empty stock starves the station.
    """

    bin_units: Int = Field(ge=1, le=MAX_UNITS)
    reorder_units: Int = Field(ge=0, le=MAX_UNITS)
    delivery_min: Distribution

    @model_validator(mode="after")
    def _reorder_below_bin(self) -> LineSideMaterial:
        if self.reorder_units >= self.bin_units:
            raise ValueError(f"reorder_units ({self.reorder_units}) must be below bin_units ({self.bin_units})")
        return self


DispatchRule = Literal["fifo", "edd", "spt", "setup_avoiding", "atcs"]


class Station(Sourced):
    name: Name
    name_en: str | None = Field(default=None, description="display name in English")
    name_zh: str | None = Field(default=None, description="display name in Chinese")
    machines: Int = Field(default=1, ge=1, le=MAX_MACHINES)
    buffer: Int | None = Field(
        default=None, ge=0, le=MAX_UNITS, description="input buffer capacity (units waiting); null = unlimited"
    )
    setup_min: Distribution | None = Field(default=None, description="setup on a product change")
    setup_matrix: dict[Name, dict[Name, Distribution]] = Field(
        default_factory=dict, description="sequence-dependent setup: from product -> to product"
    )
    failures: Failures | None = None
    quality: Quality = Quality()
    operators: Int = Field(default=0, ge=0, le=20, description="operators needed per running machine")
    power_kw: Power = Power()
    dispatch: DispatchRule | None = None
    batch: Batch | None = None
    networked: Bool = Field(default=False, description="machines connected for data collection (MDC/DNC)")
    material: LineSideMaterial | None = None


class Step(Sourced):
    station: Name
    time_min: Distribution = Field(description="process time per unit (per batch at batch stations)")
    planned_min: Float | None = Field(
        default=None,
        gt=0,
        description="ISO 22400 planned run time per unit (also at batch stations); default: mean per unit",
    )


class ReleasePlanEntry(Spec):
    at_min: Float = Field(ge=0)
    qty: Int = Field(ge=1, le=MAX_UNITS)


class Demand(Sourced):
    """Customer orders: random arrivals of lots, or a fixed release plan (or both)."""

    interarrival_min: Distribution | None = None
    lot_size: Int = Field(default=1, ge=1, le=MAX_UNITS)
    plan: list[ReleasePlanEntry] = []

    @model_validator(mode="after")
    def _has_orders(self) -> Demand:
        if self.interarrival_min is None and not self.plan:
            raise ValueError("give interarrival_min or a release plan")
        return self


class Product(Sourced):
    name: Name
    name_en: str | None = Field(default=None, description="display name in English")
    name_zh: str | None = Field(default=None, description="display name in Chinese")
    routing: list[Step] = Field(min_length=1)
    demand: Demand | None = None
    mix: Float = Field(default=1.0, gt=0, description="share of releases under policy 'saturated'")
    due_allowance_min: Float = Field(default=2880.0, gt=0)
    price_cny: Float = Field(default=0.0, ge=0)
    material_cost_cny: Float = Field(default=0.0, ge=0)


class OperatorPool(Sourced):
    name: Name
    count: Int | None = Field(default=None, ge=0, le=MAX_PEOPLE, description="operators present in every shift")
    count_per_shift: list[Annotated[Int, Field(ge=0, le=MAX_PEOPLE)]] | None = None
    stations: list[Name] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_count(self) -> OperatorPool:
        if (self.count is None) == (self.count_per_shift is None):
            raise ValueError("give exactly one of count or count_per_shift")
        return self


class Release(Sourced):
    """Order release: push on arrival, CONWIP with a cap, saturated (never-starved first station), or
    workload control (a planning run every ``every_min`` releases the backlog by due date while the work
    already released to each station on an order's routing is under ``norm_h`` of that station's capacity).
    """

    policy: Literal["push", "conwip", "saturated", "workload"] = "push"
    cap: Int | None = Field(default=None, ge=1, le=MAX_UNITS, description="CONWIP limit on units in process")
    norm_h: Float | None = Field(
        default=None,
        gt=0,
        le=10_000,
        description="workload: released planned work per station, in hours of that station's machines",
    )
    every_min: Float = Field(default=60.0, gt=0, le=100_000, description="workload: minutes between planning runs")
    group_min: Float = Field(
        default=0.0,
        ge=0,
        le=100_000,
        description="workload: orders of one product due within this many minutes of a released one go with it",
    )
    on_starving: Bool = Field(
        default=False,
        description="workload: a machine starving at an order's first station gets the earliest-due order at once",
    )

    @model_validator(mode="after")
    def _parameters_for_policy(self) -> Release:
        if self.policy == "conwip" and self.cap is None:
            raise ValueError("policy conwip needs a cap")
        if self.policy == "workload" and self.norm_h is None:
            raise ValueError("policy workload needs norm_h")
        return self


class Atcs(Sourced):
    """Look-ahead parameters of the ATCS rule (Lee, Bhaskaran & Pinedo 1997): ``k1`` scales the slack
    and ``k2`` the set-up a unit may carry before its urgency or its set-up outweighs a shorter unit."""

    k1: Float = Field(default=2.0, gt=0, le=1_000, description="slack scale, in mean processing times")
    k2: Float = Field(default=0.5, gt=0, le=1e9, description="set-up scale, in mean set-up times (large: ATC)")


class Preventive(Sourced):
    """Time-based preventive maintenance on producing time; leaves the machine as good as new."""

    every_min: Float = Field(gt=0, description="producing minutes between interventions")
    duration_min: Distribution


class Predictive(Sourced):
    """Condition-based / predictive maintenance: a failure detector with given quality.

    A share ``recall`` of failures is announced ``lead_min`` of producing time ahead; if the
    warning arrives in time (through the ``condition_data`` flow) the failure becomes a planned
    intervention of ``duration_min``. False alarms (``precision`` < 1) cause needless interventions.
    """

    recall: Float = Field(ge=0, le=1)
    precision: Float = Field(gt=0, le=1)
    lead_min: Float = Field(gt=0)
    duration_min: Distribution


class Maintenance(Sourced):
    regime: Literal["reactive", "preventive", "predictive"] = "reactive"
    crews: Int | None = Field(default=None, ge=1, le=MAX_PEOPLE, description="repair crews; null = one always at hand")
    travel_min: Distribution | None = Field(default=None, description="crew's way to the machine")
    walk_by_min: Distribution | None = Field(
        default=None, description="until a person notices a breakdown (machines without an alarm)"
    )
    preventive: Preventive | None = None
    predictive: Predictive | None = None

    @model_validator(mode="after")
    def _regime_has_parameters(self) -> Maintenance:
        if self.regime == "preventive" and self.preventive is None:
            raise ValueError("regime preventive needs a 'preventive:' section")
        if self.regime == "predictive" and self.predictive is None:
            raise ValueError("regime predictive needs a 'predictive:' section")
        return self


def _regime_name_is_maintenance(value: object) -> object:
    return {"regime": value} if isinstance(value, str) else value


class Policies(Spec):
    release: Release = Release()
    dispatch: DispatchRule = "fifo"
    atcs: Atcs = Atcs()
    maintenance: Annotated[Maintenance, BeforeValidator(_regime_name_is_maintenance)] = Maintenance()


class Costs(Sourced):
    labour_cny_per_h: Float = Field(default=0.0, ge=0, description="per operator-hour")
    energy_cny_per_kwh: Float = Field(default=0.0, ge=0)
    maintenance_cny_per_repair_h: Float = Field(default=0.0, ge=0)
    overhead_cny_per_h: Float = Field(default=0.0, ge=0)


class TariffPeriod(Spec):
    start: Clock
    price_cny_per_kwh: Float = Field(ge=0)


class Energy(Sourced):
    """Energy management: idle switch-off (needs EMS metering) and a time-of-use tariff."""

    switch_off_after_min: Float | None = Field(
        default=None, gt=0, description="idle machines drop to 'off' power after this long"
    )
    tariff: list[TariffPeriod] = Field(default_factory=list, description="time-of-use prices by time of day")


class RunDefaults(Spec):
    days: Float = Field(default=20.0, gt=0, le=MAX_DAYS)
    warmup: Literal["auto"] | Annotated[Float, Field(ge=0)] = "auto"
    replications: Int = Field(default=5, ge=1, le=MAX_REPLICATIONS)

    @field_validator("warmup")
    @classmethod
    def _warmup_inside_the_horizon(cls, warmup: float | str, info: ValidationInfo) -> float | str:
        days = info.data.get("days")
        if warmup != "auto" and days is not None and warmup >= days * 1440:
            raise ValueError(f"'auto' or minutes below the run's {days:g} days ({days * 1440:g} min)")
        return warmup


class Factory(Sourced):
    name: Name
    name_zh: str | None = None
    description: str = ""
    calendar: Calendar | None = Field(default=None, description="absent: works around the clock")
    stations: list[Station] = Field(min_length=1)
    products: list[Product] = Field(min_length=1)
    operators: list[OperatorPool] = []
    policies: Policies = Policies()
    information: Information | None = None
    energy: Energy = Energy()
    costs: Costs = Costs()
    run: RunDefaults = RunDefaults()
    investments: list[Name] = Field(default_factory=list, description="catalogue investments already applied")

    @field_validator("stations", "products", "operators")
    @classmethod
    def _unique_names(cls, items: list) -> list:
        seen: set[str] = set()
        for item in items:
            if item.name in seen:
                raise ValueError(f"name {item.name!r} is used twice")
            seen.add(item.name)
        return items

    _warnings: tuple[Problem, ...] = PrivateAttr(default=())

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """What loading found legal but most likely a slip, one line each (empty for a model built in code)."""
        return self._warnings

    def with_warnings(self, warnings: Iterable[Problem]) -> Factory:
        copy = self.model_copy()
        copy._warnings = tuple(warnings)
        return copy

    def station(self, name: str) -> Station:
        return next(s for s in self.stations if s.name == name)
