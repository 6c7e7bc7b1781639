"""Do generated questions rank search variants as real users' questions do?

Run as ``python -m benchmarks.golden_agreement [ray|zenml] MAX_DOCS SIZES [SIZE=INDEX ...]`` (benchmarks/run.py
does; SIZES like ``500,1000,2000``, 1000 among them); prints one JSON object. The set's pages are indexed
at each chunk size (or an ``INDEX`` folder saved from the same pages at that size is loaded); the offline generator
(evaluation/generation/, as ``golden generate --offline`` runs it) writes questions from the same
pages; every variant (chunk size x search settings) is scored by page hit@5 and MRR@10 on the real
questions and on the generated ones. Agreement: Kendall's tau-b between the two rankings of the
variants and Pearson's r between their scores, each with a 95% bootstrap interval (questions of
both sets resampled, 2000 draws); for each pair of variants the real questions tell apart, whether the
generated ones point the same way (paired bootstrap, as the gate compares); also per maker (headings alone, API names alone...). The cap on
API-name questions (evaluation/generation/generate.py) is studied apart: each cap in ``SHARES``
against the *tune* half of the real questions (factory/tune.py's split), where it was chosen, and
the *held-out* half, where it is confirmed.
"""

from __future__ import annotations

import itertools
import json
import sys
import warnings

import numpy as np
from scipy.stats import kendalltau, pearsonr

from benchmarks.tuned_search import build, golden_set, source_config
from evaluation.generation.generate import OFFLINE_SHARES, golden_question
from evaluation.generation.offline import offline_drafts
from evaluation.generation.passages import Draft, section_passages
from evaluation.generation.spread import spread
from evaluation.golden import GoldenQuestion
from evaluation.page_hits import CHUNKS, page_ranks, paired_interval, ranks_scores
from factory.tune import split
from rag.config import ChunkingConfig, RetrievalConfig
from rag.index.docs_index import DocsIndex
from rag.ingest.sources import load_documents
from rag.retrieval.search import DocsSearch

SEARCHES = {
    "plain dense": {"hybrid": False},
    "default": {},
    "BM25 x1": {"lexical_weight": 1.0},
    "BM25 x10": {"lexical_weight": 10.0},
    "10 candidates": {"candidates": 10},
    "pages ranked (BM25 x1, 0.25)": {"lexical_weight": 1.0, "page_weight": 0.25},
    "pages ranked (BM25 x1.5, 0.5)": {"lexical_weight": 1.5, "page_weight": 0.5},
}
SHARES = (1.0, 0.25, 0.1, 0.0)  # API-name question caps compared (1.0: no cap)
GENERATED = 240  # answerable questions generated: about three times a real set, for tighter means
METRICS = ("hit@5", "mrr@10")


def generated_questions(drafts: list[Draft], share: float) -> list[GoldenQuestion]:
    """The offline generator's answerable questions (refusals have no page to rank), API-name
    questions capped at `share`, spread as `golden generate` spreads them."""
    caps = {**OFFLINE_SHARES, "offline/identifier": share}
    return [golden_question(d) for d in spread(drafts, GENERATED, per_page=2, shares=caps)]


def scores(
    indexes: dict[int, DocsIndex], questions: list[GoldenQuestion]
) -> dict[str, dict[str, np.ndarray]]:
    """variant -> metric -> per-question values."""
    out = {}
    for size, index in indexes.items():
        searches = SEARCHES if size == 1000 else {"default": {}}
        for label, overrides in searches.items():
            settings = RetrievalConfig(**overrides, top_k=CHUNKS)
            variant = label if size == 1000 and label != "default" else f"{label}, {size} chars"
            out[variant] = ranks_scores(page_ranks(DocsSearch.from_defaults(index, settings), questions))
    return out


def agreement(real: dict, generated: dict, metric: str, draws: int = 2000, seed: int = 0) -> dict:
    """Kendall tau-b and Pearson r of per-variant means, point and 95% bootstrap interval."""
    a = np.array([real[v][metric] for v in real], dtype=float)  # variants x questions
    b = np.array([generated[v][metric] for v in real], dtype=float)
    rng = np.random.default_rng(seed)
    taus, rs = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a draw whose variants all tie has no ranking: NaN, left out
        for _ in range(draws):
            ma = a[:, rng.integers(0, a.shape[1], a.shape[1])].mean(axis=1)
            mb = b[:, rng.integers(0, b.shape[1], b.shape[1])].mean(axis=1)
            taus.append(kendalltau(ma, mb).statistic)
            rs.append(pearsonr(ma, mb).statistic if ma.std() and mb.std() else np.nan)
        tau = kendalltau(a.mean(axis=1), b.mean(axis=1)).statistic
        r = (
            pearsonr(a.mean(axis=1), b.mean(axis=1)).statistic
            if a.mean(axis=1).std() and b.mean(axis=1).std()
            else np.nan
        )
        return {"tau": _number(tau), "tau_ci": _interval(taus), "r": _number(r), "r_ci": _interval(rs)}


