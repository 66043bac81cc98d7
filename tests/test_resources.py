"""Shared resources and their semantics: operator pools, line-side stock, buffers and dispatching,
random streams per consumer, and the guard against runs that cannot end."""

from __future__ import annotations

import numpy as np
import pytest
import simpy
from conftest import build_factory, exp, saturated

from twin import load_factory, simulate
from twin.sim.operators import OperatorPool
from twin.sim.parts import Part, Route, RouteStep
from twin.sim.queues import make_queue
from twin.sim.station import LineStock
from twin.spec import RunError, SpecError, shipped_models

TWO_SHIFTS = {
    "shifts": [{"name": "early", "start": "06:00", "hours": 8}, {"name": "late", "start": "14:00", "hours": 8}],
    "days_per_week": 7,
}


# --- planned run time at batch stations (ISO 22400 PRU is per unit) -------------------------------
def test_planned_min_at_a_batch_station_is_per_unit():
    stations = [{"name": "furnace", "batch": {"size": 4}}]
    f = saturated(stations, [{"station": "furnace", "time_min": 8.0, "planned_min": 2.0}])
    r = simulate(f, days=2, reps=1, warmup=0)
    # Full batches of 4 every 8 min run exactly at the planned 2 min per unit (the batch in process at
    # the horizon is credited for the producing time it has had).
    assert r.kpis["effectiveness"].mean == pytest.approx(1.0)


@pytest.mark.parametrize("name", shipped_models())
def test_shipped_batch_steps_give_planned_min_per_unit(name):
    plant = load_factory(name)
    for product in plant.products:
        for step in product.routing:
            batch = plant.station(step.station).batch
            if batch and step.planned_min:
                per_unit = step.time_min.mean / batch.size
                assert per_unit / 2 < step.planned_min < per_unit * 2, (product.name, step.station)


# --- line-side material ---------------------------------------------------------------------------
def _batch_with_bin(bin_units: int, reorder: int) -> object:
    material = {"bin_units": bin_units, "reorder_units": reorder, "delivery_min": 30.0}
    station = {"name": "oven", "batch": {"size": 4}, "material": material}
    return saturated([station], [{"station": "oven", "time_min": 1.0}])


def test_batch_station_calls_for_material_when_the_bin_cannot_serve_the_next_batch():
    r = simulate(_batch_with_bin(10, 1), days=2, reps=1, warmup=0)
    # 10 -> 6 -> 2: two units cannot serve a batch of 4, so the call goes out then (t = 1) and the
    # bin comes 30 min later. Cycle of two deliveries: 20 units (5 batches) per 31 + 32 min.
    assert r.kpis["throughput_per_h"].mean == pytest.approx(60 * 20 / 63, rel=0.01)


def test_line_stock_serves_takers_in_order_and_calls_once_per_shortfall():
    env = simpy.Environment()
    stock = LineStock(env, bin_units=10, reorder=1, call=None, delivery=lambda: 5.0, need=4)
    assert stock.take(4) is None and stock.take(4) is None  # 10 -> 6 -> 2: too few for a batch of 4
    assert stock.calls == 1
    first, second = stock.take(4), stock.take(1)
    assert first is not None and second is not None  # the single unit waits behind the batch
    env.run(until=6)
    assert first.triggered and second.triggered
    assert stock.level == 10 + 2 - 4 - 1 and stock.calls == 1


def test_a_bin_smaller_than_the_batch_is_rejected():
    stations = [
        {"name": "oven", "batch": {"size": 4}, "material": {"bin_units": 3, "reorder_units": 1, "delivery_min": 30.0}}
    ]
    with pytest.raises(SpecError) as err:
        saturated(stations, [{"station": "oven", "time_min": 1.0}])
    [problem] = err.value.problems
    assert problem.path == "stations[0].material.bin_units"
    assert "4" in problem.expected


# --- operator pools -------------------------------------------------------------------------------
def _pool_events(capacity: int) -> tuple[simpy.Environment, OperatorPool]:
    env = simpy.Environment()
    return env, OperatorPool(env, capacity)


