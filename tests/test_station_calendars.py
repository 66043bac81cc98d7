"""Stations on their own calendar, processing that may not pause, robot cells that work through
breaks, and headcount changes of investments: each against the working time it should give."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import build_factory, exp, saturated

from twin import simulate
from twin.plan.investments import apply_investments
from twin.spec.investment import Investment

DAY = 1440.0


def _shifts(*starts: str, breaks: tuple[tuple[str, float], ...] = (), days: int = 7) -> dict:
    return {
        "shifts": [{"name": f"s{i}", "start": s, "hours": 8} for i, s in enumerate(starts)],
        "days_per_week": days,
        "breaks": [{"start": b, "minutes": m} for b, m in breaks],
    }


def _fixed(minutes: float) -> dict:
    return {"dist": "deterministic", "value": minutes}


def test_three_shift_furnace_on_a_two_shift_plant_works_through_the_night():
    station = {"name": "furnace", "operators": 1, "calendar": _shifts("06:00", "14:00", "22:00")}
    f = saturated(
        [station],
        [{"station": "furnace", "time_min": exp(60.0)}],
        calendar=_shifts("06:00", "14:00"),
        operators=[{"name": "crew", "count": 1, "stations": ["furnace"]}],
    )
    r = simulate(f, days=30, reps=8, warmup=2 * DAY, seed=3)
    rate = r.kpis["throughput_per_h"]
    assert rate.contains(1.0) and rate.half_width < 0.05  # one unit per hour round the clock, not 16 of 24 h
    paid_per_h = r.kpis["throughput_per_h"].mean / r.kpis["labour_productivity"].mean
    assert abs(paid_per_h - 1.0) < 1e-6  # the furnace crew is paid for the furnace's three shifts


def _one_station(
    minutes: float, breaks: tuple[tuple[str, float], ...], energy: dict | None = None, **station
) -> object:
    return saturated(
        [{"name": "m", **station}],
        [{"station": "m", "time_min": _fixed(minutes)}],
        calendar=_shifts("08:00", breaks=breaks),
        **({"energy": energy} if energy else {}),
    )


def test_non_interruptible_batch_started_before_a_break_finishes_without_pausing():
    # 08:00-12:00, then 12:00-16:00 straight through the 12:00-13:00 break: two cycles a day.
    # Paused over the break the second cycle would end at 17:00, after the shift: 7/4 cycles a day.
    stiff = simulate(_one_station(240, (("12:00", 60),), non_interruptible=True), days=10, reps=2, warmup=2 * DAY)
    soft = simulate(_one_station(240, (("12:00", 60),)), days=10, reps=2, warmup=2 * DAY)
    assert abs(stiff.kpis["throughput_per_h"].mean - 2 / 24) < 1e-9
    assert abs(soft.kpis["throughput_per_h"].mean - 1.75 / 24) < 1e-3
    # the hour it ran through the break is producing time inside planned busy time: never above 100 %
    assert abs(stiff.stations["m"]["availability"].mean - 1.0) < 1e-9


def test_non_interruptible_batch_does_not_start_off_shift():
    # 08:00-13:00 and 13:00-18:00 (past the shift end); the next cycle waits for 08:00, so two a day,
    # not the 4.8 of a furnace that kept starting cycles through the night.
    r = simulate(_one_station(300, (), non_interruptible=True), days=10, reps=2, warmup=2 * DAY)
    assert abs(r.kpis["throughput_per_h"].mean - 2 / 24) < 1e-9


def test_robot_cell_running_through_breaks_gains_the_break_share_of_capacity():
    breaks = (("12:00", 30), ("20:00", 30))

    def cell(through: bool) -> object:
        return saturated(
            [{"name": "cell", "runs_through_breaks": through}],
            [{"station": "cell", "time_min": exp(10.0)}],
            calendar=_shifts("08:00", "16:00", breaks=breaks),
        )

    robot = simulate(cell(True), days=30, reps=8, warmup=2 * DAY, seed=5).kpis["throughput_per_h"]
    manned = simulate(cell(False), days=30, reps=8, warmup=2 * DAY, seed=5).kpis["throughput_per_h"]
    assert robot.contains(960 / 10 / 24) and robot.half_width < 0.1  # 16 h a day at one unit per 10 min
    assert manned.contains(900 / 10 / 24) and manned.half_width < 0.1  # 16 h less the two breaks
    assert robot.lo > manned.hi


def test_headcount_delta_changes_paid_hours_and_labour_productivity_by_the_people_removed():
    f = build_factory(
        [{"name": "m", "operators": 1}],
        [{"name": "p", "routing": [{"station": "m", "time_min": exp(5.0)}], "demand": {"interarrival_min": exp(10.0)}}],
        calendar=_shifts("08:00", "16:00"),
        operators=[
            {"name": "crew", "count_per_shift": [3, 2], "stations": ["m"]},
            {"name": "office", "kind": "indirect", "count": 2},
        ],
    )
    inv = Investment.model_validate(
        {
            "id": "lean",
            "name_en": "lean",
            "name_zh": "精益",
            "category": "people",
            "scenario": "数智精益管理",
            "tier": "basic",
            "cost": {},
            "tax_class": "expensed",
            "headcount_delta": {"crew": [-1, -1], "office": -1},
            "effect_source": "test",
        }
    )
    after = apply_investments(f, [inv])
    assert [p.count_per_shift or p.count for p in after.operators] == [[2, 1], 1]
    before_r = simulate(f, days=10, reps=2, warmup=DAY, seed=2)
    after_r = simulate(after, days=10, reps=2, warmup=DAY, seed=2)
    # paid heads per calendar hour: (3·8 + 2·8)/24 + 2·16/24 = 3 before, (2·8 + 1·8)/24 + 16/24 = 5/3 after
    for r, heads in ((before_r, 3.0), (after_r, 5 / 3)):
        assert abs(r.kpis["throughput_per_h"].mean / r.kpis["labour_productivity"].mean - heads) < 1e-6
    ratio = after_r.kpis["labour_productivity"].mean / before_r.kpis["labour_productivity"].mean
    assert abs(ratio - 3.0 / (5 / 3)) < 1e-6  # same output (common random numbers), fewer paid hours


def test_a_cycle_running_past_the_shift_end_draws_and_pays_busy_power_to_its_end():
    # 08:00-13:00 and 13:00-18:00 at 10 kW: 50 kWh a unit, the two hours after 16:00 included,
    # priced on the time-of-use curve like any busy minute (one flat period here: 1 CNY/kWh).
    tariff = {"tariff": [{"start": "00:00", "price_cny_per_kwh": 1.0}]}
    f = _one_station(300, (), tariff, non_interruptible=True, power_kw={"busy": 10.0})
    r = simulate(f, days=10, reps=2, warmup=2 * DAY)
    assert abs(r.kpis["energy_kwh_per_unit"].mean - 50.0) < 1e-6
    assert abs(r.kpis["unit_cost_cny"].mean - 50.0) < 1e-6


def test_a_crew_on_one_shift_around_the_clock_does_not_hang_the_run():
    # One 24-h shift seven days a week: the covering shift never changes after time 0. The shift-change
    # generator once looked for the next change forever, so the run hung at time 0; run it in a child
    # process so that a relapse fails here instead of stalling the suite.
    code = (
        "from conftest import saturated\n"
        "from twin import simulate\n"
        "f = saturated([{'name': 'm', 'operators': 1}], [{'station': 'm', 'time_min': 1.0}],\n"
        "    calendar={'shifts': [{'name': 'all', 'start': '00:00', 'hours': 24}], 'days_per_week': 7},\n"
        "    operators=[{'name': 'crew', 'count_per_shift': [1], 'stations': ['m']}])\n"
        "print(simulate(f, days=3, reps=1, warmup=0).kpis['throughput_per_h'].mean)\n"
    )
    tests = str(Path(__file__).parent)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tests)
    assert done.returncode == 0, done.stderr
    assert float(done.stdout) == pytest.approx(60.0, rel=1e-3)  # a unit a minute, every minute of the day
