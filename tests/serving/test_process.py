"""serving/process.py: a worker process ends with the server process that started it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import psutil
import pytest

# A stand-in for uvicorn's server process: it spawns one worker as uvicorn does (multiprocessing,
# spawn), the worker calls exit_with_parent as the start-up hook does, then waits to be stopped.
# READY says whether the worker has loaded: one still loading ignores SIGTERM until it has (uvicorn
# only checks for its exit between requests), so it must be ended another way.
SERVER = """
import multiprocessing, sys, time
READY = {ready}

def worker():
    import signal, time
    from serving.process import exit_with_parent
    handler = (lambda *_: sys.exit(0)) if READY else signal.SIG_IGN  # uvicorn's worker on SIGTERM
    signal.signal(signal.SIGTERM, handler)
    exit_with_parent(ready=lambda: READY, every_s=0.1)
    time.sleep(600)

if __name__ == "__main__":
    multiprocessing.set_start_method("spawn")
    child = multiprocessing.Process(target=worker)
    child.start()
    print(child.pid, flush=True)
    time.sleep(600)
"""


@pytest.mark.parametrize("ready", [True, False], ids=["serving", "still loading"])
def test_a_worker_stops_when_its_server_process_is_killed(tmp_path, ready):
    script = tmp_path / "server.py"
    script.write_text(SERVER.format(ready=ready))
    server = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                              env=os.environ | {"PYTHONPATH": os.getcwd()})  # fmt: skip
    worker = psutil.Process(int(server.stdout.readline()))
    time.sleep(2)  # the worker is up and watching (a hang guard would be wrong: it must outlive this)
    assert worker.is_running() and worker.status() != psutil.STATUS_ZOMBIE
    server.send_signal(signal.SIGKILL)
    server.wait()
    worker.wait(timeout=60)  # stopped by the watch; without it the worker would sleep on, orphaned
    assert not worker.is_running()


def test_the_server_process_itself_is_not_watched():
    from serving.process import exit_with_parent

    exit_with_parent()  # the test process was not started by multiprocessing: nothing to watch
    assert "parent-watch" not in {thread.name for thread in threading.enumerate()}
