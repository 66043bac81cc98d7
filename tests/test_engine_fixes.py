"""Engine correctness: the bottleneck, maintenance in the time model, hands-on hours, time-of-use
energy and calendar-based failures (issue 7, items 3-6, 9 and 10)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import build_factory, exp, saturated

from twin import simulate
from twin.kpi.stats import estimate
from twin.sim.engine import STATION_FIELDS, Layout, Simulation
from twin.spec import Factory

STATION = {name: i for i, name in enumerate(STATION_FIELDS)}
NEVER = {"plan": [{"at_min": 1e9, "qty": 1}]}
"""Demand that never arrives within a test's horizon: the station stays idle (starved)."""


def station_rows(factory: Factory, checkpoints: list[float], seed: int = 1) -> np.ndarray:
    """Station table at each checkpoint of replication 0: (checkpoints, stations, fields)."""
    layout = Layout(len(factory.stations))
    return np.array([layout.stations(s) for s in Simulation(factory, seed, 0).run(checkpoints)])


# --- item 3: the bottleneck --------------------------------------------------------------------------
def test_a_station_that_is_never_idle_is_the_bottleneck():
    f = saturated(
        [{"name": "s0"}, {"name": "s1"}],
        [{"station": "s0", "time_min": exp(2.0)}, {"station": "s1", "time_min": exp(1.0)}],
    )
    r = simulate(f, days=2, reps=3, warmup=60, seed=3)
    assert r.bottleneck == "s0"
    # s0 is active all the time: one period, open at both ends of the window, as long as the window.
    assert r.stations["s0"]["active_period_min"].mean == pytest.approx(2 * 1440 - 60)
    assert r.kpis["bottleneck_oee"].mean == r.stations["s0"]["oee"].mean


def test_active_periods_crossing_the_warm_up_cut_count_once_in_the_window():
    # A unit arrives every 100 min and takes 60: each active period is 60 min long. A warm-up cut
    # at 130 falls inside the period 100-160; its 30 min in the window are one period of the window.
    product = {"name": "p", "demand": {"interarrival_min": 100.0}, "routing": [{"station": "m", "time_min": 60.0}]}
    f = build_factory([{"name": "m"}], [product])
    r = simulate(f, days=1, reps=1, warmup=130, seed=1)
    # In [130, 1440]: 30 min of the period cut at the start, 12 whole periods of 60 (200-260 ... 1300-1360),
    # and the open period 1400-1440 at the end: 14 periods, 30 + 720 + 40 = 790 min.
    assert r.stations["m"]["active_period_min"].mean == pytest.approx(790 / 14)


# --- item 4: maintenance stops are inside planned busy time --------------------------------------------
def _maintained(maintenance: dict, layer: dict | None = None) -> Factory:
    station = {"name": "m", "failures": {"ttf_min": exp(200.0), "ttr_min": 30.0}}
    return saturated(
        [station],
        [{"station": "m", "time_min": 1.0}],
        policies={"maintenance": maintenance},
        information=layer or {"systems": [], "interfaces": [], "flows": {}},
    )


def _condition_data() -> dict:
    return {
        "systems": ["SCADA"],
        "interfaces": [{"from": "FLOOR", "to": "SCADA", "mode": "realtime", "latency_min": 0.1}],
        "flows": {"condition_data": ["FLOOR", "SCADA"]},
    }


@pytest.mark.parametrize(
    "maintenance",
    [
        {"regime": "predictive", "predictive": {"recall": 0.8, "precision": 0.15, "lead_min": 30, "duration_min": 5}},
        {"regime": "preventive", "preventive": {"every_min": 50.0, "duration_min": 5.0}},
    ],
    ids=["predictive", "preventive"],
)
def test_maintenance_stops_count_against_oee_as_they_do_against_throughput(maintenance):
    # One saturated machine at exactly its planned speed and no scrap: OEE is the share of the
    # window spent producing, i.e. throughput over the 60 units an hour of a machine never stopped.
    r = simulate(_maintained(maintenance, _condition_data()), days=10, reps=4, warmup=0, seed=4)
    reactive = simulate(_maintained({}), days=10, reps=4, warmup=0, seed=4)
    for rep in r.replications:
        assert rep.plant["oee"] == pytest.approx(rep.plant["throughput_per_h"] / 60, abs=1e-3)
        assert rep.stations["m"]["maintenance_share"] > 0.02
    assert r.kpis["oee"].mean < reactive.kpis["oee"].mean
    shares = r.stations["m"]
    total = shares["availability"].mean + shares["down_share"].mean + shares["maintenance_share"].mean
    assert total == pytest.approx(1.0)


