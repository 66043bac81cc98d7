"""Bad input meets one contract: one line per problem, exit code 2, no traceback, no result file.

Each problem line reads ``FILE[:LINE]: field.path[3].x: found ...; expected ...`` so a planner can
jump straight to the value to fix. Both ``twin validate`` and ``twin simulate`` keep it, and
``simulate --out`` never writes (or half-writes) a result for input it could not use.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import PROBLEM, VALID
from typer.testing import CliRunner, Result

from twin.cli import app
from twin.spec import shipped_models

runner = CliRunner()
MODEL = "model.yaml"
RESULT = "result.json"


@dataclass(frozen=True)
class Reported:
    """One problem line, taken apart."""

    file: str
    line: int | None
    path: str | None
    found: str
    expected: str


def parse(line: str) -> Reported:
    m = PROBLEM.match(line)
    assert m, f"not a one-line problem report: {line!r}"
    number = m["line"]
    return Reported(m["file"], int(number) if number else None, m["path"], m["found"], m["expected"])


def assert_no_traceback(result: Result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert "Traceback" not in result.output


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in a fresh folder, so problem lines name the file as the user typed it.

    The terminal is made wide here; wrapping on narrow terminals has a test of its own.
    """
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "1000")
    return tmp_path


@pytest.fixture(params=["validate", "simulate"])
def problems_of(request: pytest.FixtureRequest, workdir: Path):
    """Write a model file, run ``twin validate`` or ``twin simulate --out`` on it, return its problems."""

    def run(text: str) -> list[Reported]:
        (workdir / MODEL).write_text(text, encoding="utf-8")
        args = [request.param, MODEL]
        if request.param == "simulate":
            args += ["--days", "0.1", "--reps", "1", "--out", RESULT]
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        assert_no_traceback(result)
        assert result.stdout == ""
        assert not (workdir / RESULT).exists()
        lines = result.stderr.splitlines()
        assert lines, "no problem was reported"
        reported = [parse(line) for line in lines]
        assert {r.file for r in reported} == {MODEL}
        return reported

    return run


def test_the_valid_model_used_below_is_accepted(workdir):
    (workdir / MODEL).write_text(VALID, encoding="utf-8")
    result = runner.invoke(app, ["validate", MODEL])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("OK: cell")


# --- the file itself --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "what"),
    [
        ("name: cell\nstations:\n  - name: saw: mill\nproducts: []\n", 3, "mapping values are not allowed here"),
        ("name: cell\nstations:\n  - name: saw\n\tbuffer: 2\nproducts: []\n", 4, "'\\t'"),
        ("name: cell\nstations: [{name: saw}\nproducts: []\n", 3, "expected ',' or ']'"),
        ("name: cell\nstations:\n  - name: saw\n    buffer: 3\n   machines: 2\n", 5, "expected <block end>"),
    ],
    ids=["colon-in-value", "tab", "unclosed-bracket", "bad-indent"],
)
def test_malformed_yaml_is_reported_at_its_line(problems_of, text, line, what):
    [p] = problems_of(text)
    assert (p.line, p.path) == (line, None)
    assert p.found.startswith("malformed YAML (") and what in p.found
    assert p.expected == "valid YAML"


@pytest.mark.parametrize("text", ["- saw\n- mill\n", "just words\n", "", "42\n"], ids=["list", "str", "empty", "int"])
def test_top_level_that_is_not_a_mapping_is_reported(problems_of, text):
    [p] = problems_of(text)
    assert (p.line, p.path) == (1, None)
    assert p.expected == "a YAML mapping at the top level"


def test_missing_file_is_reported(workdir):
    for command in ("validate", "simulate"):
        result = runner.invoke(
            app, [command, "missing.yaml", "--out", RESULT] if command == "simulate" else [command, "missing.yaml"]
        )
        assert result.exit_code == 2
        assert_no_traceback(result)
        assert result.stderr == "missing.yaml: found no such file; expected an existing YAML file\n"
        assert not (workdir / RESULT).exists()


def test_unknown_shipped_model_name_is_reported_with_the_known_names(workdir):
    for command in ("validate", "simulate"):
        result = runner.invoke(app, [command, "no_such_plant"])
        assert result.exit_code == 2
        assert_no_traceback(result)
        [p] = [parse(line) for line in result.stderr.splitlines()]
        assert (p.file, p.line, p.path) == ("no_such_plant", None, None)
        assert p.found == "no such file or shipped model"
        assert p.expected.startswith("a YAML path or one of:")
        for name in shipped_models():
            assert name in p.expected


# --- the schema ---------------------------------------------------------------------------------


