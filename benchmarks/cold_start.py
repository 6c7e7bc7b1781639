"""Cold start of `agent-factory ask`: each run a fresh process, as a user at a terminal.

Run as ``python -m benchmarks.cold_start CONFIG [REPEATS]`` in a subprocess whose environment points at
a ZenML store holding a built version of CONFIG (benchmarks/run.py runs it after the build
section). Prints one JSON object:

- ``first_ask_s``: a machine that never ran the model (empty cache): sentence-transformers and
  torch load, and the model is exported to ONNX for later processes;
- ``cold_ask_s``: median of the next runs, which load the ONNX export instead and, the store
  unchanged since the first, open the version's folders without importing ZenML (factory/resolved.py);
- ``cold_ask_lookup_s``: the same after the store changed (the version looked up in ZenML again);
- ``helper_ask_s`` / ``helper_lookup_s``: the same two, each a fresh process answered by the warm
  helper a first ask left behind (cli/warm.py), median of at least ten; ``helper_rss_mb`` its size;
- ``vector_torch_s`` / ``vector_onnx_s``: the same comparison for the encoder alone (imports,
  load, first query vector), median of fresh processes.

Every run but the helper's has the helper switched off (``AGENT_FACTORY_WARM=0``).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

CLI = str(Path(sys.executable).with_name("agent-factory"))
TORCH = (
    "from sentence_transformers import SentenceTransformer; from rag.index.embeddings import packaged_model_path; "
    "SentenceTransformer(packaged_model_path(), device='cpu').encode(['How do I install it?'])"
)
ONNX = (
    "from rag.index import onnx_encoder; from rag.index.embeddings import packaged_model_path; "
    "onnx_encoder.load(packaged_model_path()).encode(['How do I install it?'])"
)


def _timed(command: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def _asks(ask: list[str], env: dict, cache: str, repeats: int) -> tuple[list[float], list[float]]:
    """Asks with the store unchanged, then asks as after a build or a promotion (looked up again)."""
    recalled = [_timed(ask, env) for _ in range(repeats)]
    lookup = []
    for _ in range(repeats):
        shutil.rmtree(Path(cache) / "resolved", ignore_errors=True)
        lookup.append(_timed(ask, env))
    return recalled, lookup


def _helper(cache: str, timeout_s: float = 300) -> psutil.Process:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if list((Path(cache) / "warm").glob("*.sock")):
            return psutil.Process(int(next((Path(cache) / "warm").glob("*.pid")).read_text()))
        time.sleep(0.2)
    raise RuntimeError("the first ask left no helper")


def main(config: str, repeats: int = 3) -> None:
    ask = [CLI, "ask", "How do I install Agent Factory?", "--config", config, "--version", "latest"]
    with tempfile.TemporaryDirectory() as cache:
        env = os.environ | {"AGENT_FACTORY_CACHE_DIR": cache, "AGENT_FACTORY_WARM": "0"}
        first = _timed(ask, env)  # empty cache: torch path, then the export
        cold, lookup = _asks(ask, env, cache, repeats)
        torch_vector = [_timed([sys.executable, "-c", TORCH], env) for _ in range(repeats)]
        onnx_vector = [_timed([sys.executable, "-c", ONNX], env) for _ in range(repeats)]
        env["AGENT_FACTORY_WARM"] = "1"
        _timed(ask, env)  # a cold ask, which leaves the helper
        helper = _helper(cache)
        try:
            warm, warm_lookup = _asks(
                ask, env, cache, 10 if repeats > 1 else 1
            )  # a median of ten; smoke: one
            rss = helper.memory_info().rss / 2**20
        finally:
            helper.kill()
    print(json.dumps({
        "first_ask_s": first,
        "cold_ask_s": statistics.median(cold),
        "cold_ask_lookup_s": statistics.median(lookup),
        "helper_ask_s": statistics.median(warm),
        "helper_lookup_s": statistics.median(warm_lookup),
        "helper_asks": len(warm),
        "helper_rss_mb": rss,
        "vector_torch_s": statistics.median(torch_vector),
        "vector_onnx_s": statistics.median(onnx_vector),
    }))  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3)
