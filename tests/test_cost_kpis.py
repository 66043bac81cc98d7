"""KPIs a plant manager and a finance controller decide on: the unit cost and what it is made of,
OEE on loaded time, WIP and scrap at accumulated cost, rework hours, base-load energy and carbon,
and the capacity headroom of a plant (against queueing theory where it has an exact answer)."""

from __future__ import annotations

import json

import pytest
from conftest import build_factory, exp, saturated
from test_theory import assert_close, two_machine_throughput
from typer.testing import CliRunner

from twin import load_factory, simulate
from twin.cli import app
from twin.kpi.capacity import capacity

SPLIT = (
    "cost_material_cny",
    "cost_direct_labour_cny",
    "cost_indirect_labour_cny",
    "cost_energy_cny",
    "cost_maintenance_cny",
    "cost_overhead_cny",
    "cost_escapes_cny",
)
CALENDAR = {
    "shifts": [{"name": "day", "start": "08:00", "hours": 8}, {"name": "late", "start": "16:00", "hours": 8}],
    "days_per_week": 5,
    "breaks": [{"start": "12:00", "minutes": 30}],
}


def _costed_line(**top):
    """Two stations with everything that costs money: operators, failures, power, base load, scrap."""
    stations = [
        {
            "name": "a",
            "operators": 1,
            "failures": {"ttf_min": exp(300.0), "ttr_min": exp(20.0)},
            "power_kw": {"busy": 10.0, "idle": 2.0},
            "quality": {"scrap": 0.02, "rework": 0.05},
        },
        {"name": "b", "power_kw": {"busy": 4.0, "idle": 1.0}, "quality": {"scrap": 0.01}},
    ]
    product = {
        "name": "p",
        "routing": [{"station": "a", "time_min": exp(1.5)}, {"station": "b", "time_min": exp(1.0)}],
        "demand": {"interarrival_min": exp(2.0)},
        "material_cost_cny": 40.0,
    }
    return build_factory(
        stations,
        [product],
        operators=[{"name": "crew", "count": 2, "stations": ["a"]}],
        costs={
            "labour_cny_per_h": 50,
            "energy_cny_per_kwh": 0.7,
            "maintenance_cny_per_repair_h": 60,
            "spares_cny_per_repair": 100,
            "overhead_cny_per_h": 120,
        },
        energy={
            "base_loads": [{"name": "air", "on_shift_kw": 8.0, "off_shift_kw": 1.0}],
            "grid_emission": {"kgco2_per_kwh": 0.55},
        },
        **top,
    )


def test_cost_split_adds_up_to_the_unit_cost_in_every_replication():
    r = simulate(_costed_line(calendar=CALENDAR), days=14, reps=4, warmup=2880, seed=3)
    table = r.table()
    for _, row in table.iterrows():
        assert sum(row[k] for k in SPLIT) == row["unit_cost_cny"]
        assert all(row[k] > 0 for k in SPLIT if k not in ("cost_indirect_labour_cny", "cost_escapes_cny"))
        assert row["cost_indirect_labour_cny"] == 0  # no pool of kind indirect
        assert row["cost_escapes_cny"] == 0  # no latent defects: nothing escapes


def test_carbon_per_unit_is_energy_per_unit_times_the_grid_factor():
    r = simulate(_costed_line(), days=3, reps=3, warmup=600, seed=4)
    for _, row in r.table().iterrows():
        assert row["carbon_kg_per_unit"] == pytest.approx(row["energy_kwh_per_unit"] * 0.55, rel=1e-12)


def test_carbon_is_not_reported_without_a_grid_factor():
    r = simulate(saturated([{"name": "m"}], [{"station": "m", "time_min": 1.0}]), days=1, reps=1, warmup=0)
    assert r.kpis["carbon_kg_per_unit"].mean is None


def test_base_load_energy_is_kw_times_on_and_off_shift_hours():
    # No machine power: all energy is the base load, 8 kW on shift and 1 kW off shift.
    stations = [{"name": "m"}]
    product = {"name": "p", "routing": [{"station": "m", "time_min": 1.0}], "demand": {"interarrival_min": 3.0}}
    f = build_factory(
        stations,
        [product],
        calendar=CALENDAR,
        energy={
            "base_loads": [
                {"name": "air", "on_shift_kw": 5.0, "off_shift_kw": 1.0},
                {"name": "light", "on_shift_kw": 3.0},
            ]
        },  # fmt: skip
        costs={"energy_cny_per_kwh": 0.5},
    )
    r = simulate(f, days=21, reps=1, warmup=7 * 1440)
    on_h = 2 * 5 * 16  # two weeks of 5 days x 16 h on shift (breaks are on shift)
    off_h = 2 * 168 - on_h
    kwh = 8.0 * on_h + 1.0 * off_h
    good = r.kpis["throughput_per_h"].mean * 2 * 168
    assert r.kpis["energy_kwh_per_unit"].mean * good == pytest.approx(kwh, rel=1e-9)
    assert r.kpis["cost_energy_cny"].mean * good == pytest.approx(0.5 * kwh, rel=1e-9)


