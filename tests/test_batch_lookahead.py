"""Loading batch stations: look-ahead (``policies.batch_loading: lookahead``), where a part-full load waits
only while units of its product are on their way to it, never for units that are not coming; and ATCS
at a batch station, which ranks the loads it could start (BATC-II), not single units.

Each case is deterministic and has a closed-form answer: when each load starts, so each unit's lead time.
"""

from __future__ import annotations

import pytest
from conftest import build_factory

from twin import simulate

DAY = 1440.0


def _plant(loading: str, *, prep_min: float, lot: int = 4, prep_scrap: float = 0.0) -> object:
    """A lot of ``lot`` units a day through a one-machine prep station (``prep_min`` a unit) into a
    10-unit furnace (60-min cycle) that waits up to 240 min for a fuller load; loads never fill."""
    stations = [
        {"name": "prep", "quality": {"scrap": prep_scrap}},
        {"name": "furnace", "batch": {"size": 10, "wait_min": 240}},
    ]
    routing = [
        {"station": "prep", "time_min": {"dist": "deterministic", "value": prep_min}},
        {"station": "furnace", "time_min": {"dist": "deterministic", "value": 60}, "planned_min": 6},
    ]
    product = {
        "name": "shaft",
        "routing": routing,
        "demand": {"interarrival_min": {"dist": "deterministic", "value": DAY}, "lot_size": lot},
    }
    return build_factory(stations, [product], policies={"batch_loading": loading})


def _lead(f: object) -> float:
    return simulate(f, days=10, reps=1, warmup=2 * DAY).kpis["lead_time_min"].mean


def test_a_load_starts_when_the_last_unit_of_its_lot_arrives():
    # Prep finishes the 4 units at 10, 20, 30, 40 min. Waiting a fixed 240 min from the first, the load
    # starts at 250 and ends at 310; looking ahead it starts as the fourth unit arrives (nothing more is
    # on its way) and ends at 100.
    assert _lead(_plant("fixed_wait", prep_min=10)) == pytest.approx(310, rel=1e-9)
    assert _lead(_plant("lookahead", prep_min=10)) == pytest.approx(100, rel=1e-9)


def test_a_load_waits_for_units_on_their_way_but_no_longer_than_the_fixed_wait():
    # Prep finishes units at 100, 200, 300, 400. Both rules start the first load at 340 (its 240-min
    # limit; the fourth unit is still on its way) with three units, done at 400. The fourth unit then
    # waits 240 min under the fixed rule (done at 700), none looking ahead (done at 460).
    assert _lead(_plant("fixed_wait", prep_min=100)) == pytest.approx((3 * 400 + 700) / 4, rel=1e-9)
    assert _lead(_plant("lookahead", prep_min=100)) == pytest.approx((3 * 400 + 460) / 4, rel=1e-9)


def test_a_unit_scrapped_on_its_way_is_not_waited_for():
    # Half of prep's units are scrapped. Looking ahead, a load starts at the moment the lot's last unit
    # leaves prep, good or scrapped (lot start + 40 min), so every good unit is done 100 min after its
    # lot arrived; the fixed rule keeps waiting 240 min from the first good unit.
    looking = simulate(_plant("lookahead", prep_min=10, prep_scrap=0.5), days=30, reps=1, warmup=2 * DAY)
    assert looking.kpis["scrap_rate"].mean > 0.3
    assert looking.kpis["lead_time_min"].mean == pytest.approx(100, rel=1e-9)
    assert _lead(_plant("fixed_wait", prep_min=10, prep_scrap=0.5)) > 250


def _two_loads(rule: str) -> object:
    """A furnace (loads of up to 10, 60-min cycle) busy with one unit of ``c`` until t = 60; meanwhile one
    unit of ``a`` (due at 201) and ten of ``b`` (due at 206) queue. Which load goes first is the rule's."""
    cycle = {"station": "furnace", "time_min": {"dist": "deterministic", "value": 60}, "planned_min": 6}

    def product(name: str, at: float, qty: int, due: float) -> dict:
        return {
            "name": name,
            "routing": [cycle],
            "demand": {"plan": [{"at_min": at, "qty": qty}]},
            "due_allowance_min": due,
        }

    products = [product("c", 0, 1, 1000), product("a", 1, 1, 200), product("b", 1, 10, 205)]
    return build_factory([{"name": "furnace", "batch": {"size": 10}, "dispatch": rule}], products)


def test_atcs_at_a_batch_station_ranks_loads_so_a_fuller_load_goes_first_unless_clearly_more_urgent():
    # At t = 60 EDD loads the single earliest-due unit (a, done at 120) and b's ten wait a cycle (done
    # at 180): mean lead time (1 x 119 + 10 x 179) / 11. ATCS ranks the loads (BATC-II): b's ten units
    # weigh log 10 = 2.3 against a slack 5 min longer, 5 / (k1 2 x 6 min) = 0.42, so b goes first:
    # (10 x 119 + 1 x 179) / 11.
    def lead(rule: str) -> float:
        return simulate(_two_loads(rule), days=1, reps=1, warmup=0).kpis["lead_time_min"].mean

    c = 60.0  # c's own lead time, the same under both rules
    assert lead("edd") == pytest.approx((c + 119 + 10 * 179) / 12, rel=1e-9)
    assert lead("atcs") == pytest.approx((c + 10 * 119 + 179) / 12, rel=1e-9)
