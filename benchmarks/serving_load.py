"""The chat service under load: N concurrent clients x M questions over the OpenAI API.

Run as ``python -m benchmarks.serving_load CLIENTS QUESTIONS [CORPUS ...]`` (corpus ``default``
is docs/, ``zenml`` is ``../shared/datasets/zenml-docs`` with its dev questions); prints one
JSON object. For each corpus: a local agent folder is built, deployed with ZenML's local
deployer on 127.0.0.1 (a temporary ZenML store), and driven from this process (a second
process to the server) by CLIENTS threads, each asking QUESTIONS questions one after another.
Baseline in the same run: the same questions answered in-process, one at a time, by the same
agent (``AgentService``), twice: cold (nothing cached) and warm; questions repeat under load
as they do in real use, so the served/in-process p50 ratio is taken against the warm pass.
The server runs with the default settings (the rate limit too: every client shares one key),
beside the same agent on one server process (what serving was before ``serve.processes``) and,
when ``AGENT_FACTORY_BASELINE_TREE`` names a checkout of older code, that code's deployment:
load runs alternate between them. RSS (the deployment's processes; each worker's too) is read
after the warm-up and after each of three runs.
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
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# As benchmarks/retrieval_quality.py finds them (not imported: this module stays light for its clients).
DATASETS = Path(os.environ.get("AGENT_FACTORY_DATASETS") or ROOT.parent / "shared" / "datasets")
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


Server = tuple[str, str, int, int]  # URL, key, pid, server processes


def _deploy(name: str, folder: Path, work: Path, processes: int | None) -> Server:
    """Deploy `folder` with the default settings (but `processes`) as deployment `name`."""
    from zenml.client import Client

    from factory.serve_config import ServeConfig
    from serving import deploy

    # The default settings, the rate limit included: 8 clients behind one key must all get through.
    config = ServeConfig(deployment=name, port=_free_port(), processes=processes,
                         feedback_path=work / f"{name}-feedback.sqlite")  # fmt: skip
    deploy.serve("load_agent", config, index_dir=folder)
    pid = Client().get_deployment(name).deployment_metadata["pid"]
    return deploy.status(name).url, deploy.bearer_key(name), pid, deploy.processes(config)


_DEPLOY_BEFORE = """
import json, sys
from pathlib import Path
import pipelines  # noqa: F401
from zenml.client import Client
from factory.serve_config import ServeConfig
from serving import deploy
name, folder, work, port = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4])
config = ServeConfig(deployment=name, port=port, feedback_path=work / f"{name}-feedback.sqlite")
deploy.serve("load_agent", config, index_dir=folder)
pid = Client().get_deployment(name).deployment_metadata["pid"]
print(json.dumps([deploy.status(name).url, deploy.bearer_key(name), pid, 1]))
"""


def _deploy_before(tree: Path, name: str, folder: Path, work: Path) -> Server:
    """Deploy `folder` with the code in `tree` (a checkout of the version to compare against), its
    default settings, into this run's ZenML store: the server runs that code."""
    import subprocess

    env = os.environ | {"PYTHONPATH": str(tree)}
    done = subprocess.run([sys.executable, "-c", _DEPLOY_BEFORE, name, str(folder), str(work), str(_free_port())],
                          cwd=tree, env=env, capture_output=True, text=True, check=True)  # fmt: skip
    return tuple(json.loads(done.stdout.strip().splitlines()[-1]))


def _workers_mb(pid: int) -> list[float]:
    """RSS of each process answering: the server itself, or the worker processes under it."""
    import psutil

    server = psutil.Process(pid)
    workers = [p for p in server.children() if "spawn_main" in " ".join(p.cmdline())]
    return [_rss_mb(p.pid) for p in workers] or [_rss_mb(pid)]


