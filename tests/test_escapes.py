"""Escapes: latent defects that an inspection can miss ship to the customer, and claims follow them.

The theory tests build a line where one station makes a latent defect with probability q and one
or two inspections catch it with probability p: a unit escapes with probability q(1-p) (or
q(1-p1)(1-p2)), and a claim puts the suspect quantity its traceability allows under suspicion.
"""

from __future__ import annotations

import pytest
from conftest import PROBLEM, VALID, build_factory, exp
from test_theory import assert_close
from typer.testing import CliRunner

from twin import compare, simulate
from twin.cli import app
from twin.kpi.stats import estimate
from twin.plan.investments import apply_investments, load_catalogue, order_investments
from twin.plan.presets import load_model
from twin.spec import Factory, check_factory

CATALOGUE = load_catalogue()
RATE = 0.8
"""Orders per minute (Poisson) on the test lines."""


def _line(q: dict[str, float], inspections: list[dict], **top) -> object:
    """A station ``make`` that makes latent defects ``q`` by class, then one station per inspection."""
    stations = [{"name": "make", "quality": {"defects": q}}]
    stations += [{"name": f"check{i}", "inspection": spec} for i, spec in enumerate(inspections)]
    routing = [{"station": s["name"], "time_min": exp(0.5)} for s in stations]
    product = {"name": "p", "routing": routing, "demand": {"interarrival_min": exp(1 / RATE)}}
    return build_factory(stations, [product], **top)


def _escaped_per_unit_out(result) -> list[float]:
    """Escaped units / units out (shipped + scrapped), per replication."""
    return [rep.plant["escape_ppm"] / 1e6 * (1 - rep.plant["scrap_rate"]) for rep in result.replications]


@pytest.mark.parametrize("rework", [0.0, 1.0])
def test_one_inspection_lets_q_times_one_minus_p_escape(rework):
    # Caught units are scrapped (rework 0) or repaired and inspected again (rework 1); either way a
    # unit escapes when it is made defective (q) and the inspection misses it (1 - p).
    q, p = 0.05, 0.7
    r = simulate(_line({"d": q}, [{"detection": p, "rework": rework}]), days=10, reps=10, warmup=600, seed=21)
    assert_close(estimate(_escaped_per_unit_out(r)), q * (1 - p))
    shipped_share = 1 - q * p if rework == 0 else 1.0
    assert_close(r.kpis["escape_ppm"], q * (1 - p) / shipped_share * 1e6)
    if rework == 0:
        assert_close(r.kpis["scrap_rate"], q * p)
    else:
        assert r.kpis["scrap_rate"].mean == 0


def test_an_inspection_that_catches_everything_lets_nothing_escape():
    r = simulate(_line({"d": 0.05}, [{"detection": 1.0}]), days=5, reps=4, warmup=600, seed=22)
    assert all(rep.plant["escape_ppm"] == 0 for rep in r.replications)
    assert_close(r.kpis["scrap_rate"], 0.05, rel_width=0.15)


def test_two_independent_inspections_multiply_their_misses():
    q, p1, p2 = 0.05, 0.6, 0.5
    r = simulate(_line({"d": q}, [{"detection": p1}, {"detection": p2}]), days=10, reps=20, warmup=600, seed=23)
    assert_close(estimate(_escaped_per_unit_out(r)), q * (1 - p1) * (1 - p2))


def test_each_defect_class_escapes_by_its_own_detection():
    # A gauge that sees dimensions well (0.9) and surfaces poorly (0.5): misses add up class by class.
    q_dim, q_surf = 0.03, 0.04
    check = {"detection": 0.5, "by_class": {"dimensional": 0.9}}
    r = simulate(_line({"dimensional": q_dim, "surface": q_surf}, [check]), days=10, reps=10, warmup=600, seed=24)
    assert_close(estimate(_escaped_per_unit_out(r)), q_dim * 0.1 + q_surf * 0.5)


def test_a_repair_fixes_what_was_caught_and_leaves_what_was_not_seen():
    # The first inspection sees only class a and repairs it; b passes it unseen and the second finds it.
    q_a, q_b = 0.04, 0.03
    first = {"detection": 0.0, "by_class": {"a": 1.0}, "rework": 1.0}
    r = simulate(_line({"a": q_a, "b": q_b}, [first, {"detection": 0.5}]), days=10, reps=10, warmup=600, seed=25)
    assert_close(estimate(_escaped_per_unit_out(r)), q_b * 0.5)


