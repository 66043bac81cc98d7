"""Overtime a planner calls when orders are late: the calendar it opens, who works and is paid for it,
and the bad input that must be refused, each against the hours it should give."""

from __future__ import annotations

import random

import pytest
from conftest import build_factory
from typer.testing import CliRunner

from twin import simulate
from twin.cli import app
from twin.sim.calendar import OvertimeCalendar, WorkCalendar
from twin.sim.overtime import LateOrders
from twin.spec.errors import SpecError
from twin.spec.factory import Calendar, Overtime

DAY = 1440.0
RATE = 50.0


def _calendar(days: int = 7) -> Calendar:
    return Calendar(shifts=[{"name": "day", "start": "08:00", "hours": 8}], days_per_week=days)


def _overtime(**kw) -> Overtime:
    return Overtime(**({"shift": "day", "hours": 2, "when_late_units": 1} | kw))


def test_no_overtime_called_reads_as_the_base_calendar():
    spec = Calendar(
        shifts=[{"name": "early", "start": "06:00", "hours": 8}, {"name": "late", "start": "14:00", "hours": 8}],
        days_per_week=5,
        breaks=[{"start": "12:00", "minutes": 30}],
        planned_downtime=[{"day": 4, "start": "18:00", "minutes": 120}],
    )
    base, flex = WorkCalendar(spec), OvertimeCalendar(spec, _overtime(shift="late"))
    rng = random.Random(1)
    for _ in range(500):
        t0 = rng.uniform(0, 30 * DAY)
        t1 = t0 + rng.uniform(0, 9 * DAY)
        assert flex.split(t0, t1) == pytest.approx(base.split(t0, t1))
        assert flex.next_work(t0) == base.next_work(t0)
        assert flex.shift_at(t0) == base.shift_at(t0)
        assert flex.advance(t0, t1 - t0) == pytest.approx(base.advance(t0, t1 - t0))
        assert flex.shift_minutes(t0, t1) == pytest.approx(base.shift_minutes(t0, t1))


def test_called_overtime_is_working_time_of_its_shift():
    cal = OvertimeCalendar(_calendar(), _overtime())
    cal.call(DAY + 16 * 60, DAY + 18 * 60)  # Tuesday 16:00-18:00
    assert cal.split(DAY, 2 * DAY) == pytest.approx((600.0, 0.0, 840.0))
    assert cal.shift_minutes(0, 2 * DAY) == pytest.approx([1080.0])
    assert cal.advance(DAY + 15 * 60, 120) == pytest.approx(DAY + 17 * 60)  # finishes in the overtime
    assert cal.advance(DAY + 15 * 60, 240) == pytest.approx(2 * DAY + 9 * 60)  # 1 h + 2 h + 1 h next day
    assert cal.advance(15 * 60, 120) == pytest.approx(DAY + 9 * 60)  # Monday had none: waits for Tuesday
    assert cal.next_work(DAY + 17 * 60) == DAY + 17 * 60
    assert cal.next_work(DAY + 18 * 60) == 2 * DAY + 8 * 60
    assert (cal.shift_at(DAY + 17 * 60), cal.shift_at(DAY + 19 * 60)) == (0, -1)
    assert cal.overtime_minutes(DAY + 17 * 60) == pytest.approx(60.0)
    assert cal.work_end(DAY + 9 * 60) == DAY + 18 * 60  # the shift runs on into its overtime
    assert cal.work_end(9 * 60) == 16 * 60  # Monday had none
    assert cal.work_end(DAY + 20 * 60) == DAY + 20 * 60  # off-shift already


def test_work_clock_and_its_inverse_agree_with_overtime_called():
    cal = OvertimeCalendar(_calendar(days=5), _overtime(hours=3))
    rng = random.Random(2)
    for start, end in cal.slots_from(0.0):
        if start > 40 * DAY:
            break
        if rng.random() < 0.5:
            cal.call(start, end)
    last = 0.0
    for clock in sorted(rng.uniform(0, cal.work_clock(40 * DAY)) for _ in range(500)):
        t = cal.time_at_work(clock)
        assert cal.work_clock(t) == pytest.approx(clock)
        assert t >= last  # never earlier for more work
        last = t
        assert cal.shift_at(t - 1e-6) == 0  # the last minute of work before it was on shift


def test_shift_changes_follow_overtime_called_after_they_were_asked_for():
    cal = OvertimeCalendar(_calendar(), _overtime())
    changes = cal.shift_changes()
    seen = [next(changes) for _ in range(4)]  # Monday 00:00 off, 08:00 on, 16:00 (off or overtime), 18:00
    cal.call(16 * 60, 18 * 60)
    times = [t for t, _ in seen]
    assert times == [0, 8 * 60, 16 * 60, 18 * 60]
    assert [cal.shift_at(t) for t in times] == [-1, 0, 0, -1]  # read on arrival: 16:00 is now overtime


def test_late_orders_count_what_a_scan_of_open_orders_would():
    rng = random.Random(3)
    late, open_units, now = LateOrders(), [], 0.0
    for _ in range(2000):
        now += rng.expovariate(1.0)
        if rng.random() < 0.4 or not open_units:
            due = now + rng.uniform(0, 20)
            late.order(due, qty := rng.randint(1, 4))
            open_units += [due] * qty
        else:
            due = open_units.pop(rng.randrange(len(open_units)))
            late.close(due, now)
        if rng.random() < 0.1:
            assert late.late_units(now) == sum(d <= now for d in open_units)


