"""Investments are patches to the model: they apply cleanly, move their mechanism, and fail loudly."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from twin import compare
from twin.cli import app
from twin.plan.investments import Scenario, apply_investments, load_catalogue, order_investments
from twin.plan.presets import load_model
from twin.spec import SpecError
from twin.tiers.profile import capability_profile, flow_mode

runner = CliRunner()
CATALOGUE = load_catalogue()
BASE = load_model("precision_machining")
SMT = load_model("electronics_smt")
SMT_ONLY = {"feeder_carts", "spi_closed_loop", "msd_control", "ai_aoi", "test_handling"}


def with_investments(*ids: str, plant=None):
    """The plant they are made for (SMT items: the SMT line, or ``plant``) after the investments and their
    prerequisites."""
    wanted: list[str] = []

    def add(i: str) -> None:
        for p in CATALOGUE.get(i).prerequisites:
            add(p)
        if i not in wanted:
            wanted.append(i)

    for i in ids:
        add(i)
    return apply_investments(plant or home(*ids), order_investments(CATALOGUE, wanted, []))


def home(*ids: str):
    return SMT if SMT_ONLY & set(ids) else BASE


def test_catalogue_covers_all_four_tiers_and_every_category():
    assert len(CATALOGUE.investments) >= 20
    assert {i.tier for i in CATALOGUE.investments} == {"basic", "advanced", "excellent", "leading"}
    assert {i.category for i in CATALOGUE.investments} == {
        "equipment",
        "industrial_software",
        "integration",
        "data_ai",
        "people",
    }
    for inv in CATALOGUE.investments:
        assert inv.source and inv.effect_source, inv.id


@pytest.mark.parametrize("inv_id", [i.id for i in CATALOGUE.investments])
def test_every_investment_applies_cleanly_to_the_default_plant(inv_id):
    after = with_investments(inv_id)
    assert inv_id in after.investments
    assert after != home(inv_id)


def _mean_setup(f, station):
    return f.station(station).setup_min.mean


def _heads(f, pool):
    """People of ``pool`` over all shifts."""
    p = next(p for p in f.operators if p.name == pool)
    return sum(p.count_per_shift) if p.count_per_shift is not None else p.count * len(f.calendar.shifts)


def _air(f):
    return next(b for b in f.energy.base_loads if b.name == "compressed_air")


# Each investment moves the mechanism it names (read off the patched model).
MECHANISMS = {
    "mdc_all": lambda b, a: capability_profile(a).networked_share == 1 > capability_profile(b).networked_share,
    "andon": lambda b, a: flow_mode(a, "repair_call") == "realtime" != flow_mode(b, "repair_call"),
    "smed": lambda b, a: _mean_setup(a, "milling") < 0.7 * _mean_setup(b, "milling"),
    "vmc_added": lambda b, a: a.station("milling").machines == b.station("milling").machines + 1,
    "repair_crew": lambda b, a: a.policies.maintenance.crews == b.policies.maintenance.crews + 1,
    "cmms": lambda b, a: a.policies.maintenance.travel_min.mean < b.policies.maintenance.travel_min.mean,
    "pm_program": lambda b, a: a.policies.maintenance.regime == "preventive",
    "mes": lambda b, a: (
        a.information.flows["orders"] == ["ERP", "MES", "FLOOR"]
        and a.policies.release.policy == "workload"
        and {s.dispatch for s in a.stations} == {"atcs"}
        and _heads(a, "planning") == _heads(b, "planning") - 1
    ),
    "air_leak_programme": lambda b, a: (
        _air(a).on_shift_kw < 0.9 * _air(b).on_shift_kw and _air(a).off_shift_kw < 0.5 * _air(b).off_shift_kw
    ),
    "erp_mes_realtime": lambda b, a: flow_mode(a, "orders") == "realtime" != flow_mode(b, "orders"),
    "wms": lambda b, a: flow_mode(a, "material_call") == "realtime" != flow_mode(b, "material_call"),
    "qms_spc": lambda b, a: flow_mode(a, "quality_feedback") == "realtime" != flow_mode(b, "quality_feedback"),
    "ems_metering": lambda b, a: "EMS" in a.information.systems,
    "furnace_valley_loading": lambda b, a: (
        a.station("heat_treatment").batch.tariff_hold_min == 240
        and b.station("heat_treatment").batch.tariff_hold_min is None
    ),
    "agv_delivery": lambda b, a: (
        a.station("milling").material.delivery_min.mean < b.station("milling").material.delivery_min.mean
        and _heads(a, "logistics") < _heads(b, "logistics")
    ),
    "packer_added": lambda b, a: (
        a.station("packing").machines == b.station("packing").machines + 1
        and _heads(a, "assemblers") > _heads(b, "assemblers")
    ),
    "grinding_setup_reduction": lambda b, a: _mean_setup(a, "grinding") < 0.7 * _mean_setup(b, "grinding"),
    "third_shift": lambda b, a: len(a.calendar.shifts) == len(b.calendar.shifts) + 1,
    "induction_hardening": lambda b, a: (
        _route(a, "hub_flange")
        == [s if s != "heat_treatment" else "induction_hardening" for s in _route(b, "hub_flange")]
        and "heat_treatment" in _route(b, "hub_flange")
        and _route(a, "gear_shaft") == _route(b, "gear_shaft")
        and "heat_treatment" in _route(a, "gear_shaft")
    ),
    "auto_inspection": lambda b, a: (
        a.station("inspection").operators == 0
        and _heads(a, "inspectors") < _heads(b, "inspectors")
        and a.station("inspection").inspection.catches("dimensional")
        > b.station("inspection").inspection.catches("dimensional")
    ),
    "traceability": lambda b, a: a.traceability.scope == "units" != b.traceability.scope,
    "aps": lambda b, a: a.policies.release.group_min > 0,
    "pdm": lambda b, a: a.policies.maintenance.regime == "predictive",
    "ems_switch_off": lambda b, a: a.energy.switch_off_after_min == 15,
    "ai_vision": lambda b, a: (
        a.station("inspection").inspection.catches("surface") > b.station("inspection").inspection.catches("surface")
        and len(a.information.ai_applications) > len(b.information.ai_applications)
    ),
    "robot_loading": lambda b, a: (
        a.station("milling").operators == 0
        and a.station("milling").runs_through_breaks
        and _heads(a, "machinists") < _heads(b, "machinists")
    ),
    "ai_pdm": lambda b, a: a.policies.maintenance.predictive.recall > b.policies.maintenance.predictive.recall,
    "ai_scheduling": lambda b, a: (
        a.policies.release.on_starving
        and a.policies.batch_loading == "lookahead"
        and b.policies.batch_loading == "fixed_wait"
    ),
    "ai_energy": lambda b, a: a.energy.switch_off_after_min == 5,
    "ai_process_control": lambda b, a: a.station("milling").quality.scrap < 0.75 * b.station("milling").quality.scrap,
    "digital_twin_ops": lambda b, a: (
        a.policies.atcs.k1 > b.policies.atcs.k1 and "数字孪生工厂构建" in a.information.ai_applications
    ),
    "inprocess_gauging": lambda b, a: (
        a.station("milling").quality.drift.detect_min.mean < 0.1 * b.station("milling").quality.drift.detect_min.mean
    ),
    "tool_life_mgmt": lambda b, a: (
        a.station("turning").quality.drift.mtbd_min.mean > 1.4 * b.station("turning").quality.drift.mtbd_min.mean
    ),
    "feeder_carts": lambda b, a: _mean_setup(a, "placement_chip") < 0.5 * _mean_setup(b, "placement_chip"),
    "spi_closed_loop": lambda b, a: a.station("spi").quality.rework < 0.75 * b.station("spi").quality.rework,
    "ai_aoi": lambda b, a: a.station("aoi").inspection.detection > b.station("aoi").inspection.detection,
    "msd_control": lambda b, a: a.station("aoi").quality.scrap < 0.85 * b.station("aoi").quality.scrap,
    "test_handling": lambda b, a: (
        a.station("test").operators == 0
        and a.station("test").runs_through_breaks
        and _heads(a, "testers") == _heads(b, "testers") - len(b.calendar.shifts)  # one of two testers a shift
    ),
}


def _route(plant, product: str) -> list[str]:
    return [step.station for step in next(p for p in plant.products if p.name == product).routing]


def test_induction_hardening_takes_the_surface_hardened_parts_off_the_furnace_and_shortens_their_lead_time():
    """B10 [S82]: parts that need surface hardness only leave the 8-h carburising loads for a 1-min in-line
    step; the furnace keeps the parts that need a case. Same orders and random numbers before and after."""
    after = with_investments("induction_hardening")
    runs = compare([BASE, after], days=21, reps=4, seed=5)
    assert runs.delta("lead_time_min", 1, base=0).hi < 0
    assert runs.delta("heat_treatment.utilisation", 1, base=0).hi < 0
    assert runs.results[1].stations["induction_hardening"]["utilisation"].mean < 0.3


def test_every_catalogue_entry_has_a_mechanism_check():
    assert set(MECHANISMS) == set(CATALOGUE.ids)


@pytest.mark.parametrize("inv_id", sorted(MECHANISMS))
def test_each_investment_moves_the_mechanism_it_names(inv_id):
    prerequisites = CATALOGUE.get(inv_id).prerequisites
    before = with_investments(*prerequisites, plant=home(inv_id)) if prerequisites else home(inv_id)
    assert MECHANISMS[inv_id](before, with_investments(inv_id))


def test_half_a_person_freed_is_not_a_person_saved():
    """Headcount per machine rounds halves upwards: two tester cells free one tester a shift, one cell none."""
    one_tester = SMT.model_copy(
        update={"stations": [s.model_copy(update={"machines": 1}) if s.name == "test" else s for s in SMT.stations]}
    )
    after = apply_investments(one_tester, [CATALOGUE.get("test_handling")])
    assert _heads(after, "testers") == _heads(one_tester, "testers")
    assert _heads(with_investments("test_handling"), "testers") == _heads(SMT, "testers") - len(SMT.calendar.shifts)


def test_uncertain_effects_are_drawn_per_replication_and_reproducibly():
    smed = Scenario(BASE, (CATALOGUE.get("smed"),))
    setups = [smed.for_replication(1, r).station("milling").setup_min.mean for r in range(4)]
    assert len(set(setups)) == 4
    base_setup = BASE.station("milling").setup_min.mean
    assert all(0.3 * base_setup <= s <= 0.6 * base_setup for s in setups)
    assert setups == [smed.for_replication(1, r).station("milling").setup_min.mean for r in range(4)]


def test_andon_shortens_breakdowns_and_raises_bottleneck_availability():
    runs = compare([BASE, with_investments("andon")], days=15, reps=4, seed=3)
    down, down_andon = (sum(r.values("milling.down_share")) for r in runs.results)
    assert down_andon < 0.85 * down


def test_unknown_investment_is_reported_with_the_catalogue_ids():
    result = runner.invoke(app, ["simulate", "--with", "mes,teleporter", "--days", "1", "--reps", "1"])
    assert result.exit_code == 2
    assert "unknown investment 'teleporter'" in result.output and "mdc_all" in result.output
    assert "Traceback" not in result.output


def test_unmet_prerequisite_is_reported():
    result = runner.invoke(app, ["simulate", "--with", "aps", "--days", "1", "--reps", "1"])
    assert result.exit_code == 2
    assert "prerequisite" in result.output and "mes" in result.output


def test_patch_that_does_not_fit_the_model_is_reported():
    result = runner.invoke(app, ["simulate", "electronics_smt", "--with", "vmc_added", "--days", "1", "--reps", "1"])
    assert result.exit_code == 2
    assert "vmc_added" in result.output and "stations[kind=cnc_milling]" in result.output


def test_prerequisite_cycle_in_a_catalogue_is_reported(tmp_path):
    text = """investments:
  - {id: a, name_en: A, name_zh: 甲, category: people, scenario: 设备维修维护, tier: basic, cost: {fixed_cny: 1},
     tax_class: software, prerequisites: [b], effect_source: x, patch: [{op: set, path: name, value: x}]}
  - {id: b, name_en: B, name_zh: 乙, category: people, scenario: 设备维修维护, tier: basic, cost: {fixed_cny: 1},
     tax_class: software, prerequisites: [a], effect_source: x, patch: [{op: set, path: name, value: x}]}
