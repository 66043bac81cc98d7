"""Where replications run: in this process, in a local process pool, or on a Dask cluster.

The unit of work is a run of replications of one model (a plant, or a plant whose uncertain effects
are drawn per replication). Each replication is a pure function of (model, seed, replication index),
so every executor returns the same snapshot matrices, byte for byte; an executor only decides where
they are computed and how they are grouped into tasks.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import logging
import math
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from twin.run.pool import cap_jobs, map_with_progress
from twin.spec.errors import RunError

if TYPE_CHECKING:
    from distributed import LocalCluster

    from twin.run.experiment import Model

Progress = Callable[[float], None]
ExecutorName = Literal["serial", "pool", "dask"]
EXECUTORS: tuple[ExecutorName, ...] = ("serial", "pool", "dask")

CONNECT_TIMEOUT_S = 10.0
"""How long to wait for a Dask scheduler (and for its first worker) before giving up with one line."""
TASK_TARGET_S = 1.0
"""Work per Dask task once replication times are known: at the 3.4 ms of scheduling per task measured on a
local cluster (benchmarks/scaling.py), under 1 % overhead."""
TASKS_PER_WORKER = 4
"""Fewest tasks per worker a chunking may leave, so the last tasks do not leave workers idle for long."""
IN_FLIGHT_PER_WORKER = 3
"""Tasks submitted ahead per worker: enough to keep each busy, few enough that memory stays flat."""
VERSIONED = ("twin code", "numpy", "simpy", "scipy")
"""What decides the random streams and the arithmetic: workers must match the client (the twin package
by the digest of its source, so an edited checkout is told apart from a release of the same number)."""
RESUBMITTED = ("CancelledError", "FutureCancelledError")
"""Task failures that mean the cluster dropped the task, not that it failed: it is submitted again."""
MAX_RESUBMITS = 3
"""Times one task is submitted again before the run stops (a worker the scheduler gives up on stops it
at once: KilledWorker is not resubmitted)."""


class ExecutorError(RunError):
    """An executor that cannot run: dask missing, a scheduler out of reach, workers that differ or die."""


class SchedulerAddressError(ExecutorError):
    """A scheduler address that is not one (a front end names its own option for it)."""


@dataclass(frozen=True)
class Replications:
    """Replications ``first .. first + count - 1`` of ``model`` with ``seed``."""

    model: Model
    seed: int
    first: int
    count: int


def run_replications(
    model: Model, seed: int, first: int, count: int, checkpoints: list[float], report: Progress | None = None
) -> list[np.ndarray]:
    """Snapshot matrices of replications ``first ..`` of ``model``: what every executor computes."""
    from twin.run.experiment import replication_models, run_replication

    out = []
    for i, factory in enumerate(replication_models(model, seed, count, first)):
        inner = (lambda f, i=i: report((i + f) / count)) if report else None
        out.append(run_replication(factory, seed, first + i, checkpoints, inner))
    return out


def timed_replications(
    model: Model, seed: int, first: int, count: int, checkpoints: list[float], report: Progress | None = None
) -> tuple[list[np.ndarray], float]:
    """One task of any executor: the replications and the seconds spent computing them."""
    t0 = time.perf_counter()
    out = run_replications(model, seed, first, count, checkpoints, report)
    return out, time.perf_counter() - t0


@dataclass(frozen=True)
class RunStats:
    """How one batch run spent its time. ``overhead`` is the share of the workers' wall time not spent
    computing replications (scheduling, transfer, and workers idle while the last tasks finish)."""

    wall_s: float
    compute_s: float
    tasks: int
    replications: int
    workers: int
    longest_task_s: float

    @property
    def overhead(self) -> float:
        return max(0.0, 1.0 - self.compute_s / (self.wall_s * self.workers)) if self.wall_s > 0 else 0.0


class Executor:
    """Runs batches of :class:`Replications` and returns their snapshot matrices in order.

    Subclasses implement :meth:`_run`; :meth:`run` keeps a :class:`RunStats` per call in ``stats``
    (what ``benchmarks/scaling.py`` reads to measure overhead and project larger clusters).
    """

    name: ExecutorName = "serial"

    def __init__(self) -> None:
        self.stats: list[RunStats] = []

    @property
    def workers(self) -> int:
        return 1

    def run(
        self, batches: Sequence[Replications], checkpoints: list[float], progress: Progress | None = None
    ) -> list[list[np.ndarray]]:
        t0 = time.perf_counter()
        results, seconds = self._run(batches, checkpoints, progress)
        wall = time.perf_counter() - t0
        n = sum(b.count for b in batches)
        self.stats.append(RunStats(wall, sum(seconds), len(seconds), n, self.workers, max(seconds, default=0.0)))
        return results

    def _run(
        self, batches: Sequence[Replications], checkpoints: list[float], progress: Progress | None
    ) -> tuple[list[list[np.ndarray]], list[float]]:
        total = sum(b.count for b in batches)
        out, seconds, done = [], [], 0
        for b in batches:
            report = (lambda f, d=done, n=b.count: progress((d + f * n) / total)) if progress else None
            matrices, took = timed_replications(b.model, b.seed, b.first, b.count, checkpoints, report)
            out.append(matrices)
            seconds.append(took)
            done += b.count
        return out, seconds

    def close(self) -> None:
        """Release what the executor holds (processes, a cluster connection)."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def describe(self) -> str:
        return "serial (this process)"