def test_pool_serves_a_small_request_that_a_larger_one_beyond_the_shift_capacity_blocked():
    env, pool = _pool_events(1)
    big = pool.acquire(2)
    assert big is not None
    assert pool.acquire(1) is None  # the one operator present is not left idle
    assert not big.triggered


def test_pool_holds_operators_for_a_waiting_request_the_shift_can_serve():
    env, pool = _pool_events(2)
    assert pool.acquire(1) is None
    big = pool.acquire(2)
    small = pool.acquire(1)
    assert big is not None and small is not None
    pool.release(1)  # the freed operator and the idle one go to the request that waited first
    assert big.triggered and not small.triggered
    pool.release(2)
    assert small.triggered


def test_pool_serves_equal_requests_first_come_first_served():
    env, pool = _pool_events(1)
    assert pool.acquire(1) is None
    first, second = pool.acquire(1), pool.acquire(1)
    pool.release(1)
    assert first.triggered and not second.triggered


def test_pool_shift_change_lets_busy_operators_finish():
    env, pool = _pool_events(2)
    assert pool.acquire(2) is None
    pool.set_capacity(1)  # one goes home after the job
    waiting = pool.acquire(1)
    pool.release(2)
    assert waiting.triggered
    assert pool.acquire(1) is not None  # only one is left on this shift
    pool.set_capacity(2)


def test_pool_large_request_is_served_when_a_larger_shift_comes():
    env, pool = _pool_events(1)
    big = pool.acquire(2)
    assert pool.acquire(1) is None
    pool.set_capacity(2)
    assert not big.triggered  # the second operator is held for it
    pool.release(1)
    assert big.triggered


def test_operator_is_not_idle_while_a_machine_it_could_run_waits():
    stations = [{"name": "big", "operators": 2}, {"name": "small", "operators": 1}]
    products = [
        {"name": "pb", "routing": [{"station": "big", "time_min": 1.0}]},
        {"name": "ps", "routing": [{"station": "small", "time_min": 1.0}]},
    ]
    pools = [{"name": "crew", "count_per_shift": [1, 2], "stations": ["big", "small"]}]
    f = build_factory(
        stations, products, calendar=TWO_SHIFTS, operators=pools, policies={"release": {"policy": "saturated"}}
    )
    r = simulate(f, days=7, reps=1, warmup=0)
    # Early shift: the one machinist runs 'small' all shift ('big' needs two). Late shift: both
    # stations take turns with the two machinists, so 'small' runs 12 h and 'big' 4 h of 16.
    assert r.stations["small"]["utilisation"].mean == pytest.approx(0.75, abs=0.01)
    assert r.stations["big"]["utilisation"].mean == pytest.approx(0.25, abs=0.01)


# --- random streams per consumer ------------------------------------------------------------------
def _two_lines(ttf_a: float, latency_a: float = 5.0) -> object:
    def station(name: str, ttf: float, networked: bool) -> dict:
        return {"name": name, "networked": networked, "failures": {"ttf_min": exp(ttf), "ttr_min": exp(20.0)}}

    stations = [station("a1", ttf_a, True), station("a2", 300.0, False), station("b1", 250.0, False)]
    stations[0]["material"] = {"bin_units": 40, "reorder_units": 10, "delivery_min": exp(20.0)}
    products = [
        {"name": "pa", "routing": [{"station": "a1", "time_min": exp(1.0)}, {"station": "a2", "time_min": 0.8}]},
        {"name": "pb", "routing": [{"station": "b1", "time_min": exp(1.0)}]},
    ]
    manual = {"dist": "triangular", "low": 2.0, "mode": 5.0, "high": 20.0}
    layer = {
        "systems": ["SCADA", "WMS"],
        "interfaces": [
            {"from": "FLOOR", "to": "SCADA", "mode": "realtime", "latency_min": exp(0.5), "error": 0.1},
            {"from": "SCADA", "to": "MANUAL", "mode": "realtime", "latency_min": manual, "error": 0.05},
            {"from": "FLOOR", "to": "MANUAL", "mode": "realtime", "latency_min": manual, "flow": "failure_alarm"},
            {"from": "FLOOR", "to": "WMS", "mode": "realtime", "latency_min": exp(latency_a)},
        ],
        "flows": {
            "failure_alarm": ["FLOOR", "SCADA"],
            "repair_call": ["SCADA", "MANUAL"],
            "material_call": ["FLOOR", "WMS"],
        },
    }
    maintenance = {"walk_by_min": exp(15.0), "travel_min": exp(8.0)}
    return build_factory(
        stations,
        products,
        information=layer,
        policies={"release": {"policy": "saturated"}, "maintenance": maintenance},
    )