def test_conwip_loops_on_another_release_policy_is_named(problems_of):
    [p] = problems_of(VALID.replace("release: {policy: saturated}", "release: {policy: push, loops: line}"))
    assert p.path == "policies.release" and "loops applies to policy conwip only" in p.expected


def test_unknown_top_level_key_is_reported(problems_of):
    [p] = problems_of(VALID.replace("name: cell\n", "name: cell\ncolour: red\n"))
    assert (p.line, p.path, p.found) == (2, "colour", "unknown key 'colour'")


def test_unknown_nested_key_is_reported_with_its_full_path(problems_of):
    reported = problems_of(
        VALID.replace("ttr_min: {dist: exponential, mean: 5}", "ttr_mean: {dist: exponential, mean: 5}")
    )
    assert [(p.line, p.path, p.found) for p in reported] == [
        (9, "stations[1].failures.ttr_min", "nothing"),
        (10, "stations[1].failures.ttr_mean", "unknown key 'ttr_mean'"),
    ]
    assert reported[0].expected == "this required key"


def test_negative_process_time_is_reported(problems_of):
    [p] = problems_of(VALID.replace("{station: saw, time_min: 1}", "{station: saw, time_min: -1}"))
    assert p.line == 14
    assert p.path in ("products[0].routing[0].time_min", "products[0].routing[0].time_min.value")
    assert p.found == "-1"
    assert "greater than 0" in p.expected


def test_negative_repair_time_is_reported(problems_of):
    [p] = problems_of(VALID.replace("ttr_min: {dist: exponential, mean: 5}", "ttr_min: {dist: exponential, mean: -5}"))
    assert (p.line, p.path, p.found) == (10, "stations[1].failures.ttr_min.mean", "-5")
    assert "greater than 0" in p.expected


def test_zero_deterministic_time_is_reported(problems_of):
    [p] = problems_of(
        VALID.replace("{station: saw, time_min: 1}", "{station: saw, time_min: {dist: deterministic, value: 0}}")
    )
    assert (p.line, p.path, p.found) == (14, "products[0].routing[0].time_min.value", "0")
    assert "greater than 0" in p.expected


def test_negative_buffer_is_reported(problems_of):
    [p] = problems_of(VALID.replace("buffer: 3", "buffer: -1"))
    assert (p.line, p.path, p.found) == (6, "stations[0].buffer", "-1")
    assert "greater than or equal to 0" in p.expected


@pytest.mark.parametrize(("scrap", "rework"), [(0.5, 0.5), (0.7, 0.6)])
def test_scrap_plus_rework_of_one_or_more_is_reported(problems_of, scrap, rework):
    [p] = problems_of(VALID.replace("buffer: 3", f"buffer: 3\n    quality: {{scrap: {scrap}, rework: {rework}}}"))
    assert (p.line, p.path) == (7, "stations[0].quality")
    assert "scrap + rework must be below 1" in p.expected


def test_unknown_distribution_name_is_reported_with_the_known_names(problems_of):
    [p] = problems_of(VALID.replace("{dist: exponential, mean: 0.9}", "{dist: poisson, mean: 0.9}"))
    assert (p.line, p.path) == (15, "products[0].routing[1].time_min")
    assert "poisson" in p.found
    assert "lognormal" in p.expected and "weibull" in p.expected


def test_lognormal_given_sd_instead_of_cv_is_reported(problems_of):
    reported = problems_of(VALID.replace("{dist: exponential, mean: 0.9}", "{dist: lognormal, mean: 0.9, sd: 0.3}"))
    assert [(p.line, p.path, p.found) for p in reported] == [
        (15, "products[0].routing[1].time_min.cv", "nothing"),
        (15, "products[0].routing[1].time_min.sd", "unknown key 'sd'"),
    ]


def test_distribution_without_dist_key_is_reported(problems_of):
    [p] = problems_of(VALID.replace("{dist: exponential, mean: 0.9}", "{mean: 0.9}"))
    assert (p.line, p.path) == (15, "products[0].routing[1].time_min")
    assert "dist" in p.expected


def test_conwip_without_cap_is_reported(problems_of):
    [p] = problems_of(VALID.replace("release: {policy: saturated}", "release: {policy: conwip}"))
    assert (p.line, p.path) == (3, "policies.release")
    assert "cap" in p.expected


def test_duplicate_station_names_are_reported(problems_of):
    [p] = problems_of(VALID.replace("name: mill", "name: saw").replace("station: mill", "station: saw"))
    assert (p.line, p.path) in {(5, "stations"), (7, "stations[1].name")}
    assert "'saw'" in p.found + p.expected and "twice" in p.expected


