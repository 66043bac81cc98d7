"""The Streamlit dashboard through ``streamlit.testing.v1.AppTest``: every page renders, widgets change results,
the language switch changes labels, bad input is a message in the page. Runs are tiny (3 days, 3 replications)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

APP = Path(__file__).resolve().parents[1] / "dashboard" / "app.py"
PAGES = ("plant", "assessment", "planner", "financials", "compare", "training")
TINY = {"days": 3.0, "warmup_days": 1.0, "reps": 3, "jobs": 1}


def _app(**state) -> AppTest:
    """The app after its first run, with tiny simulation settings.

    AppTest keeps the sidebar (where st.navigation's app draws its settings) in its element tree for the
    first run only; later runs set sidebar widgets through ``session_state``.
    """
    at = AppTest.from_file(str(APP), default_timeout=600)
    for key, value in {**TINY, **state}.items():
        at.session_state[key] = value
    return at.run()


def _page(at: AppTest, page: str) -> AppTest:
    return at.switch_page(f"pages/{page}.py").run()


def _clean(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_opening_the_app_shows_the_default_plant_its_tier_paths_and_kpis():
    at = _app()
    _clean(at)
    assert _metric(at, "Tier met today") == "Basic"
    shown = [m.value for m in at.markdown]
    names = ("Integration first", "Equipment and capacity first", "Quick wins first", "Through to leading")
    assert all(f"**{name}**" in shown for name in names)
    climbs = [m for m in shown if m.startswith("Tier: ")]
    assert len(climbs) == 4 and all("→ Excellent" in m for m in climbs)  # each path's stage tiers, assessed
    assert {"OEE", "Throughput", "Lead time (mean)"} <= {m.label for m in at.metric}
    assert len(at.get("plotly_chart")) == 3  # material flow, information flow, time model


@pytest.mark.parametrize("page", PAGES[1:])
def test_every_page_renders_without_exceptions(page):
    at = _page(_app(), page)
    _clean(at)
    assert at.title, page


def test_adding_an_investment_changes_the_planner_kpi_table():
    at = _page(_app(), "planner")
    at.multiselect(key="plan_inv_0").set_value(["mdc_all"]).run()
    at.button(key="plan_run").click().run()
    _clean(at)
    before = at.dataframe[-1].value
    at.multiselect(key="plan_inv_0").set_value(["mdc_all", "smed"]).run()
    at.button(key="plan_run").click().run()
    _clean(at)
    after = at.dataframe[-1].value
    assert list(before.columns) == list(after.columns)
    assert not before.equals(after)
    assert _metric(at, "Plan capex (CNY)") != "92,000"  # SMED's cost came on top of the networking's
    # networking and SMED alone leave the plant at basic: the page says what it still lacks and what closes it
    gap = next(i.value for i in at.info if i.value.startswith("Still missing for Advanced"))
    assert "declared L1" in gap and "a fact to declare" in gap


def test_a_reference_path_loaded_into_the_planner_climbs_as_the_path_does():
    at = _page(_app(), "planner")
    at.button(key="plan_load").click().run()
    at.button(key="plan_run").click().run()
    _clean(at)
    assert _metric(at, "Tier at the end") == "Excellent"  # its stages' declared CMMM levels came along


def test_a_plan_against_the_prerequisites_is_a_message_not_a_run():
    at = _page(_app(), "planner")
    at.multiselect(key="plan_inv_0").set_value(["mes"]).run()
    assert not at.exception
    assert any("before its prerequisite mdc_all" in e.value for e in at.error)
    assert at.button(key="plan_run").disabled


def test_a_stage_over_the_budget_is_a_message():
    at = _page(_app(), "planner")
    at.multiselect(key="plan_inv_0").set_value(["vmc_added"]).run()
    at.number_input(key="plan_budget").set_value(100_000.0).run()
    assert any("over the budget" in e.value for e in at.error)
    assert at.button(key="plan_run").disabled


def test_the_discount_rate_changes_the_npv():
    at = _page(_app(), "financials")
    at.button(key="fin_run").click().run()
    _clean(at)
    at.checkbox(key="fin_with_tornado").uncheck().run()
    at.number_input(key="fin_discount_rate").set_value(8.0).run()
    at8 = _metric(at, "NPV mean (CNY)")
    at.number_input(key="fin_discount_rate").set_value(20.0).run()
    _clean(at)
    assert _metric(at, "NPV mean (CNY)") != at8


def test_an_impossible_assumption_is_a_message():
    at = _page(_app(), "financials")
    at.number_input(key="fin_income_tax_rate").set_value(-10.0).run()
    assert not at.exception
    assert any("income_tax_rate" in e.value for e in at.error)


def test_compare_names_the_best_path_and_offers_the_report():
    at = _page(_app(), "compare")
    at.button(key="cmp_run").click().run()
    _clean(at)
    assert "Best path" in at.success[0].value
    assert len(at.dataframe[0].value) == 4
    assert len(at.get("download_button")) == 2


def test_the_language_switch_changes_labels():
    at = _app()
    at.radio(key="lang").set_value("zh").run()
    _clean(at)
    assert _metric(at, "当前达到梯度") == "基础级"
    assert "设备综合效率" in {m.label for m in at.metric}
    at = _page(_app(lang="zh"), "assessment")
    assert at.title[0].value.startswith("梯度评估")
    # what each tier adds is said with the catalogue's Chinese names (the presets' descriptions are English)
    at = _page(_app(lang="zh"), "training")
    _clean(at)
    adds = [m.value for m in at.markdown if "新增：" in m.value]
    assert len(adds) == 3 and "制造执行系统" in adds[0], adds


def test_a_bad_upload_shows_the_error_in_the_page():
    at = _app()
    bad = b"name: broken\nstations:\n  - {name: m, machines: -1}\nproducts: []\n"
    at.file_uploader(key="upload_file").set_value(("broken.yaml", bad, "application/x-yaml")).run()
    assert not at.exception
    message = at.error[0].value
    assert "broken.yaml cannot be used" in message
    assert "broken.yaml" in message.split("\n", 2)[-1] and "/tmp" not in message
    assert at.title[0].value == "Precision machining plant (basic)"  # the plant in use did not change


def test_a_good_upload_becomes_the_plant():
    text = (Path(__file__).resolve().parents[1] / "models" / "precision_machining.yaml").read_bytes()
    at = _app()
    at.file_uploader(key="upload_file").set_value(("my_plant.yaml", text, "application/x-yaml")).run()
    _clean(at)
    assert at.session_state["plant"] == "upload:my_plant.yaml"
    assert _metric(at, "Tier met today") == "Basic"


def test_twin_dashboard_refuses_a_bad_port():
    from typer.testing import CliRunner

    from twin.cli import app

    result = CliRunner().invoke(app, ["dashboard", "--port", "70000"])
    assert result.exit_code == 2
    assert "expected a port from 1 to 65535" in result.output


def test_training_replays_a_shift_per_tier():
    at = _page(_app(), "training")
    _clean(at)
    table = at.dataframe[0].value
    assert len(table.columns) == 2 + 4  # KPI, unit, four tiers
    assert "Overtime share" in set(table.iloc[:, 0])  # the machining plant calls overtime when behind
    assert len(at.tabs) == 4
    # the leading preset falls short of leading's AI share: its column is starred and the reason given
    assert "Leading*" in table.columns
    assert any("AI in >= 60%" in c.value for c in at.caption)
