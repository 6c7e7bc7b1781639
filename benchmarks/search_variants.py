"""Search variants measured on a golden set: each half apart, with intervals and cost per question.

Run as ``python -m benchmarks.search_variants CONFIG INDEX VARIANTS`` : CONFIG an agent config
(its golden set), INDEX a local agent folder built from it (``agent-factory index``), VARIANTS
a YAML mapping of names to ``retrieval`` overrides, validated as the config's own (plugin steps
included: a reranker installed through the ``agent_factory.search_steps`` entry points is
measured with no change here). Prints one JSON object: per variant, page hit@1/5/10 and MRR@10
on the tune half and the held-out half (factory/tune.py's split), the held-out MRR difference
to the first variant with its paired bootstrap interval, and milliseconds per question.

    baseline: {}
    pages ranked: {lexical_weight: 1.0, page_weight: 0.25}
    reranked: {steps: [{type: http_rerank, url: "http://127.0.0.1:8080/rerank"}]}
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import yaml

from evaluation.golden import load_golden
from evaluation.page_hits import CHUNKS, METRICS, page_ranks, paired_interval, ranks_scores
from factory.config import load_config
from factory.tune import split
from rag.agent.local import load_local_parts
from rag.config import RetrievalConfig
from rag.retrieval.search import DocsSearch


def measure(config_path: Path, index_dir: Path, variants: dict[str, dict]) -> dict:
    """Every variant over the same index and questions (see the module docstring)."""
    config = load_config(config_path)
    index = load_local_parts(index_dir, config)[0]
    questions = [q for q in load_golden(config.evaluation.golden_path).questions if q.reference_sources]
    halves = split([q.id for q in questions])
    masks = {h: np.array([q.id in set(ids) for q in questions]) for h, ids in halves.items()}
    rows, base = [], None
    for name, overrides in variants.items():
        retrieval = RetrievalConfig.model_validate(
            {**config.retrieval.model_dump(), **overrides, "top_k": CHUNKS}
        )
        search = DocsSearch.from_defaults(index, retrieval)
        start = time.perf_counter()
        got = ranks_scores(page_ranks(search, questions))
        ms = (time.perf_counter() - start) * 1000 / max(len(questions), 1)
        base = base or got
        held = masks["held_out"]
        rows.append({
            "variant": name, "ms_per_question": round(ms, 1),
            **{half: {m: round(float(got[m][mask].mean()), 4) for m in METRICS} for half, mask in masks.items()},
            "held_out_mrr_diff_ci": paired_interval(got["mrr@10"][held], base["mrr@10"][held]),
        })  # fmt: skip
        print(f"{name}: {rows[-1]}", file=sys.stderr, flush=True)
    return {"questions": {h: len(ids) for h, ids in halves.items()}, "rows": rows}


if __name__ == "__main__":
    config_arg, index_arg, variants_arg = sys.argv[1:4]
    variants = yaml.safe_load(Path(variants_arg).read_text(encoding="utf-8"))
    print(json.dumps(measure(Path(config_arg), Path(index_arg), variants)))
