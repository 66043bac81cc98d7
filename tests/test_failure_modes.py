"""Competing failure modes, and what preventive and predictive maintenance can do about each (issue 9)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import exp, saturated
from pydantic import TypeAdapter
from scipy import integrate, special, stats

from twin import compare, simulate
from twin.kpi.stats import estimate
from twin.plan.investments import apply_investments, load_catalogue, order_investments
from twin.sim.engine import STATION_FIELDS, Layout, Simulation
from twin.sim.stationary import stationary_start
from twin.spec import Factory
from twin.spec.distributions import Distribution

STATION = {name: i for i, name in enumerate(STATION_FIELDS)}
RANDOM_TTR, WEAR_TTR, STOP_MIN = 7.0, 13.0, 5.0
"""Fixed hands-on minutes of a random-mode repair, a wear-out repair and a planned stop: the repair
hours then tell how many failures each mode had."""
WEAR = {"name": "wear", "kind": "wear_out", "ttf_min": {"dist": "weibull", "mean": 1000.0, "shape": 3.0}}
RANDOM = {"name": "sudden", "kind": "random", "ttf_min": exp(2000.0)}


def wear_survival(t: float) -> float:
    """R(t) of WEAR's life: Weibull of shape 3 and mean 1,000 (scale 1000 / Γ(4/3))."""
    return math.exp(-((t / (1000.0 / special.gamma(4 / 3))) ** 3))


def _rows(factory: Factory, days: float, seed: int = 1) -> np.ndarray:
    """Station table of replication 0 at the end of ``days``: one row per station."""
    layout = Layout(len(factory.stations))
    return layout.stations(Simulation(factory, seed, 0).run([days * 1440.0])[-1])


def _plant(modes: list[dict], maintenance: dict | None = None, machines: int = 8) -> Factory:
    station = {"name": "m", "machines": machines, "failures": modes}
    condition_data = {
        "systems": ["SCADA"],
        "interfaces": [{"from": "FLOOR", "to": "SCADA", "mode": "realtime", "latency_min": 0.1}],
        "flows": {"condition_data": ["FLOOR", "SCADA"]},
    }
    return saturated(
        [station],
        [{"station": "m", "time_min": 10.0}],
        policies={"maintenance": maintenance or "reactive"},
        information=condition_data,
    )


def _by_mode(row: np.ndarray) -> tuple[float, float]:
    """(random, wear-out) failures of a station, from its failure count and repair hours."""
    hands_on = row[STATION["repair_min"]] - STOP_MIN * row[STATION["interventions"]]
    wear = (hands_on - RANDOM_TTR * row[STATION["failures"]]) / (WEAR_TTR - RANDOM_TTR)
    return row[STATION["failures"]] - wear, wear


def _poisson_ok(count: float, expected: float) -> bool:
    """``count`` within 3.5 standard deviations of a Poisson count with mean ``expected``."""
    return abs(count - expected) <= 3.5 * math.sqrt(expected)


def test_competing_modes_fail_the_machine_at_their_combined_rate():
    # Two exponential modes, means 300 and 600 producing minutes: the first to strike fails the machine,
    # so MTTF = 1/(1/300 + 1/600) = 200; repairs of 20 and 50 min weigh in by rate: MTTR = 30.
    modes = [
        {"name": "a", "kind": "random", "ttf_min": exp(300.0), "ttr_min": 20.0},
        {"name": "b", "kind": "random", "ttf_min": exp(600.0), "ttr_min": 50.0},
    ]
    f = saturated([{"name": "m", "failures": modes}], [{"station": "m", "time_min": 1.0}])
    r = simulate(f, days=20, reps=12, warmup=0, seed=5)
    availability = estimate(r.values("m.availability"))
    assert availability.lo <= 200 / (200 + 30) <= availability.hi
    assert availability.hi < 300 / (300 + 20)  # one mode alone would give more


def test_preventive_maintenance_renews_the_wear_out_mode_only():
    # Age replacement every T producing minutes of a Weibull shape-3 mode: F(T) / ∫0^T R(t) dt failures
    # per producing minute (renewal theory); the exponential mode fails at 1/2000 with or without PM.
    wear, sudden = WEAR | {"ttr_min": WEAR_TTR}, RANDOM | {"ttr_min": RANDOM_TTR}
    pm = {"regime": "preventive", "preventive": {"every_min": 400.0, "duration_min": STOP_MIN}}
    reactive, preventive = (_rows(_plant([sudden, wear], m), days=60)[0] for m in (None, pm))
    age_rate = (1 - wear_survival(400.0)) / integrate.quad(wear_survival, 0, 400.0)[0]
    for row, wear_rate in ((reactive, 1 / 1000), (preventive, age_rate)):
        producing = row[STATION["producing"]]
        n_random, n_wear = _by_mode(row)
        assert _poisson_ok(n_random, producing / 2000), (n_random, producing / 2000)
        assert _poisson_ok(n_wear, producing * wear_rate), (n_wear, producing * wear_rate)
    assert _by_mode(preventive)[1] < 0.2 * _by_mode(reactive)[1]


