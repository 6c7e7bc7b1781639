"""Build end to end on the default corpus, cold then fully cached, in a fresh ZenML store.

Run as ``python -m benchmarks.build CONFIG`` in a subprocess (the store is set up through
the environment); prints one JSON object: wall time, time per step, ZenML's own overhead,
evaluation cost per question and the process's peak memory.
"""

from __future__ import annotations

import json
import sys
import time

from benchmarks.common import peak_rss_mb


def _run(config) -> dict:
    from zenml.client import Client

    from pipelines.agent_pipeline import run_build

    start = time.perf_counter()
    result = run_build(config)
    wall = time.perf_counter() - start
    run = Client().get_pipeline_run(result.run_id)
    steps = {
        name: {"seconds": (step.end_time - step.start_time).total_seconds(), "status": str(step.status.value)}
        for name, step in run.steps.items()
        if step.start_time and step.end_time
    }
    step_total = sum(s["seconds"] for s in steps.values() if s["status"] != "cached")
    return {"wall_s": wall, "steps": steps, "zenml_overhead_s": wall - step_total, "version": result.version}


def main(config_path: str) -> None:
    import pipelines  # noqa: F401
    from factory.config import load_config
    from factory.versions import get_version

    config = load_config(config_path)
    cold = _run(config)
    cached = _run(config)
    evaluation = get_version(config.name, cold["version"]).run_metadata["evaluation"]
    questions = len(get_version(config.name, cold["version"]).run_metadata["answers"])
    print(json.dumps({
        "cold": cold,
        "cached": cached,
        "evaluation_s_per_question": evaluation["seconds"] / questions,
        "questions": questions,
        "peak_rss_mb": peak_rss_mb(),
    }))  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1])
