"""The catalogue fits plants of any size and kind: costs follow the plant, patches select stations by
what they are, and a plant is told which investments fit it and why the others do not."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from twin.cli import app
from twin.plan.investments import apply_investments, fit_report, load_catalogue, order_investments, priced
from twin.plan.presets import load_model
from twin.spec import Factory, SpecError
from twin.spec.investment import TAX_LIFE_YEARS, Cost, costs_for
from twin.spec.select import select

runner = CliRunner()
CATALOGUE = load_catalogue()
BASE = load_model("precision_machining")
SMT = load_model("electronics_smt")


def scaled(plant: Factory, machines: int = 1, heads: int = 1) -> Factory:
    """The plant with every station's machines and every pool's heads multiplied."""
    data = plant.model_dump(by_alias=True, exclude_none=True)
    for st in data["stations"]:
        st["machines"] = st.get("machines", 1) * machines
    for pool in data["operators"]:
        if "count" in pool:
            pool["count"] *= heads
        else:
            pool["count_per_shift"] = [c * heads for c in pool["count_per_shift"]]
    return Factory.model_validate(data)


def renamed(plant: Factory, names: dict[str, str]) -> Factory:
    text = json.dumps(plant.model_dump(by_alias=True, exclude_none=True), ensure_ascii=False)
    for old, new in names.items():
        text = text.replace(f'"{old}"', f'"{new}"')
    return Factory.model_validate(json.loads(text))


@pytest.mark.parametrize("inv_id", ["smed", "mes", "ems_metering", "robot_loading"])
def test_the_per_machine_part_of_a_cost_triples_with_three_times_the_machines(inv_id):
    inv = CATALOGUE.get(inv_id)
    fixed = inv.cost.fixed_cny
    one, _ = costs_for(inv, BASE)
    three, _ = costs_for(inv, scaled(BASE, machines=3))
    assert three - fixed == pytest.approx(3 * (one - fixed))
    assert one > fixed


def test_per_user_and_per_shift_parts_follow_heads_and_shifts():
    cost = Cost(fixed_cny=1000, per_user_cny=100, per_shift_cny=10)
    # machinists per shift + the other direct pools in both shifts + logistics and planning per shift
    heads = 9 + 8 + 2 * (2 + 1 + 3 + 5) + (3 + 2) + (2 + 1)
    assert cost.for_plant(BASE) == pytest.approx(1000 + 100 * heads + 10 * 2)
    assert cost.for_plant(scaled(BASE, heads=3)) == pytest.approx(1000 + 300 * heads + 10 * 2)


def test_one_more_repair_crew_hires_a_technician_in_every_shift_and_pays_him_as_a_crew():
    capex, opex = costs_for(CATALOGUE.get("repair_crew"), BASE)
    assert capex == pytest.approx(2 * CATALOGUE.get("repair_crew").cost.per_shift_cny)
    assert opex == 0  # the pay is the crews' paid hours (costs.technician_cny_per_h), not counted twice


def test_networking_pays_only_for_the_machines_not_yet_networked():
    mdc = CATALOGUE.get("mdc_all")
    capex, _ = costs_for(mdc, BASE)
    not_networked = sum(s.machines for s in BASE.stations if not s.networked)
    assert 0 < not_networked < sum(s.machines for s in BASE.stations)
    assert capex == pytest.approx(mdc.cost.fixed_cny + not_networked * mdc.cost.per_machine_cny)
    assert costs_for(mdc, apply_investments(BASE, [mdc]))[0] == pytest.approx(mdc.cost.fixed_cny)


def test_an_investment_is_priced_on_the_plant_as_it_is_just_before_it():
    vmc, robots = CATALOGUE.get("vmc_added"), CATALOGUE.get("robot_loading")
    (_, _), (cells_after_vmc, _) = priced(BASE, [vmc, robots])
    assert cells_after_vmc == pytest.approx(costs_for(robots, BASE)[0] * 6 / 5)


def test_every_tax_class_maps_to_its_eit_minimum_life():
    assert TAX_LIFE_YEARS["machinery"] == 10 and TAX_LIFE_YEARS["electronic"] == 3
    assert TAX_LIFE_YEARS["tools"] == 5 and TAX_LIFE_YEARS["vehicle"] == 4
    for inv in CATALOGUE.investments:
        assert inv.life_years == TAX_LIFE_YEARS[inv.tax_class] > 0, inv.id


def test_every_entry_cites_its_costs_and_its_effect():
    for inv in CATALOGUE.investments:
        assert inv.source and inv.effect_source, inv.id


def test_callers_still_read_capex_and_opex_of_the_default_plant():
    mes = CATALOGUE.get("mes")
    assert (mes.capex_cny, mes.opex_cny_per_year) == costs_for(mes, BASE)


@pytest.mark.parametrize("inv_id", ["inprocess_gauging", "tool_life_mgmt", "ai_process_control"])
def test_a_patch_by_kind_does_the_same_to_a_plant_whose_stations_have_other_names(inv_id):
    names = {"turning": "lathes", "milling": "vmcs", "grinding": "grinders"}
    other = renamed(BASE, names)
    wanted = order_investments(CATALOGUE, _with_prerequisites(inv_id), [])
    here, there = apply_investments(BASE, wanted), apply_investments(other, wanted)
    assert renamed(here, names).stations == there.stations
    assert here.stations != BASE.stations


def _with_prerequisites(inv_id: str) -> list[str]:
    out: list[str] = []

    def add(i: str) -> None:
        for p in CATALOGUE.get(i).prerequisites:
            add(p)
        if i not in out:
            out.append(i)

    add(inv_id)
    return out


def test_a_selector_by_kind_that_finds_nothing_means_the_investment_does_not_fit():
    with pytest.raises(SpecError, match=r"stations\[kind=smt_placement\]"):
        apply_investments(BASE, [CATALOGUE.get("feeder_carts")])
    feeder = apply_investments(SMT, [CATALOGUE.get("feeder_carts")])
    assert feeder.station("placement_chip").setup_min.mean < SMT.station("placement_chip").setup_min.mean


def test_spc_does_not_fit_a_plant_with_no_process_that_drifts():
    data = SMT.model_dump(by_alias=True, exclude_none=True)
    for station in data["stations"]:
        station.get("quality", {}).pop("drift", None)
    report = {f.investment.id: f for f in fit_report(Factory.model_validate(data), CATALOGUE)}
    assert "drift" in report["qms_spc"].why_not
    assert report["ai_vision"].why_not == "needs qms_spc, which does not fit"
    assert all(f.fits for f in fit_report(BASE, CATALOGUE) if f.investment.id not in _SMT_ONLY)
    assert {f.investment.id: f for f in fit_report(SMT, CATALOGUE)}["qms_spc"].fits  # the SMT placers drift


_SMT_ONLY = {"feeder_carts", "spi_closed_loop", "msd_control", "ai_aoi", "test_handling"}


def test_investments_for_the_smt_plant_list_what_fits_and_one_line_for_each_that_does_not():
    result = runner.invoke(app, ["investments", "--plant", "electronics_smt"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    report = fit_report(SMT, CATALOGUE)
    lines = result.stdout.splitlines()
    for f in report:
        said = [ln for ln in lines if ln.startswith(f"  {f.investment.id}: ")]
        if f.fits:
            assert not said and f.investment.id in result.stdout
        else:
            assert said == [f"  {f.investment.id}: {f.why_not}"], f.investment.id
    assert {"feeder_carts", "spi_closed_loop", "msd_control"} <= {f.investment.id for f in report if f.fits}
    assert "  smed: no stations[kind=cnc_turning|cnc_milling]" in lines


def test_investments_json_prices_each_investment_for_the_plant_and_says_if_it_fits():
    result = runner.invoke(app, ["investments", "--plant", "electronics_smt", "--json"])
    assert result.exit_code == 0, result.output
    items = {i["id"]: i for i in json.loads(result.stdout)["investments"]}
    assert items["feeder_carts"]["fits"] and items["feeder_carts"]["capex_cny"] == pytest.approx(
        costs_for(CATALOGUE.get("feeder_carts"), SMT)[0]
    )
    assert not items["smed"]["fits"] and items["smed"]["why_not"]


def test_the_capital_charge_spreads_capex_over_the_useful_life_not_the_shorter_tax_life():
    mdc = CATALOGUE.get("mdc_all")
    assert mdc.life_years == 3  # electronic equipment, EIT minimum
    assert mdc.economic_life_years == mdc.useful_life_years == 8
    no_life = mdc.model_copy(update={"useful_life_years": None})
    assert no_life.economic_life_years == no_life.life_years  # default: the tax life


def test_maintenance_items_pay_only_for_the_machines_whose_failures_they_act_on():
    # PM renews wear-out modes and condition data shows them: the furnace and the washer fail only at random
    def modes(s):
        return [] if s.failures is None else s.failures if isinstance(s.failures, list) else [s.failures]

    worn = sum(s.machines for s in BASE.stations if any(m.kind == "wear_out" for m in modes(s)))
    failing = sum(s.machines for s in BASE.stations if s.failures)
    assert 0 < worn < failing
    for inv_id in ("pm_program", "pdm", "ai_pdm"):
        inv = CATALOGUE.get(inv_id)
        capex, opex = costs_for(inv, BASE)
        part = inv.cost if inv.cost.per_machine_cny else inv.opex
        fixed = part.fixed_cny
        assert (capex if part is inv.cost else opex) == pytest.approx(fixed + worn * part.per_machine_cny), inv_id


def test_a_dotted_selector_looks_inside_a_mapping_or_a_list_of_mappings():
    items = [
        {"name": "a", "failures": [{"kind": "random"}, {"kind": "wear_out"}]},
        {"name": "b", "failures": {"kind": "wear_out"}},
        {"name": "c", "failures": [{"kind": "random"}]},
        {"name": "d"},
    ]
    assert select(items, "failures.kind=wear_out", "stations") == [0, 1]
    assert select(items, "failures.kind=*", "stations") == [0, 1, 2]
