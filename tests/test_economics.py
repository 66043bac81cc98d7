"""Cash flows, tax, NPV, IRR and payback against hand-computed cases; finance assumptions load with sources."""

from __future__ import annotations

import math

import numpy as np
import pytest

from twin.economics import (
    discounted_payback,
    irr,
    load_finance,
    npv,
    project_cash_flows,
    straight_line_depreciation,
    summarise,
)
from twin.spec import SpecError


def test_npv_discounts_year_k_by_one_plus_rate_to_the_k():
    # -100 now, +60 at the end of years 1 and 2, at 8 %: -100 + 60/1.08 + 60/1.1664
    assert npv(0.08, [-100, 60, 60]) == pytest.approx(-100 + 55.5555556 + 51.4403292, abs=1e-6)


def test_irr_is_the_rate_where_npv_is_zero():
    flows = [-1000, 300, 400, 500]
    rate = irr(flows)
    assert rate == pytest.approx(0.0889633947, abs=1e-8)
    assert npv(rate, flows) == pytest.approx(0.0, abs=1e-6)


def test_irr_is_none_without_a_sign_change():
    assert irr([100, 50, 20]) is None
    assert irr([-100, -5, 0]) is None


def test_payback_is_interpolated_within_the_year_it_happens():
    # undiscounted: -100, +40, +40, +40 -> cumulative -60, -20, +20: pays back half-way through year 3
    assert discounted_payback(0.0, [-100, 40, 40, 40]) == pytest.approx(2.5)
    # discounted at 10 %: 36.36, 33.06, 30.05, 27.32 -> cumulative -63.64, -30.58, -0.53, 26.79
    expected = 3 + 0.52592 / 27.32054
    assert discounted_payback(0.10, [-100, 40, 40, 40, 40]) == pytest.approx(expected, rel=1e-4)


def test_payback_not_within_horizon_is_none_and_free_money_pays_back_at_once():
    assert discounted_payback(0.08, [-100, 10, 10, 10]) is None
    assert discounted_payback(0.08, [0, 10, 10]) == 0.0


def test_straight_line_depreciation_starts_the_year_after_purchase_and_ends_with_a_partial_year():
    dep = straight_line_depreciation(1000, year=1, life_years=2.5, horizon_years=6)
    assert dep.tolist() == pytest.approx([0, 0, 400, 400, 200, 0, 0])
    assert dep.sum() == pytest.approx(1000)
    cut = straight_line_depreciation(1000, year=2, life_years=10, horizon_years=5)
    assert cut.sum() == pytest.approx(300)  # only years 3..5 fall inside the horizon


def test_tax_shield_of_depreciation_and_losses():
    # capex 1000 in year 0, 5-year life, +300/yr operating gain, 25 % tax
    years = 5
    capex = np.zeros(years + 1)
    capex[0] = 1000
    dep = straight_line_depreciation(1000, 0, 5, years)
    operating = np.array([0, 300, 300, 300, 300, 300], dtype=float)
    cf = project_cash_flows(operating, capex, dep, tax_rate=0.25)
    # taxable = 300 - 200 = 100 -> tax 25; net = 300 - 25 = 275
    assert cf.tax.tolist() == pytest.approx([0, 25, 25, 25, 25, 25])
    assert cf.net.tolist() == pytest.approx([-1000, 275, 275, 275, 275, 275])
    loss = project_cash_flows([0, -100], [0, 0], [0, 0], tax_rate=0.25)
    assert loss.net.tolist() == pytest.approx([0, -75])  # the loss lowers the company's tax


def test_awards_are_kept_apart_and_taxed_when_taxable():
    cf = project_cash_flows([0, 0], [100, 0], [0, 0], tax_rate=0.25, awards=[0, 40])
    assert cf.net.tolist() == pytest.approx([-100, 30])
    assert cf.net_without_awards.tolist() == pytest.approx([-100, 0])
    untaxed = project_cash_flows([0, 0], [100, 0], [0, 0], tax_rate=0.25, awards=[0, 40], awards_taxable=False)
    assert untaxed.net.tolist() == pytest.approx([-100, 40])


def test_summary_reports_interval_spread_risk_and_undefined_samples():
    s = summarise([-10.0, 10.0, 20.0, 30.0, None])
    assert s.mean == pytest.approx(12.5)
    assert s.ci95[0] < 12.5 < s.ci95[1]
    assert s.p_positive == pytest.approx(0.75)
    assert s.n == 4 and s.n_undefined == 1
    assert s.p5 < s.p95


def test_median_counts_an_undefined_sample_at_the_end_it_stands_for():
    # paybacks of 2 and 4 years and one beyond the horizon: the middle one is 4, not the 3 of the two
    # that paid back; with two of three beyond, the median is beyond too
    assert summarise([2.0, None, 4.0], math.inf).median == 4.0
    assert summarise([2.0, None, None], math.inf).median is None
    assert summarise([2.0, None, 4.0], -math.inf).median == 2.0
    # one end per sample (an IRR missing because the flows only pay out, or only earn)
    assert summarise([0.1, None, None, 0.2, 0.3], [0, -math.inf, math.inf, 0, 0]).median == 0.2
    assert summarise([2.0, 4.0, 6.0]).median == 4.0


def test_shipped_finance_assumptions_carry_sources_and_ranges():
    finance = load_finance()
    assert finance.horizon_years == 10
    assert finance.discount_rate.value == pytest.approx(0.08)
    assert finance.income_tax_rate.value == pytest.approx(0.25)
    for name in type(finance).model_fields:
        a = getattr(finance, name)
        if hasattr(a, "value"):
            assert a.source, name
            assert a.low is not None and a.low <= a.value <= a.high, name


def test_bad_finance_file_names_file_line_and_field(tmp_path):
    bad = tmp_path / "finance.yaml"
    text = (load_finance.__globals__["default_finance_path"]()).read_text(encoding="utf-8")
    bad.write_text(text.replace("value: 0.08", "value: 1.5"), encoding="utf-8")
    with pytest.raises(SpecError) as err:
        load_finance(bad)
    (problem,) = err.value.problems
    assert problem.file == str(bad) and problem.line is not None
    assert "discount_rate" in str(problem) and math.isfinite(problem.line)
