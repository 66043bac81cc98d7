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
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)

from twin.spec.base import Bool, Float, Int, Sourced, Spec
from twin.spec.distributions import Distribution
from twin.spec.errors import Problem
from twin.spec.information import Information
from twin.spec.scenarios import MODELLED, SCENARIOS

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


class FailureMode(Sourced):
    """One way the machines of a station break down; a station's modes compete (the first to strike fails it).

    ``basis: operating`` counts time to failure on producing time only (wear from cutting);
    ``basis: calendar`` counts it on all on-shift time, busy or idle. ``kind`` says what maintenance can
    do about the mode: a ``wear_out`` mode (a Weibull time to failure with shape above 1: bearings, ways,
    heating elements) is renewed by preventive maintenance and shows in condition data before it
    strikes; a ``random`` mode (control faults, crashes, jams) is not renewed by PM and mostly strikes
    without warning. A repair renews the mode that failed; the other modes keep their age.
    """

    name: Name = "breakdown"
    kind: Literal["wear_out", "random"] = Field(
        default="wear_out", description="wear_out: preventive maintenance renews it; random: it does not"
    )
    basis: Literal["operating", "calendar"] = "operating"
    ttf_min: Distribution = Field(description="time to failure, minutes")
    ttr_min: Distribution = Field(description="time to repair, minutes (incl. waiting for repair)")
    detectable: Float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="share of its failures condition data shows ahead; default 1 for wear_out, 0 for random",
    )
    spares_cny: Float | None = Field(
        default=None,
        ge=0,
        description="spare parts per breakdown of this mode (a worn part run to failure damages others); "
        "default costs.spares_cny_per_repair",
    )
    renewal_spares_cny: Float = Field(
        default=0.0,
        ge=0,
        description="parts a preventive or predicted stop replaces when it renews this mode before it fails (on "
        "top of costs.spares_cny_per_intervention)",
    )

    @property
    def seen(self) -> float:
        """Share of this mode's failures a perfect detector would announce."""
        if self.detectable is not None:
            return self.detectable
        return 1.0 if self.kind == "wear_out" else 0.0


Failures = FailureMode
"""The single-mode form of ``failures:`` (a mapping instead of a list): one wear-out mode."""


def _one_or_many(value: object) -> str:
    return "failures[list]" if isinstance(value, list) else "failures[one]"


def _as_list(value: FailureMode | list[FailureMode]) -> list[FailureMode]:
    modes = value if isinstance(value, list) else [value]
    names = [m.name for m in modes]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"failure mode names must differ; {', '.join(twice)} used twice")
    return modes


FailureModes = Annotated[
    Annotated[FailureMode, Tag("failures[one]")] | Annotated[list[FailureMode], Tag("failures[list]")],
    Discriminator(_one_or_many),
    AfterValidator(_as_list),
]
"""One mode (the old mapping form, kept so older models load) or a list of competing modes."""


class Drift(Sourced):
    """A process drift (tool wear, paste viscosity...) that raises defects until corrected.

    Drifts start after ``mtbd_min`` of producing time; the correction arrives through the
    ``quality_feedback`` flow (or after ``detect_min`` if the model has no such flow).
    """

    mtbd_min: Distribution = Field(description="producing time between drifts")
    scrap: Float = Field(ge=0, lt=1, description="scrap probability while drifted")
    rework: Float = Field(default=0.0, ge=0, lt=1, description="rework probability while drifted")
    detect_min: Distribution | None = Field(default=None, description="detection + correction without a flow")
    defects: dict[Name, Annotated[Float, Field(ge=0, lt=1)]] = Field(
        default_factory=dict,
        description="latent defects by class while drifted, in place of the station's own (a drifted process makes "
        "more of the parts that leave looking good and are not)",
    )


Probability = Annotated[Float, Field(ge=0, le=1)]
"""A probability or a share, from 0 to 1."""


