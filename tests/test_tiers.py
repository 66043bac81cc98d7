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
SMT_PRESETS = {
    "electronics_smt": "basic",
    "electronics_smt_advanced": "advanced",
    "electronics_smt_excellent": "excellent",
    "electronics_smt_leading": "leading",
}
# With one AI scenario per mechanism the catalogue's AI items do not reach the AI share the plan sets
# for leading (>= 60 %): the leading presets meet excellent until more AI mechanisms exist (issue 9).
# The SMT line has even fewer: AI process control needs machine tools, so 5 AI scenarios of 16.
SHORT_OF_AI = {
    "precision_machining_leading": "excellent",
    "electronics_smt_leading": "excellent",
    "precision_machining_large_leading": "excellent",
    "electronics_smt_large_leading": "excellent",
}
LARGE = {
    "precision_machining_large": "basic",
    "precision_machining_large_advanced": "advanced",
    "precision_machining_large_excellent": "excellent",
    "electronics_smt_large": "basic",
    "electronics_smt_large_advanced": "advanced",
    "electronics_smt_large_excellent": "excellent",
}
PLACED = {name: tier for name, tier in {**PRESETS, **SMT_PRESETS, **LARGE}.items() if name not in SHORT_OF_AI}


@pytest.mark.parametrize(("name", "tier"), PLACED.items())
def test_each_preset_is_placed_in_its_own_tier(name, tier):
    result = runner.invoke(app, ["assess", name, "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["model"] == name and doc["tier"] == tier
    assert {"model", "tier", "scores", "criteria", "declared", "gaps"} <= set(doc)
    assert all(0 <= v <= 1 for v in doc["scores"].values())


@pytest.mark.parametrize(("name", "tier"), SHORT_OF_AI.items())
def test_the_leading_preset_falls_short_only_on_the_ai_share(name, tier):
    result = assess(load_model(name), load_rubric(), load_catalogue())
    assert result.tier == tier
    failing = {c.id for c in result.criteria if not result.passed[c.id] and c.tier == result.next_tier}
    assert failing == {"e_ai_share" if tier == "advanced" else "l_ai_share"}


def test_smt_quality_system_acts_on_the_placement_drift_the_aoi_shows():
    basic, advanced = load_model("electronics_smt"), load_model("electronics_smt_advanced")
    assert basic.station("aoi").quality.drift is not None
    assert capability_profile(advanced).inspection == "inline" != capability_profile(basic).inspection


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
        if "declared" in gap.missing:  # a CMMM level is assessed, not bought
            assert gap.closed_by == [] and gap.combination == []
            continue
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


@pytest.mark.parametrize("chain", [PRESETS, SMT_PRESETS], ids=["machining", "smt"])
def test_scores_rise_tier_by_tier(chain):
    rubric = load_rubric()
    scores = [assess(load_model(name), rubric).scores for name in chain]
    for lower, higher in zip(scores, scores[1:], strict=False):
        assert all(higher[e] >= lower[e] for e in lower)
        assert sum(higher.values()) > sum(lower.values())


def test_a_plant_meeting_every_criterion_is_leading_with_no_gap():
    rubric = load_rubric()
    plant = load_model("precision_machining_leading")
    everything = rubric.model_copy(update={"criteria": [c for c in rubric.criteria if c.id != "l_ai_share"]})
    result = assess(plant, everything, load_catalogue())
    assert result.tier == TIERS[-1] and result.gaps == [] and result.next_tier is None


# What each step up adds, and the KPIs its mechanisms must move (sign: +1 up, -1 down).
STEP_EFFECTS = {
    # orders reach the floor within the hour and MES releases them by corrected aggregate load (MES,
    # ERP-MES); SMED; SPC corrects drifts; MDC alarms, andon and EAM shorten breakdowns and PM renews
    # the wear-out modes of the CNCs and grinders (issue 9). Availability and OEE are not among them:
    # at demand-bound stations the time freed turns into starved time, not output. Nor the maintenance
    # line: PM's saving on worn parts run to failure (-0.20 CNY/unit, -5 %) rests on a handful of wear-out
    # breakdowns in four weeks (paired CI [-0.91, +0.52] CNY/unit in 8 replications);
    # tests/test_cost_kpis.py checks the spares mechanism. Nor the overtime share: the late shift stays
    # a handful of evenings in four weeks, too few for a paired interval per step (asserted from basic
    # to leading below).
    "precision_machining_advanced": {
        "lead_time_min": -1,
        "on_time_rate": +1,
        "wip": -1,  # MES's release (corrected aggregate load, half a shift per station): ~-8 %
        "scrap_rate": -1,
        "first_pass_yield": +1,
        "milling.setup_share": -1,
        "milling.down_share": -1,
    },  # not grinding's or turning's down share (-1.0 and -1.4 points, paired CIs spanning zero in 8
    # replications): with wear-out parts at their long-run age, a few repairs of hours per window on two
    # or four machines make them noisier than milling's five
    # Predictive maintenance; EMS switch-off; robot loading frees machinists. Not lead time or on-time:
    # since MES releases by corrected aggregate load and dispatches by ATCS, APS's grouping of
    # same-product orders at release saves ~3 % of lead time (CI [-217, -1] min in 8 replications, too
    # close to zero to assert) and
    # no set-ups, the dispatch rule already keeping same-product work together. Not
    # milling.down_share: PdM acts only on what the advanced plant's PM leaves (wear-out failures
    # before the PM is due, the tenth of sudden stops condition data shows): -0.4 points of a 4 % down
    # share (CI [-0.85, +0.05] in 8 replications), though its breakdowns fall clearly.
    "precision_machining_excellent": {
        "milling.failures_per_1000h": -1,  # PdM turns foreseen wear-out failures into planned stops
        "energy_kwh_per_unit": -1,
        "unit_cost_cny": -1,
        "labour_productivity": +1,
    },
    # AI process control (scrap, first-pass yield); AI scheduling's look-ahead furnace loading and the
    # twin-fitted ATCS slack scale (lead time, WIP); better detectors (their availability gain,
    # fewer breakdowns against a few more maintenance stops now inside planned busy time, is too small to
    # show in 8 replications of a common window). Not energy per unit: it rises (≈ +1.2 %), as loads
    # started sooner are part-full more often and the furnace runs more cycles a week.
    "precision_machining_leading": {
        "scrap_rate": -1,
        "first_pass_yield": +1,
        "lead_time_min": -1,  # AI scheduling's look-ahead furnace loading: no load waits for units not coming
        "wip": -1,
    },  # event-driven release alone adds nothing measurable to corrected-load release (CI [-76, +110] min
    # in 8 replications)
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
        "overtime_share": -1,
        "scrap_rate": -1,
        "first_pass_yield": +1,
        "energy_kwh_per_unit": -1,
        "unit_cost_cny": -1,
        "labour_productivity": +1,
    }
    # Not availability: at demand-bound stations freed time turns into starved time. Not throughput: the
    # plant is demand-bound, so it rises only by the scrap saved (~1.4 %), while WIP swings at the window's
    # ends give a paired CI of about ±2 % in 8 replications (seed 12 fails on the issue-8 code too).
    for kpi, sign in better.items():
        diff = tier_runs.delta(kpi, len(PRESETS) - 1, base=0)
        assert (diff.lo if sign > 0 else -diff.hi) > 0, f"{kpi}: {diff}"


def test_tier_runs_share_one_warm_up_window(tier_runs):
    assert len({r.warmup_min for r in tier_runs.results}) == 1


def test_assess_table_says_it_is_indicative():
    result = runner.invoke(app, ["assess"])
    assert result.exit_code == 0, result.output
    assert "basic" in result.stdout and "not the official" in result.stdout


def test_the_excellent_smt_line_beats_the_basic_line_on_what_its_investments_buy():
    # MES and APS release (lead time), QMS with SPC on the AOI data, closed-loop SPI and MSD control (first-pass
    # yield), feeder carts (the chip shooter's set-ups), EMS switch-off (energy), WMS (labour productivity).
    runs = compare([load_model("electronics_smt"), load_model("electronics_smt_excellent")], days=21, reps=4, seed=11)
    better = {
        "lead_time_min": -1,
        "first_pass_yield": +1,
        "placement_chip.setup_share": -1,
        "energy_kwh_per_unit": -1,
        "labour_productivity": +1,
    }
    for kpi, sign in better.items():
        diff = runs.delta(kpi, 1, base=0)
        assert (diff.lo if sign > 0 else -diff.hi) > 0, f"{kpi}: {diff}"
