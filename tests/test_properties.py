"""Properties every valid factory must have, checked on random small factories.

Hypothesis builds small but varied plants (failures on either basis, setups, scrap and rework,
batches, operator pools, shift calendars with breaks, re-entrant routings, every release policy
and dispatching rule) and checks the bookkeeping that no KPI can be trusted without: units are
conserved, every machine-minute is in exactly one state, and results depend on the seed only.
"""

from __future__ import annotations

import math
import signal
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twin.kpi.definitions import PLANT_KPIS, STATION_KPIS
from twin.run.experiment import simulate
from twin.sim.engine import PLANT_FIELDS, STATION_FIELDS, Layout, Simulation
from twin.sim.machine import N_STATES
from twin.spec import check_factory
from twin.spec.distributions import DIST_NAMES
from twin.spec.factory import Factory

PROPERTY_SETTINGS = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
DISPATCH_RULES = ("fifo", "edd", "spt", "setup_avoiding")
PLANT = {name: i for i, name in enumerate(PLANT_FIELDS)}
STATION = {name: i for i, name in enumerate(STATION_FIELDS)}

# --- strategies -----------------------------------------------------------------------------


@st.composite
def distributions(draw, lo: float, hi: float):
    """Any supported distribution with a mean in about [lo, hi] (a bare number is deterministic)."""
    mean = draw(st.floats(lo, hi))
    kind = draw(st.sampled_from(("number", *DIST_NAMES)))
    if kind == "number":
        return mean
    if kind == "deterministic":
        return {"dist": "deterministic", "value": mean}
    if kind == "uniform":
        low = mean * draw(st.floats(0, 0.9))
        return {"dist": "uniform", "low": low, "high": 2 * mean - low}
    if kind == "triangular":
        spread = mean * draw(st.floats(0.05, 0.95))
        mode = mean + spread * draw(st.floats(-1, 1))
        return {"dist": "triangular", "low": mean - spread, "mode": mode, "high": mean + spread}
    if kind == "normal":
        return {"dist": "normal", "mean": mean, "sd": mean * draw(st.floats(0, 1))}
    if kind in ("lognormal", "gamma"):
        return {"dist": kind, "mean": mean, "cv": draw(st.floats(0.1, 1.5))}
    if kind == "weibull":
        return {"dist": "weibull", "mean": mean, "shape": draw(st.floats(0.6, 4))}
    if kind == "empirical":
        values = draw(st.lists(st.floats(0, 2 * mean), min_size=1, max_size=5))
        return {"dist": "empirical", "values": [*values, mean]}
    return {"dist": "exponential", "mean": mean}


def clock(minutes: int) -> str:
    minutes %= 1440
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def calendars(draw):
    """One or two non-overlapping shifts (the second may run past midnight), breaks, a planned stop.

    Shifts last at least 3 h and stops at most 2 h in all, so every week has working time.
    """
    first = draw(st.integers(0, 12 * 60))
    first_hours = draw(st.integers(3, 10))
    shifts = [{"name": "early", "start": clock(first), "hours": first_hours}]
    if draw(st.booleans()):
        second = first + first_hours * 60 + draw(st.sampled_from((0, 30, 120)))
        room_h = (first + 1440 - second) // 60
        shifts.append({"name": "late", "start": clock(second), "hours": draw(st.integers(3, min(10, room_h)))})
    breaks = [
        {"start": clock(draw(st.integers(0, 1439))), "minutes": draw(st.integers(5, 30))}
        for _ in range(draw(st.integers(0, 2)))
    ]
    calendar = {"shifts": shifts, "days_per_week": draw(st.integers(1, 7)), "breaks": breaks}
    if draw(st.booleans()):
        calendar["planned_downtime"] = [
            {"day": draw(st.integers(0, 6)), "start": clock(draw(st.integers(0, 1439))), "minutes": 60}
        ]
    return calendar


