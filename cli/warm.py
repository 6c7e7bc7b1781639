"""A warm helper for `ask` and `chat`: a fresh command skips the seconds spent importing.

A cold ``agent-factory ask`` spends most of its time importing (LlamaIndex alone ~2 s) before it
reads a byte of the index. After an ask at a terminal a helper process stays behind with those
imports done (cli/warm_process.py). The next ``ask`` or ``chat`` hands it the command line, the
working folder, the environment and its terminal (stdin, stdout and stderr, passed over a Unix
socket); the helper forks a child that runs the command exactly as a fresh process would, on the
caller's terminal, and the caller exits with the child's exit code. Nothing is loaded ahead but
code: each child reads the config, the store and the index itself, so an answer never comes from
a stale agent.

A helper serves one environment (the same variables as when it started, so the same store and
settings) and exits after ``IDLE_S`` without a request, when a file of its code changes, or when
another helper takes its socket. ``AGENT_FACTORY_WARM``: unset, a helper is left only after a
command at a terminal; ``1`` always; ``0`` never.

>>> len(helper_key({"HOME": "/home/a"})) == 20 and helper_key({"HOME": "/home/a", "PWD": "/x"}) == helper_key({"HOME": "/home/a"})
True
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from rag.cache import cache_dir

IDLE_S = 600  # a helper holds ~250 MB; after ten quiet minutes it gives them back
MAX_SOCKET_PATH = 100  # AF_UNIX paths are at most 107 bytes
MAX_REPLY_BYTES = 4096
# Variables a shell changes between commands that no import reads: not part of a helper's identity.
VOLATILE = {"PWD", "OLDPWD", "SHLVL", "_", "COLUMNS", "LINES", "TERM_SESSION_ID", "WINDOWID"}
INSIDE = {"child": False}  # set in the helper's child: the command it runs must not ask a helper


def helper_key(env: dict[str, str]) -> str:
    """A helper per interpreter, user and environment (what the imports may have read)."""
    items = sorted((k, v) for k, v in env.items() if k not in VOLATILE)
    return hashlib.sha256(json.dumps([sys.executable, os.getuid(), items]).encode()).hexdigest()[:20]


def socket_path() -> Path | None:
    """This environment's helper socket, or None where a Unix socket cannot live."""
    path = cache_dir() / "warm" / f"{helper_key(dict(os.environ))}.sock"
    return path if len(os.fsencode(path)) <= MAX_SOCKET_PATH and hasattr(socket, "AF_UNIX") else None


def run(args: list[str]) -> int | None:
    """Run ``agent-factory ARGS`` in this environment's helper: its exit code, or None when no
    helper answered (then the caller runs the command itself)."""
    path = None if INSIDE["child"] or os.environ.get("AGENT_FACTORY_WARM") == "0" else socket_path()
    if path is None:
        return None
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        try:
            conn.connect(str(path))
            body = json.dumps({"args": args, "cwd": os.getcwd(), "env": dict(os.environ)}).encode()
            socket.send_fds(conn, [len(body).to_bytes(4, "big")], [0, 1, 2])
            conn.sendall(body)
        except OSError:  # no helper (or a closed stdin): the command runs here
            return None
        return _wait(conn.makefile("rb"))


def _wait(replies) -> int | None:
    """Follow the helper's replies: the child's pid, then its exit code. Ctrl-C, a terminal closed and
    a SIGTERM reach the child as they would reach a command run here."""
    child = None
    while True:
        try:
            line = replies.readline(MAX_REPLY_BYTES)
        except KeyboardInterrupt:
            if child:
                os.kill(child, signal.SIGINT)
            continue
        if not line:
            if child is None:
                return None  # the helper closed before starting anything: run it here
            print("error: the warm helper's process ended without finishing", file=sys.stderr)
            return 1
        reply = json.loads(line)
        if "stale" in reply:
            return None
        if "pid" in reply:
            child = reply["pid"]
            for sig in (signal.SIGTERM, signal.SIGHUP):  # stopping this process stops the command
                signal.signal(sig, lambda number, _frame, pid=child: os.kill(pid, number))
        if "exit" in reply:
            return reply["exit"]


def _wanted() -> bool:
    setting = os.environ.get("AGENT_FACTORY_WARM")
    if setting is not None:
        return setting == "1"
    return sys.stdin.isatty() and sys.stdout.isatty()  # scripts and CI leave no process behind


def leave_helper() -> None:
    """Start this environment's helper in the background, unless one runs or starts already."""
    path = None if INSIDE["child"] or not _wanted() else socket_path()
    if path is None or _running(path.with_suffix(".pid")):
        return
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(OSError), open(path.with_suffix(".log"), "ab") as log:
        command = [sys.executable, "-m", "cli.warm_process", str(path)]
        subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)


def _running(pid_file: Path) -> bool:
    try:
        os.kill(int(pid_file.read_text()), 0)
    except (OSError, ValueError):
        return False
    return True