class SerialExecutor(Executor):
    """Every replication in this process, one after the other."""


def _one(
    model: Model, seed: int, replication: int, checkpoints: list[float], report: Progress
) -> tuple[np.ndarray, float]:
    matrices, seconds = timed_replications(model, seed, replication, 1, checkpoints, report)
    return matrices[0], seconds


class PoolExecutor(Executor):
    """A local process pool, one task per replication, progress reported from inside each."""

    name: ExecutorName = "pool"

    def __init__(self, jobs: int):
        super().__init__()
        self.jobs = jobs

    @property
    def workers(self) -> int:
        return self.jobs

    def _run(
        self, batches: Sequence[Replications], checkpoints: list[float], progress: Progress | None
    ) -> tuple[list[list[np.ndarray]], list[float]]:
        calls = [(b.model, b.seed, b.first + i, checkpoints) for b in batches for i in range(b.count)]
        if self.jobs <= 1 or len(calls) <= 1:
            return super()._run(batches, checkpoints, progress)
        flat = map_with_progress(_one, calls, self.jobs, progress)
        out, at = [], 0
        for b in batches:
            out.append([m for m, _ in flat[at : at + b.count]])
            at += b.count
        return out, [s for _, s in flat]

    def describe(self) -> str:
        return f"process pool of {self.jobs}"