@st.composite
def stations(draw, name: str):
    station: dict = {"name": name, "machines": draw(st.integers(1, 3)), "buffer": draw(st.none() | st.integers(0, 5))}
    if draw(st.booleans()):
        station["failures"] = {
            "basis": draw(st.sampled_from(("operating", "calendar"))),
            "ttf_min": draw(distributions(30, 400)),
            "ttr_min": draw(distributions(1, 40)),
        }
    if draw(st.booleans()):
        station["setup_min"] = draw(distributions(1, 20))
    if draw(st.booleans()):
        scrap = draw(st.floats(0, 0.3))
        station["quality"] = {"scrap": scrap, "rework": draw(st.floats(0, 0.3))}
    if draw(st.integers(0, 3)) == 0:
        station["batch"] = {"size": draw(st.integers(1, 4)), "wait_min": draw(st.floats(0, 30))}
    if draw(st.booleans()):
        station["dispatch"] = draw(st.sampled_from(DISPATCH_RULES))
    station["operators"] = draw(st.sampled_from((0, 0, 1, 2)))
    return station


@st.composite
def products(draw, name: str, station_names: list[str], needs_demand: bool):
    routing = [
        {"station": draw(st.sampled_from(station_names)), "time_min": draw(distributions(1, 10))}
        for _ in range(draw(st.integers(1, 4)))
    ]
    if draw(st.booleans()):
        routing[0]["planned_min"] = draw(st.floats(0.5, 10))
    product: dict = {"name": name, "routing": routing, "mix": draw(st.floats(0.1, 5))}
    if draw(st.booleans()):
        product["due_allowance_min"] = draw(st.floats(10, 3000))
    if needs_demand or draw(st.booleans()):
        demand: dict = {"lot_size": draw(st.integers(1, 3))}
        if draw(st.integers(0, 3)) > 0:
            demand["interarrival_min"] = draw(distributions(4, 60))
        if "interarrival_min" not in demand or draw(st.booleans()):
            demand["plan"] = [
                {"at_min": draw(st.floats(0, 2000)), "qty": draw(st.integers(1, 5))}
                for _ in range(draw(st.integers(1, 3)))
            ]
        product["demand"] = demand
    return product


@st.composite
def operator_pools(draw, station_list: list[dict], n_shifts: int):
    """A pool for every station needing operators (if any), sometimes serving other stations too."""
    needs = {s["name"]: s["operators"] for s in station_list}
    served = [name for name, need in needs.items() if need > 0 or draw(st.booleans())]
    if not any(needs.values()) and (not served or draw(st.booleans())):
        return []
    served = served or [station_list[0]["name"]]
    most = max(needs[name] for name in served)
    pool: dict = {"name": "crew", "stations": served}
    if draw(st.booleans()):
        pool["count"] = most + draw(st.integers(0, 2))
    else:
        counts = [draw(st.integers(0, 4)) for _ in range(n_shifts)]
        staffed = draw(st.integers(0, n_shifts - 1))
        counts[staffed] = max(counts[staffed], most)
        pool["count_per_shift"] = counts
    return [pool]


@st.composite
def factories(draw) -> Factory:
    """A random small valid factory, validated like a loaded model file."""
    n_stations = draw(st.integers(1, 4))
    names = [f"s{k}" for k in range(n_stations)]
    station_list = [draw(stations(name)) for name in names]
    policy = draw(st.sampled_from(("push", "conwip", "saturated")))
    release: dict = {"policy": policy}
    if policy == "conwip":
        release["cap"] = draw(st.integers(1, 10))
    product_names = [f"p{i}" for i in range(draw(st.integers(1, 3)))]
    product_list = [draw(products(p, names, needs_demand=policy != "saturated")) for p in product_names]
    if draw(st.integers(0, 3)) == 0:
        k = draw(st.integers(0, n_stations - 1))
        station_list[k]["setup_matrix"] = {
            a: {b: draw(distributions(1, 30))} for a in product_names for b in product_names if draw(st.booleans())
        }
    spec: dict = {
        "name": "random_plant",
        "stations": station_list,
        "products": product_list,
        "policies": {
            "release": release,
            "dispatch": draw(st.sampled_from(DISPATCH_RULES)),
            "batch_loading": draw(st.sampled_from(("fixed_wait", "lookahead"))),
        },
    }
    if draw(st.booleans()):
        spec["calendar"] = draw(calendars())
    n_shifts = len(spec["calendar"]["shifts"]) if "calendar" in spec else 1
    spec["operators"] = draw(operator_pools(station_list, n_shifts))
    factory = Factory.model_validate(spec)
    check_factory(factory)
    return factory


