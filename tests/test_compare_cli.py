"""`twin compare` at the command line: one JSON object with every part, one-line errors for bad options."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from twin.cli import app

runner = CliRunner()
SHORT = ["--days", "10", "--warmup-days", "3", "--reps", "3", "--max-reps", "3", "--jobs", "1"]


def test_compare_json_on_the_default_plant_values_a_path_and_names_the_best():
    result = runner.invoke(app, ["compare", "--path", "quick_wins", "--path", "integration_first", *SHORT,
                                 "--no-tornado", "--json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["model"] == "precision_machining" and doc["baseline"]["tier"] == "basic"
    assert set(doc["paths"]) == {"quick_wins", "integration_first"}
    p = doc["paths"]["quick_wins"]
    assert [s["year"] for s in p["stages"]] == [0, 1, 2, 3, 4]
    assert p["tier_timeline"][-1]["tier"] == "excellent"
    assert len(p["cash_flows"]) == 11 and p["capex_cny"] > 0
    assert p["stages"][0]["kpis"]["throughput_per_h"]["unit"] == "units/h"
    assert doc["best_path"] in doc["paths"]
    assert doc["selection"]["statement"]
    assert doc["assumptions"]["discount_rate"]["source"]
    # every stage's interval lies within what its KPI can take, as in `twin simulate`
    for path in doc["paths"].values():
        for stage in path["stages"]:
            lo, hi = stage["kpis"]["on_time_rate"]["ci95"]
            assert 0 <= lo <= hi <= 1
            assert stage["kpis"]["tardiness_min"]["ci95"][0] >= 0
        # the median payback counts a replication that never pays back as the longest
        pay, n = path["payback_years"], path["replications"]
        assert (pay["median"] is None) == (2 * pay["n_undefined"] >= n), pay
        # the payback shown, of the mean cash flows, exists exactly when the expected NPV is not negative
        assert (pay["expected"] is None) == (path["npv_cny"]["mean"] < 0), (pay, path["npv_cny"])


def test_compare_tornado_names_each_investment_whose_cost_it_moves():
    result = runner.invoke(app, ["compare", "--path", "quick_wins", *SHORT, "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["tornado"]
    costs = [r for r in rows if r["assumption"].startswith("cost:")]
    assert costs and all(r["investment"] == r["assumption"].removeprefix("cost:") and r["name_en"] for r in costs)
    text = runner.invoke(app, ["compare", "--path", "quick_wins", *SHORT], env={"COLUMNS": "160"}).stdout
    assert "cost:" not in text and costs[0]["name_en"].split()[0] in text


def test_compare_text_names_the_best_path_in_chinese_within_80_columns():
    from rich.cells import cell_len

    result = runner.invoke(app, ["compare", "--path", "quick_wins", *SHORT, "--lang", "zh"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert "最优路径" in result.stdout and "quick_wins" in result.stdout
    for line in result.stdout.splitlines():
        assert cell_len(line.rstrip()) <= 80, line
    assert "…" not in result.stdout.replace(" … ", "")  # the tornado's ranges use "a … b"; nothing is cut


def test_compare_bad_options_get_one_line_and_exit_2():
    for args, hint in (
        (["--lang", "fr"], "--lang"),
        (["--path", "nowhere"], "--path"),
        (["--rate", "1.5"], "--rate"),
        (["--reps", "1"], "--reps"),
        (["--delta", "0"], "--delta"),
        (["--warmup-days", "20", "--days", "10"], "--warmup-days"),
    ):
        result = runner.invoke(app, ["compare", *args])
        assert result.exit_code == 2, (args, result.output)
        assert hint in result.output


def test_compare_report_writes_html_and_workbook(tmp_path):
    folder = tmp_path / "out"
    result = runner.invoke(app, ["compare", "--path", "quick_wins", *SHORT, "--no-tornado", "--report", str(folder)])
    assert result.exit_code == 0, result.output
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "quick_wins" in page and "<script src=" not in page
    assert (folder / "report.xlsx").stat().st_size > 0


def test_compare_report_into_a_file_is_refused_before_the_run(tmp_path):
    blocker = tmp_path / "taken"
    blocker.write_text("mine", encoding="utf-8")
    result = runner.invoke(app, ["compare", "--report", str(blocker)])
    assert result.exit_code == 2 and "--report" in result.output
    assert blocker.read_text(encoding="utf-8") == "mine"
