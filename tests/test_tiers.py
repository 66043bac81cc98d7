"""Tier assessment on the four presets, gaps closed by real investments, and tier-by-tier KPIs."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from twin.cli import app
from twin.plan.investments import apply_investments, load_catalogue, order_investments
from twin.plan.presets import load_model, load_presets
from twin.run.experiment import compare
from twin.spec.investment import TIERS
from twin.tiers.assess import assess, check_passes, load_rubric
from twin.tiers.profile import capability_profile

runner = CliRunner()
PRESETS = {
    "precision_machining": "basic",
    "precision_machining_advanced": "advanced",
    "precision_machining_excellent": "excellent",
    "precision_machining_leading": "leading",
}


@pytest.mark.parametrize(("name", "tier"), PRESETS.items())
def test_each_preset_is_placed_in_its_own_tier(name, tier):
    result = runner.invoke(app, ["assess", name, "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["model"] == name and doc["tier"] == tier
    assert set(doc) == {"model", "tier", "scores", "gaps"}
    assert all(0 <= v <= 1 for v in doc["scores"].values())


def test_presets_are_the_base_plant_plus_catalogue_investments():
    catalogue = load_catalogue()
    for preset in load_presets().values():
        assert set(preset.investments) <= set(catalogue.ids)
        assert set(preset.investments) <= set(load_model(preset.name).investments)


def test_gaps_name_failing_criteria_and_investments_that_really_close_them():
    rubric, catalogue = load_rubric(), load_catalogue()
    plant = load_model("precision_machining")
    result = assess(plant, rubric, catalogue)
    assert result.tier == "basic" and result.gaps
    assert {g.criterion.tier for g in result.gaps} == {"advanced"}
    for gap in result.gaps:
        assert gap.closed_by, gap.criterion.id
        for inv_id in gap.closed_by:
            wanted = [*_prerequisites(catalogue, inv_id), inv_id]
            after = apply_investments(plant, order_investments(catalogue, wanted, []))
            assert check_passes(gap.criterion.check, capability_profile(after))


def _prerequisites(catalogue, inv_id):
    out = []
    for p in catalogue.get(inv_id).prerequisites:
        out += [x for x in _prerequisites(catalogue, p) if x not in out] + [p]
    return list(dict.fromkeys(out))


def test_scores_rise_tier_by_tier():
    rubric = load_rubric()
    scores = [assess(load_model(name), rubric).scores for name in PRESETS]
    for lower, higher in zip(scores, scores[1:], strict=False):
        assert all(higher[e] >= lower[e] for e in lower)
        assert sum(higher.values()) > sum(lower.values())


def test_leading_plant_has_no_gap_and_tiers_are_ordered():
    result = assess(load_model("precision_machining_leading"), load_rubric(), load_catalogue())
    assert result.tier == TIERS[-1] and result.gaps == [] and result.next_tier is None


# What each step up adds, and the KPIs its mechanisms must move (sign: +1 up, -1 down).
STEP_EFFECTS = {
    # orders reach the floor within the hour (MES, ERP-MES); SMED; SPC corrects drifts; andon/EAM.
    # Availability and OEE are not among them: the PM programme's stops now count against them (issue 7,
    # item 4) and, renewing near-exponential CNC failures at every station, cost about what andon and
    # SMED give back (+0.2 OEE points, CI spans 0). PM only where a wear-out mode exists is issue 9.
    "precision_machining_advanced": {
        "lead_time_min": -1,
        "scrap_rate": -1,
        "first_pass_yield": +1,
        "milling.setup_share": -1,
    },
    # APS with CONWIP; predictive maintenance; EMS switch-off; robot loading frees machinists
    "precision_machining_excellent": {
        "wip": -1,
        "energy_kwh_per_unit": -1,
        "unit_cost_cny": -1,
        "labour_productivity": +1,
        "milling.down_share": -1,
    },
    # AI process control; set-up-aware sequencing everywhere; 5-min switch-off; better detectors (their
    # availability gain, fewer breakdowns against a few more maintenance stops now inside planned busy
    # time, is too small to show in 6 replications of a common window)
    "precision_machining_leading": {
        "scrap_rate": -1,
        "first_pass_yield": +1,
        "energy_kwh_per_unit": -1,
        "grinding.setup_share": -1,
        "lead_time_min": -1,  # event-driven release feeds starving first stations (issue 9: was later)
    },
}


@pytest.fixture(scope="module")
def tier_runs():
    """The four presets with the same orders and random numbers, cut at one warm-up (paired)."""
    return compare([load_model(name) for name in PRESETS], days=28, reps=8, seed=11)


@pytest.mark.parametrize("step", list(STEP_EFFECTS))
def test_each_tier_step_moves_the_kpis_its_mechanisms_drive(tier_runs, step):
    names = list(PRESETS)
    higher = names.index(step)
    for kpi, sign in STEP_EFFECTS[step].items():
        diff = tier_runs.delta(kpi, higher, base=higher - 1)
        assert (diff.lo if sign > 0 else -diff.hi) > 0, f"{step}: {kpi} did not move as expected ({diff})"


def test_leading_plant_beats_basic_plant_on_every_headline_kpi(tier_runs):
    better = {
        "lead_time_min": -1,
        "on_time_rate": +1,
        "scrap_rate": -1,
        "first_pass_yield": +1,
        "energy_kwh_per_unit": -1,
        "unit_cost_cny": -1,
        "labour_productivity": +1,
        "throughput_per_h": +1,
    }  # not availability: the maintenance programmes' stops eat most of what they save (issue 9)
    for kpi, sign in better.items():
        diff = tier_runs.delta(kpi, len(PRESETS) - 1, base=0)
        assert (diff.lo if sign > 0 else -diff.hi) > 0, f"{kpi}: {diff}"


def test_tier_runs_share_one_warm_up_window(tier_runs):
    assert len({r.warmup_min for r in tier_runs.results}) == 1


def test_assess_table_says_it_is_indicative():
    result = runner.invoke(app, ["assess"])
    assert result.exit_code == 0, result.output
    assert "basic" in result.stdout and "not the official" in result.stdout
