"""Yearly projection of upgrade paths: phase-in, hand-computed cash flows, capacity crossing, cache, CRN."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import build_factory
from scipy import stats

from twin.economics.assumptions import load_finance
from twin.economics.projection import Purchase, StageMoney, path_money, phase_in_share
from twin.plan.compare import compare_paths
from twin.plan.projection import scale_demand
from twin.plan.study import PathStudy
from twin.spec.finance import Assumption
from twin.spec.investment import Catalogue
from twin.spec.path import UpgradePath

PRICE, MATERIAL = 10.0, 1.0
DEMAND_PER_H = 30.0
CAPACITY_PER_H = 60.0  # one machine, 1 min per unit, no failures, no calendar


def finance(**values: float):
    """Shipped finance with the given values (ranges widened to hold them) and no escalation."""
    f = load_finance()
    flat = {"price_erosion": 0.0, "wage_escalation": 0.0, "energy_price_escalation": 0.0, **values}
    update = {}
    for name, v in flat.items():
        if name == "horizon_years":
            update[name] = int(v)
            continue
        a = getattr(f, name)
        update[name] = Assumption(value=v, low=min(a.low, v), high=max(a.high, v), source="test")
    return f.model_copy(update=update)


def test_phase_in_is_the_mean_of_a_linear_ramp_over_each_year():
    assert phase_in_share(0, 0) == 1.0
    assert phase_in_share(6, 0) == pytest.approx(0.75)  # half the effect for 6 months, full for 6
    assert phase_in_share(12, 0) == pytest.approx(0.5) and phase_in_share(12, 1) == 1.0
    assert phase_in_share(18, 0) == pytest.approx(1 / 3)  # ∫0^12 t/18 dt / 12
    assert phase_in_share(18, 1) == pytest.approx(11 / 12)  # (∫12^18 t/18 dt + 6) / 12
    assert phase_in_share(6, -1) == 0.0


def test_path_money_matches_a_hand_computed_case():
    """One stage in year 0: saves 200/yr of material, costs 100/yr opex and 50 of lost margin in year 0;
    capex 1000 with a 5-year life for tax and use, bought again in year 5, two years left at the end of
    a 6-year horizon (years 0..6)."""
    f = finance(horizon_years=6, income_tax_rate=0.25)
    base = {"revenue": 0.0, "material": 500.0}
    after = {"revenue": 0.0, "material": 300.0}
    full = {k: 0.0 for k in ("direct_labour", "indirect_labour", "energy", "maintenance", "overhead", "escapes",
                             "inventory_carrying")}  # fmt: skip
    lines = [[{**full, **base}] * 7, [{**full, **after}] * 7]
    stage = StageMoney(0, 0.0, 50.0, (Purchase("x", 1000.0, 100.0, 5, 5),))
    money = path_money(lines, [stage], f)
    operating = np.array([50, 100, 100, 100, 100, 100, 100.0])
    np.testing.assert_allclose(money.operating, operating)
    np.testing.assert_allclose(money.flows.capex, [1000, 0, 0, 0, 0, 1000, 0])
    np.testing.assert_allclose(money.flows.depreciation, [0, 200, 200, 200, 200, 200, 200])
    residual = 1000 * (5 + 5 - 7) / 5  # the second machine serves years 5..9; years 7..9 are left
    assert money.residual[-1] == pytest.approx(residual)
    book = 1000 - 200  # tax book value of the second machine after one year of depreciation
    tax = 0.25 * (operating - money.flows.depreciation)
    tax[-1] += 0.25 * (residual - book)
    np.testing.assert_allclose(money.flows.tax, tax)
    net = operating - money.flows.capex - tax
    net[-1] += residual
    np.testing.assert_allclose(money.flows.net_without_awards, net)


def test_cost_factor_scales_capex_and_opex():
    f = finance(horizon_years=3)
    zero = {k: 0.0 for k in ("revenue", "material", "direct_labour", "indirect_labour", "energy", "maintenance",
                             "overhead", "escapes", "inventory_carrying")}  # fmt: skip
    stage = StageMoney(1, 0.0, 0.0, (Purchase("x", 1000.0, 100.0, 10, 10),))
    a = path_money([[zero] * 4] * 2, [stage], f)
    b = path_money([[zero] * 4] * 2, [stage], f, cost_factor=1.3)
    np.testing.assert_allclose(b.flows.capex, 1.3 * a.flows.capex)
    np.testing.assert_allclose(b.opex, 1.3 * a.opex)
    assert a.opex[0] == 0 and a.opex[1] == 100  # opex from the year of purchase


# --- a plant small enough to know its answers ------------------------------------------------------


def tiny_plant():
    return build_factory(
        [{"name": "cell"}],
        [
            {
                "name": "part",
                "routing": [{"station": "cell", "time_min": 1.0}],
                "demand": {"interarrival_min": {"dist": "exponential", "mean": 60 / DEMAND_PER_H}},
                "price_cny": PRICE,
                "material_cost_cny": MATERIAL,
            }
        ],
        name="tiny",
    )


CATALOGUE = Catalogue.model_validate(
    {
        "investments": [
            {
                "id": "faster_spindle",
                "name_en": "Faster spindle",
                "name_zh": "高速主轴",
                "category": "equipment",
                "scenario": "制造工程优化",
                "tier": "basic",
                "cost": {"fixed_cny": 100000},
                "tax_class": "machinery",
                "source": "test",
                "effect_source": "test",
                "patch": [
                    {
                        "op": "scale",
                        "path": "products[part].routing[0].time_min",
                        "factor": {"dist": "triangular", "low": 0.4, "mode": 0.5, "high": 0.6},
                    }
                ],
            },
            {
                "id": "second_cell",
                "name_en": "Second cell",
                "name_zh": "第二单元",
                "category": "equipment",
                "scenario": "制造工程优化",
                "tier": "basic",
                "cost": {"fixed_cny": 300000},
                "tax_class": "machinery",
                "source": "test",
                "effect_source": "test",
                "patch": [{"op": "add", "path": "stations[cell].machines", "value": 1}],
            },
        ]
    }
)


def path(name: str, *stages: tuple[int, list[str]]) -> UpgradePath:
    return UpgradePath.model_validate(
        {
            "name": name,
            "name_en": name,
            "name_zh": name,
            "source": "test",
            "stages": [{"year": y, "investments": ids} for y, ids in stages],
        }
    )


def tiny_study(paths, growth: float, horizon: int, jobs: int = 1) -> PathStudy:
    return PathStudy(tiny_plant(), paths, finance(demand_growth=growth, horizon_years=horizon), CATALOGUE,
                     days=4.0, warmup_min=1440.0, seed=3, jobs=jobs)  # fmt: skip


def test_scale_demand_divides_interarrival_times():
    scaled = scale_demand(tiny_plant(), 2.0)
    assert scaled.products[0].demand.interarrival_min.mean == pytest.approx(60 / DEMAND_PER_H / 2)


def test_sales_are_demand_until_it_crosses_capacity_then_capacity():
    """Demand 30/h growing 25 %/yr meets a 60/h machine between year 3 (58.6/h) and year 4 (73.2/h). Doing
    nothing sells the demand, then the capacity; a faster machine bought in year 2 sells the demand
    throughout, so the increment is nil before the crossing and the lost sales after it."""
    study = tiny_study([path("fast", (2, ["faster_spindle"]))], growth=0.25, horizon=4)
    study.ensure(4)
    demand = [DEMAND_PER_H * 1.25**y for y in range(5)]
    for rep in range(4):
        lines = study.state_lines(study.baseline, rep, study.finance)
        sold = [line["revenue"] / PRICE / 8760 for line in lines]
        for y in (0, 1):
            assert sold[y] == pytest.approx(demand[y], rel=0.06)
        assert sold[4] == pytest.approx(CAPACITY_PER_H, rel=0.03)  # saturated: the machine's 60/h
    money = [study.money(0, r) for r in range(4)]
    extra = np.mean([m.lines["revenue"] for m in money], axis=0) / PRICE / 8760
    assert abs(extra[2]) < 0.06 * demand[2]  # same demand served either way
    assert extra[4] == pytest.approx(demand[4] - CAPACITY_PER_H, rel=0.25)


def test_each_state_and_level_is_simulated_once_across_paths():
    paths = [path("a", (0, ["faster_spindle"])), path("b", (0, ["faster_spindle"]), (1, ["second_cell"]))]
    study = tiny_study(paths, growth=0.0, horizon=3)
    study.ensure(3)
    # baseline, +faster_spindle (shared by both paths), +faster_spindle+second_cell; one level (flat demand)
    assert study.runs.simulated == 3 * 3
    study.ensure(3)
    assert study.runs.simulated == 3 * 3  # cached
    study.ensure(5, plans=[0])
    assert study.runs.simulated == 3 * 3 + 2 * 2  # two more replications of the baseline and path a's state


def test_levels_a_state_cannot_keep_up_with_share_one_capacity_run():
    """75/h and 82.5/h of demand are both beyond the 60/h machine: it sells its capacity whatever the
    demand, so both levels read one saturated run instead of one each."""
    study = tiny_study([path("fast", (0, ["faster_spindle"]))], growth=0.0, horizon=1)
    runs, base = study.runs, study.baseline
    runs.ensure([(base, 1.0), (base, 2.5), (base, 2.75)], 3)
    assert runs.simulated == 3 * 2  # today's load, and one capacity run for both levels
    assert runs.saturated(base, 2.5) and runs.saturated(base, 2.75)
    assert runs.kpis(base, 2.5) == runs.kpis(base, 2.75)
    for rep in runs.kpis(base, 2.5):
        assert rep["throughput_per_h"] == pytest.approx(CAPACITY_PER_H, rel=0.03)
    runs.ensure([(base, 2.5), (base, 2.75)], 5)
    assert runs.simulated == 3 * 2 + 2  # two more replications of the one capacity run


def test_compare_is_paired_reproducible_and_the_same_in_a_process_pool():
    paths = [path("a", (0, ["faster_spindle"])), path("b", (1, ["second_cell"]))]
    serial = compare_paths(tiny_study(paths, 0.0, 3), reps=4, max_reps=4, with_tornado=False)
    pooled = compare_paths(tiny_study(paths, 0.0, 3, jobs=2), reps=4, max_reps=4, with_tornado=False)
    assert json.dumps(serial) == json.dumps(pooled)
    # common random numbers: each stage's paired difference to the baseline is far tighter than the
    # difference of two independent means would be (same orders arrive in both)
    study = tiny_study(paths, 0.0, 3)
    study.ensure(4)
    base = [k["lead_time_min"] for k in study.runs.kpis(study.baseline, 1.0)]
    fast = [k["lead_time_min"] for k in study.runs.kpis(study.plans[0].states[0], 1.0)]
    paired = np.std(np.subtract(fast, base), ddof=1) / 2
    unpaired = np.sqrt(np.var(fast, ddof=1) / 4 + np.var(base, ddof=1) / 4)
    assert paired < unpaired
    assert stats.pearsonr(base, fast)[0] > 0


def test_compare_document_has_every_part_the_outputs_read():
    paths = [path("a", (0, ["faster_spindle"])), path("b", (1, ["second_cell"]))]
    doc = compare_paths(tiny_study(paths, 0.0, 3), reps=3, max_reps=3)
    assert set(doc) >= {"model", "seed", "baseline", "paths", "best_path", "selection", "tornado", "assumptions"}
    a = doc["paths"]["a"]
    assert set(a) >= {"stages", "tier_timeline", "npv_cny", "irr", "payback_years", "p_npv_positive", "cash_flows"}
    assert len(a["cash_flows"]) == 4 and len(a["tier_timeline"]) == 4
    assert a["stages"][0]["delta_vs_baseline"]["lead_time_min"]["mean"] < 0  # a faster machine: shorter waits
    # at flat demand a machine that is idle half the time gains nothing worth 100k CNY: both lose money
    assert a["npv_cny"]["mean"] < 0 and doc["paths"]["b"]["npv_cny"]["mean"] < 0
    assert doc["best_path"] == "a"  # the cheaper loss
    rows = {t["assumption"]: t for t in doc["tornado"]}
    assert set(rows) >= {"discount_rate", "investment_cost_factor", "cost:faster_spindle"}
    assert rows["cost:faster_spindle"]["npv_high"] < rows["cost:faster_spindle"]["npv_low"]  # dearer, worse


def test_tornado_demand_growth_values_the_capacity_a_path_buys():
    """With demand growing 10 %/yr the 60/h machine runs out of capacity in year 8; the faster spindle then
    keeps selling, so its NPV is higher at high growth than at low (where it only shortens waits)."""
    from twin.plan.compare import MONEY_ONLY, tornado

    study = tiny_study([path("fast", (0, ["faster_spindle"]))], growth=0.0, horizon=10)
    growth = study.finance.demand_growth.model_copy(update={"low": -0.05, "high": 0.10})
    study.finance = study.finance.model_copy(update={"demand_growth": growth})
    study.ensure(3)
    rows = {r["assumption"]: r for r in tornado(study, 0, 3, (*MONEY_ONLY, "demand_growth"), demand_reps=3)}
    demand = rows["demand_growth"]
    assert demand["npv_high"] > demand["npv_low"] + 100_000


def test_effect_rows_fix_an_investments_effect_at_its_percentiles():
    from twin.plan.compare import MONEY_ONLY, tornado
    from twin.plan.investments import quantile

    study = tiny_study([path("fast", (0, ["faster_spindle"]))], growth=0.0, horizon=3)
    study.ensure(3)
    before = study.runs.simulated
    rows = {r["assumption"]: r for r in tornado(study, 0, 3, MONEY_ONLY, effects=True)}
    assert "effect:faster_spindle" in rows
    assert study.runs.simulated == before + 2 * 3  # the one state, at each end, three replications
    factor = CATALOGUE.get("faster_spindle").patch[0].factor
    assert quantile(factor, 0.05) == pytest.approx(0.4 + (0.05 * 0.2 * 0.1) ** 0.5, abs=0.003)  # F(x) = 0.05
    fixed = study.effect_states(0, "faster_spindle", 0.05)[0].model.for_replication(3, 0)
    assert fixed.products[0].routing[0].time_min.value == pytest.approx(quantile(factor, 0.05))