@pytest.mark.parametrize(
    ("old", "new", "line", "path", "found"),
    [
        ("mean: 100", "mean: .inf", 9, "stations[1].failures.ttf_min.mean", "inf"),
        ("mean: 0.9", "mean: -.Inf", 15, "products[0].routing[1].time_min.mean", "-inf"),
        ("buffer: 3", "buffer: .nan", 6, "stations[0].buffer", "nan"),
        ("time_min: 1}", "time_min: .NaN}", 14, "products[0].routing[0].time_min", "nan"),
    ],
)
def test_infinite_or_nan_number_is_reported(problems_of, old, new, line, path, found):
    [p] = problems_of(VALID.replace(old, new))
    assert (p.line, p.path, p.found) == (line, path, found)
    assert p.expected == "a finite number"


CALENDAR_AT = "stations:\n"


@pytest.mark.parametrize(
    ("old", "new", "line", "path", "expected"),
    [
        ("buffer: 3", "buffer: 3\n    machines: two", 7, "stations[0].machines", "a whole number"),
        (
            "{dist: exponential, mean: 0.9}",
            "{dist: uniform, low: 2, high: 1}",
            15,
            "products[0].routing[1].time_min",
            "high",
        ),
        (
            "{dist: exponential, mean: 0.9}",
            "{dist: triangular, low: 1, mode: 3, high: 2}",
            15,
            "products[0].routing[1].time_min",
            "mode",
        ),
        (
            "{dist: exponential, mean: 0.9}",
            "{dist: empirical, values: [0, 0]}",
            15,
            "products[0].routing[1].time_min",
            "zero",
        ),
        ("time_min: 1}", "time_min: true}", 14, "products[0].routing[0].time_min", ""),
        ("policy: saturated", "policy: pull", 3, "policies.release.policy", "'conwip'"),
        (
            "release: {policy: saturated}",
            "release: {policy: saturated}\n  dispatch: random",
            4,
            "policies.dispatch",
            "'edd'",
        ),
        (
            "release: {policy: saturated}",
            "release: {policy: saturated}\n  maintenance: {parts_at_start: old}",
            4,
            "policies.maintenance.parts_at_start",
            "'long_run'",
        ),
        ("name: saw", "name: band saw", 5, "stations[0].name", "without spaces"),
        (
            CALENDAR_AT,
            "calendar:\n  shifts: [{name: early, start: '25:00', hours: 8}]\n" + CALENDAR_AT,
            5,
            "calendar.shifts[0].start",
            "a clock time HH:MM from 00:00 to 23:59",
        ),
        (
            CALENDAR_AT,
            "calendar:\n  shifts:\n    - {name: early, start: '06:00', hours: 8}\n"
            "    - {name: late, start: '13:00', hours: 8}\n" + CALENDAR_AT,
            5,
            "calendar",
            "shifts overlap",
        ),
        (
            "buffer: 3",
            "buffer: 3\n    setup_matrix: {bracket: {plate: 5}}",
            7,
            "stations[0].setup_matrix.bracket.plate",
            "a product name",
        ),
    ],
    ids=[
        "word-for-integer",
        "uniform-high-below-low",
        "triangular-mode-outside",
        "empirical-all-zero",
        "bool-for-time",
        "unknown-release-policy",
        "unknown-dispatch-rule",
        "unknown-start-of-parts",
        "name-with-space",
        "clock-25h",
        "overlapping-shifts",
        "setup-to-unknown-product",
    ],
)
def test_other_bad_values_are_reported_at_their_field(problems_of, old, new, line, path, expected):
    reported = problems_of(VALID.replace(old, new, 1))
    assert (reported[0].line, reported[0].path) == (line, path)
    assert expected in reported[0].expected


def test_count_per_shift_not_matching_the_shifts_is_reported(problems_of):
    [p] = problems_of(VALID + "operators:\n  - name: crew\n    count_per_shift: [1, 2]\n    stations: [saw]\n")
    assert (p.line, p.path, p.found) == (18, "operators[0].count_per_shift", "2 counts")
    assert p.expected == "1, one per shift"


@pytest.mark.parametrize(
    ("make", "line", "found", "expected"),
    [("folder", None, "a folder", "a YAML file"), ("latin-1", 1, "text that is not UTF-8", "a UTF-8 YAML file")],
)
def test_unreadable_model_file_is_reported(workdir, make, line, found, expected):
    if make == "folder":
        (workdir / MODEL).mkdir()
    else:
        (workdir / MODEL).write_bytes("name: Zürich\n".encode("latin-1"))
    for command in ("validate", "simulate"):
        result = runner.invoke(app, [command, MODEL])
        assert result.exit_code == 2
        assert_no_traceback(result)
        [p] = [parse(line) for line in result.stderr.splitlines()]
        assert (p.file, p.line, p.path, p.found, p.expected) == (MODEL, line, None, found, expected)


