"""Load shifting under a time-of-use tariff: a part-full furnace load waits for its cheapest cycle start.

Each case has a closed-form answer: which cycles start when, what they cost, how long a unit waits.
"""

from __future__ import annotations

import random

import pytest
from conftest import build_factory

from twin import simulate
from twin.sim.calendar import WorkCalendar
from twin.sim.tariff import CycleTariff
from twin.spec.factory import Calendar, TariffPeriod

DAY = 1440.0
# valley 04:00-12:00 at 0.3 CNY/kWh, 1.0 the rest of the day
TARIFF = [
    {"start": "00:00", "price_cny_per_kwh": 1.0},
    {"start": "04:00", "price_cny_per_kwh": 0.3},
    {"start": "12:00", "price_cny_per_kwh": 1.0},
]


def _furnace_plant(hold: float | None, *, prep_min: float = 0.0, due_min: float = 10 * DAY) -> object:
    """One unit every 12 h (00:00 and 12:00) into a 10-unit furnace whose 8-h cycle draws 10 kW; loads
    never fill, so without a hold every unit gets its own cycle when it arrives."""
    batch = {"size": 10} | ({"tariff_hold_min": hold} if hold else {})
    stations = [{"name": "furnace", "batch": batch, "power_kw": {"busy": 10.0}}]
    routing = [{"station": "furnace", "time_min": {"dist": "deterministic", "value": 480}, "planned_min": 48}]
    if prep_min:
        stations.insert(0, {"name": "prep"})
        routing.insert(0, {"station": "prep", "time_min": {"dist": "deterministic", "value": prep_min}})
    product = {
        "name": "shaft",
        "routing": routing,
        "demand": {"interarrival_min": {"dist": "deterministic", "value": 720}},
        "due_allowance_min": due_min,
    }
    return build_factory(stations, [product], energy={"tariff": TARIFF})


def _run(f: object) -> object:
    return simulate(f, days=12, reps=1, warmup=2 * DAY)


def test_a_part_full_load_waits_for_the_valley_and_shares_its_cycle():
    # The 12:00 unit waits 16 h for 04:00 (an 8-h cycle there costs 8 h x 0.3; any other start costs
    # more), and the 00:00 unit joins it: one cycle a day of 2 units, 10 kW x 8 h x 0.3 / 2 = 12 CNY
    # and 40 kWh a unit; lead time 24 h for the 12:00 unit, 12 h for the 00:00 one.
    r = _run(_furnace_plant(hold=DAY))
    assert r.kpis["energy_kwh_per_unit"].mean == pytest.approx(40.0, rel=1e-9)
    assert r.kpis["cost_energy_cny"].mean == pytest.approx(12.0, rel=1e-9)
    assert r.kpis["lead_time_min"].mean == pytest.approx((1440 + 720) / 2, rel=1e-9)


def test_without_a_hold_every_unit_gets_its_own_cycle_at_its_price():
    # 00:00-08:00: 4 h at 1.0 and 4 h at 0.3 (52 CNY); 12:00-20:00 at 1.0 (80 CNY): 80 kWh and 66 CNY
    # a unit, 8 h each.
    r = _run(_furnace_plant(hold=None))
    assert r.kpis["energy_kwh_per_unit"].mean == pytest.approx(80.0, rel=1e-9)
    assert r.kpis["cost_energy_cny"].mean == pytest.approx(66.0, rel=1e-9)
    assert r.kpis["lead_time_min"].mean == pytest.approx(480.0, rel=1e-9)


def test_a_hold_shorter_than_the_way_to_the_valley_starts_at_the_cheapest_start_within_it():
    # A 6-h hold: from 12:00 every start in reach costs 80 CNY, so the earliest (at once) is taken; from
    # 00:00 it reaches 04:00, the valley's 24 CNY, for 4 h more lead time.
    r = _run(_furnace_plant(hold=360))
    assert r.kpis["energy_kwh_per_unit"].mean == pytest.approx(80.0, rel=1e-9)
    assert r.kpis["cost_energy_cny"].mean == pytest.approx((80 + 24) / 2, rel=1e-9)
    assert r.kpis["lead_time_min"].mean == pytest.approx((480 + 720) / 2, rel=1e-9)


def test_a_load_is_never_held_past_the_due_date_of_its_units():
    # Due 6 h after arrival: the 12:00 unit can wait only to 18:00, and every start until then costs 80
    # CNY, so it goes at once; the 00:00 unit still reaches the valley at 04:00 (due 06:00).
    r = _run(_furnace_plant(hold=DAY, due_min=360))
    assert r.kpis["cost_energy_cny"].mean == pytest.approx((80 + 24) / 2, rel=1e-9)
    assert r.kpis["lead_time_min"].mean == pytest.approx((480 + 720) / 2, rel=1e-9)