checkpoint_lists = st.lists(st.floats(0, 2000), min_size=1, max_size=4).map(sorted)

# --- properties of one replication ----------------------------------------------------------


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Turn a simulation that never returns into a failure instead of a hung test run.

    The alarm repeats because an exception raised inside a garbage-collector callback (Hypothesis
    installs one) is swallowed.
    """

    def give_up(signum, frame):
        raise TimeoutError(f"still running after {seconds} s")

    if not hasattr(signal, "SIGALRM"):  # Windows: no guard
        yield
        return
    previous = signal.signal(signal.SIGALRM, give_up)
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.25)
    try:
        yield
    finally:
        signal.signal(signal.SIGALRM, signal.SIG_IGN)
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run(factory: Factory, seed: int, checkpoints: list[float]) -> list[tuple[float, np.ndarray, np.ndarray]]:
    """(time, plant counters, station table) at each checkpoint of replication 0."""
    layout = Layout(len(factory.stations))
    with time_limit(20):
        snaps = Simulation(factory, seed, 0).run(checkpoints)
    return [(t, snap[: len(PLANT_FIELDS)], layout.stations(snap)) for t, snap in zip(checkpoints, snaps, strict=True)]


@PROPERTY_SETTINGS
@given(factory=factories(), seed=st.integers(0, 2**32 - 1), checkpoints=checkpoint_lists)
def test_every_released_unit_is_finished_scrapped_or_still_in_process(factory, seed, checkpoints):
    for _, plant, _ in run(factory, seed, checkpoints):
        released, finished, scrapped, wip = (plant[PLANT[f]] for f in ("released", "finished", "scrapped", "wip"))
        assert released == finished + scrapped + wip
        assert wip >= 0
        assert plant[PLANT["on_time"]] <= finished
        assert plant[PLANT["tardy_min"]] >= 0
        assert (plant[PLANT["tardy_min"]] > 0) == (plant[PLANT["on_time"]] < finished)
        assert plant[PLANT["first_pass"]] <= finished


@PROPERTY_SETTINGS
@given(factory=factories(), seed=st.integers(0, 2**32 - 1), checkpoints=checkpoint_lists)
def test_every_machine_minute_is_in_exactly_one_non_negative_state(factory, seed, checkpoints):
    for t, _, table in run(factory, seed, checkpoints):
        states = table[:, :N_STATES]
        assert (states >= 0).all(), dict(zip(STATION_FIELDS, states.T, strict=False))
        for station, row in zip(factory.stations, states, strict=True):
            assert math.isclose(row.sum(), station.machines * t, rel_tol=1e-6, abs_tol=1e-6)


@PROPERTY_SETTINGS
@given(factory=factories(), seed=st.integers(0, 2**32 - 1), checkpoints=checkpoint_lists)
def test_every_unit_produced_at_a_station_is_good_scrapped_or_reworked(factory, seed, checkpoints):
    for _, plant, table in run(factory, seed, checkpoints):
        good, scrapped, reworked = (table[:, STATION[f]] for f in ("good", "scrapped", "reworked"))
        assert (good + scrapped + reworked == table[:, STATION["produced"]]).all()
        assert scrapped.sum() == plant[PLANT["scrapped"]]


@PROPERTY_SETTINGS
@given(factory=factories(), seed=st.integers(0, 2**32 - 1), checkpoints=checkpoint_lists)
def test_running_sums_never_decrease(factory, seed, checkpoints):
    snaps = run(factory, seed, checkpoints)
    for (_, plant0, table0), (_, plant1, table1) in zip(snaps, snaps[1:], strict=False):
        grew = plant1 - plant0
        grew[PLANT["wip"]] = 0
        assert (grew >= 0).all(), dict(zip(PLANT_FIELDS, grew, strict=True))
        assert (table1 - table0 >= -1e-9).all()


@PROPERTY_SETTINGS
@given(factory=factories(), seed=st.integers(0, 2**32 - 1), checkpoints=checkpoint_lists)
def test_taking_snapshots_does_not_change_the_run(factory, seed, checkpoints):
    [(_, plant, table)] = run(factory, seed, checkpoints[-1:])
    _, plant_observed, table_observed = run(factory, seed, checkpoints)[-1]
    assert np.allclose(plant_observed, plant, rtol=1e-9, atol=1e-9)
    assert np.allclose(table_observed, table, rtol=1e-9, atol=1e-9)


def test_failure_of_an_idle_machine_keeps_its_down_time_whatever_the_snapshots():
    factory = Factory.model_validate(
        {
            "name": "idle_mill",
            "stations": [{"name": "mill", "failures": {"basis": "calendar", "ttf_min": 30, "ttr_min": 1}}],
            "products": [
                {"name": "p", "demand": {"interarrival_min": 4}, "routing": [{"station": "mill", "time_min": 1}]}
            ],
        }
    )
    # Parts arrive every 4 min and take 1; the failure strikes the idle mill at 30, repaired at 31.
    [(_, _, unobserved)] = run(factory, 1, [33.0])
    _, _, observed = run(factory, 1, [32.0, 33.0])[-1]
    assert unobserved[0, STATION["down"]] == 1
    assert observed[0, STATION["down"]] == 1
    assert np.allclose(observed, unobserved)


def test_work_too_short_for_the_clock_started_off_shift_never_ends_in_the_past():
    """Found by the properties above: this ended in SimPy's 'Negative delay' error."""
    factory = Factory.model_validate(
        {
            "name": "tiny_step",
            "calendar": {"shifts": [{"name": "early", "start": "00:00", "hours": 3}], "days_per_week": 1},
            "stations": [{"name": "saw"}],
            "products": [
                {
                    "name": "p",
                    "demand": {"plan": [{"at_min": 181, "qty": 1}]},
                    "routing": [{"station": "saw", "time_min": {"dist": "empirical", "values": [1e-20]}}],
                }
            ],
        }
    )
    [(_, plant, _)] = run(factory, 1, [11000.0])
    assert plant[PLANT["finished"]] == 1


