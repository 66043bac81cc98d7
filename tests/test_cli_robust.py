"""The command line a planner and a CI job meet: results never lost or clobbered, one line per
user error with a clear exit status, tables that read on 80 columns, progress in logs, Ctrl-C."""

from __future__ import annotations

import errno
import json
import os
import re
import select
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner, Result

import twin.cli
from twin import simulate
from twin.cli import app
from twin.plan.presets import load_model
from twin.run import files
from twin.run.experiment import OptionError
from twin.run.pool import map_with_progress
from twin.spec import RunError, data_dir

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]
FAST = ["--days", "0.5", "--reps", "2"]
MODEL = """\
name: cell
policies:
  release: {policy: saturated}
stations:
  - name: saw
    name_zh: 锯切
  - name: mill
products:
  - name: bracket
    routing:
      - {station: saw, time_min: 1}
      - {station: mill, time_min: {dist: exponential, mean: 0.9}}
"""


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "model.yaml").write_text(MODEL, encoding="utf-8")
    return tmp_path


def run(*args: str, **kw) -> Result:
    return runner.invoke(app, list(args), **kw)


def one_line_error(result: Result, code: int = 2) -> str:
    """The single stderr line of a user error (besides run warnings): no traceback, no box, the given exit status."""
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    lines = [line for line in result.stderr.splitlines() if not line.startswith("warning: ")]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and "╭" not in result.stderr
    return lines[0]


def only(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- results are never lost or clobbered -------------------------------------------------------


def test_out_through_a_symlink_writes_its_target_and_keeps_the_link(here):
    target = here / "results" / "run.json"
    target.parent.mkdir()
    target.write_text("old\n", encoding="utf-8")
    (here / "latest.json").symlink_to(target)
    result = run("simulate", "model.yaml", *FAST, "--json", "--out", "latest.json")
    assert result.exit_code == 0, result.stderr
    assert (here / "latest.json").is_symlink()
    assert target.read_text(encoding="utf-8") == result.stdout
    assert only(target.parent) == ["run.json"]


@pytest.mark.parametrize("kind", ["fifo", "device", "folder"])
def test_out_refuses_what_is_not_a_regular_file_before_the_run(here, kind):
    if kind == "fifo":
        path = here / "pipe"
        os.mkfifo(path)
    elif kind == "device":  # a private copy of /dev/null: a bug here must not replace the real one
        path = here / "null"
        try:
            os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        except PermissionError:
            pytest.skip("creating a device node needs root")
    else:
        path = here / "folder"
        path.mkdir()
    before = path.lstat()
    line = one_line_error(run("simulate", "model.yaml", *FAST, "--out", str(path)))
    assert line.startswith("twin simulate: --out: ") and str(path) in line
    assert "folder" in line if kind == "folder" else "not a regular file" in line
    assert stat.S_IFMT(path.lstat().st_mode) == stat.S_IFMT(before.st_mode)


@pytest.mark.parametrize("via_link", [False, True])
def test_out_refuses_to_overwrite_the_model_being_simulated(here, via_link):
    out = "model.yaml"
    if via_link:
        (here / "alias.json").symlink_to(here / "model.yaml")
        out = "alias.json"
    line = one_line_error(run("simulate", "model.yaml", *FAST, "--out", out))
    assert "is the model being simulated" in line
    assert (here / "model.yaml").read_text(encoding="utf-8") == MODEL


def test_out_refuses_a_file_shipped_with_the_tool_even_for_a_model_given_by_name(here):
    shipped = data_dir("models") / "precision_machining.yaml"
    before = shipped.read_bytes()
    line = one_line_error(run("simulate", *FAST, "--out", str(shipped)))
    assert line.startswith("twin simulate: --out: ") and "shipped with Tier Twin" in line
    assert shipped.read_bytes() == before


def test_out_into_a_new_folder_says_it_made_it(here):
    result = run("simulate", "model.yaml", *FAST, "--out", "new/deeper/run.json")
    assert result.exit_code == 0, result.stderr
    assert json.loads((here / "new" / "deeper" / "run.json").read_text(encoding="utf-8"))["model"] == "cell"
    assert f"wrote {here / 'new' / 'deeper' / 'run.json'} (made the folder {here / 'new' / 'deeper'})" in result.stderr


def test_a_closed_output_pipe_stops_quietly_with_the_sigpipe_status(here):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "80"}
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first line, as `| head -0` (deterministic, unlike a race)
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "twin.cli", "simulate", "model.yaml", *FAST],
            cwd=here, env=env, stdout=write_end, stderr=subprocess.PIPE,
        )  # fmt: skip
    finally:
        os.close(write_end)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == twin.cli.EXIT_CLOSED_PIPE, err
    assert b"Traceback" not in err and b"Exception ignored" not in err


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_out_keeps_the_mode_of_the_file_it_replaces(here, mode):
    target = here / "result.json"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(mode)
    assert run("simulate", "model.yaml", *FAST, "--out", "result.json").exit_code == 0
    assert stat.S_IMODE(target.stat().st_mode) == mode
    assert json.loads(target.read_text(encoding="utf-8"))["model"] == "cell"


