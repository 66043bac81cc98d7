"""A process pool stopped early ends its workers even when the parent handles SIGTERM itself (as the
dashboard's web server does): the workers must not inherit that handler and survive ``terminate``."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import signal, time
    from twin.run.pool import map_with_progress

    signal.signal(signal.SIGTERM, lambda *_: print("parent handler"))

    def nap(seconds, report):
        time.sleep(seconds)

    def stop(fraction):
        raise KeyboardInterrupt

    try:
        map_with_progress(nap, [(30,), (30,)], 2, stop)
    except KeyboardInterrupt:
        print("stopped")
    """
)


def test_terminated_workers_do_not_run_the_parents_sigterm_handler():
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=25)
    assert done.stdout.split() == ["stopped"], done.stdout + done.stderr
