"""Tracing's cost where people wait: the served latency with every question traced, against off.

Run as ``python -m benchmarks.tracing_overhead CLIENTS QUESTIONS ROUNDS``; prints one JSON object.
One local agent folder (docs/) is deployed twice side by side on 127.0.0.1 (ZenML's local
deployer, a temporary store), with the default settings: one with tracing off, one tracing every
question (sampling 1.0, text capture off as by default) over OTLP/HTTP to a sink in a process of its
own that takes each batch as a collector would. Load runs alternate between the two, ROUNDS times
each, so a busy moment of the machine falls on both alike; the result is the ratio of their p50
(and p95), with the spans the sink received per request.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from benchmarks.serving_load import _config, _free_port, _load, _questions


class _Handler(BaseHTTPRequestHandler):
    """Takes each OTLP/HTTP batch as a collector would and counts its spans; GET answers the count."""

    spans = 0

    def do_POST(self) -> None:
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

        request = ExportTraceServiceRequest.FromString(
            self.rfile.read(int(self.headers.get("content-length") or 0))
        )
        _Handler.spans += sum(len(s.spans) for r in request.resource_spans for s in r.scope_spans)
        self._reply(b"")

    def do_GET(self) -> None:
        self._reply(str(_Handler.spans).encode())

    def _reply(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class Sink:
    """The collector in a process of its own, as a real one is: its work never slows the clients' timing."""

    def __init__(self) -> None:
        port = _free_port()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.tracing_overhead", "--sink", str(port)]
        )
        self.base = f"http://127.0.0.1:{port}"
        self.endpoint = f"{self.base}/v1/traces"
        deadline = time.monotonic() + 30
        while not self._up() and time.monotonic() < deadline:
            time.sleep(0.1)

    def _up(self) -> bool:
        with contextlib.suppress(OSError):
            return urllib.request.urlopen(self.base, timeout=1).status == 200
        return False

    @property
    def spans(self) -> int:
        return int(urllib.request.urlopen(self.base, timeout=10).read())

    def close(self) -> None:
        self._process.terminate()
        self._process.wait(timeout=10)


def bench(clients: int, per_client: int, rounds: int, work: Path) -> dict:
    import numpy as np

    from factory.serve_config import ServeConfig
    from rag.agent.local import build_local_agent
    from rag.tracing.config import TracingConfig
    from serving import deploy

    folder = work / "agent"
    build_local_agent(_config("default"), folder)
    questions, sink = _questions("default"), Sink()
    served, latencies = {}, {"off": [], "on": []}
    try:
        for mode in ("off", "on"):
            config = ServeConfig(
                deployment=f"tracing-{mode}", port=_free_port(), feedback_path=work / f"{mode}.sqlite"
            )
            tracing = TracingConfig(enabled=mode == "on", endpoint=sink.endpoint)
            deploy.serve("load_default", config, index_dir=folder, tracing=tracing)
            served[mode] = (deploy.status(config.deployment).url, deploy.bearer_key(config.deployment))
            _load(*served[mode], questions, clients, 3)  # warm-up: every worker thread has run once
        spans_before = sink.spans
        errors = 0
        for _ in range(rounds):
            for mode in ("off", "on"):
                run, failed, _wall = _load(*served[mode], questions, clients, per_client)
                latencies[mode] += run
                errors += failed
        time.sleep(6)  # the last batch leaves the server (every 5 s) before the spans are counted
        spans = sink.spans - spans_before
    finally:
        for mode in served:
            deploy.stop(f"tracing-{mode}")
        sink.close()
    p50 = {m: float(np.percentile(v, 50)) * 1000 for m, v in latencies.items()}
    p95 = {m: float(np.percentile(v, 95)) * 1000 for m, v in latencies.items()}
    return {
        "clients": clients, "requests_each": len(latencies["on"]), "rounds": rounds, "errors": errors,
        "p50_off_ms": p50["off"], "p50_on_ms": p50["on"], "p50_ratio": p50["on"] / p50["off"],
        "p95_off_ms": p95["off"], "p95_on_ms": p95["on"], "p95_ratio": p95["on"] / p95["off"],
        "spans_per_request": spans / max(len(latencies["on"]), 1),
    }  # fmt: skip


def main(clients: int, per_client: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["ZENML_CONFIG_PATH"] = str(Path(tmp) / "zenml")
        os.environ.setdefault("AGENT_FACTORY_DATA_DIR", str(Path(tmp) / "data"))
        import pipelines  # noqa: F401  (offline defaults, ZenML source root)

        print(json.dumps(bench(clients, per_client, rounds, Path(tmp))))


if __name__ == "__main__":
    if sys.argv[1] == "--sink":
        ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), _Handler).serve_forever()
    else:
        main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
