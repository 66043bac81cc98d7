"""Information-driven mechanisms: each moves its KPI the way, and by about the amount, theory says."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import build_factory, exp, saturated

from twin import simulate
from twin.kpi.stats import estimate


def realtime(a: str, b: str, latency: float = 0.1) -> dict:
    return {"from": a, "to": b, "mode": "realtime", "latency_min": latency}


def info(systems: list[str], interfaces: list[dict], flows: dict) -> dict:
    return {"systems": systems, "interfaces": interfaces, "flows": flows}


def paired(a, b, kpi: str):
    return estimate(list(a.table()[kpi] - b.table()[kpi]))


# --- order release ------------------------------------------------------------------------------
def _order_plant(interface: dict) -> object:
    product = {"name": "p", "routing": [{"station": "m", "time_min": 1.0}], "demand": {"interarrival_min": exp(30.0)}}
    layer = info(["ERP"], [interface], {"orders": ["ERP", "FLOOR"]})
    return build_factory([{"name": "m"}], [product], information=layer)


def test_daily_batch_order_transfer_adds_about_half_a_day_to_lead_time():
    daily = _order_plant({"from": "ERP", "to": "FLOOR", "mode": "batch", "every_min": 1440, "latency_min": 1.0})
    online = _order_plant(realtime("ERP", "FLOOR", 1.0))
    slow = simulate(daily, days=30, reps=8, warmup=1440, seed=21)
    fast = simulate(online, days=30, reps=8, warmup=1440, seed=21)
    # Orders wait for the next daily transfer: uniform over the day, 720 min on average.
    wait = estimate(list(slow.table()["lead_time_min"] - slow.table()["flow_time_min"]))
    assert wait.contains(720 + 1.0) and wait.half_width < 60
    assert paired(slow, fast, "lead_time_min").lo > 650
    assert fast.kpis["lead_time_min"].mean < 5


# --- failure detection, repair call and crews -------------------------------------------------
def _unreliable(networked: bool, crews: int | None = None, machines: int = 1, layer: dict | None = None) -> object:
    station = {
        "name": "m",
        "machines": machines,
        "networked": networked,
        "failures": {"ttf_min": exp(100.0), "ttr_min": exp(10.0)},
    }
    maintenance = {"walk_by_min": exp(20.0)}
    if crews:
        maintenance["crews"] = crews
    layer = layer or info(["SCADA"], [realtime("FLOOR", "SCADA", 0.5)], {"failure_alarm": ["FLOOR", "SCADA"]})
    return saturated(
        [station], [{"station": "m", "time_min": 1.0}], information=layer, policies={"maintenance": maintenance}
    )


def test_machine_alarm_instead_of_walk_by_raises_availability_by_the_downtime_removed():
    walk_by = simulate(_unreliable(networked=False), days=30, reps=8, warmup=0, seed=7)
    alarmed = simulate(_unreliable(networked=True), days=30, reps=8, warmup=0, seed=7)
    assert walk_by.kpis["availability"].contains(100 / (100 + 20 + 10))
    assert alarmed.kpis["availability"].contains(100 / (100 + 0.5 + 10))


def test_repair_call_through_a_manual_path_adds_its_delay_to_downtime():
    layer = info(
        ["SCADA"],
        [
            realtime("FLOOR", "SCADA", 0.5),
            {"from": "SCADA", "to": "MANUAL", "mode": "manual", "latency_min": exp(15.0)},
        ],
        {"failure_alarm": ["FLOOR", "SCADA"], "repair_call": ["SCADA", "MANUAL"]},
    )
    r = simulate(_unreliable(networked=True, layer=layer), days=30, reps=8, warmup=0, seed=23)
    assert r.kpis["availability"].contains(100 / (100 + 0.5 + 15 + 10))


def machine_repairman_availability(n: int, fail_rate: float, repair_rate: float, crews: int) -> float:
    """Share of machines up in the finite-source queue M/M/c//N (machine interference)."""
    p = [1.0]
    for k in range(1, n + 1):  # k machines down
        p.append(p[-1] * (n - k + 1) * fail_rate / (min(k, crews) * repair_rate))
    p = np.array(p) / sum(p)
    return float(sum((n - k) * p[k] for k in range(n + 1)) / n)


def test_one_repair_crew_for_four_machines_matches_machine_interference_theory():
    layer = info([], [], {})
    station = {"name": "m", "machines": 4, "failures": {"ttf_min": exp(50.0), "ttr_min": exp(10.0)}}
    f = saturated(
        [station], [{"station": "m", "time_min": 1.0}], information=layer, policies={"maintenance": {"crews": 1}}
    )
    r = simulate(f, days=30, reps=8, warmup=0, seed=24)
    theory = machine_repairman_availability(4, 1 / 50, 1 / 10, 1)
    assert r.kpis["availability"].contains(theory) and theory < 50 / 60 - 0.05


