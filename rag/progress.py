"""Progress of long work people can read: how far, how fast, how long still.

Library code says how far it is with :func:`tick` (reading pages, chunking, embedding, asking the
golden questions) and knows nothing of who shows it. A program shows it with :func:`shown`: in a
terminal one bar per kind of work, with its rate and the time left; anywhere else (a step's log read
in a dashboard, a CI console, a file) :class:`ProgressLine`'s one line per interval. Nothing is shown
outside :func:`shown`.

>>> ticks = iter([0.0, 0.0, 5.0, 12.0, 30.0])
>>> lines = []
>>> line = ProgressLine("embedded", "new chunks", lines.append, every_s=10, clock=lambda: next(ticks))
>>> for done in (64, 128, 192, 256):
...     line(done, 256)
>>> lines
['embedded 192/256 new chunks (16.0/s, about 4 s left)', 'embedded 256/256 new chunks (8.5/s, done in 30 s)']
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any, TextIO


def duration_words(seconds: float) -> str:
    """A duration as a person says it.

    >>> duration_words(42), duration_words(750), duration_words(4000)
    ('42 s', '12 min', '1 h 7 min')
    """
    seconds = max(0, round(seconds))
    if seconds < 90:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


class ProgressLine:
    """Called with (done, total) after each batch; writes ``say(line)`` at most every `every_s` seconds."""

    def __init__(self, verb: str, unit: str, say: Callable[[str], None], every_s: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self.verb, self.unit, self.say, self.every_s, self.clock = verb, unit, say, every_s, clock
        self.start = self.last = clock()

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        if done < total and now - self.last < self.every_s:
            return
        self.last = now
        elapsed = max(now - self.start, 1e-9)
        rate = done / elapsed
        when = f"done in {duration_words(elapsed)}" if done >= total else (
            f"about {duration_words((total - done) / rate)} left" if rate else "starting")  # fmt: skip
        self.say(f"{self.verb} {done}/{total} {self.unit} ({rate:.1f}/s, {when})")


class _Lines:
    """One :class:`ProgressLine` per kind of work."""

    def __init__(self, say: Callable[[str], None], every_s: float) -> None:
        self.say, self.every_s, self.lines = say, every_s, {}

    def update(self, verb: str, unit: str, done: int, total: int) -> None:
        if verb not in self.lines:
            self.lines[verb] = ProgressLine(verb, unit, self.say, self.every_s)
        self.lines[verb](done, total)

    def close(self) -> None:
        pass


class _Bars:
    """A rich bar per kind of work while it runs (count, rate, time left), left on screen when done.

    A bar stops as its work completes, so log lines written after it (ZenML writes them past rich)
    start on a line of their own.
    """

    def __init__(self, terminal: TextIO) -> None:
        self.terminal = terminal
        self.running: dict[str, tuple[Any, Any]] = {}

    def _start(self, verb: str, unit: str, total: int) -> tuple[Any, Any]:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        bar = Progress(TextColumn("{task.description:>10}"), BarColumn(), MofNCompleteColumn(),
                       TextColumn("{task.fields[unit]}"), TextColumn("{task.fields[speed]}"),
                       TimeRemainingColumn(compact=True), console=Console(file=self.terminal),
                       refresh_per_second=4)  # fmt: skip
        bar.start()
        return bar, bar.add_task(verb, total=total, unit=unit, speed="")

    def update(self, verb: str, unit: str, done: int, total: int) -> None:
        bar, task = self.running.get(verb) or self.running.setdefault(verb, self._start(verb, unit, total))
        bar.update(task, completed=done, total=total)
        speed = bar.tasks[0].speed
        bar.update(task, speed=f"{speed:.1f}/s" if speed else "")
        if done >= total:
            bar.stop()
            del self.running[verb]

    def close(self) -> None:
        for bar, _ in self.running.values():  # work that stopped short (an error): its bar ends here
            bar.stop()
        self.running.clear()


_BOARD: ContextVar[_Lines | _Bars | None] = ContextVar("agent_factory_progress", default=None)


def tick(verb: str, unit: str, done: int, total: int) -> None:
    """`done` of `total` `unit` so far (e.g. "embedded", "chunks"); shown only inside :func:`shown`."""
    if (board := _BOARD.get()) is not None:
        board.update(verb, unit, done, total)


def terminal() -> TextIO | None:
    """The process's own stderr when a person watches it (also inside a ZenML step, which captures sys.stderr)."""
    stream = sys.__stderr__
    return stream if stream is not None and stream.isatty() else None


@contextlib.contextmanager
def shown(
    say: Callable[[str], None], terminal: TextIO | None = None, every_s: float = 10.0
) -> Iterator[None]:
    """Show what :func:`tick` reports inside: bars on `terminal` when it is one, else lines through `say`.

    >>> said = []
    >>> with shown(said.append, every_s=0):
    ...     for done in (1, 2):
    ...         tick("read", "pages", done, 2)
    >>> [line.split(" (")[0] for line in said]
    ['read 1/2 pages', 'read 2/2 pages']
    """
    board = _Bars(terminal) if terminal is not None and terminal.isatty() else _Lines(say, every_s)
    token = _BOARD.set(board)
    try:
        yield
    finally:
        _BOARD.reset(token)
        board.close()