def _station_values(result, station: str) -> np.ndarray:
    return np.array([[rep.stations[station][k] for k in sorted(rep.stations[station])] for rep in result.replications])


def test_a_change_confined_to_one_line_leaves_another_line_bit_identical():
    before = simulate(_two_lines(200.0), days=5, reps=2, warmup=0, seed=3)
    after = simulate(_two_lines(120.0), days=5, reps=2, warmup=0, seed=3)
    assert after.stations["a1"]["down_share"].mean != before.stations["a1"]["down_share"].mean
    assert np.array_equal(_station_values(after, "b1"), _station_values(before, "b1"), equal_nan=True)


def test_a_change_to_one_flow_leaves_an_unrelated_line_bit_identical():
    before = simulate(_two_lines(200.0, latency_a=5.0), days=5, reps=2, warmup=0, seed=3)
    after = simulate(_two_lines(200.0, latency_a=9.0), days=5, reps=2, warmup=0, seed=3)
    assert after.stations["a1"]["starved_share"].mean != before.stations["a1"]["starved_share"].mean
    assert np.array_equal(_station_values(after, "b1"), _station_values(before, "b1"), equal_nan=True)


def _two_products(interarrival_a: float) -> object:
    paper = {"from": "ERP", "to": "FLOOR", "mode": "manual", "latency_min": exp(30.0), "error": 0.1}
    layer = {"systems": ["ERP"], "interfaces": [paper], "flows": {"orders": ["ERP", "FLOOR"]}}
    products = [
        {
            "name": "pa",
            "routing": [{"station": "a", "time_min": exp(1.0)}],
            "demand": {"interarrival_min": exp(interarrival_a)},
        },
        {"name": "pb", "routing": [{"station": "b", "time_min": exp(1.0)}], "demand": {"interarrival_min": exp(2.0)}},
    ]
    return build_factory([{"name": "a"}, {"name": "b"}], products, information=layer)


def test_more_orders_of_one_product_leave_the_order_delays_of_another_bit_identical():
    before = simulate(_two_products(2.0), days=3, reps=2, warmup=0, seed=4)
    after = simulate(_two_products(1.5), days=3, reps=2, warmup=0, seed=4)
    assert after.stations["a"]["utilisation"].mean > before.stations["a"]["utilisation"].mean
    assert np.array_equal(_station_values(after, "b"), _station_values(before, "b"), equal_nan=True)


# --- dispatching queues ---------------------------------------------------------------------------
class _Machine:
    def __init__(self) -> None:
        self.last_route = None


def _reference_pick(items: list, rule: str, machine: _Machine, known: float | None):
    """The dispatching rules as documented, by scanning the queue."""
    visible = items if known is None or rule == "fifo" else [p for p in items if p.entered <= known]
    if not visible:  # the person at the machine keeps to the set-up's product
        return next((p for p in items if p.route is machine.last_route), items[0])
    if rule == "edd":
        return min(visible, key=lambda p: p.due)
    if rule == "spt":
        return min(visible, key=lambda p: p.route.steps[p.step].planned_min)
    if rule == "setup_avoiding":
        return next((p for p in visible if p.route is machine.last_route), visible[0])
    return visible[0]


