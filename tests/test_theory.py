"""The engine against queueing and reliability theory: exact values inside 95% confidence intervals.

Seeds are fixed, so these tests never flake; each also checks the interval is tight, so a pass
means the simulation agrees with theory, not merely that the interval was wide.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import build_factory, exp, saturated

from twin import simulate


def _poisson_line(stations: list[dict], routing: list[dict], rate: float) -> object:
    product = {"name": "p", "routing": routing, "demand": {"interarrival_min": exp(1 / rate)}}
    return build_factory(stations, [product])


def assert_close(est, theory: float, rel_width: float = 0.1) -> None:
    assert est.contains(theory), f"theory {theory:.4f} outside CI [{est.lo:.4f}, {est.hi:.4f}]"
    assert est.half_width < rel_width * abs(theory), f"CI half-width {est.half_width:.4f} too wide to tell"


def erlang_c_wait(c: int, lam: float, mu: float) -> float:
    """Mean wait in queue of M/M/c (Erlang C)."""
    a = lam / mu
    rho = a / c
    tail = a**c / math.factorial(c) / (1 - rho)
    p_wait = tail / (sum(a**k / math.factorial(k) for k in range(c)) + tail)
    return p_wait / (c * mu - lam)


def test_mm1_waiting_time_and_queue_length_match_theory():
    lam, mu = 0.8, 1.0
    f = _poisson_line([{"name": "m"}], [{"station": "m", "time_min": exp(1 / mu)}], lam)
    r = simulate(f, days=20, reps=10, warmup=2000, seed=11)
    rho = lam / mu
    assert_close(r.stations["m"]["queue_wait_min"], rho / (mu - lam))
    assert_close(r.stations["m"]["queue_len"], rho**2 / (1 - rho))
    assert_close(r.kpis["wip"], rho / (1 - rho))
    assert_close(r.kpis["flow_time_min"], 1 / (mu - lam))


def test_mmc_waiting_time_matches_erlang_c():
    c, lam, mu = 3, 2.4, 1.0
    f = _poisson_line([{"name": "m", "machines": c}], [{"station": "m", "time_min": exp(1 / mu)}], lam)
    r = simulate(f, days=10, reps=10, warmup=2000, seed=12)
    wq = erlang_c_wait(c, lam, mu)
    assert_close(r.stations["m"]["queue_wait_min"], wq)
    assert_close(r.stations["m"]["queue_len"], lam * wq)
    assert_close(r.kpis["flow_time_min"], wq + 1 / mu)


def test_tandem_jackson_line_flow_time_is_sum_of_mm1_times():
    means, lam = [0.6, 0.7, 0.8], 1.0
    stations = [{"name": f"s{i}"} for i in range(3)]
    routing = [{"station": f"s{i}", "time_min": exp(m)} for i, m in enumerate(means)]
    r = simulate(_poisson_line(stations, routing, lam), days=20, reps=10, warmup=2000, seed=13)
    theory = sum(1 / (1 / m - lam) for m in means)
    assert_close(r.kpis["flow_time_min"], theory)
    for i, m in enumerate(means):
        rho = lam * m
        assert_close(r.stations[f"s{i}"]["queue_len"], rho**2 / (1 - rho), rel_width=0.15)


def two_machine_throughput(mu1: float, mu2: float, buffer: int) -> float:
    """Exact throughput of a saturated two-machine line with blocking after service (CTMC).

    State n = units in the buffer plus at machine 2 (0..buffer+1); state buffer+2 means the buffer
    is full, machine 2 busy and machine 1 blocked holding a finished unit.
    """
    n = buffer + 3
    q = np.zeros((n, n))
    for s in range(buffer + 2):
        q[s, s + 1] += mu1  # machine 1 finishes: to machine 2, the buffer, or blocked
        if s >= 1:
            q[s, s - 1] += mu2
    q[buffer + 2, buffer + 1] += mu2  # machine 2 frees space, the blocked unit moves in
    np.fill_diagonal(q, -q.sum(axis=1))
    a = np.vstack([q.T, np.ones(n)])
    p = np.linalg.lstsq(a, np.r_[np.zeros(n), 1.0], rcond=None)[0]
    return mu2 * (1 - p[0])


@pytest.mark.parametrize("buffer", [0, 2])
def test_two_machine_line_with_finite_buffer_matches_markov_chain(buffer):
    mu1, mu2 = 1.0, 1.1
    stations = [{"name": "m1", "buffer": buffer}, {"name": "m2", "buffer": buffer}]
    routing = [{"station": "m1", "time_min": exp(1 / mu1)}, {"station": "m2", "time_min": exp(1 / mu2)}]
    r = simulate(saturated(stations, routing), days=10, reps=10, warmup=500, seed=14)
    theory = two_machine_throughput(mu1, mu2, buffer) * 60
    assert_close(r.kpis["throughput_per_h"], theory, rel_width=0.02)


def test_two_machine_markov_chain_reduces_to_known_cases():
    # Equal rates, buffer B: throughput = mu (B+2)/(B+3) for the saturated line with blocking.
    for b in range(4):
        assert two_machine_throughput(1.0, 1.0, b) == pytest.approx((b + 2) / (b + 3))


@pytest.mark.parametrize("basis", ["operating", "calendar"])
def test_unreliable_machine_availability_is_mttf_over_mttf_plus_mttr(basis):
    mttf, mttr = 100.0, 10.0
    failures = {"basis": basis, "ttf_min": exp(mttf), "ttr_min": exp(mttr)}
    f = saturated([{"name": "m", "failures": failures}], [{"station": "m", "time_min": exp(1.0)}])
    r = simulate(f, days=30, reps=10, warmup=0, seed=15)
    assert_close(r.kpis["availability"], mttf / (mttf + mttr), rel_width=0.01)
    assert_close(r.kpis["throughput_per_h"], 60 * mttf / (mttf + mttr), rel_width=0.02)


def test_shift_calendar_keeps_availability_and_scales_teep():
    calendar = {
        "shifts": [{"name": "day", "start": "08:00", "hours": 8}, {"name": "late", "start": "16:00", "hours": 8}],
        "days_per_week": 5,
    }
    failures = {"ttf_min": exp(100.0), "ttr_min": exp(10.0)}
    f = saturated([{"name": "m", "failures": failures}], [{"station": "m", "time_min": 1.0}], calendar=calendar)
    r = simulate(f, days=28, reps=8, warmup=0, seed=16)
    assert_close(r.kpis["availability"], 100 / 110, rel_width=0.01)
    on_shift = 80 / 168
    assert_close(r.kpis["teep"], 100 / 110 * on_shift, rel_width=0.01)
    assert_close(r.kpis["throughput_per_h"], 60 * 100 / 110 * on_shift, rel_width=0.02)


def test_breaks_are_planned_down_time_not_availability_loss():
    calendar = {
        "shifts": [{"name": "day", "start": "08:00", "hours": 8}],
        "days_per_week": 7,
        "breaks": [{"start": "12:00", "minutes": 60}],
    }
    f = saturated([{"name": "m"}], [{"station": "m", "time_min": 1.0}], calendar=calendar)
    r = simulate(f, days=7, reps=1, warmup=0)
    assert r.kpis["availability"].mean == pytest.approx(1.0)
    assert r.kpis["throughput_per_h"].mean == pytest.approx(60 * 7 / 24, rel=1e-3)


def test_setup_time_counts_against_availability():
    # Two products drawn 50/50: a change (and a setup of 2 min) follows with probability 1/2.
    stations = [{"name": "m", "setup_min": 2.0}]
    products = [{"name": n, "mix": 1, "routing": [{"station": "m", "time_min": 1.0}]} for n in ("a", "b")]
    f = build_factory(stations, products, policies={"release": {"policy": "saturated"}})
    r = simulate(f, days=5, reps=8, warmup=0, seed=17)
    assert_close(r.kpis["availability"], 1 / (1 + 0.5 * 2.0), rel_width=0.02)
    # Setup is not a loss for NEE; only the unit in process at the window's end is (< 0.1%).
    assert r.kpis["nee"].mean == pytest.approx(1.0, abs=1e-3)


def test_scrap_and_rework_reduce_good_output_and_quality_ratio():
    stations = [{"name": "m", "quality": {"scrap": 0.05, "rework": 0.10}}]
    f = saturated(stations, [{"station": "m", "time_min": 1.0}])
    r = simulate(f, days=10, reps=8, warmup=0, seed=1)
    # Each pass is good with p = 0.85; a unit passes until good or scrapped.
    assert_close(r.kpis["quality_ratio"], 0.85, rel_width=0.01)
    good_share = 0.85 / (1 - 0.10)  # units out that are good
    passes_per_unit = 1 / (1 - 0.10)
    assert_close(r.kpis["throughput_per_h"], 60 * good_share / passes_per_unit, rel_width=0.01)
    assert_close(r.kpis["scrap_rate"], 1 - good_share, rel_width=0.05)
    assert_close(r.kpis["first_pass_yield"], 0.85, rel_width=0.01)


def test_batch_furnace_throughput_and_underfilled_batches_lose_effectiveness():
    stations = [{"name": "furnace", "batch": {"size": 4}}]
    full = saturated(stations, [{"station": "furnace", "time_min": 8.0}])
    r = simulate(full, days=2, reps=1, warmup=0)
    # 360 batches fit in 48 h; the last one ends exactly at the horizon and is not counted as output,
    # but its planned time is credited for the producing time it holds in the window: all of it.
    assert r.kpis["throughput_per_h"].mean == pytest.approx(30 * 359 / 360)
    assert r.kpis["effectiveness"].mean == pytest.approx(1.0)
    # Orders of one unit every 4 min and no waiting for a full batch: batches of 2 on average.
    sparse = build_factory(
        stations,
        [{"name": "p", "routing": [{"station": "furnace", "time_min": 8.0}], "demand": {"interarrival_min": 4.0}}],
    )
    r = simulate(sparse, days=2, reps=1, warmup=0)
    assert r.kpis["effectiveness"].mean == pytest.approx(0.5, rel=0.01)


def test_operator_shortage_makes_machines_wait():
    stations = [{"name": "m", "machines": 2, "operators": 1}]
    pools = [{"name": "crew", "count": 1, "stations": ["m"]}]
    f = saturated(stations, [{"station": "m", "time_min": 1.0}], operators=pools)
    r = simulate(f, days=1, reps=1, warmup=0)
    assert r.kpis["throughput_per_h"].mean == pytest.approx(60, rel=1e-3)
    assert r.stations["m"]["waiting_operator_share"].mean == pytest.approx(0.5, rel=1e-3)
    assert r.kpis["labour_productivity"].mean == pytest.approx(60, rel=1e-3)


def test_energy_per_unit_follows_power_by_state():
    stations = [{"name": "m", "power_kw": {"busy": 12.0, "idle": 3.0}}]
    product = {"name": "p", "routing": [{"station": "m", "time_min": 1.0}], "demand": {"interarrival_min": 2.0}}
    r = simulate(build_factory(stations, [product]), days=2, reps=1, warmup=0)
    # Every 2 min: 1 min busy at 12 kW and 1 min idle at 3 kW.
    assert r.kpis["energy_kwh_per_unit"].mean == pytest.approx((12 + 3) / 60, rel=1e-3)


@pytest.mark.parametrize("plant", ["precision_machining", "electronics_smt"])
def test_littles_law_holds_on_the_reference_plants(plant):
    """WIP = exit rate x mean flow time, replication by replication (both measured independently)."""
    from twin import load_factory
    from twin.kpi.stats import estimate

    r = simulate(load_factory(plant), days=28, reps=5, warmup=7 * 1440, seed=31)
    table = r.table()
    exits_per_min = table["throughput_per_h"] / 60 / (1 - table["scrap_rate"])
    relative_gap = estimate(list((table["wip"] - exits_per_min * table["flow_time_min"]) / table["wip"]))
    # Units in process at the window's edges make single replications differ by a few per cent;
    # the law says the expected gap is zero.
    assert relative_gap.contains(0.0) and abs(relative_gap.mean) < 0.03, relative_gap
    assert relative_gap.half_width < 0.1