def test_a_load_with_a_unit_past_its_due_date_starts_at_once():
    # 10 min at prep with a 5-min due allowance: every unit reaches the furnace late, so none is held.
    held = _run(_furnace_plant(hold=DAY, prep_min=10, due_min=5))
    free = _run(_furnace_plant(hold=None, prep_min=10, due_min=5))
    assert held.kpis["cost_energy_cny"].mean == pytest.approx(free.kpis["cost_energy_cny"].mean, rel=1e-12)
    assert held.kpis["lead_time_min"].mean == pytest.approx(490.0, rel=1e-9)


def test_cheapest_start_matches_a_search_over_every_minute():
    rng = random.Random(7)
    for _ in range(200):
        starts = sorted(rng.sample(range(0, 1440, 30), rng.randint(1, 6)))
        periods = [
            TariffPeriod(start=f"{s // 60:02d}:{s % 60:02d}", price_cny_per_kwh=rng.choice([0.3, 0.7, 1.2]))
            for s in starts
        ]
        tariff = CycleTariff(periods)
        earliest = rng.randrange(0, 3 * 1440)
        latest = earliest + rng.randrange(0, 1440)
        length = rng.choice([60, 240, 480, 600])
        best = tariff.cheapest_start(earliest, latest, length)
        grid = min(tariff.cost(t, length) for t in range(earliest, latest + 1))
        assert tariff.cost(best, length) == pytest.approx(grid, abs=1e-9)
        assert earliest <= best <= latest


FURNACE_WEEK = Calendar.model_validate(
    {
        "shifts": [
            {"name": "night", "start": "00:00", "hours": 8},
            {"name": "early", "start": "08:00", "hours": 8},
            {"name": "late", "start": "16:00", "hours": 8},
        ],
        "days_per_week": 6,
        "breaks": [{"start": "12:00", "minutes": 30}, {"start": "04:00", "minutes": 30}],
    }
)
GUANGDONG = [
    TariffPeriod(start=start, price_cny_per_kwh=price)
    for start, price in (
        ("00:00", 0.258),
        ("08:00", 0.68),
        ("10:00", 1.156),
        ("12:00", 0.68),
        ("14:00", 1.156),
        ("19:00", 0.68),
    )
]


def test_cheapest_start_in_working_time_matches_a_search_over_every_working_minute():
    calendar, tariff, rng = WorkCalendar(FURNACE_WEEK), CycleTariff(GUANGDONG), random.Random(11)
    for _ in range(300):
        earliest = rng.randrange(0, 14 * 1440)
        latest = earliest + rng.randrange(0, 1440)
        length = rng.choice([240, 480])
        best = tariff.cheapest_start(earliest, latest, length, calendar)
        assert calendar.next_work(best) == best  # a cycle starts in working time
        working = [t for t in range(earliest, latest + 1) if calendar.next_work(t) == t]
        if not working:
            assert best == calendar.next_work(earliest)
            continue
        assert earliest <= best <= latest
        assert tariff.cost(best, length) <= min(tariff.cost(t, length) for t in working) + 1e-9


def test_a_load_held_late_on_saturday_starts_before_the_furnace_stops_for_sunday():
    # Saturday 20:30 with a 4-h hold: the cheapest start the furnace can make is its last instant before
    # Sunday off (00:00), the cycle then runs in the valley, not 20:30 (nor Monday, past the hold).
    saturday = 5 * 1440
    best = CycleTariff(GUANGDONG).cheapest_start(
        saturday + 20.5 * 60, saturday + 24.5 * 60, 480, WorkCalendar(FURNACE_WEEK)
    )
    assert best == pytest.approx(saturday + 1440, abs=1e-3) and best < saturday + 1440


def test_tardiness_is_the_minutes_past_due_per_finished_unit():
    # With the day-long hold the 12:00 unit ships after 24 h and the 00:00 unit after 12 h. Due 1,000
    # min after arrival, the first is 440 min late and the second on time: half on time, 220 min of
    # tardiness per unit. Without the hold every unit ships after 8 h, on time.
    held = _run(_furnace_plant(hold=DAY, due_min=1000))
    assert held.kpis["on_time_rate"].mean == pytest.approx(0.5, rel=1e-9)
    assert held.kpis["tardiness_min"].mean == pytest.approx(440 / 2, rel=1e-9)
    free = _run(_furnace_plant(hold=None, due_min=1000))
    assert free.kpis["on_time_rate"].mean == 1.0
    assert free.kpis["tardiness_min"].mean == 0.0
