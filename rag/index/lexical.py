"""BM25 over the index's chunks (bm25s), with a tokenizer that knows code.

Dense vectors miss exact names (`zenml stack register`, `BaseArtifactStore`); BM25 finds
them. Identifiers are indexed whole and by their parts, so a question saying "artifact
store" meets `BaseArtifactStore` and `artifact_store`. Saved as bm25s' JSON and ``.npy``
files (no pickle); rebuilt whole with the index, since IDF is corpus-wide (about a second
per 10k chunks). A text is known by its position, the same as its vector's in FAISS;
loading maps the arrays from disk instead of reading them.

>>> tokens("Register it with `zenml stack register` or BaseArtifactStore.")
['register', 'zenml', 'stack', 'register', 'baseartifactstore', 'base', 'artifact', 'store']
>>> bm25 = Bm25.build(["zenml stack register my_stack", "Bananas are yellow"])
>>> bm25.search("how do I register a stack?", 5)
[(0, ...)]
"""

from __future__ import annotations

import re
from pathlib import Path

import bm25s
import numpy as np

_WORD = re.compile(r"[A-Za-z0-9_]+")
_PART = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
# Function words only: short enough to read, and none of them is ever a name in docs.
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "their",
        "then",
        "there",
        "these",
        "this",
        "to",
        "was",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
    ]
)
MAX_SHARE = 0.5  # a query word found in more than this share of texts is skipped (Bm25._informative)
FILES = {f"{part}_name": f"bm25_{part}.{ext}" for part, ext in
         [("data", "npy"), ("indices", "npy"), ("indptr", "npy"), ("vocab", "json"), ("params", "json"),
          ("nnoc", "npy"), ("corpus", "jsonl")]}  # fmt: skip


def tokens(text: str) -> list[str]:
    """Lower-cased words; identifiers also by their camelCase and snake_case parts."""
    out = []
    for word in _WORD.findall(text):
        lower = word.lower()
        if lower in STOPWORDS:
            continue
        out.append(lower)
        parts = [p.lower() for p in _PART.findall(word.replace("_", " "))]
        if len(parts) > 1:
            out += [p for p in parts if p not in STOPWORDS]
    return out


class Bm25Builder:
    """Collects texts' words as integer ids: a 1M-chunk corpus held as word strings takes ~10 GB."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self.ids: list[np.ndarray] = []

    def add(self, text: str) -> None:
        """The next position's text."""
        words = tokens(text) or [""]  # a text without words still takes its position
        self.ids.append(
            np.fromiter((self.vocab.setdefault(w, len(self.vocab)) for w in words), dtype=np.int32)
        )

    def build(self) -> Bm25:
        model = bm25s.BM25()
        model.index((self.ids, self.vocab), show_progress=False)
        return Bm25(model)


class Bm25:
    """A BM25 index over texts, each known by its position."""

    def __init__(self, model: bm25s.BM25) -> None:
        self.model = model
        self.size = int(model.scores["num_docs"])

    @classmethod
    def build(cls, texts: list[str]) -> Bm25:
        """Over `texts`, in position order."""
        builder = Bm25Builder()
        for text in texts:
            builder.add(text)
        return builder.build()

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        """(position, score) of the best `k` texts sharing a word with the query, best first."""
        words = self._informative(tokens(query))
        if not words or not self.size:
            return []
        scores = self.model.get_scores(words)
        # Top k among the texts that share a word: a selection over every score, most of them
        # zero, took 110 ms at 1M chunks (numpy's introselect degrades on ties).
        hits = np.flatnonzero(scores > 0)
        if len(hits) > k:
            hits = hits[np.argpartition(-scores[hits], k - 1)[:k]]
        hits = hits[np.argsort(-scores[hits], kind="stable")]
        return [(int(i), float(scores[i])) for i in hits]

    def _informative(self, words: list[str]) -> list[str]:
        """The known words, without those in more than half the texts (unless no other is left).

        Such a word adds almost nothing to a score (IDF below log 2, against 5-14 for a name) but
        costs a pass over half the corpus: at 1M chunks "install" or "agent" took 150 ms a question.
        """
        vocab, indptr = self.model.vocab_dict, self.model.scores["indptr"]
        frequency = {w: int(indptr[vocab[w] + 1] - indptr[vocab[w]]) for w in set(words) if w in vocab}
        kept = [w for w in words if w in frequency and frequency[w] <= self.size * MAX_SHARE]
        return kept or sorted(frequency, key=frequency.__getitem__)[:1]

    def save(self, folder: Path) -> None:
        """Into `folder` beside the index files, every name prefixed ``bm25_`` (a flat folder)."""
        self.model.save(str(folder), show_progress=False, **FILES)

    @classmethod
    def load(cls, folder: Path) -> Bm25:
        """Memory-mapped: the score arrays stay on disk until a query's words need them."""
        return cls(bm25s.BM25.load(str(folder), mmap=True, show_progress=False, allow_pickle=False, **FILES))