# --- quality feedback ---------------------------------------------------------------------------
def _drifting(feedback: dict) -> object:
    station = {"name": "m", "quality": {"drift": {"mtbd_min": exp(500.0), "scrap": 0.3}}}
    layer = info(
        ["QMS"],
        [feedback],
        {"quality_feedback": ["FLOOR", "QMS", "FLOOR"]}
        if feedback["to"] == "QMS"
        else {"quality_feedback": ["FLOOR", "MANUAL", "FLOOR"]},
    )
    layer["interfaces"].append(
        {**feedback, "from": feedback["to"], "to": "FLOOR", "latency_min": 0.01, "mode": "realtime", "every_min": None}
    )
    return saturated([station], [{"station": "m", "time_min": 1.0}], information=layer)


def test_inline_spc_feedback_cuts_scrap_from_drifts_by_renewal_reward_theory():
    spc = simulate(_drifting(realtime("FLOOR", "QMS", 5.0)), days=40, reps=8, warmup=0, seed=25)
    shift_report = {"from": "FLOOR", "to": "MANUAL", "mode": "batch", "every_min": 480, "latency_min": 5.0}
    paper = simulate(_drifting(shift_report), days=40, reps=8, warmup=0, seed=25)
    # Long-run drifted share = E[D] / (E[gap] + E[D]) with D the time until the correction.
    assert spc.kpis["scrap_rate"].contains(0.3 * 5.01 / (500 + 5.01))
    d = 240 + 5.01  # half a shift until the next report, on average
    expected = 0.3 * d / (500 + d)
    assert abs(paper.kpis["scrap_rate"].mean - expected) < 0.1 * expected
    assert paper.kpis["scrap_rate"].lo > 10 * spc.kpis["scrap_rate"].hi


# --- dispatching on stale state -------------------------------------------------------------------
def _spt_plant(every_min: float | None) -> object:
    station = {"name": "m", "dispatch": "spt"}
    products = [
        {
            "name": "short",
            "routing": [{"station": "m", "time_min": exp(0.5)}],
            "demand": {"interarrival_min": exp(1.5)},
        },
        {"name": "long", "routing": [{"station": "m", "time_min": exp(2.0)}], "demand": {"interarrival_min": exp(5.0)}},
    ]
    itf = (
        realtime("MES", "FLOOR", 0.05)
        if every_min is None
        else {"from": "MES", "to": "FLOOR", "mode": "batch", "every_min": every_min, "latency_min": 0.05}
    )
    layer = info(["MES"], [realtime("FLOOR", "MES", 0.05), itf], {"dispatch_state": ["FLOOR", "MES", "FLOOR"]})
    return build_factory([station], products, information=layer)


def test_dispatching_on_stale_state_loses_the_benefit_of_the_rule():
    live = simulate(_spt_plant(None), days=10, reps=8, warmup=1000, seed=26)
    stale = simulate(_spt_plant(240.0), days=10, reps=8, warmup=1000, seed=26)
    assert paired(stale, live, "flow_time_min").lo > 0


# --- maintenance regimes --------------------------------------------------------------------------
def _maintained(maintenance: dict, ttf: dict, layer: dict | None = None) -> object:
    station = {"name": "m", "failures": {"ttf_min": ttf, "ttr_min": 30.0}}
    return saturated(
        [station],
        [{"station": "m", "time_min": 1.0}],
        policies={"maintenance": maintenance},
        information=layer or info([], [], {}),
    )


def test_predictive_maintenance_turns_recalled_failures_into_planned_interventions():
    pdm = {"regime": "predictive", "predictive": {"recall": 0.8, "precision": 1.0, "lead_min": 60, "duration_min": 5.0}}
    layer = info(
        ["SCADA", "EAM"],
        [realtime("FLOOR", "SCADA"), realtime("SCADA", "EAM")],
        {"condition_data": ["FLOOR", "SCADA", "EAM"]},
    )
    reactive = simulate(_maintained({}, exp(200.0)), days=60, reps=8, warmup=0, seed=27)
    predictive = simulate(_maintained(pdm, exp(200.0), layer), days=60, reps=8, warmup=0, seed=27)
    ratio = estimate(
        [
            rp.stations["m"]["failures_per_1000h"] / rr.stations["m"]["failures_per_1000h"]
            for rp, rr in zip(predictive.replications, reactive.replications, strict=True)
        ]
    )
    assert 0.1 < ratio.mean < 0.3  # about 1 - recall of the failures remain
    assert paired(predictive, reactive, "throughput_per_h").lo > 0


def test_false_alarms_cost_interventions_in_proportion_to_one_minus_precision():
    def run(precision: float):
        pdm = {
            "regime": "predictive",
            "predictive": {"recall": 0.5, "precision": precision, "lead_min": 30, "duration_min": 5.0},
        }
        layer = info(["SCADA"], [realtime("FLOOR", "SCADA")], {"condition_data": ["FLOOR", "SCADA"]})
        return simulate(_maintained(pdm, exp(200.0), layer), days=60, reps=6, warmup=0, seed=28)

    exact, noisy = run(1.0), run(0.5)
    # precision 0.5: one false alarm per true warning, so about twice the interventions.
    ratio = noisy.stations["m"]["interventions"].mean / exact.stations["m"]["interventions"].mean
    assert 1.7 < ratio < 2.3


