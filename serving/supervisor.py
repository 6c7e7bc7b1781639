"""Restart a local deployment whose server died (``serve.restart: on-failure``).

ZenML's local deployer starts the server as a background process and nothing watches it: a
crash or an OOM kill left the service down while ``zenml deployment list`` still said running.
With ``serve.restart: on-failure`` (the default), ``agent-factory serve`` starts this watcher
beside the server. Every ``every_s`` it checks the server's process; when the process has
exited and the deployment still exists (nobody ran ``serve --stop``, which stops the watcher
first), it provisions the deployment again from the same snapshot, at most ``max_restarts``
times, so a server that dies at start-up is not restarted forever. It ends with the deployment.

    python -m serving.supervisor DEPLOYMENT MAX_RESTARTS
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from pathlib import Path

import psutil

log = logging.getLogger("agent_factory.supervisor")


def pid_file(deployment: str) -> Path:
    from serving.feedback import data_dir

    return data_dir() / f"{deployment}-supervisor.pid"


def watch(deployment: str, max_restarts: int, every_s: float = 2.0) -> int:
    """Watch until the deployment is gone or the restarts are spent; returns the restarts made."""
    from zenml.client import Client

    restarts = 0
    while True:
        time.sleep(every_s)
        _reap()
        try:
            found = Client().get_deployment(deployment)
        except KeyError:
            return restarts  # stopped and deleted
        pid = (found.deployment_metadata or {}).get("pid")
        if not pid or alive(int(pid)):
            continue
        if restarts >= max_restarts:
            log.error(
                "%s exited; %d restarts spent (serve.max_restarts), leaving it stopped", deployment, restarts
            )
            return restarts
        restarts += 1
        log.warning("%s exited (pid %s); restart %d of %d", deployment, pid, restarts, max_restarts)
        try:
            Client().provision_deployment(deployment, timeout=180)
        except Exception:  # counted: a server that cannot start spends the restarts and stops
            log.exception("restarting %s failed", deployment)


def alive(pid: int) -> bool:
    """True while `pid` runs; a killed server its parent has not reaped yet is a zombie, not alive."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _reap() -> None:
    """Collect servers this watcher started that have died (a zombie would look alive)."""
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


def main(deployment: str, max_restarts: int) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    from factory.bootstrap import bootstrap

    bootstrap()

    path = pid_file(deployment)  # written by `serve` as it started this process
    try:
        watch(deployment, max_restarts)
    finally:
        if path.exists() and path.read_text() == str(os.getpid()):
            path.unlink()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
