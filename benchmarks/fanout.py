"""Fan-out embedding against the single embedding step, on the local stack (``python -m benchmarks.fanout``).

Two builds of ZenML's docs (``../shared/datasets``) as two models in this ZenML store: one
`build_index` step, then `embedding.shard_size` set so `embed_shard` runs once per shard. The
local orchestrator runs mapped steps as threads of one process, so this measures the price of
the fan-out (more steps, artifacts, a merge), not its gain, which needs machines; it also
checks that both indexes hold the same ids and vectors. A warm-up build of other chunks goes
first (a store's first run is slower); the fan-out run reuses the single run's cached chunking,
so compare the embedding steps. Prints one JSON object.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.retrieval_quality import DATASETS


def _golden(files: list[str], folder: Path) -> Path:
    """The dev questions about `files`, as a golden set (the default one is about this project's docs)."""
    rows = [json.loads(line) for line in (DATASETS / "zenml-questions-dev.jsonl").read_text().splitlines()]
    kept = [{"id": r["id"], "question": r["question"], "reference_sources": [f"zenml/{r['file']}"]}
            for r in rows if r["file"] in files]  # fmt: skip
    path = folder / "golden.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in kept))
    return path


def _build(
    name: str, shard_size: int | None, max_docs: int | None, chunk_size: int = 1000
) -> tuple[float, dict, object]:
    from zenml.client import Client

    from factory.config import AgentConfig
    from factory.versions import get_version
    from pipelines.agent_pipeline import run_build

    root = DATASETS / "zenml-docs"
    named = {
        json.loads(line)["file"] for line in (DATASETS / "zenml-questions-dev.jsonl").read_text().splitlines()
    }
    files = sorted((str(p.relative_to(root)) for p in root.rglob("*.md")), key=lambda f: (f not in named, f))
    files = files[: max_docs or None]  # pages the questions name first, so a subset keeps some questions
    source = {"type": "directory", "name": "zenml", "path": str(root), "include": files}
    with tempfile.TemporaryDirectory() as tmp:
        golden = _golden(files, Path(tmp))
        config = AgentConfig.model_validate({"name": name, "sources": [source], "embedding": {"shard_size": shard_size},
                                             "chunking": {"chunk_size": chunk_size}, "evaluation": {"golden_set": str(golden)}})  # fmt: skip
        start = time.perf_counter()
        result = run_build(config)
        wall = time.perf_counter() - start
    steps = Client().get_pipeline_run(result.run_id).steps
    seconds = {n: (s.end_time - s.start_time).total_seconds() for n, s in steps.items() if s.end_time}
    index = get_version(name, result.version).get_artifact("docs_index").load()
    return wall, seconds, index


def main(shard_size: int, max_docs: int | None, repeats: int = 3) -> None:
    if repeats > 1:  # a measuring run: a store's first run is slower, so warm it on chunks nothing reuses
        _build("bench_warm_up", None, max_docs, chunk_size=500)
    single_s, single_steps, single = _build("bench_single_step", None, max_docs)
    fan_s, fan_steps, fanned = _build("bench_fan_out", shard_size, max_docs)
    positions = list(range(single.manifest.vectors))
    shards = [s for n, s in fan_steps.items() if n.startswith("map:embed_shard")]
    print(json.dumps({
        "chunks": single.manifest.vectors, "shard_size": shard_size, "shards": len(shards),
        "single_wall_s": single_s, "fanout_wall_s": fan_s, "ratio": fan_s / single_s,
        "single_build_index_s": single_steps["build_index"],
        "fanout_embed_s": sum(shards), "fanout_merge_s": fan_steps["merge_shards"],
        "fanout_split_s": fan_steps["split_chunks"],
        "identical": fanned.nodes.node_ids_at(positions) == single.nodes.node_ids_at(positions)
        and bool(np.array_equal(np.stack(fanned.vectors(positions)), np.stack(single.vectors(positions)))),
    }))  # fmt: skip


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:]]
    main(args[0], args[1] if len(args) > 1 and args[1] else None, *args[2:])