# --- properties of a simulation study ---------------------------------------------------------

WITH_EFFECTIVENESS = {"effectiveness", "oee", "oee_loaded", "nee", "teep", "bottleneck_oee"}
"""Effectiveness may exceed 1 (faster than planned), and these KPIs are multiples of it."""
RATIOS_UP_TO_ONE = {k for k, info in PLANT_KPIS.items() if info.unit == "ratio"} - WITH_EFFECTIVENESS
STATION_RATIOS_UP_TO_ONE = {k for k, info in STATION_KPIS.items() if info.unit == "ratio"} - {"effectiveness", "oee"}


def finite_or_none(x: float | None) -> bool:
    return x is None or math.isfinite(x)


def defined(x: float) -> bool:
    return not math.isnan(x)


def ascending(*xs: float) -> bool:
    """``xs[0] <= xs[1] <= ...`` up to rounding."""
    return all(a <= b + 1e-9 * abs(b) + 1e-12 for a, b in zip(xs, xs[1:], strict=False))


@settings(PROPERTY_SETTINGS, max_examples=30)
@given(
    factory=factories(),
    seed=st.integers(0, 2**32 - 1),
    days=st.floats(0.2, 1.2),
    warmup=st.sampled_from(("auto", 0.0, 60.0)),
)
def test_kpis_are_finite_or_undefined_and_ratios_lie_between_zero_and_one(factory, seed, days, warmup):
    with time_limit(30):
        result = simulate(factory, days=days, reps=2, warmup=warmup, seed=seed)
    estimates = [*result.kpis.values(), *(e for kp in result.stations.values() for e in kp.values())]
    for e in estimates:
        assert finite_or_none(e.mean) and finite_or_none(e.lo) and finite_or_none(e.hi), e
    for rep in result.replications:
        plant = rep.plant
        for name in RATIOS_UP_TO_ONE:
            assert not defined(plant[name]) or 0 <= plant[name] <= 1, (name, plant[name])
        if defined(plant["oee"]):
            assert ascending(0, plant["teep"], plant["oee"], plant["nee"], plant["effectiveness"])
        if defined(plant["oee_loaded"]):
            assert ascending(plant["oee"], plant["oee_loaded"], plant["effectiveness"])
        split = [v for k, v in plant.items() if k.startswith("cost_")]
        assert not defined(plant["unit_cost_cny"]) or sum(split) == plant["unit_cost_cny"]
        # one bottleneck for all replications: the station most often the bottleneck
        bottleneck_oee = rep.stations[result.bottleneck]["oee"]
        assert plant["bottleneck_oee"] == bottleneck_oee or not defined(plant["bottleneck_oee"])
        for kpis in rep.stations.values():
            for name in STATION_RATIOS_UP_TO_ONE:
                assert not defined(kpis[name]) or 0 <= kpis[name] <= 1, (name, kpis[name])
            if defined(kpis["oee"]):
                assert ascending(0, kpis["oee"], kpis["effectiveness"])