def test_a_station_without_a_wear_out_mode_gets_no_preventive_stops():
    pm = {"regime": "preventive", "preventive": {"every_min": 400.0, "duration_min": STOP_MIN}}
    stations = [
        {"name": "cnc", "failures": [RANDOM | {"ttr_min": RANDOM_TTR}]},
        {"name": "bench"},
    ]
    routing = [{"station": "cnc", "time_min": 10.0}, {"station": "bench", "time_min": 5.0}]
    reactive, preventive = (
        _rows(saturated(stations, routing, policies={"maintenance": m}), days=20) for m in ("reactive", pm)
    )
    assert preventive[:, STATION["interventions"]].tolist() == [0, 0]
    assert preventive[0, STATION["failures"]] == reactive[0, STATION["failures"]] > 0


def test_the_single_mode_form_still_loads_as_one_wear_out_mode():
    one = {"name": "m", "failures": {"ttf_min": exp(500.0), "ttr_min": 10.0}}
    f = saturated([one], [{"station": "m", "time_min": 1.0}])
    (mode,) = f.station("m").failures
    assert (mode.name, mode.kind, mode.seen) == ("breakdown", "wear_out", 1.0)


def test_failure_mode_names_must_differ():
    twice = {"name": "m", "failures": [RANDOM | {"ttr_min": 1.0}, RANDOM | {"ttr_min": 2.0}]}
    with pytest.raises(ValueError, match="sudden used twice"):
        saturated([twice], [{"station": "m", "time_min": 1.0}])


def test_predictive_maintenance_sees_the_wear_out_mode_not_the_sudden_one():
    # A perfect detector (recall 1, precision 1) on the default detectability: every wear-out failure
    # becomes a planned stop, every sudden one still breaks the machine.
    wear, sudden = WEAR | {"ttr_min": WEAR_TTR}, RANDOM | {"ttr_min": RANDOM_TTR}
    pdm = {"regime": "predictive", "predictive": {"recall": 1.0, "precision": 1.0, "lead_min": 30, "duration_min": 5}}
    row = _rows(_plant([sudden, wear], pdm), days=20)[0]
    n_random, n_wear = _by_mode(row)
    assert n_wear == pytest.approx(0, abs=1e-6)
    assert _poisson_ok(n_random, row[STATION["producing"]] / 2000)
    assert row[STATION["interventions"]] > 0


def test_machine_networking_alone_shortens_breakdowns():
    # mdc_all without andon: a stop shows on the MDC board within minutes instead of waiting for a
    # walk-by (5-45 min); the call to maintenance stays a phone call.
    basic = {
        "systems": ["ERP", "SCADA"],
        "interfaces": [
            {"from": "FLOOR", "to": "MANUAL", "flow": "repair_call", "mode": "manual", "latency_min": 10.0},
            {"from": "FLOOR", "to": "SCADA", "mode": "realtime", "latency_min": 1.0},
        ],
        "flows": {"repair_call": ["FLOOR", "MANUAL"]},
    }
    walk_by = {"regime": "reactive", "walk_by_min": {"dist": "triangular", "low": 5, "mode": 15, "high": 45}}
    station = {"name": "cnc", "machines": 2, "failures": [RANDOM | {"ttf_min": exp(600.0), "ttr_min": 30.0}]}
    base = saturated(
        [station], [{"station": "cnc", "time_min": 5.0}], policies={"maintenance": walk_by}, information=basic
    )
    networked = apply_investments(base, order_investments(load_catalogue(), ["mdc_all"], []))
    runs = compare([base, networked], days=10, reps=4, warmup=0, seed=3)
    assert runs.delta("cnc.down_share", 1).hi < 0
    assert runs.delta("throughput_per_h", 1).lo > 0


def test_a_due_preventive_stop_waits_for_a_free_crew_while_the_machine_runs_on():
    # One crew for four machines with long repairs: a PM that falls due while the crew is busy is
    # put off (the machine keeps producing), so no PM stands in the queue behind a breakdown.
    pm = {"regime": "preventive", "crews": 1, "preventive": {"every_min": 200.0, "duration_min": STOP_MIN}}
    row = _rows(_plant([WEAR | {"ttf_min": exp(300.0), "ttr_min": 120.0}], pm, machines=4), days=10)[0]
    assert row[STATION["interventions"]] > 20
    assert row[STATION["maintenance"]] == pytest.approx(STOP_MIN * row[STATION["interventions"]])


