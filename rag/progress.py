"""Progress of long work in log lines people can read: how far, how fast, how long still.

A step's log is read in a dashboard or a CI console, not a terminal, so a bar is no use there:
:class:`ProgressLine` writes one line per interval (and the last one always), with the rate
and the time left at that rate.

>>> ticks = iter([0.0, 0.0, 5.0, 12.0, 30.0])
>>> lines = []
>>> line = ProgressLine("embedded", "new chunks", lines.append, every_s=10, clock=lambda: next(ticks))
>>> for done in (64, 128, 192, 256):
...     line(done, 256)
>>> lines
['embedded 192/256 new chunks (16.0/s, about 4 s left)', 'embedded 256/256 new chunks (8.5/s, done in 30 s)']
"""

from __future__ import annotations

import time
from collections.abc import Callable


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