def test_out_keeps_the_owner_of_the_file_it_replaces(here):
    target = here / "result.json"
    target.write_text("old\n", encoding="utf-8")
    try:
        os.chown(target, 4321, 4321)
    except PermissionError:
        pytest.skip("giving a file to another user needs root")
    assert run("simulate", "model.yaml", *FAST, "--out", "result.json").exit_code == 0
    assert (target.stat().st_uid, target.stat().st_gid) == (4321, 4321)


def test_out_creates_a_new_file_with_the_usual_umask(here):
    old = os.umask(0o022)
    try:
        assert run("simulate", "model.yaml", *FAST, "--out", "new.json").exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((here / "new.json").stat().st_mode) == 0o644


def test_out_expands_the_home_folder(here, monkeypatch):
    home = here / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    assert run("simulate", "model.yaml", *FAST, "--out", "~/x.json").exit_code == 0
    assert (home / "x.json").is_file()
    assert not (here / "~").exists()


def test_out_under_a_regular_file_is_refused_before_the_run(here, monkeypatch):
    (here / "somefile").write_text("", encoding="utf-8")
    monkeypatch.setattr(twin.cli, "compare", lambda *a, **k: pytest.fail("the run started"))
    line = one_line_error(run("simulate", "model.yaml", "--out", "somefile/x.json"))
    assert line.startswith("twin simulate: --out: cannot create ") and "somefile is a file" in line


def test_a_write_that_fails_after_the_run_keeps_the_printed_result_and_says_so_in_one_line(here, monkeypatch):
    target = here / "result.json"
    target.write_text("old\n", encoding="utf-8")

    def disk_full(src, dst):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files.os, "replace", disk_full)
    result = run("simulate", "model.yaml", *FAST, "--json", "--out", "result.json")
    line = one_line_error(result, code=3)
    assert json.loads(result.stdout)["model"] == "cell"  # the result is not lost
    assert "No space left on device" in line and "not saved" in line
    assert target.read_text(encoding="utf-8") == "old\n"
    assert only(here) == ["model.yaml", "result.json"]


# --- one line per user error, a traceback only for a bug ---------------------------------------


@pytest.mark.parametrize(
    ("options", "start"),
    [
        (["--days", "-1"], "twin simulate: --days: found -1; expected "),
        (["--days", "nan"], "twin simulate: --days: found nan; expected "),
        (["--days", "abc"], "twin simulate: --days: "),
        (["--reps", "0"], "twin simulate: --reps: found 0; expected "),
        (["--jobs", "0"], "twin simulate: --jobs: found 0; expected "),
        (["--seed", "-1"], "twin simulate: --seed: found -1; expected "),
        (["--warmup", "soon"], "twin simulate: --warmup: found 'soon'; expected "),
        (["--dyas", "2"], "twin simulate: No such option: --dyas"),
    ],
)
def test_option_errors_are_one_line_naming_the_option(here, options, start):
    line = one_line_error(run("simulate", "model.yaml", *options, "--out", "r.json"))
    assert line.startswith(start), line
    assert only(here) == ["model.yaml"]