@settings(PROPERTY_SETTINGS, max_examples=15)
@given(factory=factories(), seed=st.integers(0, 2**32 - 1))
def test_same_seed_gives_identical_results(factory, seed):
    with time_limit(30):
        first = simulate(factory, days=0.5, reps=2, warmup="auto", seed=seed).to_dict()
        again = simulate(factory, days=0.5, reps=2, warmup="auto", seed=seed).to_dict()
    assert first == again


def exponential(mean: float) -> dict:
    return {"dist": "exponential", "mean": mean}


LINE = {
    "name": "line3",
    "policies": {"release": {"policy": "saturated"}},
    "stations": [
        {"name": f"s{k}", "buffer": 3, "failures": {"ttf_min": exponential(100), "ttr_min": exponential(5)}}
        for k in range(3)
    ],
    "products": [{"name": "p", "routing": [{"station": f"s{k}", "time_min": exponential(1)} for k in range(3)]}],
}


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_process_pool_gives_the_same_results_as_a_serial_run():
    factory = Factory.model_validate(LINE)
    serial = simulate(factory, days=0.5, reps=3, warmup="auto", seed=7, jobs=1).to_dict()
    parallel = simulate(factory, days=0.5, reps=3, warmup="auto", seed=7, jobs=2).to_dict()
    assert parallel == serial


def test_station_at_exactly_planned_speed_has_oee_of_at_most_one():
    factory = Factory.model_validate(
        {
            "name": "one_press",
            "policies": {"release": {"policy": "saturated"}},
            "stations": [{"name": "press"}],
            "products": [{"name": "p", "routing": [{"station": "press", "time_min": 2.625}]}],
        }
    )
    result = simulate(factory, days=1, reps=1, warmup=36.0, seed=1)
    assert result.stations["press"]["availability"].mean == 1
    assert result.kpis["oee"].mean <= 1


def test_batch_station_first_for_one_product_and_mid_route_for_another_does_not_hang():
    factory = Factory.model_validate(
        {
            "name": "oven_shared",
            "policies": {"release": {"policy": "saturated"}},
            "stations": [{"name": "oven", "batch": {"size": 2}}, {"name": "saw"}],
            "products": [
                {"name": "bread", "routing": [{"station": "oven", "time_min": 1}]},
                {"name": "tile", "routing": [{"station": "saw", "time_min": 1}, {"station": "oven", "time_min": 1}]},
            ],
        }
    )
    with time_limit(2):
        snapshots = Simulation(factory, 1, 0).run([0.0, 10.0])
    assert snapshots[-1][PLANT["finished"]] > 0