class Quality(Sourced):
    """What goes wrong at a station. ``scrap`` and ``rework`` are found where they are made; ``defects``
    are latent: the unit leaves looking good, and only an inspection downstream can find them."""

    scrap: Float = Field(default=0.0, ge=0, lt=1, description="probability a unit is scrapped here")
    rework: Float = Field(default=0.0, ge=0, lt=1, description="probability a unit is redone here")
    drift: Drift | None = None
    defects: dict[Name, Annotated[Float, Field(ge=0, lt=1)]] = Field(
        default_factory=dict,
        description="latent defects made here and not seen here, by class (dimensional, surface, ...):"
        " probability per unit leaving good",
    )

    @model_validator(mode="after")
    def _sum_below_one(self) -> Quality:
        if self.scrap + self.rework >= 1:
            raise ValueError(f"scrap + rework must be below 1, found {self.scrap + self.rework}")
        if sum(self.defects.values()) >= 1:
            raise ValueError(f"the defect probabilities must sum below 1, found {sum(self.defects.values())}")
        return self


class Inspection(Sourced):
    """An inspection step: it looks at every unit for the latent defects made upstream and catches each
    with its detection probability; a defect no inspection catches ships to the customer (an escape).

    ``detection`` holds for every defect class; ``by_class`` overrides it where the method sees one
    class better than another (a gauge measures dimensions, a camera sees surfaces). A caught unit is
    repaired and inspected again (share ``rework``) or scrapped.
    """

    detection: Probability = Field(default=1.0, description="share of the defective units it catches")
    by_class: dict[Name, Probability] = Field(
        default_factory=dict, description="detection by defect class, where it differs from 'detection'"
    )
    rework: Probability = Field(
        default=0.0, description="share of caught units repaired and inspected again here; the rest are scrapped"
    )

    def catches(self, defect_class: str) -> float:
        """Probability this inspection catches a defect of ``defect_class``."""
        return self.by_class.get(defect_class, self.detection)


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
    tariff_hold_min: Float | None = Field(
        default=None,
        gt=0,
        le=1440,
        description="load shifting under energy.tariff: after its fill wait, a part-full load waits up to this"
        " long more for the start whose full cycle costs least, never past a unit's due date (a full load, or"
        " one past its due date, starts at once)",
    )


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
    kind: Name | None = Field(
        default=None,
        description="what the station is (cnc_milling, grinding, smt_placement, ...): investments select by it",
    )
    tags: list[Name] = Field(default_factory=list, description="further traits investments select by (bottleneck, ...)")
    machines: Int = Field(default=1, ge=1, le=MAX_MACHINES)
    buffer: Int | None = Field(
        default=None, ge=0, le=MAX_UNITS, description="input buffer capacity (units waiting); null = unlimited"
    )
    setup_min: Distribution | None = Field(default=None, description="setup on a product change")
    setup_matrix: dict[Name, dict[Name, Distribution]] = Field(
        default_factory=dict, description="sequence-dependent setup: from product -> to product"
    )
    failures: FailureModes | None = Field(default=None, description="failure modes (one mapping or a list)")
    quality: Quality = Quality()
    inspection: Inspection | None = Field(
        default=None, description="looks for the latent defects units bring (absent: passes them on unseen)"
    )
    operators: Int = Field(default=0, ge=0, le=20, description="operators needed per running machine")
    power_kw: Power = Power()
    dispatch: DispatchRule | None = None
    batch: Batch | None = None
    networked: Bool = Field(default=False, description="machines connected for data collection (MDC/DNC)")
    material: LineSideMaterial | None = None
    calendar: Calendar | None = Field(
        default=None, description="the station's own working pattern (a three-shift furnace); absent: the plant's"
    )
    runs_through_breaks: Bool = Field(
        default=False, description="keeps working through the calendar's breaks (robot cells, relief crews)"
    )
    non_interruptible: Bool = Field(
        default=False,
        description="a cycle once started runs to its end through breaks and shift ends (carburising, quench);"
        " it starts only in working time",
    )
    idle_switch_off: Bool = Field(
        default=True,
        description="the EMS may drop it to 'off' power when idle (energy.switch_off_after_min); false for a"
        " furnace kept at temperature and atmosphere between loads",
    )


