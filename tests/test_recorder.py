"""The opt-in floor recorder (twin.sim.recorder): it only reads, and what it reads is what happens.

Each case is a deterministic plant whose floor at a given minute is known by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from twin.plan.presets import load_model
from twin.sim.engine import Simulation
from twin.sim.recorder import SHOWN_STATES, Recorder, record
from twin.spec import Factory


def _plant(time_min: float = 10, **extra) -> Factory:
    """One machine, ``time_min`` per unit, an order of one unit every 20 min (the first at 20)."""
    data = {
        "name": "one",
        "stations": [{"name": "m"}],
        "products": [
            {
                "name": "p",
                "routing": [{"station": "m", "time_min": time_min}],
                "demand": {"interarrival_min": 20, "lot_size": 1},
            }
        ],
        **extra,
    }
    return Factory.model_validate(data)


def _shown(rec, frame_time: float) -> str:
    f = int(np.flatnonzero(np.isclose(rec.times, frame_time))[0])
    return SHOWN_STATES[rec.states[f, 0]]


def test_recording_leaves_the_run_unchanged():
    plant = load_model("precision_machining")
    checkpoints = [1440.0, 2880.0]
    plain = Simulation(plant, 3).run(checkpoints)
    sim = Simulation(plant, 3)
    recorder = Recorder(sim, 600.0, 2000.0, 1.0)
    recorded = sim.run(checkpoints)
    assert np.array_equal(plain, recorded)
    assert recorder.recording().states.shape == (1401, sum(s.machines for s in plant.stations))


def test_machine_produces_for_ten_minutes_of_every_twenty():
    rec = record(_plant(), seed=1, start_min=22, end_min=97, every_min=5)
    for t in rec.times:
        expected = "producing" if (t - 20) % 20 < 10 else "starved"
        assert _shown(rec, t) == expected, t
    assert rec.queues.max() == 0
    assert list(rec.finished[[0, -1]]) == [0, 4]  # units done at 30, 50, 70, 90


def test_breakdown_is_unreported_until_someone_walks_by():
    plant = _plant(
        stations=[{"name": "m", "failures": {"basis": "operating", "ttf_min": 100, "ttr_min": 50}}],
        policies={"release": {"policy": "saturated"}, "maintenance": {"walk_by_min": 30, "parts_at_start": "new"}},
    )
    # producing from 0; the machine fails after 100 producing minutes, is noticed at 130, repaired by 180
    rec = record(plant, seed=1, start_min=95, end_min=185, every_min=5)
    expected = {95: "producing", 105: "down_unreported", 125: "down_unreported", 135: "down", 175: "down"}
    for t, state in expected.items():
        assert _shown(rec, t) == state, t
    assert _shown(rec, 185) == "producing"
    assert rec.unreported.max() == 1


def test_orders_wait_in_transit_until_the_print_run():
    info = {
        "systems": ["ERP"],
        "interfaces": [{"from": "ERP", "to": "FLOOR", "mode": "batch", "every_min": 480, "latency_min": 10}],
        "flows": {"orders": ["ERP", "FLOOR"]},
    }
    rec = record(_plant(information=info), seed=1, start_min=470, end_min=500, every_min=10)
    # orders of one unit at 20, 40, ..., 460 wait for the print run at 480 and reach the floor at 490
    assert list(rec.in_transit) == [23, 24, 0, 1]
    assert list(rec.held) == [0, 0, 0, 0]


def test_conwip_backlog_counts_as_held():
    # one unit on the floor at a time, 30 min each (released at 20, 50, ...), one more order every 20 min
    plant = _plant(30, policies={"release": {"policy": "conwip", "cap": 1}})
    rec = record(plant, seed=1, start_min=0, end_min=610, every_min=610)
    assert list(rec.wip) == [0, 1]
    assert list(rec.held) == [0, 30 - 20]  # by 610: 30 orders arrived (20..600), 20 released (20..590)
    assert list(rec.in_transit) == [0, 0]


@pytest.mark.parametrize(("start", "end", "every"), [(10, 10, 1), (-1, 10, 1), (0, 10, 0), (0, 1e6, 1)])
def test_bad_windows_are_refused(start, end, every):
    with pytest.raises(ValueError, match="expected"):
        record(_plant(), seed=1, start_min=start, end_min=end, every_min=every)
