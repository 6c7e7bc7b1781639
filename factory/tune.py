"""Search settings chosen for a team's own documents and questions, kept only with held-out evidence.

:func:`tune` splits the golden set in two before looking at any score (by a hash of each
question's id: the same split every run), tries the cheap search settings on the *tune*
half (BM25's weight in the fusion, page ranking, candidates: ``GRID``, over the built index,
retrieval only), picks the best by MRR@10 there, and then compares it with the current
settings on the *held-out* half with the gate's paired bootstrap (evaluation/gate.py). The
choice is kept only when it is shown better out of sample; otherwise the current settings
stay. Both halves' figures are reported side by side: a setting chosen on some questions
always looks better on those.

>>> halves = split([f"q{i}" for i in range(200)])
>>> 80 < len(halves["tune"]) < 120, set(halves["tune"]).isdisjoint(halves["held_out"])
(True, True)
"""

from __future__ import annotations

import hashlib
import itertools
from typing import Any

import numpy as np
from pydantic import BaseModel

from evaluation.config import GateConfig
from evaluation.gate import compare
from evaluation.golden import GoldenSet
from evaluation.page_hits import CHUNKS, METRICS, page_ranks, ranks_scores
from evaluation.records import Comparison, EvaluationResult, MetricScore
from rag.config import RetrievalConfig
from rag.errors import AgentFactoryError
from rag.index.docs_index import DocsIndex
from rag.retrieval.search import DocsSearch

PRIMARY = "mrr@10"  # rank-aware: a page moved from fifth to first counts, unlike hit@5
GRID: dict[str, list[Any]] = {
    "lexical_weight": [1.0, 1.5, 3.0],
    "page_weight": [None, 0.25, 0.5, 1.0],
    "candidates": [40, 80],
}
MIN_QUESTIONS = 10  # per half: fewer cannot show any setting better


class TuneError(AgentFactoryError):
    """The golden set cannot support tuning (too few questions with reference pages)."""


class Tried(BaseModel):
    """One setting's scores on each half (means over the half's questions)."""

    settings: dict[str, Any]
    tune: dict[str, float]
    held_out: dict[str, float]


class TuneResult(BaseModel):
    """What was tried, what was chosen on the tune half, and how it did on the held-out half."""

    questions: dict[str, int]  # tune, held_out
    current: dict[str, Any]
    best: dict[str, Any]  # the tune half's best (may equal current)
    tried: list[Tried]
    in_sample: Comparison  # best vs current on the tune half
    held_out: Comparison  # best vs current on the held-out half: the evidence
    adopted: bool

    def settings(self) -> dict[str, Any]:
        """What the config should say: the best when adopted, else the current settings."""
        return self.best if self.adopted else self.current


def split(ids: list[str]) -> dict[str, list[str]]:
    """Question ids in two halves by a hash of the id (stable across runs and machines)."""
    halves: dict[str, list[str]] = {"tune": [], "held_out": []}
    for qid in ids:
        half = "tune" if int(hashlib.sha256(qid.encode()).hexdigest(), 16) % 2 == 0 else "held_out"
        halves[half].append(qid)
    return halves


def candidates(current: RetrievalConfig, grid: dict[str, list[Any]] = GRID) -> list[dict[str, Any]]:
    """The current settings first, then every combination of the grid's values."""
    keys = list(grid)
    now = {k: getattr(current, k) for k in keys}
    combos = [dict(zip(keys, values, strict=True)) for values in itertools.product(*grid.values())]
    return [now, *(c for c in combos if c != now)]


def tune(index: DocsIndex, golden: GoldenSet, current: RetrievalConfig, gate: GateConfig) -> TuneResult:
    """Try `GRID` on the tune half, confirm the best against `current` on the held-out half."""
    questions = [q for q in golden.questions if q.reference_sources]
    halves = split([q.id for q in questions])
    if min(len(h) for h in halves.values()) < MIN_QUESTIONS:
        raise TuneError(f"{golden.name}: {len(questions)} questions with reference pages; tuning needs "
                        f"{2 * MIN_QUESTIONS} or more (half to choose, half to confirm)")  # fmt: skip
    per_question = {}
    for settings in candidates(current):
        config = current.model_copy(update={**settings, "top_k": CHUNKS})
        ranks = page_ranks(DocsSearch.from_defaults(index, config), questions)
        per_question[_key(settings)] = {m: dict(zip([q.id for q in questions], v.tolist(), strict=True))
                                        for m, v in ranks_scores(ranks).items()}  # fmt: skip
    tried = [
        Tried(settings=s, tune=_means(per_question[_key(s)], halves["tune"]),
              held_out=_means(per_question[_key(s)], halves["held_out"]))
        for s in candidates(current)
    ]  # fmt: skip
    best = max(tried, key=lambda t: t.tune[PRIMARY]).settings  # the first (current) wins a tie
    now = candidates(current)[0]
    side = {half: [_result(per_question[_key(s)], ids) for s in (best, now)] for half, ids in halves.items()}
    held = compare(*side["held_out"], PRIMARY, gate)
    return TuneResult(
        questions={h: len(ids) for h, ids in halves.items()},
        current=now,
        best=best,
        tried=tried,
        in_sample=compare(*side["tune"], PRIMARY, gate),
        held_out=held,
        adopted=best != now and held.ci_low > 0,
    )


def _key(settings: dict[str, Any]) -> str:
    return repr(sorted(settings.items()))


def _means(scores: dict[str, dict[str, float]], ids: list[str]) -> dict[str, float]:
    return {m: round(float(np.mean([scores[m][i] for i in ids])), 4) for m in METRICS}


def _result(scores: dict[str, dict[str, float]], ids: list[str]) -> EvaluationResult:
    """One half's scores in the shape the gate's comparison reads."""
    metrics = {m: MetricScore(name=m, tier="offline", values={i: scores[m][i] for i in ids}) for m in METRICS}
    return EvaluationResult(golden_name="tune", golden_hash="", records=[], metrics=metrics,
                            latency_p50_s=0.0, latency_p95_s=0.0, seconds=0.0)  # fmt: skip