def pairs(real: dict, generated: dict, metric: str) -> dict:
    """The pairs of variants the real questions tell apart (paired bootstrap 95% interval of the
    difference excludes 0), and what the generated questions say of each: the same direction, the
    same and also told apart, or the opposite and told apart."""
    out = {"pairs": 0, "separated": 0, "same_sign": 0, "same_separated": 0, "opposite_separated": 0}
    for v, w in itertools.combinations(list(real), 2):
        out["pairs"] += 1
        low, high = paired_interval(real[v][metric], real[w][metric])
        if low <= 0 <= high:
            continue
        out["separated"] += 1
        sign = 1 if low > 0 else -1
        g_low, g_high = paired_interval(generated[v][metric], generated[w][metric])
        g_mean = float(generated[v][metric].mean() - generated[w][metric].mean())
        out["same_sign"] += g_mean * sign > 0
        out["same_separated"] += (g_low > 0) if sign > 0 else (g_high < 0)
        out["opposite_separated"] += (g_high < 0) if sign > 0 else (g_low > 0)
    return out


def _interval(values: list[float]) -> list[float | None]:
    kept = [v for v in values if not np.isnan(v)]
    return [_number(np.percentile(kept, 2.5)), _number(np.percentile(kept, 97.5))] if kept else [None, None]


def _number(value: float) -> float | None:
    """Rounded for the table; None where the statistic is undefined (every variant scored alike)."""
    return None if np.isnan(value) else round(float(value), 3)


def main(name: str, max_docs: int | None, sizes: list[int], saved: dict[int, str]) -> dict:
    """Every variant at 1000 characters a chunk, and the defaults at each other size of `sizes`."""
    indexes = {
        size: DocsIndex.load(saved[size])
        if size in saved
        else build(name, max_docs, ChunkingConfig(chunk_size=size))
        for size in sorted({1000, *sizes})
    }
    real = golden_set(name, indexes[1000].doc_ids()).questions
    real_scores = scores(indexes, real)
    halves = split([q.id for q in real])
    drafts = offline_drafts(section_passages(load_documents([source_config(name, max_docs)])))
    study = []
    for share in SHARES:  # the API-name cap: agreement with each half of the real questions
        gen_scores = scores(indexes, generated_questions(drafts, share))
        row = {"share": share}
        for half, ids in halves.items():
            keep = np.array([q.id in set(ids) for q in real])
            half_scores = {v: {m: s[m][keep] for m in METRICS} for v, s in real_scores.items()}
            row[half] = {m: agreement(half_scores, gen_scores, m) for m in METRICS}
        study.append(row)
    generated = generated_questions(drafts, OFFLINE_SHARES["offline/identifier"])
    gen_scores = scores(indexes, generated)
    makers = sorted({q.generated_by for q in generated})
    by_maker = {}
    for maker in makers:
        keep = np.array([q.generated_by == maker for q in generated])
        if keep.sum() >= 20:  # fewer questions than this rank nothing
            sub = {v: {m: s[m][keep] for m in METRICS} for v, s in gen_scores.items()}
            by_maker[maker] = {"questions": int(keep.sum()), **agreement(real_scores, sub, "mrr@10")}
    rows = [
        {"variant": v, **{f"real {m}": round(float(real_scores[v][m].mean()), 3) for m in METRICS},
         **{f"generated {m}": round(float(gen_scores[v][m].mean()), 3) for m in METRICS}}
        for v in real_scores
    ]  # fmt: skip
    return {
        "dataset": name,
        "documents": len(indexes[1000].doc_ids()),
        "questions": {
            "real": len(real),
            "generated": len(generated),
            "halves": {h: len(i) for h, i in halves.items()},
            "makers": {m: sum(q.generated_by == m for q in generated) for m in makers},
        },
        "share": OFFLINE_SHARES["offline/identifier"],
        "rows": rows,
        "agreement": {m: agreement(real_scores, gen_scores, m) for m in METRICS},
        "pairs": {m: pairs(real_scores, gen_scores, m) for m in METRICS},
        "by_maker": by_maker,
        "share_study": study,
    }


if __name__ == "__main__":
    name, max_docs, sizes, *indexes = sys.argv[1:]
    saved = {int(size): folder for size, folder in (a.split("=", 1) for a in indexes)}
    print(json.dumps(main(name, int(max_docs) or None, [int(s) for s in sizes.split(",")], saved)))
