"""Helpers shared by the tests: a tiny corpus and golden set, configs, servers, refusals.

Everything a test needs more than once lives here (fixtures live in conftest.py files).
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import pty
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from benchmarks.retrieval_quality import DATASETS

# Tests that read ZenML's docs or Ray's site skip with one reason when the datasets are absent.
needs_datasets = pytest.mark.skipif(
    not (DATASETS / "zenml-questions-dev.jsonl").is_file(),
    reason=f"needs the shared datasets at {DATASETS} (set AGENT_FACTORY_DATASETS; shared/datasets/README.md)",
)

# Each document holds one fact that appears nowhere else, so retrieval has one right answer.
CORPUS = {
    "install.md": "# Installing\n\nTo install the widget server, run the command widgetctl setup inside "
    "an empty folder. The setup needs Python 3.11 or newer.\n",
    "colors.md": "# Colors\n\nThe default theme colour of the widget dashboard is ultramarine blue. "
    "You can change the theme colour in the appearance settings.\n",
    "backups.md": "# Backups\n\nBackups of the widget database are written every night at 02:00 to the "
    "folder /var/backups/widgets. Each backup is kept for fourteen days.\n",
    "ports.rst": "Network ports\n=============\n\nThe widget server listens on TCP port 7341 by default. "
    "Set WIDGET_PORT to use another port.\n",
    "about.html": "<html><head><title>About widgets</title><script>var x = 1;</script></head><body>"
    "<nav>Home | Docs</nav><h1>About</h1><p>The widget project was started by the Lighthouse team "
    "in Lisbon to track inventory of spare parts.</p></body></html>",
}


# A golden set for CORPUS: answerable questions, a follow-up and out-of-scope questions.
GOLDEN = [
    {"id": "port", "question": "Which TCP port does the widget server listen on?", "reference_answer": "Port 7341 by default.",
     "reference_sources": ["docs/ports.rst"], "must_include": ["7341"]},
    {"id": "port-change", "question": "How can I change it?", "follow_up_of": "port", "reference_answer": "Set WIDGET_PORT.",
     "reference_sources": ["docs/ports.rst"], "must_include": ["WIDGET_PORT"]},
    {"id": "colour", "question": "What is the default theme colour of the dashboard?", "reference_answer": "Ultramarine blue.",
     "reference_sources": ["docs/colors.md"], "must_include": ["ultramarine"]},
    {"id": "backup-time", "question": "When are backups of the widget database written?", "reference_answer": "Every night at 02:00.",
     "reference_sources": ["docs/backups.md"], "must_include": ["02:00"]},
    {"id": "backup-keep", "question": "How long is each backup kept?", "reference_answer": "Fourteen days.",
     "reference_sources": ["docs/backups.md"], "must_include": ["fourteen days"]},
    {"id": "install", "question": "How do I install the widget server?", "reference_answer": "Run widgetctl setup inside an empty folder.",
     "reference_sources": ["docs/install.md"], "must_include": ["widgetctl setup"]},
    {"id": "founders", "question": "Who started the widget project?", "reference_answer": "The Lighthouse team in Lisbon.",
     "reference_sources": ["docs/about.html"], "must_include": ["Lighthouse"]},
    {"id": "oos-1", "question": "Who won the football world cup in 1998?", "expect_refusal": True},
    {"id": "oos-2", "question": "Give me a recipe for chocolate chip cookies.", "expect_refusal": True},
]  # fmt: skip


def gutted(keep: int = 2) -> dict[str, str]:
    """CORPUS with every page still there (golden references check out) but all after the first
    `keep` emptied of their answers: a corpus that must fail the gate on its scores."""
    return {
        name: (text if i < keep else "# Moved\n\nThis page moved away.\n")
        for i, (name, text) in enumerate(CORPUS.items())
    }


def write_golden(path: Path, questions: list[dict] = GOLDEN) -> Path:
    path.write_text("".join(json.dumps(q) + "\n" for q in questions), encoding="utf-8")
    return path


def write_corpus(root: Path, files: dict[str, str] = CORPUS) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def make_config(name: str, corpus: Path, golden: Path, **overrides: Any):
    """An AgentConfig over a directory source and a golden file (`overrides` replace top-level keys)."""
    from factory.config import AgentConfig

    data = {
        "name": name,
        "sources": [{"type": "directory", "name": "docs", "path": str(corpus)}],
        "evaluation": {"golden_set": str(golden)},
    }
    return AgentConfig.model_validate(data | overrides)


def write_project(folder: Path, name: str | None = None) -> Path:
    """CORPUS in folder/corpus, GOLDEN in folder/golden.jsonl and folder/agent.yaml naming both."""
    write_corpus(folder / "corpus")
    write_golden(folder / "golden.jsonl")
    head = f"name: {name}\n" if name else ""
    return write_config(folder / "agent.yaml", head + "sources:\n  - type: directory\n    path: corpus\n"
                                                      "evaluation:\n  golden_set: golden.jsonl\n")  # fmt: skip


def write_config(path: Path, text: str) -> Path:
    """A YAML config file (its relative paths resolve against `path`'s folder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def config_error(path: Path, text: str) -> str:
    """The ConfigError message of loading the config `text` written at `path` (it must fail)."""
    from factory.config import load_config
    from rag.settings_file import ConfigError

    write_config(path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return str(info.value)


@contextlib.contextmanager
def registered(registry: Any, name: str, plugin: Any) -> Iterator[None]:
    """Register a test provider or source for the duration of a `with` block."""
    registry.register(name, plugin)
    try:
        yield
    finally:
        registry.unregister(name)


def refuse_pickle(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any pickle load fail the test: artifacts must load without it."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("pickle used")

    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "load", refuse)


def free_port() -> int:
    """A port nothing listens on (also what a test wants for an unreachable URL)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(args: list[str], ready_url: str, log: Path, timeout_s: float = 90) -> Iterator[None]:
    """Start `args`, wait until `ready_url` answers 200, stop it afterwards; fail with its log."""
    with log.open("w") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(ready_url, timeout=1).status_code == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{args[0]} did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.3)
        yield
    finally:
        process.terminate()
        process.wait(timeout=20)


CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@contextlib.contextmanager
def chromium_page(height: int = 900) -> Iterator[Any]:
    """A headless Chromium page (Debian's Chromium through Playwright), closed afterwards.

    Skips where Chromium or playwright is missing, except under CI, where that is a failure.
    """
    import os

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if sync_playwright is None or not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            raise AssertionError("CI must have chromium and playwright")
        pytest.skip("chromium or playwright not installed")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            yield browser.new_page(viewport={"width": 1000, "height": height})
        finally:
            browser.close()


def screenshot(page_file: Path, name: str) -> Path:
    """A headless Chromium screenshot of a local page, saved as test-artifacts/NAME (to look at)."""
    with chromium_page() as page:
        page.goto(page_file.resolve().as_uri())
        page.screenshot(path=str(ARTIFACTS / name), full_page=True)
    return ARTIFACTS / name


def share_exports(cache: Path) -> Path:
    """Give the cache folder `cache` the run's ONNX exports (one export per test run, conftest.py)."""
    cache.mkdir(parents=True, exist_ok=True)
    if not (cache / "onnx").exists():
        (cache / "onnx").symlink_to(os.environ["AGENT_FACTORY_TESTS_EXPORTS"])
    return cache


def run_cli(*args: str | Path, cwd: Path | None = None, env: dict | None = None,
            timeout: int = 600) -> subprocess.CompletedProcess:  # fmt: skip
    """`agent-factory ARGS` in a real subprocess (a real terminal's errors, not click's runner's)."""
    command = [str(Path(sys.executable).with_name("agent-factory")), *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=cwd, env=env)


def feedback_setup(tmp_path: Path) -> tuple[Path, Path, Any]:
    """A config whose serve.feedback_path is a real feedback store in `tmp_path`: (config, golden, store)."""
    write_corpus(tmp_path / "docs")
    golden = write_golden(tmp_path / "golden.jsonl")
    config = write_config(tmp_path / "agent.yaml", "name: fb_agent\nsources: [{type: directory, path: docs}]\n"
                          "evaluation: {golden_set: golden.jsonl}\nserve: {feedback_path: feedback.sqlite}\n")  # fmt: skip
    from serving.feedback import FeedbackStore

    store = FeedbackStore(tmp_path / "feedback.sqlite")  # serve.feedback_path, relative to where the CLI runs
    return config, golden, store


def record_answer(store: Any, question: str, rating: int, comment: str = "") -> None:
    """One served answer in `store`, rated up (1), down (-1) or not (0)."""
    from serving.feedback import AnswerRecord

    answer_id = store.record(
        AnswerRecord(question=question, answer="I don't know", model="fb_agent", version="1", channel="web")
    )
    if rating:
        store.rate(answer_id, rating, comment, "web")


class Terminal:
    """A command on a pseudo-terminal: wait for text it prints, type lines as a person would."""

    def __init__(self, *args: str | Path, cwd: Path) -> None:
        self.master, slave = pty.openpty()
        command = [str(Path(sys.executable).with_name("agent-factory")), *map(str, args)]
        self.process = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, cwd=cwd,
                                        env=os.environ | {"TERM": "xterm"}, close_fds=True)  # fmt: skip
        os.close(slave)
        self.seen = ""

    def expect(self, text: str, timeout_s: float = 120) -> str:
        end = time.monotonic() + timeout_s
        while text not in self.seen:
            ready, _, _ = select.select([self.master], [], [], max(0.0, end - time.monotonic()))
            if not ready:
                raise AssertionError(f"never printed {text!r}; the terminal shows:\n{self.seen[-2000:]}")
            try:
                self.seen += os.read(self.master, 4096).decode(errors="replace")
            except OSError:  # the process ended and closed the terminal
                raise AssertionError(f"ended before printing {text!r}:\n{self.seen[-2000:]}") from None
        return self.seen

    def type(self, line: str) -> None:
        os.write(self.master, line.encode() + b"\r")  # Enter, as a terminal sends it

    def close(self) -> int:
        code = self.process.wait(timeout=60)
        os.close(self.master)
        return code
