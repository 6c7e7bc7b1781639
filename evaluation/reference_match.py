"""reference_match: is the reference answer *in* the agent's answer? The best-matching window's similarity.

Whole-answer similarity (RAGAS ``semantic_similarity``) compares a whole section answer with a
one-line reference ("AMIs support tags"): the longer the correct answer, the lower the score.
Here the answer is cut into windows of consecutive sentences about as long as the reference
(never less than one sentence, plus the whole answer for long references), each is embedded
with the agent's embedding model, and the best cosine similarity with the reference is the
score (clipped to [0, 1]). A correct answer scores high whatever its length; a wrong one stays
low on short and long references alike (tests/evaluation/test_reference_match.py, benchmarks/RESULTS.md).

>>> windows("Install it. Then run `build`. Ask a question.", reference_chars=12)
['Install it.', 'Then run `build`.', 'Ask a question.', 'Install it. Then run `build`. Ask a question.']
"""

from __future__ import annotations

import re

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding

from evaluation.golden import GoldenQuestion
from evaluation.records import AnswerRecord

_PIECE = re.compile(r"(?<=[.!?])\s+|\n+")
MAX_WINDOWS = 64  # windows embedded per answer: a 20,000-character answer costs the same as a page
WINDOW_SLACK = 1.5  # a window grows to at most this times the reference's length


def windows(answer: str, reference_chars: int) -> list[str]:
    """Runs of consecutive sentences up to ~the reference's length, then the whole answer."""
    pieces = [p.strip() for p in _PIECE.split(answer) if p.strip()]
    limit = max(int(reference_chars * WINDOW_SLACK), 1)
    out: list[str] = []
    for start in range(len(pieces)):
        window = pieces[start]
        for piece in pieces[start + 1 :]:
            if len(window) + 1 + len(piece) > limit:
                break
            window += " " + piece
        out.append(window)
    out = list(dict.fromkeys(out))[: MAX_WINDOWS - 1]
    whole = " ".join(pieces)
    return [*out, whole] if whole and whole not in out else out


def reference_match(
    questions: list[GoldenQuestion], by_id: dict[str, AnswerRecord], embed_model: BaseEmbedding
) -> dict[str, float | None]:
    """Per question: the best window's cosine similarity with its reference answer (0 for no answer)."""
    values: dict[str, float | None] = {}
    for q in questions:
        record = by_id[q.id]
        parts = windows(record.answer, len(q.reference_answer)) if not record.error else []
        if not parts:
            values[q.id] = 0.0
            continue
        vectors = np.asarray(
            embed_model.get_text_embedding_batch([q.reference_answer, *parts]), dtype=np.float32
        )
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        values[q.id] = float(np.clip((vectors[1:] @ vectors[0]).max(), 0.0, 1.0))
    return values