def test_calendar_stops_stay_planned_down_time_and_maintenance_does_not():
    calendar = {
        "shifts": [{"name": "day", "start": "06:00", "hours": 12}],
        "days_per_week": 7,
        "planned_downtime": [{"day": 0, "start": "08:00", "minutes": 120}],
    }
    pm = {"regime": "preventive", "preventive": {"every_min": 100.0, "duration_min": 10.0}}
    worn = {"name": "m", "failures": {"kind": "wear_out", "ttf_min": 100_000.0, "ttr_min": 1.0}}  # PM renews it first
    f = saturated([worn], [{"station": "m", "time_min": 1.0}], calendar=calendar, policies={"maintenance": pm})
    rows = station_rows(f, [7 * 1440.0])[-1]
    # 7 x 12 h on shift less the 2 h planned stop; one 10-min PM per 100 producing minutes.
    assert rows[0, STATION["planned_down"]] == pytest.approx(120)
    busy = 7 * 720 - 120
    assert rows[0, STATION["maintenance"]] == pytest.approx(busy * 10 / 110, abs=10)


# --- item 5: hands-on maintenance hours --------------------------------------------------------------
def test_maintenance_hours_start_when_a_crew_is_free():
    # Three machines share one crew and often wait for it. Hands-on time is the crew's travel and
    # repair only: 15 min per repair, so at most the repairs still under way are not yet billed.
    station = {"name": "m", "machines": 3, "failures": {"ttf_min": exp(100.0), "ttr_min": 10.0}}
    f = saturated(
        [station],
        [{"station": "m", "time_min": 1.0}],
        policies={"maintenance": {"crews": 1, "travel_min": 5.0}},
    )
    rows = station_rows(f, [1000.0, 2000.0])
    for row in rows:
        failures, billed = row[0, STATION["failures"]], row[0, STATION["repair_min"]]
        assert failures >= 10
        assert 15 * (failures - 3) <= billed <= 15 * failures


# --- item 6: time-of-use energy ----------------------------------------------------------------------
def _idle_station_on_a_tariff(**energy: object) -> Factory:
    ems = {
        "systems": ["EMS"],
        "interfaces": [{"from": "FLOOR", "to": "EMS", "mode": "realtime", "latency_min": 0.1}],
        "flows": {"energy_data": ["FLOOR", "EMS"]},
    }
    return build_factory(
        [{"name": "m", "power_kw": {"idle": 10.0, "off": 0.0}}],
        [{"name": "p", "demand": NEVER, "routing": [{"station": "m", "time_min": 1.0}]}],
        calendar={"shifts": [{"name": "day", "start": "08:00", "hours": 8}], "days_per_week": 7},
        energy={
            "tariff": [
                {"start": "00:00", "price_cny_per_kwh": 0.0},
                {"start": "08:00", "price_cny_per_kwh": 1.0},
                {"start": "16:00", "price_cny_per_kwh": 0.0},
            ],
            **energy,
        },
        information=ems,
    )


@pytest.mark.parametrize("n_checkpoints", [1, 7, 200])
def test_time_of_use_energy_is_priced_when_it_is_drawn(n_checkpoints):
    # 10 kW idle for 8 h on shift at 1 CNY/kWh, nothing off shift: 80 CNY a day however often we look.
    end = 200 * 1440.0
    checkpoints = list(np.linspace(end / n_checkpoints, end, n_checkpoints))
    rows = station_rows(_idle_station_on_a_tariff(), checkpoints)
    assert rows[-1, 0, STATION["energy_kwh"]] == pytest.approx(80 * 200)
    assert rows[-1, 0, STATION["energy_cny"]] == pytest.approx(80 * 200)


def test_switched_off_idle_time_is_priced_at_standby_power():
    # After 600 idle working minutes the machine drops to 'off' power (0 kW) until work comes: the
    # 480 min of the first shift and the first 120 min of the second are paid, at 1 CNY/kWh.
    rows = station_rows(_idle_station_on_a_tariff(switch_off_after_min=600.0), [1.2 * 1440, 10 * 1440.0])
    assert rows[-1, 0, STATION["energy_kwh"]] == pytest.approx(100)
    assert rows[-1, 0, STATION["energy_cny"]] == pytest.approx(100)


# --- items 9 and 10: calendar-based failures -------------------------------------------------------------
def _idle_furnaces(machines: int, crews: int | None = None, maintenance: dict | None = None) -> Factory:
    station = {
        "name": "furnace",
        "machines": machines,
        "failures": {"basis": "calendar", "ttf_min": 1000.0, "ttr_min": 10.0},
    }
    policy = {"walk_by_min": 60.0, "travel_min": 30.0, "parts_at_start": "new", **(maintenance or {})}
    if crews:
        policy["crews"] = crews
    product = {"name": "p", "demand": NEVER, "routing": [{"station": "furnace", "time_min": 1.0}]}
    return build_factory([station], [product], policies={"maintenance": policy})