@pytest.mark.parametrize("stale", [False, True])
@pytest.mark.parametrize("rule", ["fifo", "edd", "spt", "setup_avoiding"])
def test_dispatch_queue_picks_what_a_scan_of_the_queue_picks(rule, stale):
    rng = np.random.default_rng(5)
    routes = [Route(i, f"p{i}", [RouteStep(0, None, None, float(3 - i))], 100.0 * (i + 1), 0.0) for i in range(3)]
    clock = {"now": 0.0}
    cutoff = (lambda now: now - 5.0) if stale else None
    queue = make_queue(rule, True, cutoff, lambda: clock["now"])
    items: list[Part] = []
    machine = _Machine()
    for _ in range(3000):
        clock["now"] += float(rng.exponential(1.0))
        op = rng.random()
        if op < 0.55 or not items:
            part = Part(routes[int(rng.integers(3))], clock["now"] - float(rng.uniform(0, 300)), clock["now"])
            part.entered = clock["now"]
            if op < 0.08:
                queue.push_front(part)
                items.insert(0, part)
            else:
                queue.push(part)
                items.append(part)
        elif op < 0.93:
            known = cutoff(clock["now"]) if cutoff else None
            expected = _reference_pick(items, rule, machine, known)
            assert queue.pop_for(machine) is expected
            items.remove(expected)
            machine.last_route = expected.route
        else:
            route, limit = routes[int(rng.integers(3))], int(rng.integers(1, 5))
            expected = [p for p in items if p.route is route][:limit]
            assert queue.take_route(route, limit) == expected
            for p in expected:
                items.remove(p)
        assert len(queue) == len(items) and list(queue) == items


def test_edd_dispatch_reads_each_due_date_a_bounded_number_of_times(monkeypatch):
    """An overloaded EDD queue: a dispatch decision must not rescan the queue (it costs O(log n))."""
    reads = {"n": 0}
    slot = Part.__dict__["due"]

    class Counting:
        def __get__(self, obj, owner=None):
            if obj is None:
                return self
            reads["n"] += 1
            return slot.__get__(obj, owner)

        def __set__(self, obj, value):
            slot.__set__(obj, value)

    monkeypatch.setattr(Part, "due", Counting())
    product = {"name": "p", "routing": [{"station": "m", "time_min": 1.2}], "demand": {"interarrival_min": 1.0}}
    f = build_factory([{"name": "m"}], [product], policies={"dispatch": "edd"})
    r = simulate(f, days=2, reps=1, warmup=0)
    assert r.kpis["wip"].mean > 200  # the queue grows to hundreds of units
    assert reads["n"] < 5 * 2 * 1440  # a few reads per unit, not one per queued unit and decision


# --- runs that cannot end ---------------------------------------------------------------------------
def test_a_step_of_a_billionth_of_a_minute_under_saturated_release_stops_with_its_field_named():
    f = saturated([{"name": "m"}], [{"station": "m", "time_min": 1e-9}])
    with pytest.raises(RunError, match=r"^products\[0\]\.routing\[0\]\.time_min: about [\d,]+ units at station 'm'"):
        simulate(f, days=1, reps=1, warmup=0)


def test_an_order_every_hundred_thousandth_of_a_minute_stops_with_its_field_named():
    product = {"name": "p", "routing": [{"station": "m", "time_min": 1.0}], "demand": {"interarrival_min": 1e-5}}
    with pytest.raises(RunError, match=r"^products\[0\]\.demand\.interarrival_min: about [\d,]+ orders per simulated"):
        simulate(build_factory([{"name": "m"}], [product]), days=1, reps=1, warmup=0)


def test_an_interface_that_loses_nearly_every_message_stops_with_its_field_named():
    lossy = {"from": "ERP", "to": "FLOOR", "mode": "realtime", "latency_min": 0.1, "error": 0.999999}
    layer = {"systems": ["ERP"], "interfaces": [lossy], "flows": {"orders": ["ERP", "FLOOR"]}}
    product = {"name": "p", "routing": [{"station": "m", "time_min": 1.0}], "demand": {"interarrival_min": 10.0}}
    with pytest.raises(RunError, match=r"^information\.interfaces\[0\]\.error: 0\.999999 means about 1,000,000"):
        simulate(build_factory([{"name": "m"}], [product], information=layer), days=1, reps=1, warmup=0)