class Step(Sourced):
    station: Name
    time_min: Distribution = Field(description="process time per unit (per batch at batch stations)")
    planned_min: Float | None = Field(
        default=None,
        gt=0,
        description="ISO 22400 planned run time per unit (also at batch stations); default: mean per unit",
    )
    tags: list[Name] = Field(
        default_factory=list,
        description="traits of the operation investments select by (surface_hardening: the part needs surface "
        "hardness only, so induction hardening could replace the furnace)",
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
    """People paid for every on-shift hour: direct pools run stations, indirect pools (logistics,
    planning, quality office) serve none but are paid all the same, so removing their work has a value."""

    name: Name
    kind: Literal["direct", "indirect"] = "direct"
    count: Int | None = Field(default=None, ge=0, le=MAX_PEOPLE, description="operators present in every shift")
    count_per_shift: list[Annotated[Int, Field(ge=0, le=MAX_PEOPLE)]] | None = None
    stations: list[Name] = Field(default_factory=list, validate_default=True)

    @model_validator(mode="after")
    def _one_count(self) -> OperatorPool:
        if (self.count is None) == (self.count_per_shift is None):
            raise ValueError("give exactly one of count or count_per_shift")
        return self

    @field_validator("stations")
    @classmethod
    def _direct_pools_run_stations(cls, stations: list[str], info: ValidationInfo) -> list[str]:
        kind = info.data.get("kind", "direct")
        if kind == "direct" and not stations:
            raise ValueError("at least 1 item (a direct pool runs stations; kind: indirect for one that runs none)")
        if kind == "indirect" and stations:
            raise ValueError("no stations for an indirect pool (kind: direct for one that runs stations)")
        return stations


class Release(Sourced):
    """Order release: push on arrival, CONWIP with a cap, saturated (never-starved first station), or
    workload control (a planning run every ``every_min`` releases the backlog by due date while the work
    already released to each station on an order's routing is under ``norm_h`` of that station's capacity).
    """

    policy: Literal["push", "conwip", "saturated", "workload"] = "push"
    cap: Int | None = Field(default=None, ge=1, le=MAX_UNITS, description="CONWIP limit on units in process")
    loops: Literal["plant", "line"] = Field(
        default="plant",
        description="conwip: one cap and backlog for the plant, or one loop per line (products whose routings "
        "are joined by shared stations), each with its share of the cap by machines and its own backlog",
    )
    norm_h: Float | None = Field(
        default=None,
        gt=0,
        le=10_000,
        description="workload: released planned work per station, in hours of that station's machines",
    )
    load: Literal["aggregate", "corrected"] = Field(
        default="aggregate",
        description="workload: an order's work counts in full at every station still ahead of it (aggregate), "
        "or divided by the station's position in its routing (corrected aggregate load, Oosterman, Land & "
        "Gaalman 2000), so work far upstream does not fill a downstream station's norm",
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
        if self.loops != "plant" and self.policy != "conwip":
            raise ValueError("loops applies to policy conwip only")
        if self.policy == "workload" and self.norm_h is None:
            raise ValueError("policy workload needs norm_h")
        if self.load != "aggregate" and self.policy != "workload":
            raise ValueError("load applies to policy workload only")
        return self


class Atcs(Sourced):
    """Look-ahead parameters of the ATCS rule (Lee, Bhaskaran & Pinedo 1997): ``k1`` scales the slack
    and ``k2`` the set-up a unit may carry before its urgency or its set-up outweighs a shorter unit."""

    k1: Float = Field(default=2.0, gt=0, le=1_000, description="slack scale, in mean processing times")
    k2: Float = Field(default=0.5, gt=0, le=1e9, description="set-up scale, in mean set-up times (large: ATC)")


class Preventive(Sourced):
    """Age-based preventive maintenance on producing time: renews every wear-out failure mode.

    The count restarts at each intervention and whenever a wear-out mode is renewed otherwise (its
    repair, its predicted intervention). Random modes keep their age, and a station without a
    wear-out mode gets no preventive stops at all.
    """

    every_min: Float = Field(gt=0, description="producing minutes between interventions")
    duration_min: Distribution


class Predictive(Sourced):
    """Condition-based / predictive maintenance: a failure detector with given quality.

    A share ``recall`` of the failures condition data can show is announced ``lead_min`` ahead: of
    each failure mode, ``recall`` x its ``detectable`` share (wear-out modes by default all, random
    modes none). If the warning arrives in time (through the ``condition_data`` flow) the failure
    becomes a planned intervention of ``duration_min`` that renews the mode it foresaw. False alarms
    (``precision`` < 1) cause needless interventions.
    """

    recall: Float = Field(ge=0, le=1)
    precision: Float = Field(gt=0, le=1)
    lead_min: Float = Field(gt=0)
    duration_min: Distribution


class Maintenance(Sourced):
    """The maintenance regime. ``predictive`` keeps a ``preventive:`` plan if one is given (condition
    monitoring on top of PM: a foreseen wear-out failure is renewed early and restarts the PM count)."""

    regime: Literal["reactive", "preventive", "predictive"] = "reactive"
    crews: Int | None = Field(default=None, ge=1, le=MAX_PEOPLE, description="repair crews; null = one always at hand")
    travel_min: Distribution | None = Field(default=None, description="crew's way to the machine")
    walk_by_min: Distribution | None = Field(
        default=None, description="until a person notices a breakdown (machines without an alarm)"
    )
    preventive: Preventive | None = None
    predictive: Predictive | None = None
    parts_at_start: Literal["long_run", "new"] = Field(
        default="long_run",
        description="each failure mode's part at the run's start: at its long-run age (a plant in service) or new",
    )

    @model_validator(mode="after")
    def _regime_has_parameters(self) -> Maintenance:
        if self.regime == "preventive" and self.preventive is None:
            raise ValueError("regime preventive needs a 'preventive:' section")
        if self.regime == "predictive" and self.predictive is None:
            raise ValueError("regime predictive needs a 'predictive:' section")
        return self


def _regime_name_is_maintenance(value: object) -> object:
    return {"regime": value} if isinstance(value, str) else value


class Overtime(Sourced):
    """Overtime called when the plant falls behind its customers: a shift worked longer.

    ``notice_min`` before the end of ``shift`` on each of ``days``, a planner counts the units of
    customer orders already past their due date and not yet shipped; at ``when_late_units`` or more,
    the shift works ``hours`` longer that day, paid at ``premium`` times the hourly rate. Everything that
    follows the plant's calendar works on: machines and the crews of that shift; stations and crews on a
    calendar of their own do not.
    """

    shift: Name = Field(description="the calendar shift worked longer")
    hours: Float = Field(gt=0, le=12, description="hours added to the shift when overtime is called")
    days: list[Annotated[Int, Field(ge=0, le=6)]] = Field(
        default_factory=list, description="days (0 = Monday) it may be called; empty: every working day"
    )
    when_late_units: Int = Field(
        ge=1, le=MAX_UNITS * 100, description="past-due units of open orders at the decision that call it"
    )
    notice_min: Float = Field(
        default=240.0, ge=0, le=1440, description="minutes before the shift's end at which the planner decides"
    )
    premium: Float = Field(default=1.5, ge=1, le=5, description="pay per overtime hour over the hourly rate")


class Policies(Spec):
    release: Release = Release()
    dispatch: DispatchRule = "fifo"
    atcs: Atcs = Atcs()
    maintenance: Annotated[Maintenance, BeforeValidator(_regime_name_is_maintenance)] = Maintenance()
    overtime: Overtime | None = Field(default=None, description="absent: the plant never works overtime")
    batch_loading: Literal["fixed_wait", "lookahead"] = Field(
        default="fixed_wait",
        description="how a batch station decides to start a part-full load: 'fixed_wait' waits up to its"
        " batch.wait_min for more units; 'lookahead' waits (up to the same limit) only while units of the"
        " load's product are on their way to it on the floor, and starts at once when none is",
    )


class Costs(Sourced):
    labour_cny_per_h: Float = Field(default=0.0, ge=0, description="per paid operator-hour (direct and indirect pools)")
    energy_cny_per_kwh: Float = Field(default=0.0, ge=0)
    technician_cny_per_h: Float = Field(
        default=0.0,
        ge=0,
        description="per paid hour of each maintenance crew (policies.maintenance.crews), busy or not",
    )
    maintenance_cny_per_repair_h: Float = Field(
        default=0.0, ge=0, description="per hands-on maintenance hour on top (a service contract charged by the hour)"
    )
    spares_cny_per_repair: Float = Field(default=0.0, ge=0, description="spare parts and consumables per breakdown")
    spares_cny_per_intervention: Float = Field(
        default=0.0, ge=0, description="spare parts per preventive or predictive intervention (false alarms included)"
    )
    overhead_cny_per_h: Float = Field(
        default=0.0, ge=0, description="per calendar hour: depreciation, building, staff not modelled as pools"
    )
    claim_cny_per_escape: Float = Field(
        default=0.0,
        ge=0,
        description="fixed part of a customer claim per escaped unit: charge-back, replacement, freight, 8D report",
    )
    containment_cny_per_suspect_unit: Float = Field(
        default=0.0, ge=0, description="sorting or recalling one unit that an escape puts under suspicion"
    )


class Traceability(Sourced):
    """How many units a customer claim puts under suspicion, by what the plant can tell about the escaped
    unit: every unit of its product shipped in the last ``period_days`` (no records that narrow it),
    its lot (lot records: the order's lot size), or the ``units`` its own history points to (each
    part marked and its machine, time and inspection recorded)."""

    scope: Literal["period", "lot", "units"] = "lot"
    period_days: Float | None = Field(
        default=None, gt=0, le=365, description="scope period: days of shipments that cannot be told apart"
    )
    units: Int | None = Field(
        default=None, ge=1, le=MAX_UNITS, description="scope units: suspect units per escape (itself included)"
    )

    @model_validator(mode="after")
    def _parameter_of_scope(self) -> Traceability:
        for scope, field in (("period", "period_days"), ("units", "units")):
            given = getattr(self, field) is not None
            if self.scope == scope and not given:
                raise ValueError(f"scope {scope} needs {field}")
            if self.scope != scope and given:
                raise ValueError(f"{field} is for scope {scope}, not {self.scope}")
        return self


class TariffPeriod(Spec):
    start: Clock
    price_cny_per_kwh: Float = Field(ge=0)


class BaseLoad(Sourced):
    """A plant load that runs whatever the machines do (compressed air, HVAC, lighting), kW."""

    name: Name
    on_shift_kw: Float = Field(ge=0, description="while the plant is on shift (working time, breaks, planned stops)")
    off_shift_kw: Float = Field(default=0.0, ge=0, description="outside the shifts")


class GridEmission(Sourced):
    """CO2 emitted per kWh drawn from the grid; prefer the plant's provincial factor."""

    kgco2_per_kwh: Float = Field(ge=0, le=2)


class Energy(Sourced):
    """Energy management (idle switch-off, needs EMS metering; a time-of-use tariff), the plant's base
    loads and the grid's emission factor."""

    switch_off_after_min: Float | None = Field(
        default=None, gt=0, description="idle machines drop to 'off' power after this long"
    )
    tariff: list[TariffPeriod] = Field(default_factory=list, description="time-of-use prices by time of day")
    base_loads: list[BaseLoad] = Field(default_factory=list, description="compressed air, HVAC, lighting...")
    grid_emission: GridEmission | None = Field(default=None, description="for carbon per unit; absent: not reported")

    @field_validator("base_loads")
    @classmethod
    def _unique_loads(cls, items: list[BaseLoad]) -> list[BaseLoad]:
        names = [b.name for b in items]
        if len(set(names)) < len(names):
            raise ValueError("each base load needs its own name")
        return items


def _declarable(name: str) -> str:
    if name in MODELLED:
        raise ValueError(f"a scenario the twin does not model ({name} is read from its systems, flows and policies)")
    if name not in SCENARIOS:
        raise ValueError(f"one of the 40 typical scenarios, e.g. {', '.join(SCENARIOS[:4])}")
    return name


class Declared(Sourced):
    """What the tier plan asks of the enterprise that no shop-floor model can show: stated, never inferred.

    A field left out means "not declared": the tier assessment names it as a gap instead of assuming it met.
    """

    cmmm_level: Int | None = Field(
        default=None, ge=1, le=5, description="GB/T 39116 maturity level (智能制造能力成熟度) from a CMMM assessment"
    )
    above_scale: Bool | None = Field(default=None, description="an industrial enterprise above designated size (规上)")
    finances_sound_years: Int | None = Field(
        default=None, ge=0, le=100, description="consecutive recent years of sound finances (财务状况良好)"
    )
    safety_environment_record: Bool | None = Field(
        default=None, description="no major safety or environmental accident (无重大安全、环保事故)"
    )
    secure_key_technology: Bool | None = Field(
        default=None, description="key equipment and industrial software secure and controllable (安全可控)"
    )
    organisation_talent: Bool | None = Field(
        default=None, description="a smart-manufacturing organisation (组织机制) and talent system (人才体系)"
    )
    scenarios: list[Annotated[str, AfterValidator(_declarable)]] = Field(
        default_factory=list,
        description="typical scenarios implemented that the twin does not model (R&D design, supply chain, ...)",
    )

    @field_validator("scenarios")
    @classmethod
    def _once_each(cls, names: list[str]) -> list[str]:
        return list(dict.fromkeys(names))


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
    name_en: str | None = Field(default=None, description="display name in English (the name if absent)")
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
    traceability: Traceability = Field(
        default_factory=Traceability, description="what a customer claim on an escaped unit puts under suspicion"
    )
    run: RunDefaults = RunDefaults()
    investments: list[Name] = Field(default_factory=list, description="catalogue investments already applied")
    declared: Declared = Field(default_factory=Declared, description="enterprise facts the tier plan asks for")

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

    def declaring(self, changes: Declared | None) -> Factory:
        """The plant with the facts ``changes`` states explicitly replacing its own (e.g. a CMMM level re-assessed)."""
        if changes is None:
            return self
        declared = self.declared.model_copy(update=changes.model_dump(exclude_unset=True))
        return self.model_copy(update={"declared": declared})

    @property
    def defect_classes(self) -> tuple[str, ...]:
        """The latent defect classes the stations make, sorted (a unit carries them as bits in this order)."""
        made = {c for s in self.stations for c in s.quality.defects}
        return tuple(sorted(made | {c for s in self.stations if s.quality.drift for c in s.quality.drift.defects}))

    def station(self, name: str) -> Station:
        return next(s for s in self.stations if s.name == name)

    def station_calendar(self, station: Station) -> Calendar | None:
        """The working pattern ``station`` follows: its own or the plant's, without breaks if it runs through them."""
        cal = station.calendar or self.calendar
        if cal is None or not station.runs_through_breaks or not cal.breaks:
            return cal
        return cal.model_copy(update={"breaks": []})

    def pool_calendar(self, pool: OperatorPool) -> Calendar | None:
        """The shifts a pool works and is paid for: its stations' own calendar when they all share one
        (the furnace crew works the furnace's three shifts), else the plant's."""
        own = {
            s.calendar.model_dump_json() if s.calendar else None: s.calendar
            for s in self.stations
            if s.name in pool.stations
        }
        if len(own) == 1 and None not in own:
            return next(iter(own.values()))
        return self.calendar
