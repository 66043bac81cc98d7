"""Executors: the same replications give the same numbers in this process, a process pool and on Dask.

The Dask tests run a 2-worker ``LocalCluster`` (separate processes, as on a real cluster); one kills a
worker mid-run, one makes the scheduler give up on a lost task, one points at a scheduler nobody runs.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import pytest
from typer.testing import CliRunner

from twin.cli import app
from twin.plan.investments import Scenario, load_catalogue, order_investments
from twin.plan.presets import load_model
from twin.run import executors
from twin.run.executors import DaskExecutor, ExecutorError, PoolExecutor, SerialExecutor, make_executor
from twin.run.experiment import compare

pytest.importorskip("distributed")

runner = CliRunner()
RUN = {"days": 3.0, "reps": 4, "warmup": 1440.0, "seed": 7}


def _variants():
    """A plain plant and one whose investments' effects are drawn anew per replication."""
    plant = load_model(None)
    ids = order_investments(load_catalogue(), ["mdc_all", "mes", "qms_spc", "smed"], plant.investments)
    return [plant, Scenario(plant, tuple(ids))]


def _document(comparison) -> str:
    return json.dumps(comparison.to_dict(), sort_keys=True)


@pytest.fixture(scope="module")
def cluster():
    with DaskExecutor(None, 2) as ex:
        yield ex


@pytest.fixture(scope="module")
def serial_doc() -> str:
    return _document(compare(_variants(), **RUN, executor=SerialExecutor()))


def test_serial_pool_and_dask_give_identical_results(cluster, serial_doc):
    pooled = _document(compare(_variants(), **RUN, executor=PoolExecutor(2)))
    on_dask = _document(compare(_variants(), **RUN, executor=cluster))
    assert pooled == serial_doc
    assert on_dask == serial_doc
    assert cluster.stats[-1].replications == 2 * RUN["reps"]


def _profiles(dask_worker) -> bool:
    return "profile" in dask_worker.periodic_callbacks


def test_the_local_clusters_workers_do_not_profile_even_when_restarted(cluster):
    """The workers' 10 ms stack sampler only feeds a dashboard; it slows every replication a little. A worker
    its nanny starts again (after a crash) must come back without it too."""
    assert cluster.client.run(_profiles) and not any(cluster.client.run(_profiles).values())
    cluster.client.restart()
    flags = cluster.client.run(_profiles)
    assert len(flags) == 2 and not any(flags.values())


def test_later_replications_on_dask_are_those_a_longer_serial_run_made(cluster):
    """Replications added later (ranking and selection) do not depend on where or in which chunk they ran."""
    plant = _variants()[1]
    options = {k: v for k, v in RUN.items() if k != "reps"}
    whole = compare([plant], reps=5, **options, executor=SerialExecutor()).results[0]
    later = compare([plant], reps=3, first_rep=2, **options, executor=cluster).results[0]
    assert [r.plant for r in later.replications] == [r.plant for r in whole.replications[2:]]


def _kill_a_busy_worker(ex: DaskExecutor, killed: list[int]) -> threading.Thread:
    """Kill (SIGKILL) the process of the first worker seen computing a replication."""
    pids = ex.client.run(os.getpid)

    def watch() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            busy = [w for w, tasks in ex.client.processing().items() if tasks]
            if busy:
                time.sleep(0.2)  # into the replication, not before it
                os.kill(pids[busy[0]], signal.SIGKILL)
                killed.append(pids[busy[0]])
                return
            time.sleep(0.02)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_a_worker_killed_mid_run_changes_nothing(serial_doc):
    """The scheduler reruns a dead worker's tasks elsewhere; pure replications give the same numbers."""
    with DaskExecutor(None, 2) as ex:
        killed: list[int] = []
        thread = _kill_a_busy_worker(ex, killed)
        doc = _document(compare(_variants(), **RUN, executor=ex))
        thread.join()
    assert killed, "no worker was seen busy"
    assert doc == serial_doc


def test_a_task_the_cluster_drops_is_run_again_with_the_same_numbers(serial_doc):
    """A task cancelled under the run (as a worker's loss can leave one) is submitted again."""
    from distributed import Future

    with DaskExecutor(None, 2) as ex:
        dropped: list[str] = []

        def drop() -> None:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not dropped:
                keys = [k for tasks in ex.client.processing().values() for k in tasks]
                if keys:
                    Future(keys[0], ex.client).cancel()
                    dropped.append(keys[0])
                time.sleep(0.02)

        thread = threading.Thread(target=drop, daemon=True)
        thread.start()
        doc = _document(compare(_variants(), **RUN, executor=ex))
        thread.join()
    assert dropped, "no task was seen running"
    assert doc == serial_doc