def test_maintenance_crews_are_paid_for_every_on_shift_hour_whether_they_repair_or_not():
    # Two technicians per shift at 60 CNY/h, no spares, no service charge: the maintenance line is their
    # pay for the two weeks' on-shift hours, whatever the one breakdown-prone machine does.
    stations = [{"name": "m", "failures": {"ttf_min": exp(600.0), "ttr_min": exp(30.0)}}]
    product = {"name": "p", "routing": [{"station": "m", "time_min": 1.0}], "demand": {"interarrival_min": 3.0}}
    f = build_factory(
        stations,
        [product],
        calendar=CALENDAR,
        policies={"maintenance": {"regime": "reactive", "crews": 2}},
        costs={"technician_cny_per_h": 60.0},
    )
    r = simulate(f, days=21, reps=2, warmup=7 * 1440, seed=2)
    good = r.kpis["throughput_per_h"].mean * 2 * 168
    assert r.kpis["cost_maintenance_cny"].mean * good == pytest.approx(2 * 60.0 * 2 * 5 * 16, rel=1e-9)


def test_each_breakdown_costs_the_spares_of_its_failure_mode():
    # Two modes on producing time: sudden stops every 600 producing minutes at the plant's 100 CNY a
    # repair, and a wear part every 1,200 minutes that takes 1,200 CNY of parts when it runs to failure.
    # A unit takes 1 producing minute, so renewal-reward theory gives 100/600 + 1200/1200 CNY of spares
    # per unit; nothing else costs money here.
    failures = [
        {"name": "stop", "kind": "random", "ttf_min": exp(600.0), "ttr_min": exp(20.0)},
        {"name": "wear", "kind": "random", "ttf_min": exp(1200.0), "ttr_min": exp(20.0), "spares_cny": 1200.0},
    ]
    product = {"name": "p", "routing": [{"station": "m", "time_min": 1.0}], "demand": {"interarrival_min": exp(1.3)}}
    f = build_factory([{"name": "m", "failures": failures}], [product], costs={"spares_cny_per_repair": 100.0})
    r = simulate(f, days=200, reps=6, warmup=1440, seed=4)
    spend = r.kpis["cost_maintenance_cny"]
    theory = 100 / 600 + 1200 / 1200
    assert spend.contains(theory), spend
    assert spend.hi - spend.lo < 0.3 * theory, spend


def test_oee_on_loaded_time_is_at_least_iso_oee_and_equal_when_there_is_always_work():
    demand_bound = simulate(_costed_line(), days=3, reps=3, warmup=600, seed=5)
    for _, row in demand_bound.table().iterrows():
        assert row["oee_loaded"] > row["oee"] + 0.05  # a plant at ~70 % load idles for lack of orders
    busy = saturated([{"name": "m", "failures": {"ttf_min": exp(100.0), "ttr_min": exp(10.0)}}],
                     [{"station": "m", "time_min": exp(1.0)}])  # fmt: skip
    always = simulate(busy, days=2, reps=3, warmup=0, seed=6)
    for _, row in always.table().iterrows():
        assert row["oee_loaded"] == pytest.approx(row["oee"], rel=1e-12)


def test_on_a_one_station_line_wip_is_worth_its_material_by_littles_law():
    # M/M/1 at rho 0.8: L = rho / (1 - rho) = 4 units, each worth its material (no step passed yet),
    # whatever the conversion costs, since value is added when a step is passed.
    lam, mu, material = 0.8, 1.0, 40.0
    product = {"name": "p", "routing": [{"station": "m", "time_min": exp(1 / mu)}],
               "demand": {"interarrival_min": exp(1 / lam)}, "material_cost_cny": material}  # fmt: skip
    f = build_factory([{"name": "m"}], [product], costs={"overhead_cny_per_h": 300})
    r = simulate(f, days=20, reps=10, warmup=2000, seed=11)
    for _, row in r.table().iterrows():
        assert row["wip_value_cny"] == pytest.approx(material * row["wip"], rel=1e-9)
    assert_close(r.kpis["wip_value_cny"], material * lam / mu / (1 - lam / mu))


