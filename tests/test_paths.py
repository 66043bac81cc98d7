"""Upgrade paths: the shipped reference paths, their tier timelines, and one-line errors for bad paths files."""

from __future__ import annotations

import json
import textwrap

import pytest
import yaml
from typer.testing import CliRunner

from twin.cli import app
from twin.plan.investments import load_catalogue
from twin.plan.paths import load_paths, stage_plants
from twin.plan.presets import load_model
from twin.spec import SpecError
from twin.tiers.assess import assess, load_rubric

runner = CliRunner()


@pytest.fixture(scope="module")
def plant():
    return load_model("precision_machining")


def test_shipped_paths_differ_in_strategy_and_climb_the_tiers(plant):
    catalogue, rubric = load_catalogue(), load_rubric()
    paths, finance = load_paths(None, plant, catalogue)
    assert len(paths) >= 4 and finance.horizon_years == 10
    final_tiers = {}
    for upgrade in paths:
        assert upgrade.name_zh and upgrade.source
        tiers = [assess(state, rubric).tier for state in stage_plants(upgrade, plant, catalogue)]
        order = ["basic", "advanced", "excellent", "leading"]
        assert [order.index(t) for t in tiers] == sorted(order.index(t) for t in tiers), upgrade.name
        final_tiers[upgrade.name] = tiers[-1]
    # Each strategy reaches excellent (its AI share from AI energy optimisation beside predictive
    # maintenance and AI vision); leading's 60 % AI share needs more AI mechanisms than the catalogue has
    # (issue 9), so the path through to leading ends at excellent, short on that criterion alone.
    assert all(tier == "excellent" for tier in final_tiers.values()), final_tiers
    final = assess(stage_plants(_named(paths, "to_leading"), plant, catalogue)[-1], rubric)
    assert [c.id for c in final.criteria if not final.passed[c.id] and c.tier == "leading"] == ["l_ai_share"]
    # to_leading continues integration_first with the leading stage, so the two share their plant states
    # and their difference is the leading step alone; the other strategies start differently
    leading, integration = _named(paths, "to_leading"), _named(paths, "integration_first")
    assert leading.stages[:-1] == integration.stages and leading.stages[-1].year > integration.stages[-1].year
    first_stages = {tuple(p.stages[0].investments) for p in paths if p is not leading}
    assert len(first_stages) == len(paths) - 1


def _named(paths, name):
    return next(p for p in paths if p.name == name)


def _problems(tmp_path, plant, body: str, name: str = "paths.yaml") -> list[str]:
    file = tmp_path / name
    file.write_text(textwrap.dedent(body), encoding="utf-8")
    with pytest.raises(SpecError) as err:
        load_paths(file, plant)
    return [str(p) for p in err.value.problems]


PATH_HEAD = """\
paths:
  - name: p
    name_en: P
    name_zh: 路径
    stages:
"""


@pytest.mark.parametrize(
    ("stages", "where", "says"),
    [
        (
            "      - {year: 0, investments: [mdc_all, andon_x]}\n",
            ":6: paths[0].stages[0].investments[1]: found unknown investment 'andon_x'",
            "catalogue",
        ),
        (
            "      - {year: 0, investments: [mdc_all]}\n      - {year: 1, investments: [mdc_all]}\n",
            ":7: paths[0].stages[1].investments[0]: found 'mdc_all' again",
            "once",
        ),
        (
            "      - {year: 0, investments: [aps]}\n",
            ":6: paths[0].stages[0].investments[0]: found 'aps' before its prerequisite mes, erp_mes_realtime",
            "earlier stage or the same one",
        ),
        (
            "      - {year: 2, investments: [mdc_all]}\n      - {year: 1, investments: [andon]}\n",
            ":7: paths[0].stages[1].year: found 1 after year 2",
            "increasing",
        ),
        (
            "      - {year: 10, investments: [mdc_all]}\n",
            ":6: paths[0].stages[0].year: found 10",
            "10-year horizon",
        ),
        (
            "      - {year: -1, investments: [mdc_all]}\n",
            ":6: paths[0].stages[0].year: found -1",
            "greater than or equal to 0",
        ),
    ],
)
def test_bad_paths_get_one_line_naming_file_line_field_and_what_was_expected(tmp_path, plant, stages, where, says):
    (line,) = _problems(tmp_path, plant, PATH_HEAD + stages)
    assert line.startswith(str(tmp_path / "paths.yaml") + where), line
    assert says in line


