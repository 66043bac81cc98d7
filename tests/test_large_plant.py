"""The large machining plant: three cells of the default plant's machines, and a catalogue that scales with it."""

from __future__ import annotations

import pytest

from twin import simulate
from twin.plan.investments import apply_investments, fit_report, load_catalogue, order_investments, priced
from twin.plan.presets import data_dir, load_model, load_presets
from twin.spec import Factory
from twin.spec.investment import costs_for

CATALOGUE = load_catalogue()
DEFAULT = load_model("precision_machining")
LARGE = load_model("precision_machining_large")
MINUTES_PER_YEAR = 365 * 24 * 60


def units_ordered_per_min(plant: Factory) -> float:
    """Units customers order per minute: each product's mean lot over its mean time between orders."""
    return sum(p.demand.lot_size / p.demand.interarrival_min.mean for p in plant.products)


def revenue_per_year(plant: Factory) -> float:
    """Revenue a year at the ordered demand (prices times units ordered)."""
    return MINUTES_PER_YEAR * sum(
        p.price_cny * p.demand.lot_size / p.demand.interarrival_min.mean for p in plant.products
    )


def excellent_set() -> list[str]:
    """The investments that take the default plant from basic to excellent (its advanced and excellent presets)."""
    presets = load_presets()
    return [*presets["precision_machining_advanced"].investments, *presets["precision_machining_excellent"].investments]


def test_the_large_plant_is_three_times_the_default_plant():
    assert sum(s.machines for s in LARGE.stations) == 3 * sum(s.machines for s in DEFAULT.stations)
    assert units_ordered_per_min(LARGE) == pytest.approx(3 * units_ordered_per_min(DEFAULT))
    kinds = {s.kind for s in DEFAULT.stations}
    for kind in kinds:
        machines = [sum(s.machines for s in p.stations if s.kind == kind) for p in (DEFAULT, LARGE)]
        assert machines[1] == 3 * machines[0], kind


def test_the_large_plant_runs_and_makes_what_it_is_asked_for():
    result = simulate(LARGE, reps=1, days=14, warmup=7 * 1440, seed=5)
    assert all(result.stations[s.name]["oee"].mean > 0 for s in LARGE.stations)
    # Demand-bound: good output per hour is the ordered rate less scrap, give or take one week's swings
    # in orders and WIP (lots of 40-80 arriving at gamma intervals, cv 0.8).
    expected = 60 * units_ordered_per_min(LARGE) * (1 - result.kpis["scrap_rate"].mean)
    assert result.kpis["throughput_per_h"].mean == pytest.approx(expected, rel=0.2)


def test_every_investment_that_fits_the_default_plant_fits_the_large_one():
    fits_default = {f.investment.id for f in fit_report(DEFAULT, CATALOGUE) if f.fits}
    large = {f.investment.id: f for f in fit_report(LARGE, CATALOGUE)}
    assert not {i: large[i].why_not for i in fits_default if not large[i].fits}


def test_per_machine_costs_are_larger_on_the_large_plant():
    scaled = [
        inv
        for inv in CATALOGUE.investments
        if inv.cost.per_machine_cny > 0 and costs_for(inv, DEFAULT)[0] > inv.cost.fixed_cny
    ]
    assert len(scaled) >= 10
    for inv in scaled:
        assert costs_for(inv, LARGE)[0] > costs_for(inv, DEFAULT)[0], inv.id


def test_the_excellent_set_is_a_smaller_share_of_revenue_on_the_large_plant():
    investments = order_investments(CATALOGUE, excellent_set(), [])
    share = {}
    for plant in (DEFAULT, LARGE):
        capex = sum(c for c, _ in priced(plant, investments))
        share[plant.name] = capex / revenue_per_year(plant)
    assert share["precision_machining_large"] < share["precision_machining"]
    assert revenue_per_year(LARGE) == pytest.approx(3 * revenue_per_year(DEFAULT))


def test_large_presets_carry_the_default_plant_presets_investments():
    for tier in ("advanced", "excellent"):
        large, default = load_model(f"precision_machining_large_{tier}"), load_model(f"precision_machining_{tier}")
        assert large.investments == default.investments


def test_a_third_shift_keeps_the_large_plants_crews_and_staffs_the_night_like_the_late_shift():
    after = apply_investments(LARGE, [CATALOGUE.get("third_shift")])
    before = next(p for p in LARGE.operators if p.name == "machinists").count_per_shift
    machinists = next(p for p in after.operators if p.name == "machinists").count_per_shift
    assert machinists == [*before, before[-1]]


def _heads(plant, pool: str) -> list[int]:
    p = next(p for p in plant.operators if p.name == pool)
    return p.count_per_shift if p.count_per_shift is not None else [p.count]


def test_people_freed_or_hired_per_machine_scale_with_the_plant():
    """Robot loading frees people per cell, automated gauging per bench replaced, a VMC added to each milling
    group hires one machinist per group: three cells free or hire three times the default plant's."""
    cases = (("robot_loading", [], "machinists"), ("auto_inspection", ["mdc_all", "qms_spc"], "inspectors"),
             ("vmc_added", [], "machinists"))  # fmt: skip
    for inv, before, pool in cases:
        change = {}
        for plant in (DEFAULT, LARGE):
            base = apply_investments(plant, [CATALOGUE.get(i) for i in before])
            after = apply_investments(base, [CATALOGUE.get(inv)])
            change[plant.name] = [a - b for a, b in zip(_heads(after, pool), _heads(base, pool), strict=True)]
        default, large = change["precision_machining"], change["precision_machining_large"]
        assert all(d != 0 for d in default), (inv, default)
        assert large == [3 * d for d in default], (inv, change)


def test_a_third_shift_costs_more_on_the_larger_plant():
    third = CATALOGUE.get("third_shift")
    assert costs_for(third, LARGE)[1] > 2.5 * costs_for(third, DEFAULT)[1]


def test_a_headcount_per_unit_with_both_rates_is_one_line_naming_the_field(tmp_path):
    from twin.spec import SpecError

    text = tmp_path / "c.yaml"
    source = (data_dir("scenarios") / "investments.yaml").read_text(encoding="utf-8")
    bad = source.replace('{per_machine: -0.6, scope: "kind=cnc_milling"}',
                         '{per_machine: -0.6, per_station: 1, scope: "kind=cnc_milling"}')  # fmt: skip
    assert bad != source
    text.write_text(bad, encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_catalogue(text)
    [problem] = caught.value.problems
    assert "headcount_delta.machinists" in str(problem) and "per_machine or per_station" in str(problem)