def test_wip_downstream_carries_the_value_added_upstream():
    # Two stations: units at the second have passed the first, so they carry its conversion cost.
    product = {"name": "p", "routing": [{"station": "a", "time_min": exp(1.0)}, {"station": "b", "time_min": exp(1.0)}],
               "demand": {"interarrival_min": exp(2.0)}, "material_cost_cny": 10.0}  # fmt: skip
    f = build_factory([{"name": "a"}, {"name": "b"}], [product], costs={"overhead_cny_per_h": 60})
    r = simulate(f, days=5, reps=3, warmup=1000, seed=7)
    for _, row in r.table().iterrows():
        assert row["wip_value_cny"] > 10.0 * row["wip"]


def test_scrap_value_and_rework_hours_follow_the_defect_rates():
    # One station, Poisson orders at 0.5/min, each pass scrapped with 0.04 and redone with 0.1;
    # a scrapped unit passed no step, so it is worth its material.
    lam, scrap, rework, material = 0.5, 0.04, 0.10, 25.0
    product = {"name": "p", "routing": [{"station": "m", "time_min": exp(1.0), "planned_min": 0.9}],
               "demand": {"interarrival_min": exp(1 / lam)}, "material_cost_cny": material}  # fmt: skip
    f = build_factory([{"name": "m", "quality": {"scrap": scrap, "rework": rework}}], [product])
    r = simulate(f, days=20, reps=8, warmup=1000, seed=8)
    passes_per_unit = 1 / (1 - rework)  # until scrapped or good: geometric in (1 - rework)
    scrapped_per_week = lam * 10080 * scrap * passes_per_unit
    redone_per_week = lam * 10080 * rework * passes_per_unit
    assert_close(r.kpis["scrap_value_cny_per_week"], material * scrapped_per_week)
    assert_close(r.kpis["rework_h_per_week"], redone_per_week * 0.9 / 60, rel_width=0.05)


def test_capacity_of_one_exponential_machine_is_sixty_over_its_mean():
    product = {"name": "p", "routing": [{"station": "m", "time_min": exp(2.0)}],
               "demand": {"interarrival_min": exp(4.0)}}  # fmt: skip
    c = capacity(build_factory([{"name": "m"}], [product]), days=10, reps=8, warmup=500, seed=9)
    assert_close(c.max_throughput, 60 / 2.0, rel_width=0.02)
    assert_close(c.throughput, 60 / 4.0, rel_width=0.05)
    assert c.headroom.lo > 0
    assert c.freed_machine_h_per_week()["m"] == pytest.approx(0.5 * 168, rel=0.05)


@pytest.mark.parametrize("buffer", [0, 2])
def test_capacity_of_a_two_station_line_with_a_finite_buffer_matches_the_markov_chain(buffer):
    mu1, mu2 = 1.0, 1.1
    stations = [{"name": "m1"}, {"name": "m2", "buffer": buffer}]
    routing = [{"station": "m1", "time_min": exp(1 / mu1)}, {"station": "m2", "time_min": exp(1 / mu2)}]
    f = build_factory(stations, [{"name": "p", "routing": routing, "demand": {"interarrival_min": exp(2.0)}}])
    c = capacity(f, days=5, reps=10, warmup=500, seed=14)
    assert_close(c.max_throughput, two_machine_throughput(mu1, mu2, buffer) * 60, rel_width=0.02)


def test_default_plant_can_sustain_more_than_its_demand():
    c = capacity(load_factory("precision_machining"), days=14, reps=3, warmup=7 * 1440, seed=1)
    assert c.headroom.lo > 0
    assert c.max_throughput.mean > 1.1 * c.throughput.mean
    assert not any("saturated" in w for w in c.warnings)


def test_pools_of_kind_indirect_are_billed_as_indirect_labour():
    # One direct operator at m, two heads of an indirect pool (set here as the pool's ``kind``).
    stations = [{"name": "m", "operators": 1}, {"name": "n"}]
    routing = [{"station": "m", "time_min": 1.0}, {"station": "n", "time_min": 1.0}]
    pools = [{"name": "direct", "count": 1, "stations": ["m"]}, {"name": "office", "count": 2, "stations": ["n"]}]
    f = saturated(stations, routing, operators=pools, costs={"labour_cny_per_h": 60})
    f = f.model_copy(update={"operators": [f.operators[0], f.operators[1].model_copy(update={"kind": "indirect"})]})
    r = simulate(f, days=1, reps=1, warmup=0)
    good = r.kpis["throughput_per_h"].mean * 24
    assert r.kpis["cost_direct_labour_cny"].mean * good == pytest.approx(60 * 24)
    assert r.kpis["cost_indirect_labour_cny"].mean * good == pytest.approx(2 * 60 * 24)


