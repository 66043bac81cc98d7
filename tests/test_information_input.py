"""Bad information layers get one clear line each: file, line, path, found, expected; exit 2."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from twin.cli import app

runner = CliRunner()
PLANT = """name: cell
stations:
  - {name: m, networked: true}
products:
  - name: p
    routing: [{station: m, time_min: 1}]
    demand: {interarrival_min: 2}
information:
  systems: [ERP, MES]
  interfaces:
    - {from: ERP, to: MES, mode: realtime, latency_min: 1}
    - {from: MES, to: FLOOR, mode: realtime, latency_min: 1}
  flows:
    orders: [ERP, MES, FLOOR]
"""


def validate(tmp_path, text: str) -> list[str]:
    path = tmp_path / "plant.yaml"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == (0 if text == PLANT else 2), result.output
    assert "Traceback" not in result.output
    return result.stderr.splitlines()


def test_the_valid_plant_passes(tmp_path):
    assert validate(tmp_path, PLANT) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("{from: MES, to: FLOOR", "{from: WMS, to: FLOOR"),
            ":12: information.interfaces[1].from: found 'WMS'; expected a system",
        ),
        (
            ("orders: [ERP, MES, FLOOR]", "orders: [ERP, FLOOR]"),
            "information.flows.orders[1]: found no interface ERP->FLOOR",
        ),
        (
            ("orders: [ERP, MES, FLOOR]", "orders: [ERP, MES, ERP, MES, FLOOR]"),
            "information.flows.orders: found ERP -> MES -> ERP",
        ),
        (
            ("orders: [ERP, MES, FLOOR]", "orders: [ERP, MES]"),
            "information.flows.orders[1]: found 'MES'; expected 'FLOOR'",
        ),
        (
            ("mode: realtime, latency_min: 1}\n    - {from: MES", "mode: batch, latency_min: 1}\n    - {from: MES"),
            "information.interfaces[0]: found",
        ),
        (("orders: [ERP, MES, FLOOR]", "teleport: [ERP, MES]"), "information.flows.teleport: found"),
    ],
)
def test_information_layer_problems_are_reported_one_per_line(tmp_path, change, expected):
    lines = validate(tmp_path, PLANT.replace(*change))
    assert any(expected in line for line in lines), lines
    assert all(line.startswith(str(tmp_path / "plant.yaml")) for line in lines)


def test_energy_switch_off_without_ems_metering_is_reported(tmp_path):
    lines = validate(tmp_path, PLANT + "energy: {switch_off_after_min: 10}\n")
    assert any("energy.switch_off_after_min: found no EMS metering" in line for line in lines), lines


def test_predictive_maintenance_without_condition_data_is_reported(tmp_path):
    pdm = (
        "policies:\n  maintenance: {regime: predictive,"
        " predictive: {recall: 0.5, precision: 0.9, lead_min: 60, duration_min: 5}}\n"
    )
    lines = validate(tmp_path, PLANT + pdm)
    assert any("policies.maintenance.regime" in line and "condition_data" in line for line in lines), lines