# --- cross-references ---------------------------------------------------------------------------


def test_routing_to_a_missing_station_is_reported(problems_of):
    [p] = problems_of(VALID + "      - {station: lathe, time_min: 2}\n")
    assert (p.line, p.path, p.found) == (16, "products[0].routing[2].station", "'lathe'")
    assert p.expected == "a station: saw, mill"


def test_operator_pool_naming_a_missing_station_is_reported(problems_of):
    [p] = problems_of(VALID + "operators:\n  - name: crew\n    count: 2\n    stations:\n      - saw\n      - lathe\n")
    assert (p.line, p.path, p.found) == (21, "operators[0].stations[1]", "'lathe'")
    assert p.expected == "a station: saw, mill"


def test_station_needing_operators_without_a_pool_is_reported(problems_of):
    [p] = problems_of(VALID.replace("  - name: mill\n", "  - name: mill\n    operators: 2\n"))
    assert (p.line, p.path) == (8, "stations[1].operators")
    assert p.expected == "an operator pool listing this station"


def test_products_without_demand_under_push_release_are_reported(problems_of):
    [p] = problems_of(VALID.replace("release: {policy: saturated}", "release: {policy: push}"))
    assert (p.line, p.path, p.found) == (12, "products[0].demand", "nothing")


# --- several problems ---------------------------------------------------------------------------


def test_several_schema_problems_are_reported_one_line_each(problems_of):
    text = (
        VALID.replace("buffer: 3", "buffer: -2\n    colour: red")
        .replace("  - name: mill\n", "  - name: mill\n    machines: 0\n")
        .replace("{dist: exponential, mean: 0.9}", "{dist: poisson, mean: 0.9}")
    )
    reported = problems_of(text)
    assert [(p.line, p.path) for p in reported] == [
        (6, "stations[0].buffer"),
        (7, "stations[0].colour"),
        (9, "stations[1].machines"),
        (17, "products[0].routing[1].time_min"),
    ]


def test_several_cross_reference_problems_are_reported_one_line_each(problems_of):
    text = (
        VALID.replace("  - name: mill\n", "  - name: mill\n    operators: 1\n")
        + "      - {station: lathe, time_min: 2}\n"
        + "operators:\n  - name: crew\n    count: 1\n    stations: [saw, drill]\n"
    )
    reported = problems_of(text)
    assert sorted((p.line, p.path, p.found) for p in reported) == [
        (8, "stations[1].operators", "1 with no pool"),
        (17, "products[0].routing[2].station", "'lathe'"),
        (21, "operators[0].stations[1]", "'drill'"),
    ]


def test_schema_and_cross_reference_problems_are_reported_together(problems_of):
    reported = problems_of(VALID.replace("buffer: 3", "buffer: -2") + "      - {station: lathe, time_min: 2}\n")
    assert sorted((p.line, p.path) for p in reported) == [
        (6, "stations[0].buffer"),
        (16, "products[0].routing[2].station"),
    ]


# --- problems found by testing, now fixed -------------------------------------------------------------


def test_problem_lines_do_not_wrap_on_a_narrow_terminal(workdir, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    (workdir / MODEL).write_text(VALID.replace("name: cell\n", "name: cell\ncolour: red\n"), encoding="utf-8")
    result = runner.invoke(app, ["validate", MODEL])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "model.yaml:2: colour: found unknown key 'colour'; expected no such key (check its spelling and place)"
    ]


def test_unknown_key_spelled_like_a_distribution_is_reported_with_its_path(problems_of):
    [p] = problems_of(VALID.replace("name: cell\n", "name: cell\ngamma: 2\n"))
    assert (p.line, p.path, p.found) == (2, "gamma", "unknown key 'gamma'")


def test_key_given_twice_is_reported(problems_of):
    [p] = problems_of(VALID.replace("buffer: 3", "buffer: 3\n    buffer: 30"))
    assert (p.line, p.path) == (7, "stations[0].buffer")
    assert "twice" in p.found


def test_calendar_without_working_time_is_reported(problems_of):
    calendar = (
        "calendar:\n  shifts: [{name: early, start: '06:00', hours: 1}]\n  breaks: [{start: '06:00', minutes: 60}]\n"
    )
    [p] = problems_of(VALID.replace("stations:\n", calendar + "stations:\n", 1))
    assert (p.line, p.path) == (5, "calendar")
    assert "working time" in p.expected


