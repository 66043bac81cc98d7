"""ISO 22400-2 time model and KPIs over a time window of one replication.

Per machine, planned busy time PBT = producing (APT) + setup (AUST) + down (ADET) + maintenance +
blocked + starved + waiting for an operator. Only stops planned in the calendar (breaks, planned
stops) are planned down time and, with off-shift time, outside PBT; a preventive or predictive
intervention or a false alarm, triggered by a counter or a detector, is a maintenance stop inside
PBT and a loss of availability. Plant-level A, E and Q sum the stations' times and quantities, so
OEE = A × E × Q holds exactly in every replication.
"""

from __future__ import annotations

import math

import numpy as np

from twin.sim.calendar import WEEK, WorkCalendar
from twin.sim.engine import STATION_FIELDS, Layout
from twin.sim.plant import Plant
from twin.spec.factory import Factory

F = {name: i for i, name in enumerate(STATION_FIELDS)}
_PBT = [F[s] for s in ("producing", "setup", "down", "maintenance", "blocked", "starved", "waiting_operator")]


def _div(a: float, b: float) -> float:
    return a / b if b > 0 else math.nan


def lead_time_quantile(hist: np.ndarray, q: float) -> float:
    """Quantile of lead time from the log-binned histogram (geometric interpolation in a bin)."""
    total = hist.sum()
    if total <= 0:
        return math.nan
    cum = np.cumsum(hist)
    b = int(np.searchsorted(cum, q * total))
    below = cum[b - 1] if b > 0 else 0.0
    frac = (q * total - below) / hist[b] if hist[b] > 0 else 0.0
    if b == 0:
        return Plant.BIN_LO * frac
    lo = Plant.BIN_LO * Plant.BIN_RATIO ** (b - 1)
    return lo * Plant.BIN_RATIO**frac


def pool_kind(pool: object) -> str:
    """``direct`` (runs machines) or ``indirect`` (logistics, inspection, maintenance, planning)."""
    return getattr(pool, "kind", "direct")


def operator_hours(
    factory: Factory, calendar: WorkCalendar | None, t0: float, t1: float, kind: str | None = None
) -> float:
    """Paid operator-hours in the window (of pools of ``kind``, or all): headcount present × on-shift
    time of the shifts each pool works (its stations' own calendar, else ``calendar``, the plant's)."""
    total = 0.0
    for pool in factory.operators:
        if kind is not None and pool_kind(pool) != kind:
            continue
        spec = factory.pool_calendar(pool)
        cal = calendar if spec is factory.calendar else WorkCalendar(spec) if spec else None
        shift_min = cal.shift_minutes(t0, t1) if cal else [t1 - t0]
        counts = pool.count_per_shift or [pool.count] * len(shift_min)
        total += sum(c * m for c, m in zip(counts, shift_min, strict=True))
    return total / 60


def technician_hours(factory: Factory, calendar: WorkCalendar | None, t0: float, t1: float) -> float:
    """Paid hours of the maintenance crews in the window: each crew present in every shift of the plant."""
    crews = factory.policies.maintenance.crews or 0
    on_shift = sum(calendar.shift_minutes(t0, t1)) if calendar else t1 - t0
    return crews * on_shift / 60


def overtime_hours(factory: Factory, overtime_min: float, kind: str | None = None) -> float:
    """Paid operator-hours of the overtime shifts worked (``overtime_min`` of them): the headcount of the
    shift they repeat, in the pools (of ``kind``, or all) that follow the plant's calendar."""
    ot = factory.policies.overtime
    if ot is None or factory.calendar is None or overtime_min <= 0:
        return 0.0
    k = [s.name for s in factory.calendar.shifts].index(ot.shift)
    heads = sum(
        pool.count_per_shift[k] if pool.count_per_shift is not None else pool.count or 0
        for pool in factory.operators
        if (kind is None or pool_kind(pool) == kind) and factory.pool_calendar(pool) is factory.calendar
    )
    return heads * overtime_min / 60


