"""Engine behaviour a planner relies on: policies move KPIs the way queueing theory says."""

from __future__ import annotations

import numpy as np
from conftest import build_factory, exp

from twin import simulate
from twin.kpi.stats import estimate
from twin.sim.engine import Simulation


def _paired_diff(a, b, kpi: str):
    """CI of the per-replication difference a - b (common random numbers make it tight)."""
    return estimate(list(a.table()[kpi] - b.table()[kpi]))


def _two_product_station(rule: str, setup: float | None = None) -> object:
    station = {"name": "m", "dispatch": rule}
    if setup:
        station["setup_min"] = setup
    products = [
        {
            "name": "short",
            "routing": [{"station": "m", "time_min": exp(0.5)}],
            "demand": {"interarrival_min": exp(1.5)},
        },
        {"name": "long", "routing": [{"station": "m", "time_min": exp(2.0)}], "demand": {"interarrival_min": exp(5.0)}},
    ]
    return build_factory([station], products)


def test_spt_dispatching_cuts_mean_flow_time_against_fifo():
    fifo = simulate(_two_product_station("fifo"), days=10, reps=8, warmup=1000, seed=3)
    spt = simulate(_two_product_station("spt"), days=10, reps=8, warmup=1000, seed=3)
    diff = _paired_diff(spt, fifo, "flow_time_min")
    assert diff.hi < 0, diff


def test_setup_avoiding_dispatching_cuts_setup_time():
    fifo = simulate(_two_product_station("fifo", setup=0.3), days=10, reps=6, warmup=1000, seed=4)
    smart = simulate(_two_product_station("setup_avoiding", setup=0.3), days=10, reps=6, warmup=1000, seed=4)
    assert smart.stations["m"]["setup_share"].hi < fifo.stations["m"]["setup_share"].lo
    # Below capacity the saved setup time turns into shorter queues, not more output.
    assert _paired_diff(smart, fifo, "flow_time_min").hi < 0


def test_conwip_caps_work_in_process():
    stations = [{"name": "a"}, {"name": "b"}]
    routing = [{"station": "a", "time_min": exp(0.9)}, {"station": "b", "time_min": exp(0.9)}]
    product = {"name": "p", "routing": routing, "demand": {"interarrival_min": exp(1.0)}}
    f = build_factory(stations, [product], policies={"release": {"policy": "conwip", "cap": 6}})
    sim = Simulation(f, seed=5, replication=0)
    snaps = sim.run([float(t) for t in range(100, 20_000, 100)])
    wip = [sim.layout.plant(s, "wip") for s in snaps]
    assert max(wip) <= 6
    assert np.mean(wip) > 3  # the cap binds, the line is not simply empty


def test_changing_one_line_leaves_an_independent_line_untouched():
    """Common random numbers: each entity draws from its own stream."""

    def plant(mean_b: float):
        stations = [{"name": "a"}, {"name": "b"}]
        products = [
            {"name": "pa", "routing": [{"station": "a", "time_min": exp(0.8)}], "demand": {"interarrival_min": exp(1)}},
            {
                "name": "pb",
                "routing": [{"station": "b", "time_min": exp(mean_b)}],
                "demand": {"interarrival_min": exp(1)},
            },
        ]
        return simulate(build_factory(stations, products), days=3, reps=3, warmup=0, seed=9)

    base, changed = plant(0.5), plant(0.7)
    for kpi in ("queue_wait_min", "utilisation", "queue_len"):
        assert [r.stations["a"][kpi] for r in base.replications] == [r.stations["a"][kpi] for r in changed.replications]
    assert base.stations["b"]["utilisation"].mean != changed.stations["b"]["utilisation"].mean


def test_same_seed_same_results_and_new_seed_new_results():
    f = _two_product_station("fifo")
    one = simulate(f, days=2, reps=2, seed=7).to_dict()
    assert one == simulate(f, days=2, reps=2, seed=7).to_dict()
    assert one != simulate(f, days=2, reps=2, seed=8).to_dict()


def test_auto_warmup_cuts_off_an_initial_backlog():
    # 800 units released at time 0 drain at about 0.25 units/min: the first ~3,200 min are transient.
    stations = [{"name": "m"}]
    demand = {"interarrival_min": exp(1.0), "plan": [{"at_min": 0, "qty": 800}]}
    product = {"name": "p", "routing": [{"station": "m", "time_min": exp(0.75)}], "demand": demand}
    r = simulate(build_factory(stations, [product]), days=10, reps=4, warmup="auto", seed=2)
    assert 2000 < r.warmup_min <= 10 * 1440 / 2
    assert r.kpis["wip"].mean < 10  # steady state of M/M/1 at rho 0.75 is 3, far below the backlog


def test_operators_per_shift_follow_the_calendar():
    calendar = {
        "shifts": [{"name": "day", "start": "06:00", "hours": 8}, {"name": "night", "start": "14:00", "hours": 8}],
        "days_per_week": 7,
    }
    stations = [{"name": "m", "machines": 2, "operators": 1}]
    product = {"name": "p", "routing": [{"station": "m", "time_min": 1.0}]}
    pools = [{"name": "crew", "count_per_shift": [2, 1], "stations": ["m"]}]
    f = build_factory(
        stations, [product], calendar=calendar, operators=pools, policies={"release": {"policy": "saturated"}}
    )
    r = simulate(f, days=7, reps=1, warmup=0)
    # Two machines run in the day shift, one at night: 3 machine-shifts of output in 2 shifts.
    assert abs(r.kpis["throughput_per_h"].mean - (8 * 120 + 8 * 60) / 24) < 0.5
    assert abs(r.stations["m"]["waiting_operator_share"].mean - 0.25) < 0.01