class DaskExecutor(Executor):
    """Replications on a Dask cluster: a running scheduler at ``address``, or a ``LocalCluster`` of ``jobs``.

    Each distinct model is sent once to every worker (so a lost worker loses no model). The first
    task of each batch is one replication; once replication times are known, later tasks group as
    many as make about :data:`TASK_TARGET_S` of work (never so many that fewer than
    :data:`TASKS_PER_WORKER` tasks per worker remain). Only a few tasks per worker are in flight at
    a time and each result is collected as it finishes, so the progress bar moves and memory stays
    flat in the number of tasks. A worker lost mid-run has its tasks run elsewhere by the scheduler;
    the same replications give the same matrices wherever they run. On connecting, every worker must
    report the client's versions of the engine and its numeric packages (workers that join later are
    not checked).
    """

    name: ExecutorName = "dask"

    def __init__(self, address: str | None = None, jobs: int = 2, timeout_s: float | None = None):
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ExecutorError(
                "the dask executor needs dask's distributed scheduler: pip install 'tier-twin[distributed]'"
            ) from None
        timeout_s = CONNECT_TIMEOUT_S if timeout_s is None else timeout_s
        super().__init__()
        self.address, self.cluster = address, None
        if address is None:
            self.cluster = _start_local_cluster(LocalCluster, jobs)
            self.client = Client(self.cluster)
        else:
            try:
                self.client = Client(address, timeout=f"{timeout_s}s")
            except ValueError as exc:
                raise SchedulerAddressError(
                    f"found {address!r}; expected a Dask scheduler address such as tcp://10.0.0.5:8786 "
                    f"({_first_line(exc)})"
                ) from None
            except (OSError, TimeoutError):
                raise ExecutorError(
                    f"cannot reach the Dask scheduler at {address}: no answer within {timeout_s:g} s "
                    f"(is one running there? start it with: dask scheduler)"
                ) from None
            except Exception as exc:  # something answers there, but not as a Dask scheduler
                raise ExecutorError(
                    f"the server at {address} does not answer as a Dask scheduler "
                    f"({type(exc).__name__}: {_first_line(exc)[:120]})"
                ) from None
            try:
                self.client.wait_for_workers(1, timeout=timeout_s)
            except (OSError, TimeoutError):
                self.close()
                raise ExecutorError(
                    f"the Dask scheduler at {address} has no workers (waited {timeout_s:g} s); start some with "
                    f"dask worker {address}"
                ) from None
        self._check_versions()

    @property
    def workers(self) -> int:
        return max(1, sum(w.get("nthreads", 1) for w in self.client.scheduler_info()["workers"].values()))

    def _check_versions(self) -> None:
        """Workers must run the versions this client runs, or their replications would differ."""
        mine = package_versions()
        theirs = self.client.run(_ready_worker)
        differ = {
            addr: ", ".join(f"{p} {v.get(p)} (here {mine[p]})" for p in VERSIONED if v.get(p) != mine[p])
            for addr, v in theirs.items()
        }
        differ = {a: d for a, d in differ.items() if d}
        if differ:
            addr, what = next(iter(differ.items()))
            self.close()
            raise ExecutorError(
                f"{len(differ)} Dask worker(s) run other versions than this client, so results would differ: "
                f"{addr}: {what}; install the same versions on the workers"
            )

    def describe(self) -> str:
        where = "local Dask cluster" if self.cluster is not None else f"Dask scheduler {self.address}"
        return f"{where}, {self.workers} worker thread(s)"

    def _run(
        self, batches: Sequence[Replications], checkpoints: list[float], progress: Progress | None
    ) -> tuple[list[list[np.ndarray]], list[float]]:
        from distributed import as_completed

        total = sum(b.count for b in batches)
        if total == 0:
            return [[] for _ in batches], []
        client = self.client
        shared = {}  # on every worker, so losing one loses no model
        for b in batches:
            if id(b.model) not in shared:
                shared[id(b.model)] = client.scatter(b.model, hash=False, broadcast=True)
        results: list[list[np.ndarray | None]] = [[None] * b.count for b in batches]
        todo = [[b.first, b.count] for b in batches]  # next replication and how many are left, per batch
        seconds_per_rep: list[float] = []
        workers = self.workers
        window = IN_FLIGHT_PER_WORKER * workers
        flights = as_completed()
        started: dict[Any, tuple[int, int, int]] = {}
        seconds: list[float] = []
        done = 0

        def chunk(left: int) -> int:
            if not seconds_per_rep:
                return 1
            per_rep = float(np.median(seconds_per_rep))
            by_time = max(1, int(TASK_TARGET_S / max(per_rep, 1e-6)))
            by_balance = max(1, math.ceil((total - done) / (TASKS_PER_WORKER * workers)))
            return min(left, by_time, by_balance)

        def submit(index: int, first: int, n: int) -> None:
            b = batches[index]
            future = client.submit(
                timed_replications,
                shared[id(b.model)],
                b.seed,
                first,
                n,
                checkpoints,
                pure=False,
                key=f"twin-replications-{first}-{n}-{uuid.uuid4().hex[:12]}",
            )
            started[future] = (index, first - b.first, n)
            flights.add(future)

        def submit_more() -> None:
            for index in range(len(batches)):
                while todo[index][1] > 0 and len(started) < window:
                    first, left = todo[index]
                    n = chunk(left)
                    submit(index, first, n)
                    todo[index] = [first + n, left - n]

        resubmitted: dict[tuple[int, int], int] = {}
        try:
            submit_more()
            for future in flights:
                index, offset, n = started.pop(future)
                try:
                    matrices, compute_s = future.result()
                except Exception as exc:
                    # a worker lost mid-task can leave its task cancelled instead of rerun ("already
                    # forgotten"): replications are pure, so run the same ones again, a few times at most
                    tries = resubmitted.get((index, offset), 0)
                    if type(exc).__name__ not in RESUBMITTED or tries >= MAX_RESUBMITS:
                        raise
                    resubmitted[(index, offset)] = tries + 1
                    submit(index, batches[index].first + offset, n)
                    continue
                future.release()
                results[index][offset : offset + n] = matrices
                seconds_per_rep.append(compute_s / n)
                seconds.append(compute_s)
                done += n
                if progress:
                    progress(done / total)
                submit_more()
        except Exception as exc:
            for future in started:
                future.cancel()
            name = type(exc).__name__
            if name in ("KilledWorker", "CancelledError", "CommClosedError", "FutureCancelledError"):
                raise ExecutorError(
                    f"the Dask cluster lost the workers running replications ({name}: {_first_line(exc)}); "
                    "the run stopped and nothing was written"
                ) from None
            raise
        finally:
            for f in shared.values():
                f.release()
        return results, seconds  # type: ignore[return-value]

    def close(self) -> None:
        client, cluster = getattr(self, "client", None), self.cluster
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
            self.cluster = None


