"""Token counts and answer cuts for OpenAI's ``usage``, ``max_tokens`` and ``stop``.

The extractive answerer has no tokenizer, so tokens are estimated as its agent counts them
(rag/answer/tokens.py): one per word or punctuation mark, an estimate, never a bill.

>>> count_tokens("Run `zenml up`, then serve.")
9
>>> cut = AnswerCut(max_tokens=3)
>>> cut.feed("one two"), cut.feed(" three four"), cut.finish_reason
('one two', ' three', 'length')
>>> cut = AnswerCut(stop=["\\n\\nSources:"])
>>> cut.feed("Use pip.\\n\\nSour") + cut.feed("ces:\\n[1] docs/a.md") + cut.flush(), cut.finish_reason
('Use pip.', 'stop')
"""

from __future__ import annotations

import itertools
from typing import Literal

from rag.answer.tokens import TOKEN


def count_tokens(text: str) -> int:
    return sum(1 for _ in TOKEN.finditer(text))


class AnswerCut:
    """Deltas in, the part a client may see out: it ends before a stop sequence or after `max_tokens`."""

    def __init__(self, max_tokens: int | None = None, stop: list[str] | None = None) -> None:
        self.max_tokens, self.stop = max_tokens, [s for s in stop or [] if s]
        self.text, self.sent = "", 0
        self.finish_reason: Literal["stop", "length"] | None = None
        self._hold = max((len(s) for s in self.stop), default=1) - 1  # a stop sequence may be arriving

    def feed(self, delta: str) -> str:
        """The newly visible text (maybe empty); nothing once the answer is cut."""
        if self.finish_reason:
            return ""
        self.text += delta
        end = self._cut()
        return self._emit(end if end is not None else len(self.text) - self._hold)

    def flush(self) -> str:
        """The rest, at the end of the answer."""
        if self.finish_reason:
            return ""
        self.finish_reason = "stop"
        return self._emit(len(self.text))

    @property
    def visible(self) -> str:
        return self.text[: self.sent]

    def _emit(self, end: int) -> str:
        part = self.text[self.sent : end] if end > self.sent else ""
        self.sent = max(self.sent, end)
        return part

    def _cut(self) -> int | None:
        """Where the answer ends, if it now does; sets the finish reason."""
        cuts: list[tuple[int, Literal["stop", "length"]]] = [
            (i, "stop") for s in self.stop if (i := self.text.find(s)) >= 0
        ]
        if self.max_tokens is not None:
            # Only past max_tokens is the last kept token known to be whole.
            tokens = [m.end() for m in itertools.islice(TOKEN.finditer(self.text), self.max_tokens + 1)]
            if len(tokens) > self.max_tokens:
                cuts.append((tokens[self.max_tokens - 1], "length"))
        if not cuts:
            return None
        end, self.finish_reason = min(cuts)
        return end