COSTS = {"claim_cny_per_escape": 1000.0, "containment_cny_per_suspect_unit": 3.0}


@pytest.mark.parametrize(
    ("traceability", "suspects"), [({"scope": "units", "units": 20}, 20), ({"scope": "lot"}, 7)], ids=["units", "lot"]
)
def test_each_escape_costs_its_claim_and_the_containment_of_its_suspect_units(traceability, suspects):
    stations = [
        {"name": "make", "quality": {"defects": {"d": 0.05}}},
        {"name": "check", "inspection": {"detection": 0.5}},
    ]
    routing = [{"station": "make", "time_min": exp(0.5)}, {"station": "check", "time_min": exp(0.5)}]
    product = {"name": "p", "routing": routing, "demand": {"interarrival_min": exp(7 / RATE), "lot_size": 7}}
    f = build_factory(stations, [product], costs=COSTS, traceability=traceability)
    r = simulate(f, days=3, reps=3, warmup=600, seed=26)
    for rep in r.replications:
        per_escape = rep.plant["cost_escapes_cny"] / (rep.plant["escape_ppm"] / 1e6)
        assert per_escape == pytest.approx(1000 + 3 * suspects, rel=1e-9)


def test_without_traceability_an_escape_puts_the_last_period_of_shipments_under_suspicion():
    # Shipments of a tandem of M/M/1 stations are Poisson (Burke), thinned by scrap at rate
    # lambda (1 - q p); seen from an escape, the others shipped in the last hour are Poisson too, so
    # the suspects are the escaped unit plus lambda (1 - q p) x 60 on average.
    q, p, hour = 0.05, 0.7, 60.0
    costs = {"containment_cny_per_suspect_unit": 1.0}
    period = {"scope": "period", "period_days": hour / 1440}
    f = _line({"d": q}, [{"detection": p}], costs=costs, traceability=period)
    r = simulate(f, days=10, reps=10, warmup=600, seed=27)
    suspects = [rep.plant["cost_escapes_cny"] / (rep.plant["escape_ppm"] / 1e6) for rep in r.replications]
    assert_close(estimate(suspects), 1 + RATE * (1 - q * p) * hour, rel_width=0.05)


def test_a_model_without_latent_defects_reports_no_escape_figure_and_no_claim_cost():
    product = {"name": "p", "routing": [{"station": "m", "time_min": exp(0.5)}], "demand": {"interarrival_min": exp(1)}}
    r = simulate(build_factory([{"name": "m", "inspection": {"detection": 0.5}}], [product]), days=1, reps=2, seed=28)
    assert r.kpis["escape_ppm"].mean is None
    assert r.kpis["cost_escapes_cny"].mean == 0


def _plant_with(*ids: str):
    """The default plant after ``ids`` and their prerequisites, in catalogue order."""
    wanted: list[str] = []

    def add(i: str) -> None:
        for pre in CATALOGUE.get(i).prerequisites:
            add(pre)
        if i not in wanted:
            wanted.append(i)

    for i in ids:
        add(i)
    return apply_investments(load_model("precision_machining"), order_investments(CATALOGUE, wanted, []))


def test_ai_vision_lowers_escapes_on_the_default_plant():
    before, after = _plant_with(*CATALOGUE.get("ai_vision").prerequisites), _plant_with("ai_vision")
    # Surface misses fall from 20 % to 5 % of ≈ 0.28 % of units: ≈ 1.1 escapes a week fewer, ≈ 4.5 in
    # each 4-week window, enough for 6 paired replications to tell.
    runs = compare([before, after], days=42, reps=6, warmup=14 * 1440, seed=3)
    change = runs.delta("escape_ppm", 1)
    assert change.hi < 0, change
    # It catches what it did not before, so more is scrapped at inspection and less ships.
    assert runs.delta("inspection.quality_ratio", 1).hi < 0


def test_traceability_cuts_the_claim_cost_and_changes_nothing_on_the_floor():
    before, after = _plant_with("mes"), _plant_with("traceability")
    runs = compare([before, after], days=28, reps=3, warmup=7 * 1440, seed=4)
    b, a = runs.results
    for kpi in ("throughput_per_h", "oee", "lead_time_min", "wip", "scrap_rate", "escape_ppm", "cost_material_cny"):
        assert a.values(kpi) == b.values(kpi), kpi
    assert all(x > 0 for x in b.values("escape_ppm"))
    assert all(x < y for x, y in zip(a.values("cost_escapes_cny"), b.values("cost_escapes_cny"), strict=True))
    saved = [y - x for x, y in zip(a.values("unit_cost_cny"), b.values("unit_cost_cny"), strict=True)]
    claims = [y - x for x, y in zip(a.values("cost_escapes_cny"), b.values("cost_escapes_cny"), strict=True)]
    assert saved == pytest.approx(claims, rel=1e-9)


