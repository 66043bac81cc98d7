"""The large plants: three cells of the default plant, three SMT lines, and a catalogue that scales with them."""

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
SMT = load_model("electronics_smt")
SMT_LARGE = load_model("electronics_smt_large")
PAIRS = [(DEFAULT, LARGE), (SMT, SMT_LARGE)]
MINUTES_PER_YEAR = 365 * 24 * 60


def units_ordered_per_min(plant: Factory) -> float:
    """Units customers order per minute: each product's mean lot over its mean time between orders."""
    return sum(p.demand.lot_size / p.demand.interarrival_min.mean for p in plant.products)


def revenue_per_year(plant: Factory) -> float:
    """Revenue a year at the ordered demand (prices times units ordered)."""
    return MINUTES_PER_YEAR * sum(
        p.price_cny * p.demand.lot_size / p.demand.interarrival_min.mean for p in plant.products
    )


def excellent_set(base: str = "precision_machining") -> list[str]:
    """The investments that take a plant from basic to excellent (its advanced and excellent presets)."""
    presets = load_presets()
    return [*presets[f"{base}_advanced"].investments, *presets[f"{base}_excellent"].investments]


@pytest.mark.parametrize(("small", "large"), PAIRS, ids=["machining", "smt"])
def test_the_large_plant_is_three_times_the_small_one(small, large):
    assert sum(s.machines for s in large.stations) == 3 * sum(s.machines for s in small.stations)
    assert units_ordered_per_min(large) == pytest.approx(3 * units_ordered_per_min(small))
    kinds = {s.kind for s in small.stations}
    for kind in kinds:
        machines = [sum(s.machines for s in p.stations if s.kind == kind) for p in (small, large)]
        assert machines[1] == 3 * machines[0], kind


@pytest.mark.parametrize("large", [LARGE, SMT_LARGE], ids=["machining", "smt"])
def test_the_large_plant_runs_and_makes_what_it_is_asked_for(large):
    result = simulate(large, reps=1, days=14, warmup=7 * 1440, seed=5)
    assert all(result.stations[s.name]["oee"].mean > 0 for s in large.stations)
    # Demand-bound: good output per hour is the ordered rate less scrap, give or take one week's swings
    # in orders and WIP (lots arriving at gamma intervals, cv 0.6-0.8).
    expected = 60 * units_ordered_per_min(large) * (1 - result.kpis["scrap_rate"].mean)
    assert result.kpis["throughput_per_h"].mean == pytest.approx(expected, rel=0.2)


@pytest.mark.parametrize(("small", "large"), PAIRS, ids=["machining", "smt"])
def test_every_investment_that_fits_the_small_plant_fits_the_large_one(small, large):
    fits_small = {f.investment.id for f in fit_report(small, CATALOGUE) if f.fits}
    on_large = {f.investment.id: f for f in fit_report(large, CATALOGUE)}
    assert not {i: on_large[i].why_not for i in fits_small if not on_large[i].fits}


def test_per_machine_costs_are_larger_on_the_large_plant():
    scaled = [
        inv
        for inv in CATALOGUE.investments
        if inv.cost.per_machine_cny > 0 and costs_for(inv, DEFAULT)[0] > inv.cost.fixed_cny
    ]
    assert len(scaled) >= 10
    for inv in scaled:
        assert costs_for(inv, LARGE)[0] > costs_for(inv, DEFAULT)[0], inv.id


@pytest.mark.parametrize(("small", "large"), PAIRS, ids=["machining", "smt"])
def test_the_excellent_set_is_a_smaller_share_of_revenue_on_the_large_plant(small, large):
    investments = order_investments(CATALOGUE, excellent_set(small.name), [])
    share = {}
    for plant in (small, large):
        capex = sum(c for c, _ in priced(plant, investments))
        share[plant.name] = capex / revenue_per_year(plant)
    assert share[large.name] < share[small.name]
    assert revenue_per_year(large) == pytest.approx(3 * revenue_per_year(small))


@pytest.mark.parametrize("base", ["precision_machining", "electronics_smt"])
def test_large_presets_carry_the_small_plant_presets_investments(base):
    for tier in ("advanced", "excellent", "leading"):
        large, small = load_model(f"{base}_large_{tier}"), load_model(f"{base}_{tier}")
        assert large.investments == small.investments


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
    group hires one machinist per group, robot cells at the testers free half a tester each: three cells or
    lines free or hire three times the small plant's. The WMS frees the one storekeeper a plant has."""
    cases = (("robot_loading", [], "machinists", DEFAULT, LARGE),
             ("auto_inspection", ["mdc_all", "qms_spc"], "inspectors", DEFAULT, LARGE),
             ("vmc_added", [], "machinists", DEFAULT, LARGE),
             ("test_handling", [], "testers", SMT, SMT_LARGE),
             ("wms", ["mdc_all", "mes", "erp_mes_realtime"], "logistics", SMT, SMT_LARGE))  # fmt: skip
    for inv, before, pool, small_plant, large_plant in cases:
        change = {}
        for plant in (small_plant, large_plant):
            base = apply_investments(plant, [CATALOGUE.get(i) for i in before])
            after = apply_investments(base, [CATALOGUE.get(inv)])
            change[plant.name] = [a - b for a, b in zip(_heads(after, pool), _heads(base, pool), strict=True)]
        small, large = change[small_plant.name], change[large_plant.name]
        if pool == "logistics":  # the WMS frees the early shift's storekeeper: one per plant, not per line
            assert small == [-1, 0] and large == small, (inv, change)
        else:
            assert all(d != 0 for d in small), (inv, small)
            assert large == [3 * d for d in small], (inv, change)


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
