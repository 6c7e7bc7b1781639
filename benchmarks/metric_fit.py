"""Does a metric credit the right answer? reference_match against whole-answer similarity.

The default agent answers this project's golden set (section answers, the default). For each
question with a reference answer, its own answer is scored against the scores of other
questions' answers (fluent, on-topic documentation, but answering something else): the share of
pairs where its own answer scores higher (pairwise accuracy, 0.5 is chance), for short
references (under ``SHORT`` characters) and long ones, only on questions whose own answer holds
every must-include fact (so "own" is a correct answer). Whole-answer similarity is the cosine of
the answer's and the reference's embeddings, which is what RAGAS ``SemanticSimilarity`` computes.
Prints one JSON object::

    python -m benchmarks.metric_fit [OTHERS]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from evaluation.golden import load_golden
from evaluation.records import AnswerRecord
from evaluation.reference_match import reference_match
from evaluation.runner import evaluate_agent
from factory.config import load_config
from rag.agent.local import build_index
from rag.agent.spec import AgentSpec

ROOT = Path(__file__).resolve().parents[1]
SHORT = 80  # characters: a one-line reference


def _whole(embed_model, reference: str, answer: str) -> float:
    a, b = (np.asarray(v) for v in embed_model.get_text_embedding_batch([reference, answer or " "]))
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def main(others: int = 8) -> dict:
    config = load_config(ROOT / "configs" / "default.yaml")
    index, _ = build_index(config)
    golden = load_golden(config.evaluation.golden_path)
    result = evaluate_agent(AgentSpec.from_config(config), index, golden, judge=None)
    by_id = {r.id: r for r in result.records}
    correct = [q for q in golden.questions if q.reference_answer and q.must_include and not q.expect_refusal
               and all(f.lower() in by_id[q.id].answer.lower() for f in q.must_include)]  # fmt: skip
    rng = np.random.default_rng(0)
    wins: dict[str, dict[str, list[float]]] = {"short": {"reference_match": [], "whole": []},
                                               "long": {"reference_match": [], "whole": []}}  # fmt: skip
    own_scores: dict[str, dict[str, list[float]]] = {"short": {"reference_match": [], "whole": []},
                                                     "long": {"reference_match": [], "whole": []}}  # fmt: skip
    for q in correct:
        bucket = "short" if len(q.reference_answer) < SHORT else "long"
        pool = [r for r in result.records if r.id != q.id and r.answer]
        picked = [pool[i] for i in rng.choice(len(pool), size=min(others, len(pool)), replace=False)]
        answers = [by_id[q.id], *picked]
        ours = [_match(q, a, index.embed_model) for a in answers]
        whole = [_whole(index.embed_model, q.reference_answer, a.answer) for a in answers]
        for name, scores in (("reference_match", ours), ("whole", whole)):
            wins[bucket][name] += [float(scores[0] > s) + 0.5 * float(scores[0] == s) for s in scores[1:]]
            own_scores[bucket][name].append(scores[0])
    rows = [{"references": bucket, "questions": len(own_scores[bucket]["whole"]), "pairs": len(wins[bucket]["whole"]),
             **{f"{name}_accuracy": float(np.mean(v)) if v else None for name, v in wins[bucket].items()},
             **{f"{name}_correct_mean": float(np.mean(v)) if v else None for name, v in own_scores[bucket].items()}}
            for bucket in ("short", "long")]  # fmt: skip
    return {"questions": len(golden.questions), "correct": len(correct), "rows": rows,
            "answer_chars_median": float(np.median([len(r.answer) for r in result.records]))}  # fmt: skip


def _match(q, answer: AnswerRecord, embed_model) -> float:
    record = answer.model_copy(update={"id": q.id})
    return reference_match([q], {q.id: record}, embed_model)[q.id] or 0.0


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 8)))
