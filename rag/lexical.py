"""BM25 over the index's chunks (bm25s), with a tokenizer that knows code.

Dense vectors miss exact names (`zenml stack register`, `BaseArtifactStore`); BM25 finds
them. Identifiers are indexed whole and by their parts, so a question saying "artifact
store" meets `BaseArtifactStore` and `artifact_store`. Saved as bm25s' JSON and ``.npy``
files (no pickle); rebuilt whole with the index, since IDF is corpus-wide (about a second
per 10k chunks).

>>> tokens("Register it with `zenml stack register` or BaseArtifactStore.")
['register', 'zenml', 'stack', 'register', 'baseartifactstore', 'base', 'artifact', 'store']
>>> bm25 = Bm25.build(["zenml stack register my_stack", "Bananas are yellow"], ["a#0", "b#0"])
>>> bm25.search("how do I register a stack?", 5)
[('a#0', ...)]
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import bm25s

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
IDS = "bm25_ids.json"
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


class Bm25:
    """A BM25 index over texts, each known by a node id."""

    def __init__(self, model: bm25s.BM25, ids: list[str]) -> None:
        self.model = model
        self.ids = ids

    @classmethod
    def build(cls, texts: list[str], ids: list[str]) -> Bm25:
        model = bm25s.BM25()
        model.index([tokens(t) or [""] for t in texts], show_progress=False)
        return cls(model, ids)

    def search(self, query: str, k: int) -> list[tuple[str, float]]:
        """(node id, score) of the best `k` texts sharing a word with the query, best first."""
        words = tokens(query)
        if not words or not self.ids:
            return []
        found, scores = self.model.retrieve([words], k=min(k, len(self.ids)), show_progress=False)
        return [(self.ids[i], float(s)) for i, s in zip(found[0], scores[0], strict=True) if s > 0]

    def save(self, folder: Path) -> None:
        """Into `folder` beside the index files, every name prefixed ``bm25_`` (a flat folder)."""
        self.model.save(str(folder), show_progress=False, **FILES)
        (Path(folder) / IDS).write_text(json.dumps(self.ids), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> Bm25:
        model = bm25s.BM25.load(str(folder), show_progress=False, allow_pickle=False, **FILES)
        return cls(model, json.loads((Path(folder) / IDS).read_text(encoding="utf-8")))
