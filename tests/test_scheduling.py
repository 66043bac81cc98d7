"""Scheduling and release: the ATCS rule against its published formula and its limiting cases, what it
does at a set-up-heavy station, that a decision stays bounded, and the release control systems bring."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import build_factory, exp
from pydantic import ValidationError

import twin.sim.queues as queues
from twin.plan.presets import load_model
from twin.run.experiment import compare
from twin.sim.parts import Part, Route, RouteStep
from twin.sim.queues import AtcsParams, IndexedQueue
from twin.spec.factory import Release

SETUP = {(0, 1): 10.0, (0, 2): 30.0, (1, 0): 20.0, (1, 2): 5.0, (2, 0): 15.0, (2, 1): 25.0}


def _params(k1: float = 2.0, k2: float = 0.5, setups: dict | None = None) -> AtcsParams:
    table = SETUP if setups is None else setups
    bar = sum(table.values()) / len(table) if table else 0.0
    return AtcsParams(k1, k2, lambda a, b: table.get((a, b), 0.0), bar, lambda r: 1)


def _queue(params: AtcsParams, units: list[tuple[int, float]], planned=(2.0, 5.0, 1.0), now: float = 0.0):
    """A single-machine ATCS queue holding one-unit orders (product, due)."""
    routes = [Route(k, f"p{k}", [RouteStep(0, None, None, p)], 1.0, 0.0) for k, p in enumerate(planned)]
    q = IndexedQueue("atcs", False, None, lambda: now, params)
    for k, due in units:
        part = Part(routes[k], 0.0, 0.0)
        part.due = due
        q.push(part)
    return q, routes


def _brute_force(params: AtcsParams, units, planned, last: int | None, now: float, k2_infinite: bool = False) -> int:
    """Index in ``units`` of the unit with the highest published ATCS priority (ties: earlier due, then first)."""
    p_bar = sum(planned[k] for k, _ in units) / len(units)
    best, best_i = -math.inf, -1
    for i, (k, due) in sorted(enumerate(units), key=lambda x: (x[1][1], x[0])):
        p = planned[k]
        s = 0.0 if last is None or last == k else params.setup_mean(last, k)
        value = 1 / p * math.exp(-max(due - p - now, 0.0) / (params.k1 * p_bar))
        if not k2_infinite and params.setup_bar > 0:
            value *= math.exp(-s / (params.k2 * params.setup_bar))
        if value > best * (1 + 1e-12):
            best, best_i = value, i
    return best_i


def _pick(q: IndexedQueue, routes, last: int | None):
    machine = SimpleNamespace(last_route=routes[last] if last is not None else None)
    return q.pop_for(machine)


def test_atcs_picks_the_job_the_published_formula_ranks_first_in_a_hand_case():
    params = _params(k1=2.0, k2=0.5)
    units = [(0, 40.0), (1, 12.0), (2, 60.0), (0, 25.0), (1, 30.0)]
    planned = (2.0, 5.0, 1.0)
    q, routes = _queue(params, units, planned, now=5.0)
    picked = _pick(q, routes, last=0)
    want = _brute_force(params, units, planned, last=0, now=5.0)
    # p̄ = 3, s̄ = 17.5: (1, 12) scores 1/5 · e^(−2/6) · e^(−10/8.75) = 0.046, ahead of the same
    # product's (0, 25) at 1/2 · e^(−18/6) = 0.025: its urgency outweighs a 10-min set-up.
    assert (picked.route.index, picked.due) == units[want] == (1, 12.0)


@pytest.mark.parametrize("seed", range(30))
def test_atcs_matches_the_published_formula_on_random_queues(seed):
    rng = np.random.default_rng(seed)
    params = _params(k1=float(rng.uniform(0.5, 4)), k2=float(rng.uniform(0.1, 2)))
    units = [(int(rng.integers(3)), float(rng.uniform(0, 200))) for _ in range(int(rng.integers(1, 25)))]
    now, last = float(rng.uniform(0, 100)), int(rng.integers(3))
    q, routes = _queue(params, units, now=now)
    picked = _pick(q, routes, last)
    k, due = units[_brute_force(params, units, (2.0, 5.0, 1.0), last, now)]
    assert picked.route.index == k and picked.due == pytest.approx(due)


def test_atcs_with_a_huge_set_up_scale_is_atc():
    params = _params(k1=1.0, k2=1e9)
    units = [(0, 30.0), (2, 80.0), (1, 9.0), (1, 50.0)]
    planned = (2.0, 5.0, 1.0)
    q, routes = _queue(params, units, planned, now=0.0)
    picked = _pick(q, routes, last=1)
    k, due = units[_brute_force(params, units, planned, last=1, now=0.0, k2_infinite=True)]
    assert (picked.route.index, picked.due) == (k, due)


def test_atcs_without_set_ups_or_slack_is_wspt():
    params = _params(setups={})
    q, routes = _queue(params, [(1, 0.0), (0, 0.0), (2, 0.0), (1, 0.0)], now=100.0)  # every unit is late
    order = [_pick(q, routes, last=0).route.index for _ in range(4)]
    assert order == [2, 0, 1, 1]  # shortest planned time first: 1, 2, 5, 5 min


def test_atcs_with_equal_times_and_no_set_ups_is_edd():
    params = _params(k1=0.5, setups={})
    dues = [90.0, 20.0, 55.0, 70.0, 30.0]
    q, routes = _queue(params, [(0, d) for d in dues], planned=(2.0, 2.0, 2.0))
    assert [_pick(q, routes, last=0).due for _ in dues] == sorted(dues)


def test_an_atcs_decision_reads_one_candidate_per_product_however_long_the_queue(monkeypatch):
    seen: list[int] = []
    real = queues.atcs_pick

    def counting(candidates, *args):
        seen.append(len(candidates))
        return real(candidates, *args)

    monkeypatch.setattr(queues, "atcs_pick", counting)
    rng = np.random.default_rng(1)
    units = [(int(rng.integers(3)), float(rng.uniform(0, 1e4))) for _ in range(20_000)]
    q, routes = _queue(_params(), units)
    for _ in range(2_000):
        _pick(q, routes, last=int(rng.integers(3)))
    assert len(seen) == 2_000 and max(seen) == 3


# --- a set-up-heavy station with two products -----------------------------------------------------
def _two_products(rule: str):
    """A busy product in lots with a loose due date and a small urgent one; 10 min per change-over."""
    station = [{"name": "m", "setup_min": 10, "dispatch": rule}]
    unit = {"dist": "lognormal", "mean": 1.0, "cv": 0.3}
    products = [
        {
            "name": "a",
            "routing": [{"station": "m", "time_min": unit}],
            "due_allowance_min": 600,
            "demand": {"interarrival_min": exp(19), "lot_size": 15},
        },
        {
            "name": "b",
            "routing": [{"station": "m", "time_min": unit}],
            "due_allowance_min": 120,
            "demand": {"interarrival_min": exp(150), "lot_size": 10},
        },
    ]
    return build_factory(station, products)


@pytest.fixture(scope="module")
def station_runs():
    rules = ["edd", "setup_avoiding", "atcs"]
    return compare([_two_products(r) for r in rules], days=20, reps=6, seed=3, warmup=1440)


def test_atcs_sets_up_less_often_than_edd(station_runs):
    assert station_runs.delta("m.setup_share", 2, base=0).hi < 0


def test_atcs_delivers_on_time_more_often_than_set_up_avoiding(station_runs):
    assert station_runs.delta("on_time_rate", 2, base=1).lo > 0


# --- release control and the tier steps ------------------------------------------------------------
def test_mes_workload_release_lowers_wip_against_push_on_the_default_plant():
    mes = load_model("precision_machining_advanced")
    assert mes.policies.release.policy == "workload"
    push = mes.model_copy(update={"policies": mes.policies.model_copy(update={"release": Release()})})
    runs = compare([push, mes], days=21, reps=6, seed=1, warmup=10080)
    assert runs.delta("wip", 1, base=0).hi < 0


def test_workload_release_without_a_norm_is_reported():
    product = {"name": "p", "routing": [{"station": "m", "time_min": 1.0}], "demand": {"interarrival_min": 5.0}}
    with pytest.raises(ValidationError, match="policy workload needs norm_h"):
        build_factory([{"name": "m"}], [product], policies={"release": {"policy": "workload"}})


def test_workload_release_holds_orders_while_a_station_is_over_its_norm():
    product = {
        "name": "p",
        "routing": [{"station": "m", "time_min": exp(1.0)}],
        "demand": {"interarrival_min": exp(0.9)},  # load 111 %: under push the queue grows without end
    }
    push = build_factory([{"name": "m"}], [product])
    norm = build_factory(
        [{"name": "m"}], [product], policies={"release": {"policy": "workload", "norm_h": 0.5, "every_min": 5}}
    )
    runs = compare([push, norm], days=3, reps=4, seed=5, warmup=720)
    # A run releases while under 30 min of work (≈ 30 units) is released; a few more arrive at once.
    assert runs.results[1].kpis["wip"].hi < 40 < 100 < runs.results[0].kpis["wip"].lo


def test_with_a_stale_view_and_no_known_unit_the_machine_keeps_to_its_set_up():
    routes = [Route(k, f"p{k}", [RouteStep(0, None, None, 1.0)], 1.0, 0.0) for k in range(2)]
    q = IndexedQueue("atcs", False, lambda t: t - 10.0, lambda: 0.0, _params())  # told nothing for 10 min
    for k in (0, 1, 0):
        q.push(Part(routes[k], 0.0, 0.0))
    assert [_pick(q, routes, last=1).route.index, _pick(q, routes, last=None).route.index] == [1, 0]


def test_workload_norm_of_a_batch_station_holds_at_least_two_full_batches():
    # A furnace of batches of 10 (10 min a batch, 1 planned min a unit) with a norm of 3 min: releasing
    # only 3 min of work would starve it while it fills and cap output at about 3 units per 5-min run
    # (30/h measured), below the 50/h that arrive. Its norm is two full batches, so it keeps up.
    product = {
        "name": "p",
        "routing": [{"station": "furnace", "time_min": 10.0, "planned_min": 1.0}],
        "demand": {"interarrival_min": exp(1.2)},
    }
    plant = build_factory(
        [{"name": "furnace", "batch": {"size": 10, "wait_min": 30}}],
        [product],
        policies={"release": {"policy": "workload", "norm_h": 0.05, "every_min": 5}},
    )
    result = compare([plant], days=4, reps=4, seed=3, warmup=720).results[0]
    assert result.kpis["throughput_per_h"].contains(50.0), result.kpis["throughput_per_h"]
    assert not result.warnings or all("WIP" not in w for w in result.warnings)


def test_orders_piling_up_before_release_are_told_and_valued_as_a_plant_at_its_capacity():
    """A release norm holds WIP on the floor, so an overloaded plant's floor looks steady: the pool of held
    orders grows instead. Its run says so, and a path study sells only what such a state makes."""
    from twin.plan.projection import StateRuns, baseline_state
    from twin.run.experiment import ORDERS_PILE_UP, WIP_GROWS

    def plant(interarrival: float):
        product = {"name": "p", "routing": [{"station": "m", "time_min": exp(1.0)}],
                   "demand": {"interarrival_min": exp(interarrival)}}  # fmt: skip
        release = {"policy": "workload", "norm_h": 0.5, "every_min": 5}
        return build_factory([{"name": "m"}], [product], policies={"release": release})

    runs = compare([plant(0.9), plant(2.0)], days=3, reps=4, seed=5, warmup=720)
    overloaded, light = (r.warnings for r in runs.results)
    assert any(w.startswith(ORDERS_PILE_UP) for w in overloaded)
    assert not any(w.startswith(WIP_GROWS) for w in overloaded)  # the floor alone looks steady
    assert not any(w.startswith((ORDERS_PILE_UP, WIP_GROWS)) for w in light)

    states = StateRuns(days=3, warmup=720, seed=5)
    throttled, fine = baseline_state(plant(0.9)), baseline_state(plant(2.0))
    states.ensure([(throttled, 1.0), (fine, 1.0)], 3)
    assert states.saturated(throttled, 1.0) and not states.saturated(fine, 1.0)


def _overloaded_line(load: str):
    """Five single-machine stations in series, exponential 1-min times, orders every 0.8 min on average:
    overloaded (the line makes at most 1 a minute, less with finite WIP), so the release norm decides
    how much work is on the floor."""
    stations = [{"name": f"s{k}"} for k in range(5)]
    routing = [{"station": f"s{k}", "time_min": exp(1.0), "planned_min": 1.0} for k in range(5)]
    product = {"name": "p", "routing": routing, "demand": {"interarrival_min": exp(0.8)}}
    release = {"policy": "workload", "norm_h": 0.1, "every_min": 0.2, "load": load}
    return build_factory(stations, [product], policies={"release": release})


def test_aggregate_load_holds_a_line_like_a_closed_network_and_corrected_load_lets_more_work_in():
    # Aggregate load: the last station counts every unit queued on the floor (1 planned min each)
    # against its 6-min norm, so between 6 and 6 + 5 (one in process per station) units are on the
    # floor: a closed tandem of K = 5 exponential stations with N units makes N / (N + K - 1) of a
    # station's rate (product form), 36/h at N = 6 and 44/h at N = 11. Corrected load counts a
    # unit's minute at the k-th station as 1/k, so the last stations' norms stop binding: more work on
    # the floor, more output from the same orders and random numbers.
    runs = compare([_overloaded_line("aggregate"), _overloaded_line("corrected")], days=1, reps=5, seed=11, warmup=480)
    wip, made = runs.results[0].kpis["wip"], runs.results[0].kpis["throughput_per_h"]
    assert wip.lo >= 6 and wip.hi <= 11, wip
    assert made.lo > 36 and made.hi < 44, made
    assert runs.delta("throughput_per_h", 1, base=0).lo > 0
    assert runs.delta("wip", 1, base=0).lo > 0


def test_corrected_load_applies_to_workload_release_only():
    product = {"name": "p", "routing": [{"station": "m", "time_min": 1.0}], "demand": {"interarrival_min": 5.0}}
    with pytest.raises(ValidationError, match="load applies to policy workload only"):
        build_factory([{"name": "m"}], [product], policies={"release": {"policy": "push", "load": "corrected"}})


def test_mes_release_lets_an_overloaded_plant_make_close_to_what_it_can():
    """Under 30 % more orders than today the advanced plant's MES release must not hold it far below its
    capacity (its saturated CONWIP run, both at regular hours): a norm on plain aggregate load did, by
    8 % (packing and the furnace, at the end of every routing, counted all the work upstream of them).

    The plant starts with new parts (as after an overhaul): the shortfall is a property of the release
    rule, and wear-out breakdowns at their long-run rate (a few repairs of hours per window, at different
    moments in the two runs) widen the paired interval beyond what 4 replications resolve (±1.9 /h).
    Since ATCS ranks furnace loads (fuller ones first) the saturated run makes ~1 % more and the
    interval in 4 replications is ±0.6-1.1 /h around a 3-5 % shortfall: 8 replications, and a bound of
    7 %, which plain aggregate load fails by far (a 17 % shortfall on today's plant, CI [-21, -14] %)."""
    from twin.kpi.capacity import saturating_variant
    from twin.plan.projection import scale_demand

    plant = load_model("precision_machining_advanced")
    new_parts = plant.policies.maintenance.model_copy(update={"parts_at_start": "new"})
    plant = plant.model_copy(
        update={"policies": plant.policies.model_copy(update={"overtime": None, "maintenance": new_parts})}
    )
    assert plant.policies.release.policy == "workload" and plant.policies.release.load == "corrected"
    runs = compare([scale_demand(plant, 1.3), saturating_variant(plant)], days=21, reps=8, seed=3, warmup=10080)
    shortfall = runs.delta("throughput_per_h", 0, base=1)
    assert -shortfall.lo < 0.07 * runs.results[1].kpis["throughput_per_h"].mean, shortfall