def _plant(interarrival: float, overtime: dict | None) -> object:
    policies = {"release": {"policy": "push"}}
    if overtime is not None:
        policies["overtime"] = overtime
    return build_factory(
        [{"name": "m", "operators": 1}],
        [
            {
                "name": "p",
                "routing": [{"station": "m", "time_min": {"dist": "deterministic", "value": 10}}],
                "demand": {"interarrival_min": {"dist": "deterministic", "value": interarrival}},
                "due_allowance_min": 60,
            }
        ],
        calendar={"shifts": [{"name": "day", "start": "08:00", "hours": 8}], "days_per_week": 7},
        operators=[{"name": "crew", "count": 1, "stations": ["m"]}],
        policies=policies,
        costs={"labour_cny_per_h": RATE},
    )


def test_a_plant_behind_every_day_works_its_overtime_every_day_and_pays_the_premium():
    # Orders for 60 units a day against 48 of capacity in the 8-h shift: always behind, so 2 h of
    # overtime every day make 12 more, exactly the demand. One operator, paid 8 h + 2 h × 1.5.
    ot = {"shift": "day", "hours": 2, "when_late_units": 1, "premium": 1.5}
    r = simulate(_plant(24.0, ot), days=12, reps=2, warmup=2 * DAY, seed=1)
    k = {name: ci.mean for name, ci in r.kpis.items()}
    assert k["throughput_per_h"] == pytest.approx(60 / 24)
    assert k["overtime_share"] == pytest.approx(2 / 10)
    assert k["cost_direct_labour_cny"] == pytest.approx(RATE * (8 + 2 * 1.5) / 60)
    assert k["labour_productivity"] == pytest.approx(60 / 10)
    # 2 h every day is ≈ 61 h a month for each head of the shift: above the legal 36
    assert any("above the 36 h the law allows" in w for w in r.warnings)
    without = simulate(_plant(24.0, None), days=12, reps=2, warmup=2 * DAY, seed=1)
    assert without.kpis["throughput_per_h"].mean == pytest.approx(48 / 24)


def test_overtime_never_called_changes_nothing():
    # 24 orders a day against 48 of capacity, due an hour after they come: late only overnight, and
    # at the decision (12:00) the morning has caught up. The planner reads, never calls.
    ot = {"shift": "day", "hours": 2, "when_late_units": 20}
    a = simulate(_plant(60.0, ot), days=10, reps=2, warmup=DAY, seed=4)
    b = simulate(_plant(60.0, None), days=10, reps=2, warmup=DAY, seed=4)
    assert a.kpis["overtime_share"].mean == 0.0
    assert not any("overtime" in w for w in a.warnings)
    for name, ci in b.kpis.items():
        if name != "overtime_share":
            assert a.kpis[name].mean == pytest.approx(ci.mean, nan_ok=True), name


@pytest.mark.parametrize(
    ("overtime", "path", "expected"),
    [
        ({"shift": "night", "hours": 2, "when_late_units": 5}, "policies.overtime.shift", "a shift of the calendar"),
        ({"shift": "day", "hours": 12, "when_late_units": 5}, "policies.overtime.hours", "overtime in time off"),
        ({"shift": "day", "hours": 2, "when_late_units": 5, "days": [6]}, "policies.overtime.days[0]", "working day"),
        ({"shift": "day", "hours": -2, "when_late_units": 5}, "policies.overtime.hours", "greater than 0"),
    ],
    ids=["unknown-shift", "into-next-shift", "day-off", "negative-hours"],
)
def test_bad_overtime_is_reported_at_its_field(tmp_path, overtime, path, expected):
    import yaml

    model = tmp_path / "model.yaml"
    data = {
        "name": "cell",
        "calendar": {"shifts": [{"name": "day", "start": "08:00", "hours": 8}], "days_per_week": 6},
        "stations": [{"name": "m"}],
        "products": [
            {
                "name": "p",
                "routing": [{"station": "m", "time_min": {"dist": "exponential", "mean": 5}}],
                "demand": {"interarrival_min": {"dist": "exponential", "mean": 10}},
            }
        ],
        "policies": {"overtime": overtime},
    }
    if overtime["hours"] == 12:
        data["calendar"]["shifts"].append({"name": "late", "start": "16:00", "hours": 8})
    model.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(model)])
    assert result.exit_code == 2
    [line] = [x for x in result.output.splitlines() if x.strip()]
    assert f": {path}: found " in line and expected in line


def test_overtime_without_a_calendar_is_refused():
    with pytest.raises(SpecError, match="a calendar"):
        build_factory(
            [{"name": "m"}],
            [
                {
                    "name": "p",
                    "routing": [{"station": "m", "time_min": {"dist": "exponential", "mean": 5}}],
                    "demand": {"interarrival_min": {"dist": "exponential", "mean": 10}},
                }
            ],
            policies={"overtime": {"shift": "day", "hours": 2, "when_late_units": 5}},
        )