def test_a_warmup_from_the_model_that_does_not_fit_names_the_file_and_field(here):
    (here / "model.yaml").write_text(MODEL + "run: {days: 1, warmup: 2000}\n", encoding="utf-8")
    line = one_line_error(run("simulate", "model.yaml"))  # caught by validation, with its line
    assert re.match(r"model\.yaml:\d+: run\.warmup: found 2000; expected ", line), line
    (here / "model.yaml").write_text(MODEL + "run: {days: 5, warmup: 2000}\n", encoding="utf-8")
    line = one_line_error(run("simulate", "model.yaml", "--days", "1"))
    assert line.startswith("model.yaml: run.warmup: found 2000; expected ") and line.endswith("(with --days 1)")


@pytest.mark.parametrize(("option", "value"), [("days", -1), ("days", 0), ("reps", 0), ("warmup", -5), ("jobs", 0)])
def test_library_refuses_options_no_run_can_honour(option, value):
    with pytest.raises(OptionError, match="found .*; expected") as caught:
        simulate(load_model("precision_machining"), **{"days": 1, "reps": 1, option: value})
    assert caught.value.option == option


def test_a_run_stopped_by_the_engine_is_one_line_and_writes_nothing(here, monkeypatch):
    def stopped(*a, **k):
        raise RunError("stopped after 10,000,000 events in 0.2 simulated days: check the arrival rate")

    monkeypatch.setattr(twin.cli, "compare", stopped)
    line = one_line_error(run("simulate", "model.yaml", "--out", "r.json"))
    assert line == "twin simulate: stopped after 10,000,000 events in 0.2 simulated days: check the arrival rate"
    assert only(here) == ["model.yaml"]


def test_a_bug_prints_its_traceback_and_asks_for_a_report(here, monkeypatch):
    monkeypatch.setattr(twin.cli, "compare", lambda *a, **k: 1 / 0)
    result = run("simulate", "model.yaml", "--out", "r.json")
    assert result.exit_code == 1
    assert "Traceback" in result.stderr
    last = result.stderr.splitlines()[-1]
    assert last.startswith("twin simulate: internal error: ZeroDivisionError: division by zero")
    assert "please report it" in last
    assert only(here) == ["model.yaml"]