LOCAL_CLUSTER_TRIES = 2


def _start_local_cluster(local_cluster: Callable[..., LocalCluster], jobs: int) -> LocalCluster:
    """A ``LocalCluster`` of ``jobs`` single-threaded worker processes, tried twice before giving up.

    On a loaded machine distributed's IO loop can miss its fixed 10 s start-up window and fail with a
    bare ``AssertionError``; a second try usually starts, and a third would only delay the message. (The
    failed try's loop thread is left to finish on its own, harmless in a command-line run.)
    """
    failure = ""
    for _ in range(LOCAL_CLUSTER_TRIES):
        try:
            return local_cluster(
                n_workers=jobs,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",  # a free port: never collides with another cluster
                silence_logs=logging.CRITICAL,  # a worker losing its heartbeat at shutdown is not news
                # Passed to every nanny, so a worker it restarts gets it too: the statistical profiler
                # samples the replication's stack every 10 ms for a dashboard nobody opens here (off, the
                # main job ran 3-7 % faster on 2 cores, back to back). A dotted key: a nested one would
                # replace the whole distributed section of the workers' config.
                config={"distributed.worker.profile.enabled": False},
            )
        except (AssertionError, RuntimeError, TimeoutError, OSError) as exc:  # what distributed's start-up raises
            failure = type(exc).__name__ + (f": {_first_line(exc)}" if str(exc).strip() else "")
    raise ExecutorError(
        f"could not start a local Dask cluster of {jobs} worker(s) in {LOCAL_CLUSTER_TRIES} tries ({failure}); "
        "is the machine overloaded? run with --executor pool, or point --scheduler at a running cluster"
    )


def _ready_worker() -> dict[str, str | None]:
    """Run once on each worker when connecting: import the engine now (not in the first task) and report
    the versions its numbers depend on."""
    import twin.run.experiment  # noqa: F401

    return package_versions()


def package_versions() -> dict[str, str | None]:
    """Versions of what a replication's numbers depend on (see :data:`VERSIONED`)."""
    out: dict[str, str | None] = {"twin code": _twin_digest()}
    for p in VERSIONED[1:]:
        try:
            out[p] = importlib.metadata.version(p)
        except importlib.metadata.PackageNotFoundError:
            out[p] = None
    return out


@functools.cache
def _twin_digest() -> str:
    """The first 12 hex digits of a hash over the twin package's Python sources."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(path.relative_to(root).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:12]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def make_executor(
    name: ExecutorName = "pool", jobs: int = 1, scheduler: str | None = None, note: Callable[[str], None] | None = None
) -> Executor:
    """The executor a front end asked for: ``jobs`` processes (capped at the cores and memory) for
    ``pool`` and for a local Dask cluster; ``scheduler`` (an address) implies ``dask``."""
    if name not in EXECUTORS:
        raise ExecutorError(f"found executor {name!r}; expected one of {', '.join(EXECUTORS)}")
    if scheduler is not None and name != "dask":
        raise ExecutorError(f"a scheduler address ({scheduler}) needs the dask executor, not {name}")
    if name == "serial":
        return SerialExecutor()
    if name == "dask" and scheduler is not None:
        return DaskExecutor(scheduler)
    capped, why = cap_jobs(jobs)
    if why and note:
        note(why)
    if name == "dask":
        return DaskExecutor(None, capped)
    return PoolExecutor(capped) if capped > 1 else SerialExecutor()