def test_idle_calendar_failure_goes_through_the_repair_process():
    # Struck at 1000 while idle: noticed at 1060, crew there at 1090, repaired at 1100.
    rows = station_rows(_idle_furnaces(1), [1050.0, 1500.0, 2500.0])
    assert rows[0, 0, STATION["down"]] == pytest.approx(50)
    assert rows[1, 0, STATION["down"]] == pytest.approx(100)
    assert rows[2, 0, STATION["down"]] == pytest.approx(200)
    assert list(rows[:, 0, STATION["failures"]]) == [1, 1, 2]
    assert rows[2, 0, STATION["repair_min"]] == pytest.approx(2 * 40)


def test_idle_calendar_failures_wait_for_the_crew():
    # Both furnaces fail at 1000; the one crew repairs one (1060-1100), then the other (1100-1140).
    rows = station_rows(_idle_furnaces(2, crews=1), [1500.0])
    assert rows[-1, 0, STATION["down"]] == pytest.approx(100 + 140)


def test_a_machine_down_while_idle_starts_work_only_when_repaired():
    station = {"name": "furnace", "failures": {"basis": "calendar", "ttf_min": 1000.0, "ttr_min": 10.0}}
    product = {
        "name": "p",
        "demand": {"plan": [{"at_min": 1050.0, "qty": 1}]},
        "routing": [{"station": "furnace", "time_min": 1.0}],
    }
    maintenance = {"walk_by_min": 60.0, "travel_min": 30.0, "parts_at_start": "new"}
    f = build_factory([station], [product], policies={"maintenance": maintenance})
    r = simulate(f, days=1, reps=1, warmup=0, seed=1)
    assert r.kpis["lead_time_min"].mean == pytest.approx(1101 - 1050)


def _worn(maintenance: dict, basis: str) -> Factory:
    station = {
        "name": "m",
        "failures": {"basis": basis, "ttf_min": {"dist": "weibull", "mean": 1000.0, "shape": 4.0}, "ttr_min": 30.0},
    }
    return saturated(
        [station],
        [{"station": "m", "time_min": 1.0}],
        policies={"maintenance": maintenance},
        information=_condition_data(),
    )


@pytest.mark.parametrize("basis", ["operating", "calendar"])
def test_preventive_maintenance_prevents_wear_out_failures_on_either_basis(basis):
    pm = {"regime": "preventive", "preventive": {"every_min": 300.0, "duration_min": 3.0}}
    reactive = simulate(_worn({}, basis), days=20, reps=3, warmup=0, seed=5)
    preventive = simulate(_worn(pm, basis), days=20, reps=3, warmup=0, seed=5)
    # A Weibull(shape 4, mean 1000) life fails before 300 min with probability (300/1104)^4 < 1 %.
    before = reactive.stations["m"]["failures_per_1000h"].mean
    after = preventive.stations["m"]["failures_per_1000h"].mean
    assert after < 0.1 * before
    diff = estimate(list(preventive.table()["throughput_per_h"] - reactive.table()["throughput_per_h"]))
    assert diff.lo > 0


@pytest.mark.parametrize("basis", ["operating", "calendar"])
def test_predictive_maintenance_announces_failures_on_either_basis(basis):
    pdm = {"regime": "predictive", "predictive": {"recall": 1.0, "precision": 1.0, "lead_min": 30, "duration_min": 5}}
    r = simulate(_worn(pdm, basis), days=20, reps=3, warmup=0, seed=6)
    assert r.stations["m"]["failures_per_1000h"].mean == 0
    assert r.stations["m"]["interventions"].mean > 20 * 1440 / 1300


def test_a_calendar_failure_while_a_batch_fills_does_not_stop_the_oven():
    station = {
        "name": "oven",
        "batch": {"size": 4, "wait_min": 30.0},
        "failures": {"basis": "calendar", "ttf_min": exp(300.0), "ttr_min": 10.0},
    }
    routing = [{"station": "oven", "time_min": 5.0}]
    product = {"name": "p", "demand": {"interarrival_min": exp(10.0)}, "routing": routing}
    r = simulate(build_factory([station], [product]), days=5, reps=2, warmup=0, seed=7)
    assert r.kpis["throughput_per_h"].mean == pytest.approx(6.0, rel=0.1)


def test_false_alarms_on_the_calendar_basis_run_on_the_work_clock_like_the_failures():
    # Precision 0.5: one false alarm per true warning, on whichever clock the failures run.
    def interventions(precision: float) -> float:
        pdm = {
            "regime": "predictive",
            "predictive": {"recall": 0.5, "precision": precision, "lead_min": 30, "duration_min": 5},
        }
        station = {"name": "m", "failures": {"basis": "calendar", "ttf_min": exp(200.0), "ttr_min": 30.0}}
        f = saturated(
            [station], [{"station": "m", "time_min": 1.0}], policies={"maintenance": pdm}, information=_condition_data()
        )
        return simulate(f, days=30, reps=4, warmup=0, seed=8).stations["m"]["interventions"].mean

    assert 1.7 < interventions(0.5) / interventions(1.0) < 2.3
