"""Progress people can read: bars with rate and time left in a terminal, a line per interval elsewhere."""

from __future__ import annotations

import io
import re
from pathlib import Path

from rag.progress import shown, tick
from tests.helpers import Terminal, run_cli, write_config, write_corpus

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _project(tmp_path: Path) -> Path:
    pages = {f"guide/page{i:02}.md": f"# Page {i}\n\nWidget fact number {i} is {i * 7}.\n" for i in range(40)}
    write_corpus(tmp_path / "corpus", pages)
    return write_config(tmp_path / "agent.yaml", "sources:\n  - type: directory\n    path: corpus\n")


def test_index_in_a_terminal_shows_bars_with_count_rate_and_time_left(tmp_path: Path):
    config = _project(tmp_path)
    terminal = Terminal("index", "--config", config, "--out", tmp_path / "agent", cwd=tmp_path)
    screen = ANSI.sub("", terminal.expect("indexed 40 documents"))
    assert terminal.close() == 0
    for verb, count, unit in (("read", "40/40", "files"), ("chunked", "40/40", "documents"),
                              ("embedded", "40/40", "new chunks")):  # fmt: skip
        assert re.search(rf"{verb} ━+\s+{count} {unit}", screen), screen
    assert re.search(r"read ━+\s+0/40 files\s+--:--", screen)  # the time left, unknown at first
    assert re.search(r"\d+\.\d/s", screen) and "00:00" in screen  # a rate, and no time left at the end
    assert "read 40/40 files (" not in screen  # bars, not log lines


def test_index_into_a_pipe_writes_one_line_per_kind_of_work(tmp_path: Path):
    config = _project(tmp_path)
    done = run_cli("index", "--config", config, "--out", tmp_path / "agent", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = [ANSI.sub("", line) for line in done.stderr.splitlines()]
    for verb, unit in (("read", "files"), ("chunked", "documents"), ("embedded", "new chunks")):
        assert any(
            re.fullmatch(rf"{verb} 40/40 {unit} \([\d.]+/s, done in \d+ s\)", line) for line in lines
        ), lines
    assert "━" not in done.stderr


def test_lines_are_written_at_most_once_an_interval_and_nothing_outside_shown():
    said: list[str] = []
    tick("read", "files", 1, 2)  # nobody shows it
    with shown(said.append, io.StringIO(), every_s=3600):  # not a terminal: lines
        for done in range(101):
            tick("read", "files", done, 100)
    assert [line.split(" (")[0] for line in said] == ["read 100/100 files"]
