"""The chat service under load: N concurrent clients x M questions over the OpenAI API.

Run as ``python -m benchmarks.serving_load CLIENTS QUESTIONS [CORPUS ...]`` (corpus ``default``
is docs/, ``zenml`` is ``../shared/datasets/zenml-docs`` with its dev questions); prints one
JSON object. For each corpus: a local agent folder is built, deployed with ZenML's local
deployer on 127.0.0.1 (a temporary ZenML store), and driven from this process (a second
process to the server) by CLIENTS threads, each asking QUESTIONS questions one after another.
Baseline in the same run: the same questions answered in-process, one at a time, by the same
agent (``AgentService``), twice: cold (nothing cached) and warm; questions repeat under load
as they do in real use, so the served/in-process p50 ratio is taken against the warm pass.
The server runs with the default settings (the rate limit too: every client shares one key);
its RSS (the deployment's process) is read after the warm-up and after each of three runs.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"
RUNS = 3  # load runs after the warm-up; RSS is read after each


def _questions(corpus: str) -> list[str]:
    if corpus == "zenml":
        lines = (DATASETS / "zenml-questions-dev.jsonl").read_text().splitlines()
    else:
        lines = (ROOT / "golden_questions" / "docs.jsonl").read_text().splitlines()
    return [json.loads(line)["question"] for line in lines]


def _config(corpus: str):
    from rag.config import RagConfig

    path = DATASETS / "zenml-docs" if corpus == "zenml" else ROOT / "docs"
    return RagConfig.model_validate(
        {"name": f"load_{corpus}", "sources": [{"type": "directory", "path": str(path)}]}
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_mb(pid: int) -> float:
    """Resident memory of the server: its process and every process under it."""
    total = 0.0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            total += int(line.split()[1]) / 1024
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        total += _rss_mb(int(child))
    return total


def _in_process(folder: Path, questions: list[str]) -> tuple[list[float], list[float]]:
    from serving.service import AgentService, Turn

    service = AgentService.from_folder(folder)
    latencies = []

    async def one(question: str) -> None:
        async for _ in service.answer(Turn(question=question)):
            pass

    for question in questions * 2:  # a first, cold pass (nothing cached), then a warm one
        start = time.perf_counter()
        asyncio.run(one(question))
        latencies.append(time.perf_counter() - start)
    service.close()
    return latencies[: len(questions)], latencies[len(questions) :]


def _load(
    url: str, key: str, questions: list[str], clients: int, per_client: int
) -> tuple[list[float], int, float]:
    import httpx

    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def client(n: int) -> None:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as http:
            for i in range(per_client):
                question = questions[(n * per_client + i) % len(questions)]
                start = time.perf_counter()
                try:
                    reply = http.post(
                        "/v1/chat/completions", json={"messages": [{"role": "user", "content": question}]}
                    )
                    ok = reply.status_code == 200 and reply.json()["choices"][0]["message"]["content"]
                except httpx.HTTPError:
                    ok = False
                with lock:
                    latencies.append(time.perf_counter() - start)
                    errors[0] += not ok

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors[0], time.perf_counter() - start


def bench(corpus: str, clients: int, per_client: int, work: Path) -> dict:
    import numpy as np
    from zenml.client import Client

    from factory.serve_config import ServeConfig
    from rag.agent.local import build_local_agent
    from serving import deploy

    folder = work / f"agent-{corpus}"
    build_local_agent(_config(corpus), folder)
    questions = _questions(corpus)
    cold, warm = _in_process(folder, questions[: min(len(questions), 40)])
    # The default settings, the rate limit included: 8 clients behind one key must all get through.
    config = ServeConfig(deployment=f"load-{corpus}", port=_free_port(),
                         feedback_path=work / f"{corpus}-feedback.sqlite")  # fmt: skip
    deploy.serve(f"load_{corpus}", config, index_dir=folder)
    latencies, errors, wall, rss, rss_start = [], 0, 0.0, [], 0.0
    try:
        key = deploy.bearer_key(config.deployment)
        url = deploy.status(config.deployment).url
        pid = Client().get_deployment(config.deployment).deployment_metadata["pid"]
        rss_start = _rss_mb(pid)  # loaded, not one question asked
        _load(url, key, questions, clients, 3)  # warm-up: every worker thread has run once
        rss_before = _rss_mb(pid)
        for _ in range(RUNS):  # memory after each run: flat once warm
            run_latencies, run_errors, run_wall = _load(url, key, questions, clients, per_client)
            latencies, errors, wall = latencies + run_latencies, errors + run_errors, wall + run_wall
            rss.append(_rss_mb(pid))
    finally:
        deploy.stop(config.deployment)
    p50, p95 = np.percentile(latencies, [50, 95])
    return {
        "corpus": corpus, "clients": clients, "requests": len(latencies), "errors": errors,
        "p50_ms": p50 * 1000, "p95_ms": p95 * 1000, "throughput_rps": len(latencies) / wall,
        "in_process_cold_p50_ms": float(np.percentile(cold, 50)) * 1000,
        "in_process_p50_ms": float(np.percentile(warm, 50)) * 1000,
        "served_vs_in_process_p50": float(p50 / np.percentile(warm, 50)),
        "rss_start_mb": rss_start, "rss_before_mb": rss_before, "rss_after_runs_mb": rss, "rss_after_mb": rss[-1],
        "rss_growth": rss[-1] / rss_before - 1, "requests_per_minute": config.requests_per_minute,
    }  # fmt: skip


def main(clients: int, per_client: int, corpora: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["ZENML_CONFIG_PATH"] = str(Path(tmp) / "zenml")
        os.environ.setdefault("AGENT_FACTORY_DATA_DIR", str(Path(tmp) / "data"))
        import pipelines  # noqa: F401  (offline defaults, ZenML source root)

        rows = [bench(corpus, clients, per_client, Path(tmp)) for corpus in corpora]
    print(json.dumps({"rows": rows}))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:] or ["default", "zenml"])
