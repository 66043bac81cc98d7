"""The tier rubric as a planner reads it: where each threshold comes from, what the model must declare,
AI counted once per mechanism, and the smallest set of investments that closes a gap."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from twin.cli import app
from twin.plan.investments import apply_investments, load_catalogue, order_investments
from twin.plan.presets import load_model
from twin.spec import SpecError
from twin.spec.factory import Declared
from twin.spec.rubric import Check, Criterion
from twin.tiers.assess import assess, check_passes, load_rubric
from twin.tiers.profile import capability_profile

runner = CliRunner()


def _declaring(plant, **facts):
    return plant.model_copy(update={"declared": plant.declared.model_copy(update=facts)})


def _with(plant, *ids):
    catalogue = load_catalogue()
    return apply_investments(plant, order_investments(catalogue, list(ids), plant.investments))


def test_json_gives_every_criterion_its_threshold_kind_and_source():
    result = runner.invoke(app, ["assess", "precision_machining_advanced", "--json"])
    assert result.exit_code == 0, result.output
    criteria = json.loads(result.stdout)["criteria"]
    assert [c["criterion"] for c in criteria] == [c.id for c in load_rubric().criteria]
    for c in criteria:
        assert c["threshold"] in ("published", "our reading") and c["source"], c
    kinds = {c["criterion"]: c["threshold"] for c in criteria}
    assert kinds["e_cmmm"] == kinds["e_ai_share"] == kinds["l_ai_share"] == "published"
    assert kinds["b_networked"] == kinds["l_cmmm"] == "our reading"


def test_assess_table_prints_threshold_kind_and_sources():
    result = runner.invoke(app, ["assess"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert "our reading" in result.stdout and "published" in result.stdout
    assert "Sources 依据" in result.stdout and "Jiangsu" in result.stdout


def test_declared_cmmm_level_decides_the_excellent_verdict():
    rubric = load_rubric()
    excellent = load_model("precision_machining_excellent")
    ai_enough = _with(excellent, "ai_energy")  # a third AI mechanism: 3 of 14 scenarios
    assert assess(_declaring(ai_enough, cmmm_level=3), rubric).tier == "excellent"
    at_l2 = assess(_declaring(ai_enough, cmmm_level=2), rubric)
    assert at_l2.tier == "advanced" and not at_l2.passed["e_cmmm"]


@pytest.mark.parametrize(
    "fact",
    ["cmmm_level", "above_scale", "finances_sound_years", "safety_environment_record", "secure_key_technology"],
)
def test_undeclared_basic_requirements_are_gaps_not_assumed_met(fact):
    plant = _with(load_model("precision_machining_excellent"), "ai_energy")
    declared = plant.declared.model_dump(exclude_unset=True) | {fact: None}
    result = assess(plant.model_copy(update={"declared": Declared(**declared)}), load_rubric(), load_catalogue())
    gaps = [g for g in result.gaps if "not declared" in g.missing]
    assert result.tier != "excellent" and len(gaps) == 1
    assert gaps[0].closed_by == [] and gaps[0].combination == []


def test_a_model_without_declarations_is_below_basic_and_says_what_to_declare():
    bare = load_model("precision_machining").model_copy(update={"declared": Declared()})
    result = assess(bare, load_rubric(), load_catalogue())
    assert result.tier == "below_basic"
    assert {g.criterion.id for g in result.gaps} == {"b_cmmm", "b_organisation"}
    assert all("not declared" in g.missing for g in result.gaps)


def test_declared_scenarios_count_but_modelled_ones_cannot_be_declared():
    plant = load_model("precision_machining")
    before = capability_profile(plant).scenarios
    rd = _declaring(plant, scenarios=["产品数字化设计", "供应链数字化管理"])
    assert set(capability_profile(rd).scenarios) == {*before, "产品数字化设计", "供应链数字化管理"}
    with pytest.raises(ValueError, match="is read from its systems, flows and policies"):
        Declared(scenarios=["车间智能排产"])
    with pytest.raises(ValueError, match="one of the 40 typical scenarios"):
        Declared(scenarios=["teleportation"])


@pytest.mark.parametrize("inv_id", ["ai_scheduling", "ai_vision", "ai_energy", "ai_process_control", "pdm"])
def test_each_ai_investment_adds_exactly_one_ai_scenario(inv_id):
    catalogue = load_catalogue()
    plant = load_model("precision_machining_excellent")
    base = plant if inv_id not in plant.investments else load_model("precision_machining_advanced")
    needs = [p for p in catalogue.get(inv_id).prerequisites if p not in base.investments]
    before = capability_profile(_with(base, *needs)) if needs else capability_profile(base)
    after = capability_profile(_with(base, *needs, inv_id))
    assert len(after.ai_applications) == len(before.ai_applications) + 1


def test_improving_an_ai_mechanism_adds_no_ai_scenario():
    plant = load_model("precision_machining_excellent")
    assert capability_profile(_with(plant, "ai_pdm")).ai_applications == capability_profile(plant).ai_applications


def test_closed_by_gives_the_smallest_combination_when_no_single_investment_closes_a_gap():
    plant, catalogue = load_model("precision_machining_advanced"), load_catalogue()
    now = len(capability_profile(plant).scenarios)
    rubric = load_rubric()
    wide = Criterion(
        id="x_four_more_scenarios",
        tier="excellent",
        element="运营管理",
        name_en="four more scenarios",
        name_zh="再多四个场景",
        check=Check(scenarios_min=now + 4),
        threshold="our reading",
        source="test",
    )
    result = assess(plant, rubric.model_copy(update={"criteria": [*rubric.criteria, wide]}), catalogue)
    [gap] = [g for g in result.gaps if g.criterion.id == wide.id]
    assert gap.closed_by == [] and len(gap.combination) == 2
    wanted = order_investments(catalogue, _closure(catalogue, gap.combination, plant), plant.investments)
    assert check_passes(wide.check, capability_profile(apply_investments(plant, wanted)))


def _closure(catalogue, ids, plant):
    out: list[str] = []

    def visit(i):
        for p in catalogue.get(i).prerequisites:
            if p not in plant.investments and p not in out:
                visit(p)
        if i not in out:
            out.append(i)

    for i in ids:
        visit(i)
    return out


def test_electronics_presets_are_built_from_investments_that_fit_the_smt_line():
    catalogue = load_catalogue()
    base = load_model("electronics_smt")
    plant = load_model("electronics_smt_advanced")
    again = apply_investments(base, order_investments(catalogue, plant.investments, []))
    assert capability_profile(again).systems == capability_profile(plant).systems


def test_electronics_line_prices_energy_on_the_guangdong_time_of_use_tariff():
    tariff = {p.start: p.price_cny_per_kwh for p in load_model("electronics_smt").energy.tariff}
    flat = tariff["08:00"]
    assert tariff["10:00"] == pytest.approx(1.7 * flat, abs=0.001)
    assert tariff["00:00"] == pytest.approx(0.38 * flat, abs=0.001)
    assert tariff["14:00"] == tariff["10:00"] and tariff["12:00"] == tariff["19:00"] == flat


def test_a_preset_that_does_not_fit_its_plant_is_refused():
    with pytest.raises(SpecError):
        _with(load_model("electronics_smt"), "vmc_added")


def test_each_closer_names_the_prerequisites_it_still_needs_in_json_and_text():
    plant, catalogue = load_model("precision_machining_advanced"), load_catalogue()
    result = assess(plant, load_rubric(), catalogue)
    [gap] = [g for g in result.gaps if g.criterion.id == "e_ai_share"]
    closers = gap.closed_by or gap.combination
    assert closers
    for inv_id in closers:
        expected = _closure(catalogue, [inv_id], plant)[:-1]
        assert sorted(gap.needs[inv_id]) == sorted(expected), inv_id
    assert any(gap.needs[i] for i in closers), "the AI share needs an item with a missing prerequisite"
    data = json.loads(runner.invoke(app, ["assess", "precision_machining_advanced", "--json"]).stdout)
    [row] = [g for g in data["gaps"] if g["criterion"] == "e_ai_share"]
    assert row["needs"] == gap.needs
    text = runner.invoke(app, ["assess", "precision_machining_advanced"], env={"COLUMNS": "200"}).stdout
    needy = next(i for i in closers if gap.needs[i])
    assert f"{needy} (needs 需 {', '.join(gap.needs[needy])})" in text


def test_json_carries_the_scenarios_and_ai_share_it_read_off_the_model():
    data = json.loads(runner.invoke(app, ["assess", "precision_machining_excellent", "--json"]).stdout)
    profile = capability_profile(load_model("precision_machining_excellent"))
    assert data["profile"]["scenarios"] == list(profile.scenarios)
    assert data["profile"]["ai_applications"] == list(profile.ai_applications)
    assert data["profile"]["ai_share"] == pytest.approx(len(profile.ai_applications) / len(profile.scenarios))
    assert "cmmm_level" not in data["profile"] and "cmmm_level" in data["declared"]


@pytest.mark.parametrize(
    ("plant", "robot"), [("precision_machining", "robot_loading"), ("electronics_smt", "test_handling")]
)
def test_robot_tended_cells_are_read_as_human_robot_collaboration(plant, robot):
    base = load_model(plant)
    assert "人机协同作业" not in capability_profile(base).scenarios
    assert "人机协同作业" in capability_profile(_with(base, robot)).scenarios
