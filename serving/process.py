"""What each server process sets up for itself: bounded heap arenas, and an end with its parent.

With ``serve.processes`` above one, uvicorn starts that many worker processes under the server
process; each runs the start-up hook (serving/app.py), which calls both.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


def bound_malloc_arenas(arenas: int = 2) -> None:
    """glibc gives each answering thread its own heap arena, which it rarely returns: ~95 MB more
    under load, still creeping after warm-up. Two arenas keep it flat (docs/serving.md, Measured)."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc (musl, macOS): nothing to bound
        ctypes.CDLL("libc.so.6").mallopt(-8, arenas)  # -8: M_ARENA_MAX


def exit_with_parent(ready: Callable[[], bool] = lambda: True, every_s: float = 1.0,
                     grace_s: float = 30.0) -> None:  # fmt: skip
    """A worker process (``serve.processes`` > 1) ends when the server process that started it is
    gone (killed, crashed): left running it would hold the port, so a restart could not bind it,
    and answer with whatever it loaded, out of reach of ``serve --stop``.

    Called first thing in the start-up hook, so a worker still loading is watched too: one that is
    not `ready` has nothing in flight and exits at once (uvicorn would finish loading first).
    """
    parent = multiprocessing.parent_process()
    if parent is None:  # the server itself: its parent is the `serve` command, which exits at once
        return

    def watch() -> None:
        while parent.is_alive() and os.getppid() == parent.pid:
            time.sleep(every_s)
        log.warning("the server process %s is gone; this worker stops", parent.pid)
        if not ready():
            os._exit(1)
        os.kill(os.getpid(), signal.SIGTERM)  # uvicorn's graceful exit: requests in flight finish
        time.sleep(grace_s)
        os._exit(1)  # a request that never ends must not keep the port

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