"""
    path = tmp_path / "cat.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as exc:
        load_catalogue(path)
    message = str(exc.value)
    assert "cycle" in message and "prerequisites" in message and str(path) in message


def test_unknown_scenario_and_negative_capex_are_reported(tmp_path):
    text = """investments:
  - {id: a, name_en: A, name_zh: 甲, category: people, scenario: teleportation, tier: basic, cost: {fixed_cny: -5},
     tax_class: software, effect_source: x, patch: [{op: set, path: name, value: x}]}
"""
    path = tmp_path / "cat.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as exc:
        load_catalogue(path)
    lines = str(exc.value).splitlines()
    assert any("investments[0].scenario" in line for line in lines)
    assert any("investments[0].cost.fixed_cny" in line and "-5" in line for line in lines)


def test_with_runs_the_scenario_and_names_it():
    result = runner.invoke(app, ["simulate", "--with", "smed", "--days", "2", "--reps", "2", "--json"])
    assert result.exit_code == 0, result.output
    assert '"model": "precision_machining+smed"' in result.stdout


def test_an_investment_whose_headcount_change_names_a_missing_pool_does_not_fit():
    """`twin investments --plant` and applying an investment agree: a headcount change for a pool the plant
    lacks makes the investment not fit, though its patch alone would."""
    from twin.plan.investments import fit_report
    from twin.spec.investment import Catalogue

    catalogue = Catalogue.model_validate(
        {
            "investments": [
                {
                    "id": "cobot",
                    "name_en": "Cobot",
                    "name_zh": "协作机器人",
                    "category": "equipment",
                    "scenario": "人机协同作业",
                    "tier": "advanced",
                    "cost": {"fixed_cny": 1000},
                    "tax_class": "machinery",
                    "source": "test",
                    "effect_source": "test",
                    "patch": [{"op": "scale", "path": "stations[*].machines", "factor": 1}],
                    "headcount_delta": {"welders": -1},
                }
            ]
        }
    )
    plant = load_model("precision_machining")
    [fit] = fit_report(plant, catalogue)
    assert not fit.fits and "welders" in fit.why_not
    with pytest.raises(SpecError, match="welders"):
        apply_investments(plant, catalogue.investments)