def test_an_interrupted_run_says_so_in_one_line_and_writes_nothing(here, monkeypatch):
    def interrupted(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(twin.cli, "compare", interrupted)
    line = one_line_error(run("simulate", "model.yaml", "--out", "r.json"), code=130)
    assert line == "twin simulate: interrupted; nothing was written"
    assert only(here) == ["model.yaml"]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_in_a_real_run_prints_one_line_writes_nothing_and_leaves_no_worker(here, jobs):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TWIN_PROGRESS_SECONDS": "0.05"}
    cmd = [sys.executable, "-m", "twin.cli", "simulate", "--days", "600", "--reps", "2", "--jobs", jobs]
    proc = subprocess.Popen(
        [*cmd, "--out", "r.json"],
        cwd=here,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        ready, _, _ = select.select([proc.stderr], [], [], 20)
        assert ready, "no progress line within 20 s"
        assert "%" in proc.stderr.readline()
        os.killpg(proc.pid, signal.SIGINT)  # as a terminal does: the whole process group
        out, rest = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 130
    lines = [ln for ln in rest.splitlines() if "%" not in ln]
    assert lines == ["twin simulate: interrupted; nothing was written"], rest
    assert out == ""
    assert only(here) == ["model.yaml"]
    with pytest.raises(ProcessLookupError):
        os.killpg(proc.pid, 0)  # no worker left running


# --- the README runs as written ------------------------------------------------------------------


def readme_commands() -> list[str]:
    """Every ``twin ...`` command in the README's shell blocks, read when the tests run."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```(?:bash|sh|console|shell)\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            for part in line.split("&&"):
                part = part.split(" #")[0].strip()
                if part.startswith("twin "):
                    commands.append(part)
    return commands


COMPARE_FAST = ["--days", "10", "--warmup-days", "3", "--reps", "3", "--max-reps", "3", "--no-tornado"]


def fast(args: list[str]) -> list[str]:
    """A README simulate command shortened to two replications of a short run (compare: three, no tornado)."""
    if args[0] == "compare":
        return [*args, *COMPARE_FAST]
    if args[0] != "simulate":
        return args
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
        elif a in ("--days", "--reps", "--warmup"):
            skip = True
        else:
            out.append(a)
    return [*out, *FAST]


def test_the_readme_shows_commands():
    commands = readme_commands()
    assert len(commands) >= 5 and any("--with" in c for c in commands)


@pytest.fixture(scope="module")
def scheduler():
    """A running Dask scheduler with one worker, for the README's cluster command (its address is an example)."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=":0") as cluster:
        yield cluster.scheduler_address


@pytest.mark.parametrize("command", readme_commands())
def test_every_readme_command_runs_as_written(here, command, request):
    shutil.copy(data_dir("models") / "precision_machining.yaml", here / "my_plant.yaml")
    shutil.copy(data_dir("scenarios") / "paths.yaml", here / "my_paths.yaml")
    args = shlex.split(command)[1:]
    if "--scheduler" in args:
        args[args.index("--scheduler") + 1] = request.getfixturevalue("scheduler")
    result = run(*fast(args))
    assert result.exit_code == 0, (command, result.stderr)


# --- tables and help a planner reads -------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["simulate", *FAST],
        ["simulate", "electronics_smt", *FAST],
        ["simulate", *FAST, "--capacity"],
        ["simulate", *FAST, "--capacity", "--with", "smed"],
        ["investments"],
        ["assess"],
        ["models"],
    ],
)
def test_tables_fit_80_columns_when_piped_and_cut_nothing(args):
    result = run(*args, env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.stderr
    for line in result.stdout.splitlines():
        assert cell_len(line.rstrip()) <= 80, line
    assert "…" not in result.stdout


def test_station_tables_name_stations_in_english_and_chinese_with_units(here):
    result = run("simulate", "model.yaml", *FAST, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert "saw 锯切" in text and "mill *" in text or "mill " in text
    assert "queue 队列 units" in text and re.search(r"wait 排队 (min|h|d)", text)
    assert "counts starved and blocked time as lost" in text


@pytest.mark.parametrize(
    ("command", "names"),
    [("assess", ["production operations", "生产作业"]), ("investments", ["Andon call system", "安灯系统"])],
)
def test_assessment_elements_and_investments_are_named_in_english_and_chinese(command, names):
    result = run(command, env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.stderr
    assert all(name in result.stdout for name in names)


def test_lead_and_flow_times_read_in_hours_or_days():
    result = run("simulate", *FAST, env={"COLUMNS": "200"})
    rows = [ln.split() for ln in result.stdout.splitlines() if re.match(r"\s+(Lead|Flow) time", ln)]
    assert len(rows) == 3 and all(row[-1] in ("h", "d") for row in rows), rows


def test_run_warnings_are_printed_on_stderr_and_keep_stdout_json(here, monkeypatch):
    real = twin.cli.compare

    def with_warning(*a, **k):
        comparison = real(*a, **k)
        comparison.results[0].warnings = ["warm-up not detected: run longer"]
        return comparison

    monkeypatch.setattr(twin.cli, "compare", with_warning)
    result = run("simulate", "model.yaml", *FAST, "--json")
    assert result.exit_code == 0
    assert result.stderr == "warning: warm-up not detected: run longer\n"
    json.loads(result.stdout)


def test_help_shows_flags_as_flags_and_their_defaults():
    text = run("simulate", "--help").stdout
    assert re.search(r"^\s+--json\s+Print", text, flags=re.M), text
    assert "<bool>" not in text
    assert "[default: 1]" in text and "run:" in text and "precision_machining" in text
    assert "Exit status" in run("--help").stdout


def test_version_prints_the_version():
    result = run("--version")
    assert result.exit_code == 0
    assert re.fullmatch(r"twin \d+\.\d+\.\d+\S*\n", result.stdout)


# --- progress and workers ------------------------------------------------------------------------


def test_progress_is_a_plain_line_every_few_seconds_when_stderr_is_a_log(here, monkeypatch):
    monkeypatch.setenv("TWIN_PROGRESS_SECONDS", "0")
    result = run("simulate", "model.yaml", "--days", "2", "--reps", "2", "--json")
    assert result.exit_code == 0
    lines = [ln for ln in result.stderr.splitlines() if not ln.startswith("warning: ")]
    assert lines and all(
        re.fullmatch(r"twin simulate cell: \d+% after \d+:\d\d(, about \d+:\d\d left)?", ln) for ln in lines
    )
    json.loads(result.stdout)


def _report_halfway_then_wait(seconds: float, report) -> float:
    report(0.5)
    time.sleep(seconds)
    report(1.0)
    return seconds


def test_a_process_pool_reports_progress_from_inside_its_replications():
    seen: list[float] = []
    assert map_with_progress(_report_halfway_then_wait, [(1.2,)], 2, seen.append) == [1.2]
    assert 0.5 in seen, seen  # reported while the call was still running, not only when it ended


def _fail_or_wait(seconds: float | None, report) -> None:
    if seconds is None:
        raise RunError("stopped: too many events")
    time.sleep(seconds)


def test_an_error_in_one_worker_stops_the_pool_at_once_and_is_raised_as_is():
    start = time.monotonic()
    with pytest.raises(RunError, match="too many events"):
        map_with_progress(_fail_or_wait, [(30.0,), (None,)], 2, None)
    assert time.monotonic() - start < 10  # the 30-s call was not waited for


def test_jobs_above_the_cores_are_capped_with_one_line(here):
    result = run("simulate", "model.yaml", *FAST, "--jobs", "999", "--json")
    assert result.exit_code == 0, result.stderr
    notes = [ln for ln in result.stderr.splitlines() if "capped" in ln]
    assert len(notes) == 1 and notes[0].startswith("twin simulate: --jobs 999 capped at ")
    assert json.loads(result.stdout) == json.loads(run("simulate", "model.yaml", *FAST, "--json").stdout)


def test_model_warnings_reach_the_user_on_stderr_and_the_run_goes_on(tmp_path):
    import yaml

    from twin.spec import data_dir

    data = yaml.safe_load((data_dir("models") / "precision_machining.yaml").read_text(encoding="utf-8"))
    data["stations"].append({"name": "lonely", "machines": 1})
    model = tmp_path / "plant.yaml"
    model.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(model)])
    assert result.exit_code == 0
    assert result.stdout.startswith("OK: precision_machining")
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("warning:")]
    assert f"{model}:" in line and "stations[8]" in line and "'lonely' on no routing" in line