def _servers(corpus: str, folder: Path, work: Path) -> dict[str, Callable[[], Server]]:
    """What is compared: the code in $AGENT_FACTORY_BASELINE_TREE when set ("before"), this code on
    one process, and this code with the default settings (a process per core)."""
    setups: dict[str, Callable[[], Server]] = {}
    if tree := os.environ.get("AGENT_FACTORY_BASELINE_TREE"):
        setups["before"] = lambda: _deploy_before(Path(tree), f"load-{corpus}-before", folder, work)
    setups["one process"] = lambda: _deploy(f"load-{corpus}-one", folder, work, 1)
    setups["default"] = lambda: _deploy(f"load-{corpus}-default", folder, work, None)
    return setups


def bench(corpus: str, clients: int, per_client: int, work: Path) -> list[dict]:
    """The setups side by side, load runs alternating between them so a busy moment of the machine
    falls on all alike; throughput and p95 of each against the first."""
    from rag.agent.local import build_local_agent
    from serving import deploy

    folder = work / f"agent-{corpus}"
    build_local_agent(_config(corpus), folder)
    questions = _questions(corpus)
    cold, warm = _in_process(folder, questions[: min(len(questions), 40)])
    servers: dict[str, Server] = {}
    runs: dict[str, dict] = {}
    try:
        for label, start in _servers(corpus, folder, work).items():
            servers[label] = url, key, pid, count = start()
            rss_start = _rss_mb(pid)  # loaded, not one question asked
            # warm-up: each question asked once per process on average (each has its own caches)
            _load(url, key, questions, clients, -(-len(questions) * count // clients))
            runs[label] = {"latencies": [], "errors": 0, "wall": 0.0, "rss": [], "rss_start": rss_start,
                           "rss_before": _rss_mb(pid), "processes": count}  # fmt: skip
        for _ in range(RUNS):  # memory after each run: flat once warm
            for label, (url, key, pid, _count) in servers.items():
                latencies, errors, wall = _load(url, key, questions, clients, per_client)
                run = runs[label]
                run["latencies"] += latencies
                run["errors"] += errors
                run["wall"] += wall
                run["per_run_rps"] = [*run.get("per_run_rps", []), len(latencies) / wall]
                run["rss"].append(_rss_mb(pid))
                run["workers_mb"] = _workers_mb(pid)
    finally:
        for label in servers:
            deploy.stop(f"load-{corpus}-{label.split()[0]}")
    rows = [_row(corpus, clients, label, run, cold, warm) for label, run in runs.items()]
    for row in rows:
        row["throughput_vs_first"] = row["throughput_rps"] / rows[0]["throughput_rps"]
        row["p95_vs_first"] = row["p95_ms"] / rows[0]["p95_ms"]
    return rows


def _row(corpus: str, clients: int, label: str, run: dict, cold: list[float], warm: list[float]) -> dict:
    import numpy as np

    latencies, rss = run["latencies"], run["rss"]
    p50, p95 = np.percentile(latencies, [50, 95])
    return {
        "corpus": corpus, "clients": clients, "setup": label, "processes": run["processes"], "requests": len(latencies),
        "errors": run["errors"], "p50_ms": p50 * 1000, "p95_ms": p95 * 1000,
        "throughput_rps": len(latencies) / run["wall"],
        "in_process_cold_p50_ms": float(np.percentile(cold, 50)) * 1000,
        "in_process_p50_ms": float(np.percentile(warm, 50)) * 1000,
        "served_vs_in_process_p50": float(p50 / np.percentile(warm, 50)),
        "rss_start_mb": run["rss_start"], "rss_before_mb": run["rss_before"], "rss_after_runs_mb": rss,
        "rss_after_mb": rss[-1], "rss_growth": rss[-1] / run["rss_before"] - 1,
        "workers_rss_mb": run["workers_mb"], "per_run_rps": run["per_run_rps"],
    }  # fmt: skip


def main(clients: int, per_client: int, corpora: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["ZENML_CONFIG_PATH"] = str(Path(tmp) / "zenml")
        os.environ.setdefault("AGENT_FACTORY_DATA_DIR", str(Path(tmp) / "data"))
        import pipelines  # noqa: F401  (offline defaults, ZenML source root)

        rows = [row for corpus in corpora for row in bench(corpus, clients, per_client, Path(tmp))]
    print(json.dumps({"rows": rows}))


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:] or ["default", "zenml"])
