"""Model input as a planner meets it: files that cannot hang the tool, YAML that means what it says,
bounds the run can honour, messages in plain words, warnings a careful planner would give.

Every problem is one line ``FILE[:LINE]: field.path: found ...; expected ...``, exit code 2, no traceback.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import PROBLEM, VALID
from typer.testing import CliRunner

import twin
from twin.cli import app
from twin.spec import shipped_models

runner = CliRunner()
MODEL = "model.yaml"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "1000")
    return tmp_path


def problems(args: list[str]) -> list[tuple[int | None, str | None, str, str]]:
    """Run the CLI on bad input; its problems as (line, path, found, expected)."""
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert "Traceback" not in result.output
    out = []
    for line in result.stderr.splitlines():
        m = PROBLEM.match(line)
        assert m, f"not a one-line problem report: {line!r}"
        out.append((int(m["line"]) if m["line"] else None, m["path"], m["found"], m["expected"]))
    assert out, "no problem was reported"
    return out


def validate(workdir: Path, text: str) -> list[tuple[int | None, str | None, str, str]]:
    (workdir / MODEL).write_text(text, encoding="utf-8")
    return problems(["validate", MODEL])


def accepted(workdir: Path, text: str) -> twin.Factory:
    (workdir / MODEL).write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["validate", MODEL])
    assert result.exit_code == 0, result.output
    return twin.load_factory(MODEL)


# --- small inputs must not hang or exhaust memory --------------------------------------------------


def test_billion_laughs_is_refused_in_bounded_time(workdir):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    start = time.perf_counter()
    [(line, path, found, expected)] = validate(workdir, "\n".join(lines) + "\n")
    assert time.perf_counter() - start < 5
    assert path is None and line is not None
    assert "aliases expanded" in found


def test_an_alias_inside_its_own_anchor_is_refused(workdir):
    [(line, _, found, _)] = validate(workdir, "name: cell\nstations: &s [{name: saw}, *s]\n")
    assert line == 2 and "inside its own anchor" in found


def test_deep_nesting_is_refused_with_one_line(workdir):
    [(line, path, found, expected)] = validate(workdir, "name: cell\nstations: " + "[" * 500 + "]" * 500 + "\n")
    assert (line, path) == (2, None)
    assert found == "nesting deeper than 32 levels"


def test_an_endless_file_is_refused_after_a_bounded_read(workdir):
    [(line, path, found, expected)] = problems(["validate", "/dev/zero"])
    assert found.startswith("a file larger than")


def test_a_folder_named_like_a_shipped_plant_does_not_hide_it(workdir):
    (workdir / "precision_machining").mkdir()
    result = runner.invoke(app, ["validate", "precision_machining"])
    assert result.exit_code == 0, result.output


def test_a_shipped_name_cannot_escape_the_models_folder(workdir):
    [(_, _, found, expected)] = problems(["validate", "../scenarios/investments"])
    assert found == "no such file or shipped model"
    for name in shipped_models():
        assert name in expected


# --- YAML as people write it ------------------------------------------------------------------------


def test_clock_times_after_noon_read_as_clock_times(workdir):
    calendar = "calendar:\n  shifts:\n"
    calendar += "    - {name: early, start: 06:00, hours: 6}\n    - {name: late, start: 12:00, hours: 8}\n"
    factory = accepted(workdir, VALID + calendar)
    assert [s.start for s in factory.calendar.shifts] == ["06:00", "12:00"]


def test_numbers_in_exponent_form_are_numbers_everywhere(workdir):
    factory = accepted(workdir, VALID.replace("{station: saw, time_min: 1}", "{station: saw, time_min: 1e0}"))
    assert factory.products[0].routing[0].time_min.mean == 1.0


def test_only_true_and_false_are_booleans(workdir):
    factory = accepted(
        workdir,
        VALID.replace("  - name: saw\n", "  - name: saw\n    power_kw: {busy: 2, off: 0.5}\n    networked: true\n"),
    )
    assert factory.stations[0].power_kw.off == 0.5
    assert factory.stations[0].networked is True
    [(line, path, found, _)] = validate(
        workdir, VALID.replace("    buffer: 3\n", "    buffer: 3\n    networked: yes\n")
    )
    assert (line, path, found) == (7, "stations[0].networked", "'yes'")


def test_a_leading_zero_does_not_make_an_octal_number(workdir):
    factory = accepted(workdir, VALID.replace("buffer: 3", "buffer: 010"))
    assert factory.stations[0].buffer == 10


# --- bounds the run can honour ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "line", "path"),
    [
        ("name: cell\n", "name: cell\nrun: {days: 100000000}\n", 2, "run.days"),
        ("name: cell\n", "name: cell\nrun: {replications: 1e8}\n", 2, "run.replications"),
        ("buffer: 3", "buffer: 1e9", 6, "stations[0].buffer"),
        ("buffer: 3", "buffer: 3\n    machines: 100000", 7, "stations[0].machines"),
        (
            "release: {policy: saturated}",
            "release: {policy: push}",
            None,
            None,
        ),
    ],
    ids=["days", "replications", "buffer", "machines", "lot-size"],
)
def test_sizes_beyond_what_a_run_can_hold_are_refused(workdir, old, new, line, path):
    text = VALID.replace(old, new)
    if path is None:
        text += "    demand: {interarrival_min: 60, lot_size: 1e8}\n"
        line, path = 16, "products[0].demand.lot_size"
    [(got_line, got_path, _, expected)] = validate(workdir, text)
    assert (got_line, got_path) == (line, path)
    assert expected.startswith("less than or equal to")


def test_the_schema_bounds_match_the_cli_caps():
    from twin.spec.factory import MAX_DAYS, MAX_REPLICATIONS, RunDefaults

    assert MAX_DAYS == 3650 and MAX_REPLICATIONS == 10_000
    RunDefaults(days=MAX_DAYS, replications=MAX_REPLICATIONS)


def test_a_warm_up_past_the_horizon_is_refused_at_validation(workdir):
    [(line, path, found, expected)] = validate(workdir, "run: {days: 1, warmup: 99999}\n" + VALID)
    assert (line, path, found) == (1, "run.warmup", "99999")
    assert "below the run's 1 days (1440 min)" in expected


@pytest.mark.parametrize(
    ("dist", "key"),
    [
        ("{dist: weibull, mean: 100, shape: 0.001}", "shape"),
        ("{dist: lognormal, mean: 100, cv: 1e200}", "cv"),
        ("{dist: gamma, mean: 100, cv: 1e200}", "cv"),
        ("{dist: gamma, mean: 100, cv: 1e-200}", "cv"),
        ("{dist: exponential, mean: 1e300}", "mean"),
    ],
    ids=["weibull-shape", "lognormal-cv", "gamma-cv", "gamma-tiny-cv", "huge-mean"],
)
def test_distribution_parameters_that_overflow_are_refused(workdir, dist, key):
    [(line, path, _, _)] = validate(workdir, VALID.replace("{dist: exponential, mean: 100}", dist))
    assert (line, path) == (9, f"stations[1].failures.ttf_min.{key}")


@pytest.mark.parametrize(
    ("old", "new", "path"),
    [
        ("buffer: 3", "buffer: true", "stations[0].buffer"),
        ("buffer: 3", "buffer: 3\n    machines: true", "stations[0].machines"),
        ("time_min: 1}", "time_min: true}", "products[0].routing[0].time_min"),
    ],
    ids=["buffer", "machines", "time"],
)
def test_true_or_false_is_not_a_number(workdir, old, new, path):
    [(_, got, found, expected)] = validate(workdir, VALID.replace(old, new))
    assert (got, found) == (path, "true")
    assert "not true or false" in expected


# --- messages in plain words ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "path", "expected"),
    [
        (
            "name: saw",
            "name: band saw",
            "stations[0].name",
            "a name of letters (any script), digits, '_', '.' or '-', without spaces",
        ),
        (
            "products:\n",
            "operators:\n  - {name: crew, count: 1, stations: []}\nproducts:\n",
            "operators[0].stations",
            "at least 1 item (a direct pool runs stations; kind: indirect for one that runs none)",
        ),
        ("buffer: 3", "buffer: three", "stations[0].buffer", "a whole number"),
        ("buffer: 3", "buffer: 3\n    networked: maybe", "stations[0].networked", "true or false"),
        (
            "policy: saturated",
            "policy: pull",
            "policies.release.policy",
            "one of 'push', 'conwip', 'saturated' or 'workload'",
        ),
    ],
    ids=["space-in-name", "empty-list", "word-for-number", "word-for-boolean", "unknown-choice"],
)
def test_messages_say_what_is_expected_in_plain_words(workdir, old, new, path, expected):
    (_, got, _, said), *_ = validate(workdir, VALID.replace(old, new, 1))
    assert (got, said) == (path, expected)
    assert "should" not in said and "pattern" not in said


def test_a_clock_time_past_midnight_is_explained(workdir):
    text = VALID + "calendar:\n  shifts: [{name: early, start: '24:00', hours: 8}]\n"
    [(line, path, found, expected)] = validate(workdir, text)
    assert (line, path, found, expected) == (
        17,
        "calendar.shifts[0].start",
        "'24:00'",
        "a clock time HH:MM from 00:00 to 23:59",
    )


def test_chinese_station_names_and_display_names_are_accepted(workdir):
    text = VALID.replace("name: saw\n", "name: 锯床\n    name_en: band saw\n    name_zh: 带锯床\n").replace(
        "station: saw", "station: 锯床"
    )
    factory = accepted(workdir, text)
    station = factory.stations[0]
    assert (station.name, station.name_en, station.name_zh) == ("锯床", "band saw", "带锯床")


# --- the normal distribution is truncated at zero ---------------------------------------------------


@pytest.mark.parametrize("ratio", [0.1, 0.6, 1.0])
def test_truncated_normal_mean_and_variance_match_its_draws(ratio):
    import numpy as np
    from scipy import stats

    from twin.spec.distributions import Normal

    dist = Normal.model_validate({"dist": "normal", "mean": 10, "sd": 10 * ratio})
    theory = stats.truncnorm(-1 / ratio, np.inf, loc=10, scale=10 * ratio)
    assert dist.mean == pytest.approx(theory.mean(), rel=1e-12)
    assert dist.variance == pytest.approx(theory.var(), rel=1e-9)
    draw = dist.sampler(np.random.default_rng(7))
    x = np.array([draw() for _ in range(100_000)])
    half = 3.29 * x.std(ddof=1) / np.sqrt(x.size)  # 99.9 %
    assert abs(x.mean() - dist.mean) < half
    assert half < 0.01 * dist.mean


def test_a_station_at_nominal_speed_with_a_wide_normal_time_is_fully_effective():
    from conftest import saturated

    factory = saturated([{"name": "m"}], [{"station": "m", "time_min": {"dist": "normal", "mean": 1, "sd": 1}}])
    r = twin.simulate(factory, days=2, reps=5, warmup=0, seed=3)
    est = r.kpis["effectiveness"]
    assert est.contains(1.0), (est.lo, est.hi)
    assert est.half_width < 0.02


# --- checks a careful planner would make ------------------------------------------------------------


def test_presets_load_wherever_a_model_is_accepted():
    plant = twin.load_factory("precision_machining_excellent")
    assert plant.name == "precision_machining_excellent"
    assert "mes" in plant.investments


def test_an_unknown_investment_in_a_model_is_refused(workdir):
    [(line, path, found, expected)] = validate(workdir, VALID + "investments: [mes, teleporter]\n")
    assert (line, path, found) == (16, "investments[1]", "'teleporter'")
    assert expected.startswith("an investment of the catalogue: ") and "mes" in expected


def test_a_tariff_start_given_twice_is_refused(workdir):
    tariff = "energy:\n  tariff:\n"
    tariff += "    - {start: '08:00', price_cny_per_kwh: 1}\n    - {start: '08:00', price_cny_per_kwh: 2}\n"
    [(line, path, found, expected)] = validate(workdir, VALID + tariff)
    assert (line, path, found, expected) == (
        19,
        "energy.tariff[1].start",
        "'08:00' a second time",
        "each start time once",
    )


def test_load_shifting_without_a_tariff_is_refused(workdir):
    text = VALID.replace("  - name: mill\n", "  - name: mill\n    batch: {size: 4, tariff_hold_min: 60}\n")
    [(line, path, found, expected)] = validate(workdir, text)
    assert (path, found, expected) == (
        "stations[1].batch.tariff_hold_min",
        "no time-of-use tariff",
        "energy.tariff to shift loads by",
    )
    assert line == 8


def test_load_shifting_of_a_cycle_that_pauses_off_shift_is_refused(workdir):
    text = VALID.replace("  - name: mill\n", "  - name: mill\n    batch: {size: 4, tariff_hold_min: 60}\n")
    text += (
        CALENDAR
        + "energy:\n  tariff: [{start: '00:00', price_cny_per_kwh: 0.3}, {start: '08:00', price_cny_per_kwh: 1}]\n"
    )
    [(line, path, found, expected)] = validate(workdir, text)
    assert (path, found, expected) == (
        "stations[1].batch.tariff_hold_min",
        "a cycle that pauses off-shift",
        "non_interruptible: true, or no calendar",
    )


CALENDAR = "calendar:\n  days_per_week: 5\n  shifts: [{name: day, start: '08:00', hours: 8}]\n"


@pytest.mark.parametrize(
    ("extra", "path", "found"),
    [
        ("  - name: lathe\n", "stations[2]", "station 'lathe' on no routing"),
        (CALENDAR + "  breaks: [{start: '20:00', minutes: 30}]\n", "calendar.breaks[0]", "a break at 20:00 outside"),
        (
            CALENDAR + "  planned_downtime: [{day: 6, start: '09:00', minutes: 60}]\n",
            "calendar.planned_downtime[0]",
            "a planned stop on a day off",
        ),
    ],
    ids=["station-on-no-routing", "break-outside-shifts", "planned-stop-on-day-off"],
)
def test_slips_that_still_run_are_warned_about(workdir, extra, path, found):
    text = VALID.replace("products:\n", extra + "products:\n") if extra.startswith("  - name") else VALID + extra
    factory = accepted(workdir, text)
    [warning] = factory.warnings
    assert (warning.file, warning.path) == (MODEL, path)
    assert warning.found.startswith(found)
    assert warning.line is not None


def test_breaks_and_stops_inside_shifts_raise_no_warning(workdir):
    calendar = CALENDAR + "  breaks: [{start: '12:00', minutes: 30}]\n"
    calendar += "  planned_downtime: [{day: 4, start: '15:00', minutes: 60}]\n"
    assert accepted(workdir, VALID + calendar).warnings == ()


@pytest.mark.parametrize("name", ["precision_machining", "electronics_smt"])
def test_shipped_plants_load_without_warnings(name):
    assert twin.load_factory(name).warnings == ()


def test_a_value_that_fits_no_alternative_gets_one_line_naming_them_all(workdir):
    [(line, path, found, expected)] = validate(workdir, "run: {warmup: soon}\n" + VALID)
    assert (line, path, found, expected) == (1, "run.warmup", "'soon'", "'auto' or a number")


def test_catalogue_files_go_through_the_same_bounded_loader(workdir):
    from twin.plan.investments import load_catalogue

    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    (workdir / "catalogue.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(twin.SpecError) as caught:
        load_catalogue("catalogue.yaml")
    [problem] = caught.value.problems
    assert "aliases expanded" in problem.found


@pytest.mark.parametrize(
    "spec",
    [
        {"dist": "weibull", "mean": 1e9, "shape": 0.1},
        {"dist": "weibull", "mean": 1e-9, "shape": 100},
        {"dist": "lognormal", "mean": 1e9, "cv": 10},
        {"dist": "lognormal", "mean": 1e-9, "cv": 0.001},
        {"dist": "gamma", "mean": 1e9, "cv": 10},
        {"dist": "gamma", "mean": 1e-9, "cv": 0.001},
        {"dist": "normal", "mean": 1e-9, "sd": 1e9},
        {"dist": "normal", "mean": 1e9, "sd": 1e-9},
        {"dist": "exponential", "mean": 1e9},
    ],
    ids=lambda d: "-".join(str(v) for v in d.values()),
)
def test_distributions_at_their_bounds_give_finite_means_and_draws(spec):
    import math

    import numpy as np
    from pydantic import TypeAdapter

    from twin.spec.distributions import Distribution

    dist = TypeAdapter(Distribution).validate_python(spec)
    assert math.isfinite(dist.mean) and math.isfinite(dist.variance)
    draw = dist.sampler(np.random.default_rng(5))
    assert all(math.isfinite(x) and x >= 0 for x in (draw() for _ in range(2000)))


def test_nesting_built_from_aliases_counts_as_nesting(workdir):
    deep = "[" * 20 + "1" + "]" * 20
    [(line, _, found, _)] = validate(workdir, f"a: &deep {deep}\nb: {'[' * 20}*deep{']' * 20}\n")
    assert (line, found) == (2, "nesting deeper than 32 levels")
