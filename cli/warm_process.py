"""The warm helper itself (see cli/warm.py): imports once, then forks a child per command.

Run as ``python -m cli.warm_process SOCKET [--idle SECONDS]``; `agent-factory ask` starts it.
It imports what ``ask`` and ``chat`` import, ZenML's client included (a version looked up again
after a build needs it), with the offline defaults applied first as in any of our programs, and
nothing else: no thread, no file, no store connection, no model session is open when it forks, so
each child starts as clean as a fresh process.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import os
import signal
import socket
import struct
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

from cli import warm

log = logging.getLogger("agent_factory.warm")
CHECK_S = 5.0  # how often an idle helper checks whether it should still be there
MAX_REQUEST_BYTES = 1_000_000  # the command line and environment
PRELOAD = (
    "cli.ask",
    "factory.artifacts",
    "factory.config",
    "factory.resolved",
    "factory.versions",
    "rag.agent.collector",
    "rag.agent.local",
    "rag.agent.spec",
    "rag.tracing.setup",
    "onnxruntime",
    "tokenizers",
    "zenml.client",
)


def preload() -> dict[str, int]:
    """Import what a command needs; returns the loaded code files' modification times."""
    import importlib

    from factory.bootstrap import bootstrap

    bootstrap()
    for name in PRELOAD:
        importlib.import_module(name)
    if threading.active_count() > 1:  # forking a process with threads can deadlock its children
        raise RuntimeError(f"threads running after the imports: {threading.enumerate()}")
    return _code_files()


def _code_files() -> dict[str, int]:
    files = {}
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        with contextlib.suppress(OSError, TypeError):
            files[path] = os.stat(path).st_mtime_ns
    return files


def changed(files: dict[str, int]) -> bool:
    """Whether any loaded code file changed since (an upgrade, an edit): then the helper retires."""
    for path, mtime in files.items():
        try:
            if os.stat(path).st_mtime_ns != mtime:
                return True
        except OSError:
            return True
    return False


def serve(path: Path, idle_s: float) -> None:
    files = preload()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    staging = path.with_suffix(f".{os.getpid()}.new")
    mine = -1
    try:  # from the bind on: a SIGTERM at any point leaves no socket behind
        listener.bind(str(staging))
        mine = os.stat(staging).st_ino  # the same inode once renamed
        os.chmod(staging, 0o600)
        listener.listen(16)
        os.replace(staging, path)  # atomic: a client finds the old helper or this one, never nothing
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
        listener.settimeout(CHECK_S)
        log.info("helper %s ready for %s", os.getpid(), path)
        _answer_until_idle(listener, path, mine, files, idle_s)
    finally:  # idle, replaced, its code changed, or stopped (SIGTERM): no socket is left behind
        for name in (staging, path):
            if _still_mine(name, mine):
                name.unlink()
        log.info("helper %s stops", os.getpid())


def _answer_until_idle(
    listener: socket.socket, path: Path, mine: int, files: dict[str, int], idle_s: float
) -> None:
    last = time.monotonic()
    while True:
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            if time.monotonic() - last > idle_s or not _still_mine(path, mine) or changed(files):
                return
            continue
        with conn:
            try:
                if not _handle(conn, listener, files):
                    return
            except (OSError, ValueError, KeyError, TypeError) as exc:  # a caller that went away or sent junk
                log.warning("a request was dropped: %s", exc)
        last = time.monotonic()


def _still_mine(path: Path, inode: int) -> bool:
    with contextlib.suppress(OSError):
        return os.stat(path).st_ino == inode
    return False


def _handle(conn: socket.socket, listener: socket.socket, files: dict[str, int]) -> bool:
    """Fork a child for one command; False when this helper must stop (its code changed)."""
    conn.settimeout(10)  # a client that connects and sends nothing must not block the helper
    uid = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))[1]
    header, fds, _, _ = socket.recv_fds(conn, 4, 3)
    try:
        size = int.from_bytes(header, "big")
        if uid != os.getuid() or len(fds) != 3 or size > MAX_REQUEST_BYTES:
            return True
        request = json.loads(_read(conn, size))
        if not _well_formed(request):
            raise ValueError("not a command line, folder and environment")
        if changed(files):
            conn.sendall(b'{"stale": true}\n')
            return False
        if os.fork() == 0:
            code = 1
            try:  # whatever happens, the child never returns into the helper's loop
                listener.close()
                code = _child(conn, fds, request)
            finally:
                os._exit(code)
        log.info("ran %s", request["args"][:1])
        return True
    finally:
        for fd in fds:
            os.close(fd)


def _well_formed(request: Any) -> bool:
    return (
        isinstance(request, dict)
        and isinstance(request.get("args"), list)
        and all(isinstance(arg, str) for arg in request["args"])
        and isinstance(request.get("cwd"), str)
        and isinstance(request.get("env"), dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in request["env"].items())
    )


def _read(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        if not (part := conn.recv(size - len(data))):
            raise OSError("the client left before sending its command")
        data += part
    return data


def _child(conn: socket.socket, fds: list[int], request: dict) -> int:
    """Become the caller's process (terminal, folder, environment), run the command, report its code."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a stopped command ends as a fresh process would
    log.handlers.clear()  # the helper's log file is not the command's
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
    sys.stdin, sys.stdout, sys.stderr = (_stream(0, "r"), _stream(1, "w"), _stream(2, "w"))
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    sys.argv = ["agent-factory", *request["args"]]
    conn.sendall(json.dumps({"pid": os.getpid()}).encode() + b"\n")
    warm.INSIDE["child"] = True
    code = _run_command(request["args"])
    with contextlib.suppress(OSError):
        conn.sendall(json.dumps({"exit": code}).encode() + b"\n")
    return code


def _stream(fd: int, mode: str) -> io.TextIOWrapper:
    """A standard stream on `fd` as a fresh process has it (line-buffered at a terminal)."""
    tty = os.isatty(fd)
    binary = open(fd, mode + "b", buffering=-1 if mode == "r" else 0, closefd=False)  # noqa: SIM115
    if mode == "w":
        binary = io.BufferedWriter(binary)
    return io.TextIOWrapper(binary, encoding="utf-8", errors="backslashreplace" if fd == 2 else "strict",
                            line_buffering=tty or fd == 2, write_through=fd == 2)  # fmt: skip


def _run_command(args: list[str]) -> int:
    from cli.main import main

    try:
        main.main(args=args, prog_name="agent-factory")
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
    except KeyboardInterrupt:
        code = 130
    except Exception:  # as a fresh interpreter would: the traceback, exit code 1
        traceback.print_exc()
        code = 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    return code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("socket", type=Path)
    parser.add_argument(
        "--idle", type=float, default=warm.IDLE_S, help="seconds without a request before it exits"
    )
    args = parser.parse_args()
    handler = logging.StreamHandler()  # the helper's stderr: its log file (cli/warm.py)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    pid_file = args.socket.with_suffix(".pid")
    pid_file.write_text(str(os.getpid()))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # `kill` cleans up as an idle exit does
    try:
        serve(args.socket, args.idle)
    finally:
        with contextlib.suppress(OSError):
            if pid_file.read_text() == str(os.getpid()):
                pid_file.unlink()


if __name__ == "__main__":
    main()