@pytest.mark.parametrize("every", [None, 400.0])
def test_a_short_run_fails_at_the_long_run_rate_because_parts_start_at_their_stationary_age(every):
    # 300 machines watched for a third of a mean life (1,000 producing min, Weibull shape 3). Parts new
    # at the start would give F(333) ≈ 3 % failures per machine; a plant in its long-run state fails
    # at the renewal rate from the first minute: producing / 1000 under run-to-failure, and under
    # age replacement every 400 min, F(T) / ∫0^T R failures and R(T) / ∫0^T R planned stops per
    # producing minute (renewal-reward; a stationary renewal process has E N(t) = rate × t for any t).
    if every is None:
        maintenance, fail_rate, stop_rate = None, 1 / 1000, 0.0
    else:
        maintenance = {"regime": "preventive", "preventive": {"every_min": every, "duration_min": STOP_MIN}}
        cycle = integrate.quad(wear_survival, 0, every)[0]
        fail_rate, stop_rate = (1 - wear_survival(every)) / cycle, wear_survival(every) / cycle
    row = _rows(_plant([WEAR | {"ttr_min": WEAR_TTR}], maintenance, machines=300), days=1 / 3 / 1440 * 1000)[0]
    producing = row[STATION["producing"]]
    assert _poisson_ok(row[STATION["failures"]], producing * fail_rate), (
        row[STATION["failures"]],
        producing * fail_rate,
    )
    assert _poisson_ok(row[STATION["interventions"]], producing * stop_rate), (
        row[STATION["interventions"]],
        producing * stop_rate,
    )
    if every is None:  # far more than new parts would give
        assert row[STATION["failures"]] > 3 * 300 * (1 - wear_survival(1000 / 3))
    else:  # new parts would see no planned stop before minute 400
        assert row[STATION["interventions"]] > 100


@pytest.mark.parametrize(
    "life",
    [
        exp(100.0),
        {"dist": "weibull", "mean": 1000.0, "shape": 3.0},
        {"dist": "lognormal", "mean": 300.0, "cv": 1.0},
        {"dist": "lognormal", "mean": 300.0, "cv": 3.0},  # a heavy tail: 1,500 left on average
        {"dist": "gamma", "mean": 100.0, "cv": 0.5},
        {"dist": "uniform", "low": 10.0, "high": 30.0},
        {"dist": "triangular", "low": 10.0, "mode": 15.0, "high": 40.0},
        {"dist": "normal", "mean": 100.0, "sd": 80.0},
        {"dist": "empirical", "values": [10.0, 30.0, 30.0]},
        50.0,
    ],
)
def test_a_part_run_to_failure_starts_with_the_mean_remaining_life_of_renewal_theory(life):
    # Observed at a random time, a run-to-failure part has E[L^2] / (2 E[L]) left (the inspection
    # paradox: long lives are more likely to be the one in service).
    dist = TypeAdapter(Distribution).validate_python(life)
    rng = np.random.default_rng(7)
    left = np.array([stationary_start(dist, None, *rng.random(2))[1] for _ in range(4000)])
    theory = (dist.variance + dist.mean**2) / (2 * dist.mean)
    assert abs(left.mean() - theory) < 4 * left.std() / math.sqrt(left.size) + 1e-9, (left.mean(), theory)


def test_under_age_replacement_a_part_starts_younger_than_the_renewal_age():
    # Age density R(a) / ∫0^T R on [0, T]: its mean is ∫0^T a R(a) da / ∫0^T R(a) da.
    dist = TypeAdapter(Distribution).validate_python(WEAR["ttf_min"])
    rng = np.random.default_rng(8)
    ages = np.array([stationary_start(dist, 400.0, *rng.random(2))[0] for _ in range(4000)])
    theory = integrate.quad(lambda a: a * wear_survival(a), 0, 400)[0] / integrate.quad(wear_survival, 0, 400)[0]
    assert ages.max() <= 400.0
    assert abs(ages.mean() - theory) < 4 * ages.std() / math.sqrt(ages.size), (ages.mean(), theory)


@pytest.mark.parametrize(
    ("life", "survive", "renew_at"),
    [
        (WEAR["ttf_min"], wear_survival, None),
        (WEAR["ttf_min"], wear_survival, 400.0),
        (
            {"dist": "lognormal", "mean": 300.0, "cv": 3.0},
            stats.lognorm(math.sqrt(math.log(10)), scale=300 / math.sqrt(10)).sf,
            None,
        ),
        ({"dist": "gamma", "mean": 100.0, "cv": 2.0}, stats.gamma(0.25, scale=400.0).sf, None),
    ],
)
def test_the_starting_age_is_the_quantile_of_the_equilibrium_age_distribution(life, survive, renew_at):
    # P(age <= a) = ∫0^a R / ∫0^T R: the age drawn from a uniform u is that distribution's u-quantile.
    dist = TypeAdapter(Distribution).validate_python(life)
    end = math.inf if renew_at is None else renew_at
    total = integrate.quad(survive, 0, end, limit=500)[0]
    for u in (0.1, 0.5, 0.9, 0.99):
        age = stationary_start(dist, renew_at, u, 0.5)[0]
        assert integrate.quad(survive, 0, age, limit=500)[0] / total == pytest.approx(u, abs=2e-3), u