def test_with_an_investment_the_plant_already_has_is_refused_in_one_line():
    line = one_line_error(run("simulate", "precision_machining_advanced", "--with", "smed,pdm", *FAST))
    assert line.startswith("twin simulate: --with: smed already in precision_machining_advanced")


def test_dashboard_on_a_port_in_use_or_a_bad_host_is_one_line_before_streamlit_starts():
    import socket

    pytest.importorskip("streamlit")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = one_line_error(run("dashboard", "--port", str(port)))
    assert line.startswith("twin dashboard: --port: ") and "in use" in line
    line = one_line_error(run("dashboard", "--host", "999.1.1.1"))
    assert line.startswith("twin dashboard: --host: ")


def test_with_shows_the_baseline_beside_the_new_numbers_on_one_window():
    args = ["simulate", "--with", "mdc_all,andon", "--days", "8", "--reps", "3", "--warmup", "1440"]
    doc = json.loads(run(*args, "--json").stdout)
    assert doc["model"] == "precision_machining+mdc_all+andon"
    assert doc["baseline"]["model"] == "precision_machining"
    assert doc["baseline"]["warmup_min"] == doc["warmup_min"] == 1440
    lead = doc["delta_vs_baseline"]["lead_time_min"]
    change = doc["kpis"]["lead_time_min"]["mean"] - doc["baseline"]["kpis"]["lead_time_min"]["mean"]
    assert lead["mean"] == pytest.approx(change) and lead["ci95"][0] <= lead["mean"] <= lead["ci95"][1]
    text = run(*args).stdout
    assert "before" in text and "after" in text and "change" in text
    bottleneck = doc["baseline"]["bottleneck"]
    assert bottleneck in text and "原瓶颈" in text  # the old bottleneck's own OEE, before and after