def cost_split(
    factory: Factory,
    calendar: WorkCalendar | None,
    table: np.ndarray,
    base_cny: float,
    material: float,
    t0: float,
    t1: float,
    paid_hours: float,
    escaped: float = 0.0,
    suspect_units: float = 0.0,
    overtime_min: float = 0.0,
) -> dict[str, float]:
    """Money spent in the window by kind (CNY): what the unit cost is made of.

    Labour is paid for every on-shift hour of every head, busy or not, and overtime hours (part of
    ``paid_hours``) at the overtime premium on top; so are the maintenance crews (the maintenance line,
    with spares and any service charged per hands-on hour); overhead for every calendar hour: both are fixed in
    the short run, so the sum is a full cost, not a variable one. Escapes are charged when they ship: a
    claim per escaped unit plus sorting or recalling the units it puts under suspicion (a provision for
    claims that arrive later).
    """
    costs = factory.costs
    ot = factory.policies.overtime
    extra = ot.premium - 1.0 if ot is not None else 0.0
    indirect_ot = overtime_hours(factory, overtime_min, "indirect")
    direct_ot = overtime_hours(factory, overtime_min) - indirect_ot
    indirect = operator_hours(factory, calendar, t0, t1, "indirect") + indirect_ot
    return {
        "material": material,
        "direct_labour": (paid_hours - indirect + extra * direct_ot) * costs.labour_cny_per_h,
        "indirect_labour": (indirect + extra * indirect_ot) * costs.labour_cny_per_h,
        "energy": float(table[:, F["energy_cny"]].sum()) + base_cny,
        "maintenance": technician_hours(factory, calendar, t0, t1) * costs.technician_cny_per_h
        + float(table[:, F["repair_min"]].sum()) / 60 * costs.maintenance_cny_per_repair_h
        + float(table[:, F["spares_cny"]].sum())
        + float(table[:, F["interventions"]].sum()) * costs.spares_cny_per_intervention,
        "overhead": (t1 - t0) / 60 * costs.overhead_cny_per_h,
        "escapes": escaped * costs.claim_cny_per_escape + suspect_units * costs.containment_cny_per_suspect_unit,
    }


def _oee_parts(rows: np.ndarray) -> tuple[float, float, float, float, float]:
    """(availability, effectiveness, quality, nee_factor, pbt) of summed rows."""
    pbt = rows[..., _PBT].sum()
    apt = rows[..., F["producing"]].sum()
    aupt = apt + rows[..., F["setup"]].sum()
    a = _div(apt, pbt)
    e = _div(rows[..., F["planned_min"]].sum(), apt)
    q = _div(rows[..., F["good"]].sum(), rows[..., F["produced"]].sum())
    return a, e, q, _div(aupt, pbt), pbt


def station_kpis(factory: Factory, table: np.ndarray, window: float) -> dict[str, dict[str, float]]:
    out = {}
    for k, st in enumerate(factory.stations):
        row = table[k]
        a, e, q, _, pbt = _oee_parts(row)
        out[st.name] = {
            "oee": a * e * q,
            "availability": a,
            "effectiveness": e,
            "quality_ratio": q,
            "utilisation": _div(row[F["producing"]] + row[F["setup"]], pbt),
            "setup_share": _div(row[F["setup"]], pbt),
            "down_share": _div(row[F["down"]], pbt),
            "maintenance_share": _div(row[F["maintenance"]], pbt),
            "blocked_share": _div(row[F["blocked"]], pbt),
            "starved_share": _div(row[F["starved"]], pbt),
            "waiting_operator_share": _div(row[F["waiting_operator"]], pbt),
            "queue_len": _div(row[F["queue_area"]], window),
            "queue_wait_min": _div(row[F["queue_wait_sum"]], row[F["queue_taken"]]),
            "active_period_min": _div(row[F["active_time"]], row[F["active_periods"]]),
            "energy_kwh": float(row[F["energy_kwh"]]),
            "standby_share": _div(row[F["standby"]], pbt),
            "interventions": float(row[F["interventions"]]),
            "drifts": float(row[F["drifts"]]),
            "material_calls": float(row[F["material_calls"]]),
            "failures_per_1000h": _div(row[F["failures"]] * 60_000, pbt),
            "starved_machine_h_per_week": row[F["starved"]] / 60 / (window / WEEK),
        }
    return out


