"""A first version on documentation nobody here wrote, decided against plain search; a broken one refused.

For each shared set (Ray's published site with real users' questions, ZenML's Markdown docs with
generated ones) the default config builds a first version through the pipeline, with the set's
dev questions as the golden set (question + page), and the gate decides it against plain search
over the same pages (evaluation/gate.py, rule 4). Then the same build with a random embedding
(a fixed random vector per text): it must be refused. Prints one JSON object::

    python -m benchmarks.first_build MAX_DOCS [SET ...]   # MAX_DOCS 0: every page
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.html_quality import SETS
from benchmarks.retrieval_quality import DATASETS


def first_build(name: str, max_docs: int) -> list[dict]:
    from factory.config import AgentConfig
    from factory.versions import get_version
    from pipelines.agent_pipeline import run_build
    from rag.providers import EMBEDDINGS
    from rag.registry import Provider

    EMBEDDINGS.register("random_bench", Provider(factory="tests.fakes:random_embedding"))
    folder, question_file, source = SETS[name]
    questions = [json.loads(line) for line in (DATASETS / question_file).read_text().splitlines()]
    named = sorted({q["file"] for q in questions})
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        golden = Path(tmp) / "golden.jsonl"
        golden.write_text("".join(json.dumps({"id": q["id"], "question": q["question"],
                                              "reference_sources": [f"{source}/{q['file']}"]}) + "\n"
                                  for q in questions if not max_docs or q["file"] in named[:max_docs]))  # fmt: skip
        src = {"type": "directory", "name": source, "path": str(DATASETS / folder)}
        if max_docs:  # a subset: the pages questions name
            src["include"] = named[:max_docs]
        for label, embedding in (
            ("default", {}),
            ("random embedding", {"provider": "random_bench", "model": "random"}),
        ):
            model = f"first_{name}_{'random' if embedding else 'default'}"
            config = AgentConfig.model_validate({"name": model, "sources": [src], "evaluation": {"golden_set": str(golden)},
                                                 **({"embedding": embedding} if embedding else {})})  # fmt: skip
            start = time.perf_counter()
            run = run_build(config)
            meta = get_version(model, run.version).run_metadata
            decision = meta["decision"]
            primary = next((c for c in decision["comparisons"] if c["role"] == "primary"), None)
            rows.append({"set": name, "build": label, "seconds": time.perf_counter() - start,
                         "chunks": meta.get("index", {}).get("vectors"), "questions": meta["answers"]["questions"],
                         "decision": decision["stage"] or "refused", "reason": decision["reasons"][-1] if decision["thresholds_passed"] else decision["reasons"][0],
                         "hit_rate": meta["evaluation"]["metrics"]["hit_rate"]["mean"],
                         "comparison": {k: primary[k] for k in ("candidate_mean", "production_mean", "diff_mean", "ci_low", "ci_high", "n_pairs", "verdict")} if primary else None})  # fmt: skip
            print(f"{name} {label}: {rows[-1]}", file=sys.stderr, flush=True)
    return rows


if __name__ == "__main__":
    max_docs = int(sys.argv[1])
    print(
        json.dumps(
            {
                "max_docs": max_docs,
                "rows": [
                    r for name in (sys.argv[2:] or ["ray", "zenml"]) for r in first_build(name, max_docs)
                ],
            }
        )
    )
