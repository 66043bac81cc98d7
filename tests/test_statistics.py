"""Output analysis: the automatic warm-up, one window for compared variants, and honest intervals.

Coverage tests run many short macro-replications through ``twin.simulate`` with fixed seeds and
compare with exact values from theory: M/M/1 mean WIP, and the throughput of a stable plant
working to a calendar (all that arrives leaves).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np
import pytest
from conftest import build_factory, exp

from twin import simulate
from twin.kpi.definitions import PLANT_KPIS
from twin.plan.presets import load_model
from twin.run.experiment import OptionError, compare, feasible_range
from twin.spec import Factory

WEEK = 10080.0


def _mm1(lam: float = 0.8, mu: float = 1.0, **top) -> Factory:
    product = {"name": "p", "routing": [{"station": "m", "time_min": exp(1 / mu)}]}
    product["demand"] = {"interarrival_min": exp(1 / lam)}
    return build_factory([{"name": "m"}], [product], **top)


def _coverage(factory: Factory, kpi: str, truth: float, macro: int, **run) -> tuple[float, np.ndarray]:
    """Share of macro-replications whose 95% interval holds ``truth``, and their errors."""
    hits, errors = 0, []
    for m in range(macro):
        est = simulate(factory, seed=m, **run).kpis[kpi]
        hits += est.contains(truth)
        errors.append(est.mean - truth)
    return hits / macro, np.asarray(errors)


def _centred(errors: np.ndarray) -> bool:
    """Mean error within its 99% interval around zero: no bias the macro-replications can show."""
    return abs(errors.mean()) <= 2.58 * errors.std(ddof=1) / math.sqrt(len(errors))


def test_auto_warm_up_on_mm1_leaves_the_mean_wip_unbiased_and_the_interval_honest():
    lam, mu = 0.8, 1.0
    coverage, errors = _coverage(_mm1(lam, mu), "wip", lam / (mu - lam), 50, days=1, reps=5, warmup="auto")
    assert _centred(errors), f"mean WIP error {errors.mean():+.3f}"
    assert coverage >= 0.9, coverage


def _calendar_plant() -> Factory:
    """One machine on two 8-hour shifts, Monday to Friday; orders arrive around the clock."""
    calendar = {
        "shifts": [{"name": "early", "start": "06:00", "hours": 8}, {"name": "late", "start": "14:00", "hours": 8}],
        "days_per_week": 5,
    }
    product = {"name": "p", "routing": [{"station": "m", "time_min": exp(15)}]}
    product["demand"] = {"interarrival_min": exp(50)}
    return build_factory([{"name": "m"}], [product], calendar=calendar)


def test_auto_warm_up_on_a_calendar_plant_cuts_whole_weeks_and_covers_the_throughput():
    plant = _calendar_plant()
    coverage, errors = _coverage(plant, "throughput_per_h", 60 / 50, 40, days=21, reps=5, warmup="auto")
    assert _centred(errors), f"throughput error {errors.mean():+.4f}/h"
    assert coverage >= 0.9, coverage
    assert simulate(plant, days=21, reps=5, seed=0).warmup_min % WEEK == 0


def test_default_plant_cuts_whole_weeks_and_reads_without_warnings():
    result = simulate(load_model("precision_machining"))
    assert result.warmup_min > 0 and result.warmup_min % WEEK == 0
    assert result.warnings == []


def test_a_run_shorter_than_two_calendar_weeks_warns_that_the_warm_up_is_not_whole_weeks():
    result = simulate(_calendar_plant(), days=10, reps=3, seed=1)
    assert any("shorter than two calendar weeks" in w for w in result.warnings), result.warnings


def test_overloaded_plant_is_reported_as_not_steady_and_still_gives_results():
    product = {"name": "p", "routing": [{"station": "a", "time_min": 1}, {"station": "b", "time_min": 1}]}
    product["demand"] = {"interarrival_min": 0.5}
    plant = build_factory([{"name": "a"}, {"name": "b"}], [product])
    result = simulate(plant, days=2, reps=3, seed=1)
    assert any("WIP grows" in w for w in result.to_dict()["warnings"]), result.warnings
    assert result.kpis["wip"].mean > 0


def test_a_queue_a_fifth_above_capacity_is_reported_as_not_steady():
    assert any("WIP grows" in w for w in simulate(_mm1(1.2, 1.0), days=5, reps=5, seed=1).warnings)


@pytest.mark.parametrize("warmup", ["auto", 2000.0])
def test_stable_queue_gives_no_warning(warmup):
    assert simulate(_mm1(), days=5, reps=5, warmup=warmup, seed=3).warnings == []


def test_intervals_of_few_replications_stay_within_what_each_kpi_can_take():
    result = simulate(_mm1(0.5, 1.0), days=0.5, reps=2, warmup=0, seed=2)
    fastest = max(r.plant["effectiveness"] for r in result.replications)
    for name, est in result.kpis.items():
        low, high = feasible_range(name, PLANT_KPIS[name], fastest)
        assert est.lo is None or low <= est.lo <= est.hi <= high, (name, est)
    assert any("only 2 replications" in w for w in result.warnings)
    assert any("cut to them" in w for w in result.warnings), result.warnings


def test_a_window_shorter_than_an_hour_is_refused():
    with pytest.raises(OptionError, match="window"):
        simulate(_mm1(), days=1, reps=2, warmup=1439.99)


def test_means_say_how_many_replications_they_leave_out():
    product = {
        "name": "p",
        "routing": [{"station": "m", "time_min": exp(1)}],
        "demand": {"interarrival_min": exp(2000)},
    }
    result = simulate(build_factory([{"name": "m"}], [product]), days=1, reps=6, warmup=0, seed=4)
    lead = result.kpis["lead_time_min"]
    assert lead.n_missing > 0 and lead.n + lead.n_missing == 6
    assert any(f"lead_time_min ({lead.n_missing} of 6)" in w for w in result.warnings), result.warnings


def test_compared_variants_share_one_warm_up_and_pair_their_replications():
    slow, fast = _mm1(0.8, 1.0), _mm1(0.8, 1.25)
    both = compare([slow, fast], days=2, reps=5, seed=5)
    alone = [simulate(v, days=2, reps=5, seed=5).warmup_min for v in (slow, fast)]
    assert {r.warmup_min for r in both.results} == {max(alone)}
    diffs = [f - s for f, s in zip(both.results[1].values("wip"), both.results[0].values("wip"), strict=True)]
    delta = both.delta("wip", 1)
    assert delta.mean == pytest.approx(np.mean(diffs)) and delta.hi < 0
    assert both.delta("m.queue_len", 1).hi < 0
    assert len(both.table()) == 10
    doc = json.loads(json.dumps(both.to_dict()))
    assert len(doc["variants"]) == 2 and doc["deltas"][0]["wip"]["ci95"][1] < 0


def test_simulate_is_the_comparison_of_one_variant():
    plant = _mm1()
    assert (
        simulate(plant, days=1, reps=3, seed=6).to_dict()
        == compare([plant], days=1, reps=3, seed=6).results[0].to_dict()
    )


@dataclass
class _Fixed:
    """Variants whose every replication simulates ``plant`` while the base is another plant."""

    base: Factory
    plant: Factory

    def for_replication(self, seed: int, replication: int) -> Factory:
        return self.plant


def _crewed(shifts: int, stations: int = 1) -> Factory:
    starts = ["06:00", "14:00"][:shifts]
    calendar = {
        "shifts": [{"name": f"shift{k}", "start": s, "hours": 8} for k, s in enumerate(starts)],
        "days_per_week": 7,
    }
    names = [f"s{k}" for k in range(stations)]
    product = {"name": "p", "routing": [{"station": n, "time_min": exp(1)} for n in names]}
    product["demand"] = {"interarrival_min": exp(5)}
    operators = [{"name": "crew", "count": 1, "stations": names}]
    return build_factory(
        [{"name": n, "operators": 1} for n in names], [product], calendar=calendar, operators=operators
    )


def test_a_run_of_variants_reads_each_replication_with_its_own_calendar():
    changed = _crewed(2)
    got = simulate(_Fixed(_crewed(1), changed), days=3, reps=2, seed=7)
    want = simulate(changed, days=3, reps=2, seed=7)
    assert got.kpis["labour_productivity"] == want.kpis["labour_productivity"]


def test_a_run_of_variants_with_an_added_station_reads_the_added_station():
    added = _crewed(1, stations=2)
    got = simulate(_Fixed(_crewed(1), added), days=3, reps=2, seed=7)
    assert set(got.stations) == {"s0", "s1"}
    assert got.to_dict() == simulate(added, days=3, reps=2, seed=7).to_dict()


def test_variants_whose_replications_differ_in_structure_are_refused():
    @dataclass
    class Mixed:
        base: Factory

        def for_replication(self, seed: int, replication: int) -> Factory:
            return _crewed(1, stations=1 + replication % 2)

    with pytest.raises(ValueError, match="structure"):
        simulate(Mixed(_crewed(1)), days=1, reps=2)