def test_simulate_shows_the_cost_split_and_with_capacity_the_headroom():
    result = CliRunner().invoke(app, ["simulate", "--days", "1", "--reps", "2", "--capacity"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.stderr
    for row in ("Unit manufacturing cost 单位制造成本", "indirect labour", "OEE on loaded time", "Carbon per unit",
                "WIP value", "Capacity (saturated) 产能上限", "Headroom 产能余量"):  # fmt: skip
        assert row in result.stdout
    doc = CliRunner().invoke(app, ["simulate", "--days", "1", "--reps", "2", "--capacity", "--json"]).stdout
    capacity = json.loads(doc)["capacity"]
    assert capacity["max_throughput_per_h"]["mean"] > 0 and capacity["headroom_per_h"]["unit"] == "units/h"


def test_capacity_bottleneck_is_the_station_that_saturates_not_the_furnace_with_long_batches(tmp_path):
    # A furnace with 500-min batches at a fifth of its capacity, and a 12-min station at half of its
    # own, on two products. At today's orders the furnace has the long active periods (one per batch);
    # with three times the orders the 12-min station never runs out of work: capacity ends there.
    import yaml

    def product(name: str, station: str, time: dict, every: float) -> dict:
        step = {"station": station, "time_min": time}
        return {"name": name, "routing": [step], "demand": {"interarrival_min": exp(every)}}

    model = {
        "name": "furnace_and_cell",
        "stations": [{"name": "furnace", "batch": {"size": 10, "wait_min": 600}}, {"name": "cell"}],
        "products": [
            product("hardened", "furnace", {"dist": "deterministic", "value": 500}, 240.0),
            product("machined", "cell", exp(12.0), 24.0),
        ],
    }
    path = tmp_path / "plant.yaml"
    path.write_text(yaml.safe_dump(model), encoding="utf-8")
    args = ["simulate", str(path), "--days", "20", "--reps", "3", "--warmup", "2880", "--capacity"]
    doc = json.loads(CliRunner().invoke(app, [*args, "--json"]).stdout)
    assert doc["bottleneck"] == "furnace" and doc["capacity"]["bottleneck"] == "cell"
    shown = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert "furnace *" in shown.stdout and "cell †" in shown.stdout and "capacity bottleneck" in shown.stdout


def test_capacity_of_two_independent_lines_is_twice_one_lines_markov_chain():
    """Lines that share no station are saturated each against its own CONWIP loop. One plant-wide loop let
    lots of 60 units (3 x 20) drift the work in process into one line and starve the other: 73 units/h of
    the 84 the two Markov chains give."""
    mu1, mu2 = 1.0, 1.1
    stations, products = [], []
    for line in ("a", "b"):
        stations += [{"name": f"{line}1"}, {"name": f"{line}2", "buffer": 0}]
        routing = [{"station": f"{line}1", "time_min": exp(1 / mu1)}, {"station": f"{line}2", "time_min": exp(1 / mu2)}]
        products.append({"name": line, "routing": routing, "demand": {"interarrival_min": exp(40.0), "lot_size": 20}})
    c = capacity(build_factory(stations, products), days=5, reps=10, warmup=500, seed=14)
    assert_close(c.max_throughput, 2 * two_machine_throughput(mu1, mu2, 0) * 60, rel_width=0.02)


def test_each_preventive_stop_costs_the_parts_it_renews_and_its_consumables():
    # A wear part that never fails in the run, renewed by PM every 600 producing minutes: each stop
    # replaces it (800 CNY) and uses the plant's 90 CNY of consumables. A unit takes 1 producing minute,
    # so the spares per unit are (800 + 90) / 600 (renewal-reward), whatever else the machine does.
    failures = [{"name": "wear", "kind": "wear_out", "ttf_min": {"dist": "weibull", "mean": 1e9, "shape": 3.0},
                 "ttr_min": exp(20.0), "renewal_spares_cny": 800.0}]  # fmt: skip
    product = {"name": "p", "routing": [{"station": "m", "time_min": 1.0}], "demand": {"interarrival_min": exp(1.3)}}
    pm = {"regime": "preventive", "preventive": {"every_min": 600.0, "duration_min": 15.0}}
    f = build_factory(
        [{"name": "m", "failures": failures}],
        [product],
        policies={"maintenance": pm},
        costs={"spares_cny_per_intervention": 90.0},
    )
    r = simulate(f, days=100, reps=5, warmup=1440, seed=6)
    spend = r.kpis["cost_maintenance_cny"]
    theory = (800 + 90) / 600
    assert spend.contains(theory), spend
    assert spend.hi - spend.lo < 0.1 * theory, spend