def window_kpis(
    factory: Factory, start: np.ndarray, end: np.ndarray, t0: float, t1: float
) -> tuple[dict[str, float], dict[str, dict[str, float]], str]:
    """Plant KPIs, station KPIs and the bottleneck station over ``[t0, t1]`` of a run of ``factory``.

    The snapshot layout and the calendar (paid hours) come from the plant that was simulated, so a
    replication of an investment that adds a station or changes the shifts is read with its own.
    """
    layout = Layout(len(factory.stations))
    calendar = WorkCalendar(factory.calendar) if factory.calendar else None
    d = end - start
    window = t1 - t0
    table = layout.stations(d)
    # Active periods that overlap the window: begun by its end and not ended by its start.
    table[:, F["active_periods"]] = (
        layout.stations(end)[:, F["active_periods_begun"]] - layout.stations(start)[:, F["active_periods"]]
    )
    plant = lambda name: layout.plant(d, name)  # noqa: E731
    finished, scrapped = plant("finished"), plant("scrapped")
    out_units = finished + scrapped
    a, e, q, nee_factor, pbt = _oee_parts(table)
    energy_kwh = table[:, F["energy_kwh"]].sum()
    stations = station_kpis(factory, table, window)
    periods = {name: s["active_period_min"] for name, s in stations.items()}
    bottleneck = max(periods, key=lambda n: -1.0 if math.isnan(periods[n]) else periods[n])

    ot_min = plant("overtime_min")
    ot_hours = overtime_hours(factory, ot_min)
    op_hours = operator_hours(factory, calendar, t0, t1) + ot_hours
    escaped, suspects = plant("escaped"), plant("suspect_units")
    spent = cost_split(
        factory, calendar, table, plant("base_cny"), plant("material"), t0, t1, op_hours, escaped, suspects, ot_min
    )
    conversion = sum(spent.values()) - spent["material"] - spent["escapes"]  # claims add no value to WIP
    split = {f"cost_{kind}_cny": _div(amount, finished) for kind, amount in spent.items()}
    # Value added is priced at the window's conversion cost per planned minute of work done (absorption
    # costing at standard time), so WIP and scrap carry the labour, energy and overhead put into them.
    per_planned_min = _div(conversion, table[:, F["planned_min"]].sum())
    per_planned_min = 0.0 if math.isnan(per_planned_min) else per_planned_min
    weeks = window / WEEK
    energy_kwh += plant("base_kwh")
    energy_per_unit = _div(energy_kwh, finished)
    grid = factory.energy.grid_emission
    machines = sum(s.machines for s in factory.stations)
    starved = table[:, F["starved"]].sum()
    kpis = {
        "oee": a * e * q,
        "oee_loaded": _div(a * pbt, pbt - starved) * e * q,
        "availability": a,
        "effectiveness": e,
        "quality_ratio": q,
        "nee": nee_factor * e * q,
        "teep": a * e * q * _div(pbt, window * machines),
        "throughput_per_h": _div(finished, window / 60),
        "lead_time_min": _div(plant("lead_sum"), finished),
        "lead_time_p95_min": lead_time_quantile(layout.hist(d), 0.95),
        "flow_time_min": _div(plant("flow_sum"), out_units),
        "wip": _div(plant("wip_area"), window),
        "wip_value_cny": (plant("wip_material_area") + per_planned_min * plant("wip_value_min_area")) / window,
        "on_time_rate": _div(plant("on_time"), finished),
        "tardiness_min": _div(plant("tardy_min"), finished),
        "first_pass_yield": _div(plant("first_pass"), out_units),
        "scrap_rate": _div(scrapped, out_units),
        "scrap_value_cny_per_week": (plant("scrap_material") + per_planned_min * plant("scrap_value_min")) / weeks,
        "rework_h_per_week": plant("rework_min") / 60 / weeks,
        "escape_ppm": _div(escaped * 1e6, finished) if factory.defect_classes else math.nan,
        "energy_kwh_per_unit": energy_per_unit,
        "carbon_kg_per_unit": energy_per_unit * grid.kgco2_per_kwh if grid else math.nan,
        "labour_productivity": _div(finished, op_hours),
        "overtime_share": _div(ot_hours, op_hours) if factory.policies.overtime else math.nan,
        "unit_cost_cny": sum(split.values()),
        **split,
        "bottleneck_oee": stations[bottleneck]["oee"],
    }
    return kpis, stations, bottleneck