def test_prerequisite_in_the_same_stage_is_fine_whatever_the_order(tmp_path, plant):
    file = tmp_path / "ok.yaml"
    file.write_text(PATH_HEAD + "      - {year: 0, investments: [andon, mdc_all]}\n", encoding="utf-8")
    (upgrade,), _ = load_paths(file, plant)
    assert upgrade.investments == ["andon", "mdc_all"]


def test_a_patch_that_does_not_fit_the_plant_is_named_with_its_stage(tmp_path):
    smt = load_model("electronics_smt")
    lines = _problems(tmp_path, smt, PATH_HEAD + "      - {year: 0, investments: [vmc_added]}\n")
    assert any(":6: paths[0].stages[0].investments: found " in line and "vmc_added" in line for line in lines), lines


def test_finance_overrides_in_a_paths_file_keep_the_other_defaults(tmp_path, plant):
    file = tmp_path / "own.yaml"
    file.write_text(
        PATH_HEAD
        + "      - {year: 0, investments: [mdc_all]}\n"
        + "finance:\n  horizon_years: 6\n  discount_rate: {value: 0.1, low: 0.08, high: 0.12, source: board}\n",
        encoding="utf-8",
    )
    _, finance = load_paths(file, plant)
    assert finance.horizon_years == 6 and finance.discount_rate.value == pytest.approx(0.1)
    assert finance.income_tax_rate.value == pytest.approx(0.25)


def test_paths_for_another_plant_are_left_out_and_none_left_is_an_error(plant):
    paths, _ = load_paths(None, plant)
    assert all(p.fits("precision_machining") and not p.fits("electronics_smt") for p in paths)  # SMT paths left out
    other = load_model("electronics_smt").model_copy(update={"name": "smt_line_b"})
    with pytest.raises(SpecError, match="no path for plant 'smt_line_b'"):
        load_paths(None, other)


# The tier each SMT path says (in its description) it reaches with its last stage.
SMT_CLAIMS = {"smt_integration_first": "excellent", "smt_quick_wins": "excellent"}


def test_smt_paths_load_climb_and_reach_the_tier_they_claim():
    smt, catalogue, rubric = load_model("electronics_smt"), load_catalogue(), load_rubric()
    paths, _ = load_paths(None, smt, catalogue)
    assert {p.name for p in paths} == set(SMT_CLAIMS)
    order = ["basic", "advanced", "excellent", "leading"]
    for upgrade in paths:
        assert upgrade.plant == "electronics_smt" and upgrade.name_zh and upgrade.name_en and upgrade.source
        assert SMT_CLAIMS[upgrade.name] in upgrade.description
        tiers = [order.index(assess(state, rubric).tier) for state in stage_plants(upgrade, smt, catalogue)]
        assert tiers == sorted(tiers), upgrade.name
        assert order[tiers[-1]] == SMT_CLAIMS[upgrade.name], upgrade.name
    assert len({tuple(p.stages[0].investments) for p in paths}) == len(paths)  # the strategies start differently


def test_smt_paths_pass_the_assess_command_at_their_last_stage(tmp_path):
    smt, catalogue = load_model("electronics_smt"), load_catalogue()
    paths, _ = load_paths(None, smt, catalogue)
    for upgrade in paths:
        last = stage_plants(upgrade, smt, catalogue)[-1]
        file = tmp_path / f"{upgrade.name}.yaml"
        file.write_text(yaml.safe_dump(last.model_dump(by_alias=True, exclude_none=True), allow_unicode=True))
        result = runner.invoke(app, ["assess", str(file), "--json"])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["tier"] == SMT_CLAIMS[upgrade.name]


def test_an_override_that_breaks_a_finance_rule_is_one_line_naming_the_block(tmp_path, plant):
    lines = _problems(
        tmp_path,
        plant,
        PATH_HEAD
        + "      - {year: 0, investments: [mdc_all]}\n"
        + "finance:\n  discount_rate: {value: 1.5, source: board}\n",
    )
    assert len(lines) == 1 and ":8: finance.discount_rate: found " in lines[0] and "[0, 1)" in lines[0], lines


def test_the_machining_paths_serve_the_large_plant_too():
    """The catalogue's costs and patches follow the plant (selectors by kind), so the same strategies apply to
    the three-cell plant: every path loads, its patches fit, and it ends at the same tier."""
    catalogue, rubric = load_catalogue(), load_rubric()
    large = load_model("precision_machining_large")
    paths, _ = load_paths(None, large, catalogue)
    assert {p.name for p in paths} >= {"integration_first", "capacity_first", "quick_wins", "to_leading"}
    for upgrade in paths:
        assert assess(stage_plants(upgrade, large, catalogue)[-1], rubric).tier == "excellent", upgrade.name