def test_a_task_the_cluster_gives_up_on_fails_with_one_clear_line():
    import dask

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), DaskExecutor(None, 2) as ex:
        killed: list[int] = []
        thread = _kill_a_busy_worker(ex, killed)
        with pytest.raises(ExecutorError, match="lost the workers running replications.*nothing was written"):
            compare(_variants(), **RUN, executor=ex)
        thread.join()
    assert killed


def test_an_unreachable_scheduler_is_one_line_within_the_timeout(tmp_path, monkeypatch):
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT_S", 1.0)
    out = tmp_path / "result.json"
    started = time.monotonic()
    result = runner.invoke(app, ["simulate", "--days", "3", "--scheduler", "tcp://127.0.0.1:9", "--out", str(out)])
    assert time.monotonic() - started < 15
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in lines[0]
    assert not out.exists()


def test_bad_executor_options_are_named():
    for args, hint in (
        (["--executor", "threads"], "--executor"),
        (["--executor", "pool", "--scheduler", "tcp://127.0.0.1:8786"], "--executor"),
        (["--scheduler", "http://127.0.0.1:8786"], "--scheduler"),
    ):
        result = runner.invoke(app, ["simulate", "--days", "3", *args])
        assert result.exit_code == 2, (args, result.output)
        assert hint in result.output and len(result.output.strip().splitlines()) == 1


def test_without_distributed_the_dask_executor_says_how_to_install_it(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ExecutorError, match=r"pip install 'tier-twin\[distributed\]'"):
        make_executor("dask", 2)


def test_workers_with_other_versions_are_refused(monkeypatch):
    real = executors.package_versions()
    monkeypatch.setattr(executors, "package_versions", lambda: {**real, "numpy": "0.0-not-this"})
    with pytest.raises(ExecutorError, match="run other versions than this client.*numpy"):
        DaskExecutor(None, 1)


def test_a_local_cluster_that_misses_its_start_is_tried_again(monkeypatch):
    """distributed's IO loop can miss its 10 s start on a loaded machine: one more try, then one line."""
    import distributed

    real, tries = distributed.LocalCluster, []

    def flaky(*args, **kwargs):
        tries.append(1)
        if len(tries) == 1:
            raise AssertionError
        return real(*args, **kwargs)

    monkeypatch.setattr(distributed, "LocalCluster", flaky)
    with DaskExecutor(None, 1) as ex:
        assert ex.workers == 1 and len(tries) == 2

    def never(*args, **kwargs):
        raise AssertionError

    monkeypatch.setattr(distributed, "LocalCluster", never)
    result = runner.invoke(app, ["simulate", "--days", "3", "--executor", "dask"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "could not start a local Dask cluster" in lines[0] and "AssertionError" in lines[0]


def test_twin_simulate_on_dask_prints_what_the_pool_prints():
    args = ["simulate", "--days", "3", "--reps", "3", "--warmup", "1440", "--json"]
    pooled = runner.invoke(app, [*args, "--jobs", "2"])
    on_dask = runner.invoke(app, [*args, "--jobs", "2", "--executor", "dask"])
    assert pooled.exit_code == 0 and on_dask.exit_code == 0, on_dask.output
    assert json.loads(on_dask.stdout) == json.loads(pooled.stdout)
    assert "local Dask cluster" in on_dask.stderr


def test_twin_compare_on_dask_values_paths_as_the_pool_does():
    args = ["compare", "--path", "quick_wins", "--days", "10", "--warmup-days", "3", "--reps", "3",
            "--max-reps", "3", "--no-tornado", "--json", "--jobs", "2"]  # fmt: skip
    pooled = runner.invoke(app, args)
    on_dask = runner.invoke(app, [*args, "--executor", "dask"])
    assert pooled.exit_code == 0 and on_dask.exit_code == 0, on_dask.output
    assert json.loads(on_dask.stdout) == json.loads(pooled.stdout)


def test_a_server_that_is_not_a_dask_scheduler_is_one_line(monkeypatch):
    """Whatever answers at the address (here a web server's bytes), the run ends with one line, not a traceback."""
    import socket

    monkeypatch.setattr(executors, "CONNECT_TIMEOUT_S", 3.0)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def answer() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" * 8)
            conn.close()

    threading.Thread(target=answer, daemon=True).start()
    address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
    try:
        result = runner.invoke(app, ["simulate", "--days", "3", "--scheduler", address])
    finally:
        server.close()
    assert result.exit_code == 2, result.output
    assert len(result.output.strip().splitlines()) == 1 and address in result.output
