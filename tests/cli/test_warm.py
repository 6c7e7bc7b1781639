"""cli/warm.py: a fresh `ask` answered by the warm helper exactly as a cold one, and the fall-backs."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest

from cli import warm
from tests.helpers import share_exports

CLI = str(Path(sys.executable).with_name("agent-factory"))
QUESTION = "Which TCP port does the server listen on?"


@pytest.fixture(scope="module")
def agent_folder(tmp_path_factory, agent_config, docs_index) -> Path:
    from rag.agent.local import AGENT_FILE
    from rag.agent.spec import AgentSpec

    folder = tmp_path_factory.mktemp("warm") / "agent"
    docs_index.save(folder, {AGENT_FILE: AgentSpec.from_config(agent_config).model_dump_json()})
    return folder


@pytest.fixture()
def env():
    """A cache of its own (short: a socket path has at most 107 bytes), sharing the ONNX exports."""
    cache = share_exports(Path(tempfile.mkdtemp(prefix="af-warm-")))
    yield os.environ | {"AGENT_FACTORY_CACHE_DIR": str(cache), "AGENT_FACTORY_WARM": "1"}
    for pid_file in (cache / "warm").glob("*.pid"):
        with contextlib.suppress(OSError, ValueError):
            os.kill(int(pid_file.read_text()), signal.SIGKILL)
    shutil.rmtree(cache, ignore_errors=True)


def _ask(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([CLI, "ask", *args], env=env, capture_output=True, text=True, timeout=600)


def _helper_socket(env: dict, timeout_s: float = 300) -> Path:
    folder = Path(env["AGENT_FACTORY_CACHE_DIR"]) / "warm"
    deadline = time.monotonic() + timeout_s  # a hang guard: the helper imports for seconds on a busy machine
    while time.monotonic() < deadline:
        if sockets := list(folder.glob("*.sock")):
            return sockets[0]
        time.sleep(0.5)
    raise AssertionError(f"no helper socket in {folder}: {[p.name for p in folder.glob('*')]}")


@pytest.mark.slow
def test_a_fresh_ask_is_answered_by_the_helper_as_a_cold_one_would(agent_folder, env):
    cold = _ask(env, QUESTION, "--index", str(agent_folder))
    assert cold.returncode == 0 and "7341" in cold.stdout, cold.stderr
    sock = _helper_socket(env)  # the cold ask left a helper behind
    log = sock.with_suffix(".log")

    warm_reply = _ask(env, QUESTION, "--index", str(agent_folder))
    assert (warm_reply.returncode, warm_reply.stdout) == (0, cold.stdout), warm_reply.stderr
    assert "ran ['ask']" in log.read_text()  # answered by the helper's child, not in the process itself

    with socket.socket(socket.AF_UNIX) as junk:  # no descriptors, no command: dropped, the helper stays
        junk.connect(str(sock))
        junk.sendall(b"\x00\x00\x00\x05hello")
    missing = str(agent_folder.parent / "missing")
    failed = _ask(env, QUESTION, "--index", missing)
    failed_cold = _ask(env | {"AGENT_FACTORY_WARM": "0"}, QUESTION, "--index", missing)
    assert failed.returncode == failed_cold.returncode == 1
    assert (failed.stdout, failed.stderr) == (failed_cold.stdout, failed_cold.stderr)
    assert log.read_text().count("ran ['ask']") == 2

    helper = psutil.Process(int(sock.with_suffix(".pid").read_text()))
    chat = subprocess.Popen([CLI, "chat", "--index", str(agent_folder)], env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 120
    while not helper.children() and time.monotonic() < deadline:  # the chat waits at its prompt
        time.sleep(0.2)
    child = helper.children()[0]
    chat.terminate()  # stopping the command a person started stops the helper's child running it
    chat.wait(timeout=60)
    child.wait(timeout=60)


@pytest.mark.slow
def test_an_idle_or_stopped_helper_leaves_and_a_dead_one_is_passed_by(env, monkeypatch):
    monkeypatch.setenv("AGENT_FACTORY_CACHE_DIR", env["AGENT_FACTORY_CACHE_DIR"])
    monkeypatch.setenv("AGENT_FACTORY_WARM", "1")
    path = warm.socket_path()
    path.parent.mkdir(mode=0o700, parents=True)
    helper = subprocess.Popen([sys.executable, "-m", "cli.warm_process", str(path), "--idle", "1"], env=env)
    assert helper.wait(timeout=300) == 0  # imports, serves nobody, leaves after its idle second
    assert not path.exists() and not path.with_suffix(".pid").exists()

    stopped = subprocess.Popen([sys.executable, "-m", "cli.warm_process", str(path)], env=env)
    _helper_socket(env)
    stopped.terminate()  # as `kill $(cat .../warm/*.pid)` in docs/chat.md
    assert stopped.wait(timeout=60) == 0
    assert not path.exists() and not path.with_suffix(".pid").exists()

    dead = socket.socket(socket.AF_UNIX)  # a helper killed without cleaning up: its socket stays
    dead.bind(str(path))
    dead.close()
    assert warm.run(["ask", QUESTION]) is None  # nobody listens: the command runs in its own process


def test_no_helper_is_left_by_a_script_or_where_switched_off(env, monkeypatch):
    monkeypatch.setenv("AGENT_FACTORY_CACHE_DIR", env["AGENT_FACTORY_CACHE_DIR"])
    monkeypatch.delenv(
        "AGENT_FACTORY_WARM", raising=False
    )  # by default only at a terminal; pytest's stdin is not one
    warm.leave_helper()
    monkeypatch.setenv("AGENT_FACTORY_WARM", "0")
    warm.leave_helper()
    assert warm.run(["ask", QUESTION]) is None
    time.sleep(1)
    assert not (Path(env["AGENT_FACTORY_CACHE_DIR"]) / "warm").exists()


def test_a_helper_retires_when_its_code_changes(tmp_path):
    from cli.warm_process import changed

    code = tmp_path / "module.py"
    code.write_text("x = 1\n")
    files = {str(code): code.stat().st_mtime_ns}
    assert not changed(files)
    os.utime(code, ns=(code.stat().st_atime_ns, code.stat().st_mtime_ns + 1_000_000))
    assert changed(files)
    code.unlink()
    assert changed(files)