def test_preventive_maintenance_pays_off_only_for_wear_out_failures():
    pm = {"regime": "preventive", "preventive": {"every_min": 100.0, "duration_min": 3.0}}
    wear = {"dist": "weibull", "mean": 200.0, "shape": 3.0}
    reactive = simulate(_maintained({}, wear), days=30, reps=6, warmup=0, seed=29)
    preventive = simulate(_maintained(pm, wear), days=30, reps=6, warmup=0, seed=29)
    assert paired(preventive, reactive, "throughput_per_h").lo > 0
    memoryless = simulate(_maintained(pm, exp(200.0)), days=30, reps=6, warmup=0, seed=29)
    no_pm = simulate(_maintained({}, exp(200.0)), days=30, reps=6, warmup=0, seed=29)
    assert paired(memoryless, no_pm, "throughput_per_h").hi < 0  # exponential failures: PM only costs time


# --- materials --------------------------------------------------------------------------------------
def _material_plant(call: dict) -> object:
    station = {"name": "m", "material": {"bin_units": 50, "reorder_units": 10, "delivery_min": 30.0}}
    layer = info(["WMS"], [call], {"material_call": ["FLOOR", call["to"]]})
    return saturated([station], [{"station": "m", "time_min": 1.0}], information=layer)


@pytest.mark.parametrize(
    ("call", "cycle"),
    [
        ({"from": "FLOOR", "to": "MANUAL", "mode": "realtime", "latency_min": 60.0}, 39 + 60 + 30),
        (realtime("FLOOR", "WMS", 0.1), 39 + 0.1 + 30),
    ],
)
def test_line_side_replenishment_call_delay_starves_the_station(call, cycle):
    # 50 units per delivery. A unit is drawn as its processing starts, so the call (at 10 left) goes
    # out 39 min into a cycle, and the next cycle starts when call + delivery are done.
    r = simulate(_material_plant(call), days=10, reps=1, warmup=0)
    assert r.kpis["throughput_per_h"].mean == pytest.approx(60 * 50 / cycle, rel=0.01)


# --- energy ----------------------------------------------------------------------------------------
def _energy_plant(switch_off: float | None, tariff: list | None = None, **extra) -> object:
    station = {"name": "m", "power_kw": {"busy": 12.0, "idle": 4.0, "off": 0.5}, **extra}
    product = {"name": "p", "routing": [{"station": "m", "time_min": 10.0}], "demand": {"interarrival_min": 60.0}}
    layer = info(["EMS"], [realtime("FLOOR", "EMS")], {"energy_data": ["FLOOR", "EMS"]})
    energy = {"switch_off_after_min": switch_off, "tariff": tariff or []}
    return build_factory([{**station}], [product], information=layer, energy=energy, costs={"energy_cny_per_kwh": 0.7})


def test_ems_switch_off_of_idle_machines_cuts_energy_per_unit():
    always_on = simulate(_energy_plant(None), days=5, reps=1, warmup=0)
    managed = simulate(_energy_plant(15.0), days=5, reps=1, warmup=0)
    # Each hour: 10 min busy, 50 min idle; with EMS 15 min idle then 35 min at standby power.
    assert always_on.kpis["energy_kwh_per_unit"].mean == pytest.approx((10 * 12 + 50 * 4) / 60, rel=0.01)
    assert managed.kpis["energy_kwh_per_unit"].mean == pytest.approx((10 * 12 + 15 * 4 + 35 * 0.5) / 60, rel=0.01)


def test_a_station_kept_at_temperature_is_not_switched_off_by_the_ems():
    furnace = simulate(_energy_plant(15.0, idle_switch_off=False), days=5, reps=1, warmup=0)
    assert furnace.kpis["energy_kwh_per_unit"].mean == pytest.approx((10 * 12 + 50 * 4) / 60, rel=0.01)


def test_time_of_use_tariff_prices_energy_by_the_hour():
    tariff = [
        {"start": "00:00", "price_cny_per_kwh": 0.3},
        {"start": "08:00", "price_cny_per_kwh": 1.2},
        {"start": "20:00", "price_cny_per_kwh": 0.6},
    ]
    r = simulate(_energy_plant(None, tariff), days=5, reps=1, warmup=0)
    mean_price = (8 * 0.3 + 12 * 1.2 + 4 * 0.6) / 24
    energy = r.kpis["energy_kwh_per_unit"].mean
    assert r.kpis["unit_cost_cny"].mean == pytest.approx(energy * mean_price, rel=0.02)
    assert not math.isclose(mean_price, 0.7)