def test_shipped_inspections_can_miss_and_say_where_their_figures_come_from():
    for name, stations in (("precision_machining", ("inspection",)), ("electronics_smt", ("aoi", "test"))):
        plant = load_model(name)
        assert plant.defect_classes, name
        for station in stations:
            inspection = plant.station(station).inspection
            assert inspection.source, (name, station)
            assert any(inspection.catches(c) < 1 for c in plant.defect_classes), (name, station)
        assert all(s.quality.source for s in plant.stations if s.quality.defects), name
        assert plant.traceability.source, name


runner = CliRunner()
_WITH_INSPECTION = VALID.replace("  - name: mill\n", "  - name: mill\n    inspection:\n      detection: 1.5\n").replace(
    "  - name: saw\n", "  - name: saw\n    quality:\n      defects: {burr: 0.01}\n"
)


@pytest.mark.parametrize(
    ("text", "path", "found"),
    [
        (_WITH_INSPECTION, "stations[1].inspection.detection", "1.5"),
        (
            _WITH_INSPECTION.replace("detection: 1.5", "by_class: {burr: -0.1}"),
            "stations[1].inspection.by_class.burr",
            "-0.1",
        ),
        (VALID + "traceability: {scope: units}\n", "traceability", "units"),
    ],
    ids=["detection", "by_class", "traceability"],
)
def test_bad_inspection_input_gets_one_line_naming_file_and_field(tmp_path, monkeypatch, text, path, found):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "model.yaml").write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["validate", "model.yaml"], env={"COLUMNS": "1000"})
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    m = PROBLEM.match(lines[0])
    assert m and m["file"] == "model.yaml" and m["path"] == path, lines[0]
    assert found in m["found"] or found in m["expected"], lines[0]


def test_an_inspection_naming_a_class_no_station_makes_is_a_warning():
    product = {"name": "p", "routing": [{"station": "m", "time_min": 1.0}, {"station": "c", "time_min": 1.0}],
               "demand": {"interarrival_min": 2.0}}  # fmt: skip
    stations = [
        {"name": "m", "quality": {"defects": {"burr": 0.01}}},
        {"name": "c", "inspection": {"by_class": {"scrach": 0.9}}},
    ]
    warnings = check_factory(Factory.model_validate({"name": "t", "stations": stations, "products": [product]}))
    assert [w.path for w in warnings] == ["stations[1].inspection.by_class.scrach"]
    assert "'scrach'" in warnings[0].found and "burr" in warnings[0].expected


def test_a_drifted_process_makes_its_own_latent_defects_for_the_drifted_share_of_output():
    # A never-starved machine (1 min a unit) drifts after an exponential 300 producing minutes and is
    # corrected 100 minutes later: a quarter of its output is made drifted. In control it leaves 0.1 %
    # of units with a latent defect, drifted 2 %; nothing inspects them, so all escape:
    # 0.25 x 2 % + 0.75 x 0.1 % = 0.575 % of units shipped.
    drift = {"mtbd_min": exp(300.0), "scrap": 0.0, "detect_min": {"dist": "deterministic", "value": 100}}
    stations = [{"name": "make", "quality": {"defects": {"d": 0.001}, "drift": {**drift, "defects": {"d": 0.02}}}}]
    product = {"name": "p", "routing": [{"station": "make", "time_min": 1.0}]}
    f = build_factory(stations, [product], policies={"release": {"policy": "saturated"}})
    r = simulate(f, days=30, reps=10, warmup=600, seed=23)
    assert_close(r.kpis["escape_ppm"], (0.25 * 0.02 + 0.75 * 0.001) * 1e6, rel_width=0.1)
    quality = f.stations[0].quality.model_copy(update={"drift": None})
    undrifting = f.model_copy(update={"stations": [f.stations[0].model_copy(update={"quality": quality})]})
    steady = simulate(undrifting, days=30, reps=10, warmup=600, seed=23)
    assert_close(steady.kpis["escape_ppm"], 0.001 * 1e6, rel_width=0.2)