# --- command-line options -----------------------------------------------------------------------


@pytest.fixture
def valid_model(workdir: Path) -> Path:
    (workdir / MODEL).write_text(VALID, encoding="utf-8")
    return workdir / MODEL


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--warmup", "banana"], "banana"),
        (["--warmup", "-5"], "-5"),
        (["--days", "1", "--warmup", "1440"], "horizon"),
        (["--days", "1", "--warmup", "5000"], "horizon"),
        (["--days", "0"], "--days"),
        (["--days", "many"], "--days"),
        (["--reps", "0"], "--reps"),
        (["--seed", "-1"], "--seed"),
        (["--jobs", "0"], "--jobs"),
    ],
)
def test_bad_option_exits_2_with_a_message_and_writes_nothing(valid_model, options, message):
    result = runner.invoke(app, ["simulate", MODEL, "--reps", "1", "--days", "0.1", *options, "--out", RESULT])
    assert result.exit_code == 2, result.output
    assert_no_traceback(result)
    assert message in result.output
    assert not (valid_model.parent / RESULT).exists()


def test_infinite_days_exit_2_instead_of_running_forever(valid_model):
    try:
        done = subprocess.run(
            [sys.executable, "-m", "twin.cli", "simulate", MODEL, "--reps", "1", "--days", "inf"],
            capture_output=True,
            text=True,
            timeout=15,
            cwd=valid_model.parent,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("twin simulate --days inf was still running after 15 s")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr


# --- the result file ----------------------------------------------------------------------------


def test_out_on_success_replaces_the_file_atomically_with_the_json_result(valid_model):
    folder = valid_model.parent
    target = folder / RESULT
    target.write_text("old result\n", encoding="utf-8")
    with target.open(encoding="utf-8") as reader_of_old_file:
        result = runner.invoke(app, ["simulate", MODEL, "--reps", "2", "--days", "0.2", "--json", "--out", RESULT])
        assert result.exit_code == 0, result.output
        assert reader_of_old_file.read() == "old result\n"  # replaced by a rename, never rewritten in place
    written = target.read_text(encoding="utf-8")
    assert written == result.stdout
    assert json.loads(written)["model"] == "cell"
    assert sorted(p.name for p in folder.iterdir()) == [MODEL, RESULT]


@pytest.mark.parametrize(
    "args",
    [
        ["simulate", MODEL, "--reps", "1", "--days", "0.1", "--warmup", "banana"],
        ["simulate", MODEL, "--reps", "1", "--days", "0.1", "--warmup", "9999"],
        ["simulate", "missing.yaml"],
    ],
    ids=["bad-option", "warmup-beyond-horizon", "missing-model"],
)
def test_out_on_failure_leaves_an_existing_file_untouched(valid_model, args):
    target = valid_model.parent / RESULT
    target.write_text("old result\n", encoding="utf-8")
    before = target.stat().st_mtime_ns
    result = runner.invoke(app, [*args, "--out", RESULT])
    assert result.exit_code == 2, result.output
    assert_no_traceback(result)
    assert target.read_text(encoding="utf-8") == "old result\n"
    assert target.stat().st_mtime_ns == before
    assert sorted(p.name for p in valid_model.parent.iterdir()) == [MODEL, RESULT]


def test_out_on_failure_of_a_bad_model_leaves_an_existing_file_untouched(valid_model):
    target = valid_model.parent / RESULT
    target.write_text("old result\n", encoding="utf-8")
    valid_model.write_text(VALID.replace("buffer: 3", "buffer: -3"), encoding="utf-8")
    result = runner.invoke(app, ["simulate", MODEL, "--out", RESULT])
    assert result.exit_code == 2
    assert target.read_text(encoding="utf-8") == "old result\n"


def test_out_naming_a_folder_exits_2_with_a_message(valid_model):
    folder = valid_model.parent / "results"
    folder.mkdir()
    result = runner.invoke(app, ["simulate", MODEL, "--reps", "1", "--days", "0.1", "--out", "results"])
    assert_no_traceback(result)
    assert result.exit_code == 2
    assert list(folder.iterdir()) == []


# --- a real process -----------------------------------------------------------------------------


def test_real_process_prints_one_line_and_exits_2_without_traceback(workdir):
    (workdir / MODEL).write_text(VALID.replace("buffer: 3", "buffer: -1"), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "twin.cli", "validate", MODEL],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=workdir,
        stdin=subprocess.DEVNULL,
        env={k: v for k, v in os.environ.items() if k != "COLUMNS"},  # not a terminal: 80 columns
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == "model.yaml:6: stations[0].buffer: found -1; expected greater than or equal to 0\n"
