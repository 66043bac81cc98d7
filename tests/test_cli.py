"""The command line as a user meets it: default plant, JSON contract, reproducibility, files."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from twin.cli import app
from twin.spec import shipped_models

runner = CliRunner()
REQUIRED_KPIS = {
    "oee",
    "availability",
    "effectiveness",
    "quality_ratio",
    "throughput_per_h",
    "lead_time_min",
    "wip",
    "on_time_rate",
    "first_pass_yield",
    "energy_kwh_per_unit",
    "labour_productivity",
    "unit_cost_cny",
}


def _simulate_json(*args: str) -> str:
    result = runner.invoke(app, ["simulate", *args, "--json"])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_both_reference_plants_are_shipped_and_valid():
    assert {"precision_machining", "electronics_smt"} <= set(shipped_models())
    for name in ("precision_machining", "electronics_smt"):
        result = runner.invoke(app, ["validate", name])
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith("OK")


def test_validate_without_model_checks_the_default_plant():
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 0
    assert "precision_machining" in result.stdout


def test_simulate_json_is_one_object_with_the_documented_shape():
    doc = json.loads(_simulate_json("--days", "3", "--reps", "2"))
    assert doc["model"] == "precision_machining"
    assert doc["replications"] == 2 and doc["seed"] == 1 and doc["horizon_min"] == 3 * 1440
    assert set(doc["kpis"]) >= REQUIRED_KPIS
    for kpi in doc["kpis"].values():
        assert set(kpi) == {"mean", "ci95", "unit"} and len(kpi["ci95"]) == 2
    oee = doc["kpis"]["oee"]
    assert oee["ci95"][0] <= oee["mean"] <= oee["ci95"][1]
    assert 0 < oee["mean"] < 0.85  # a basic-tier plant is well below world class
    assert doc["stations"] and all("oee" in s for s in doc["stations"].values())


def test_same_seed_gives_byte_identical_json_and_a_new_seed_does_not():
    args = ("--days", "2", "--reps", "2", "--seed", "5")
    first = _simulate_json(*args)
    assert first == _simulate_json(*args)
    assert first != _simulate_json("--days", "2", "--reps", "2", "--seed", "6")


def test_process_pool_gives_the_same_json_as_serial():
    args = ("electronics_smt", "--days", "2", "--reps", "2")
    assert _simulate_json(*args) == _simulate_json(*args, "--jobs", "2")


def test_out_writes_the_json_document(tmp_path):
    target = tmp_path / "sub" / "result.json"
    stdout = _simulate_json("--days", "2", "--reps", "2", "--out", str(target))
    assert target.read_text(encoding="utf-8") == stdout
    assert not [p for p in target.parent.iterdir() if p.name != "result.json"]  # no temp files left


def test_table_output_names_kpis_in_english_and_chinese():
    result = runner.invoke(app, ["simulate", "--days", "2", "--reps", "2"])
    assert result.exit_code == 0, result.output
    for label in ("OEE", "设备综合效率", "Throughput", "准时交付率", "bottleneck"):
        assert label in result.stdout


@pytest.mark.parametrize("command", ["simulate", "validate"])
def test_help_explains_the_command(command):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "shipped plant" in result.stdout and "--help" in result.stdout
