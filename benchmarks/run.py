"""Run every benchmark and write benchmarks/RESULTS.md.

    python -m benchmarks.run            # full run (about 30 minutes on 2 cores)
    python -m benchmarks.run --smoke    # tiny sizes, a minute: what the test suite runs

Figures are ratios or percentiles from one run; each heavy part runs in its own process so
its peak memory is its own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.common import cpu, machine
from benchmarks.render import render

ROOT = Path(__file__).resolve().parents[1]
FULL = {
    "chunks": 256,
    "batch_sizes": [16, 32, 64],
    "embed_repeats": 2,  # best of
    "scales": [10_000, 100_000, 1_000_000],
    "queries": 200,
    "docs": 400,
    "shard_size": 500,
    "judge_questions": 49,
    "quality_docs": 0,  # all 272 pages of ../shared/datasets/zenml-docs
    "serving": ["8", "50", "default", "zenml"],  # clients, questions per client, corpora
    "tracing": [["2", "30", "3"], ["8", "30", "3"]],  # clients, questions per client per run, runs each
    "living": ["100", "10000", "9"],  # ZenML docs pages replayed, pages for the corpus diff alone, nights
    "chunk_chars": 500_000,  # hostile inputs chunked at this size and 4x
    "repeats": 3,  # fresh processes per cold-start median; fewer than 2 also skips the fan-out warm-up
    "metric_fit_others": 8,  # other questions' answers each correct answer is compared with
    "first_build_docs": 0,  # pages of each shared set a first version is built over (0: all)
    "tuned_docs": 0,  # pages of each shared set `tune` searches (0: all; 24 give tune 28-31 questions)
    "rerank_questions": 49,
    "finetune_steps": 80,
    "agreement": [0, "500,1000,2000", ["ray", "zenml"]],  # pages of each set (0: all), chunk sizes, sets
    "backend_sets": ["zenml", "ray"],  # and $AGENT_FACTORY_THIRD_SET (NAME=FOLDER) when set
    "large_chunks": 27_500,  # of $AGENT_FACTORY_LARGE_SET's Markdown (the section is left out without it)
}
SMOKE = {
    "chunks": 32,
    "batch_sizes": [32],
    "embed_repeats": 1,
    "scales": [2_000],
    "queries": 20,
    "docs": 40,
    "shard_size": 40,
    "judge_questions": 6,
    "quality_docs": 8,
    "serving": ["2", "3", "default"],
    "tracing": [["2", "2", "1"]],
    "living": ["8", "300", "3"],
    "chunk_chars": 50_000,
    "repeats": 1,
    "metric_fit_others": 2,
    "first_build_docs": 8,
    "tuned_docs": 24,
    "rerank_questions": 3,
    "finetune_steps": 2,
    "agreement": [24, "1000", ["ray"]],
    "backend_sets": ["zenml"],
    "large_chunks": 40,  # of this project's docs/
}


def _backend_sets(sizes: dict) -> list[str]:
    """The shared sets, and a docs folder of the user's choosing with questions generated from it
    (``AGENT_FACTORY_THIRD_SET=python=/usr/share/doc/python3.11/html``; benchmarks/RESULTS.md says which)."""
    third = os.environ.get("AGENT_FACTORY_THIRD_SET")
    return [*sizes["backend_sets"], *([third] if third and sizes is FULL else [])]


def _child(module: str, *args: str, env: dict | None = None) -> dict:
    out = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, env=env or os.environ.copy(),
                         capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


SECTIONS = (
    "embedding",
    "incremental",
    "chunking",
    "retrieval",
    "quality",
    "html",
    "tuned",
    "agreement",
    "rerank",
    "finetune",
    "signals",
    "answers",
    "scale",
    "backends",
    "large_build",
    "build",
    "judge",
    "serving",
    "tracing",
    "living",
    "identity",
    "metric_fit",
    "first_build",
)


def collect(sizes: dict, config: Path, only: list[str], results: dict) -> dict:
    """Run the `only` sections into `results` (which may hold earlier sections), each stamped
    with when and on what CPU it was measured (a partial run keeps the others' stamps)."""
    head = {"machine": machine(), "date": dt.datetime.now().isoformat(timespec="seconds"), "sizes": sizes}
    fresh = _measure(sizes, config, only)
    stamp = {"date": head["date"], **cpu()}
    measured = results.get("measured", {}) | {name: stamp for name in fresh}
    return results | fresh | head | {"measured": measured}


def _measure(sizes: dict, config: Path, only: list[str]) -> dict:
    from benchmarks.chunking import bench_chunking
    from benchmarks.embedding import bench_embedding
    from benchmarks.incremental import bench_incremental

    results: dict = {}
    if "embedding" in only:
        results["embedding"] = bench_embedding(
            sizes["chunks"], tuple(sizes["batch_sizes"]), sizes["embed_repeats"]
        )
    if "incremental" in only:
        results["incremental"] = bench_incremental(sizes["docs"])
    if "chunking" in only:
        results["chunking"] = bench_chunking(sizes["chunk_chars"])
    if "retrieval" in only:
        scales = sizes["scales"]
        results["retrieval"] = [
            row for n in scales for row in _child("benchmarks.retrieval", str(n), str(sizes["queries"]))
        ]
    if "quality" in only:
        results["quality"] = _child("benchmarks.retrieval_quality", str(sizes["quality_docs"]))
    if "html" in only:  # Ray's published site, and ZenML's Markdown for comparison
        results["html"] = {
            name: _child("benchmarks.html_quality", name, str(sizes["quality_docs"]))
            for name in ("ray", "zenml")
        }
    if "tuned" in only:  # `agent-factory tune` on each shared set, choice and evidence on separate halves
        results["tuned"] = {
            name: _child("benchmarks.tuned_search", name, str(sizes["tuned_docs"]))
            for name in ("ray", "zenml")
        }
    if "agreement" in only:  # do generated questions rank search variants as real users' questions do?
        pages, chunk_sizes, sets = sizes["agreement"]
        results["agreement"] = {
            name: _child("benchmarks.golden_agreement", name, str(pages), chunk_sizes) for name in sets
        }
    if "rerank" in only:  # a MiniLM-L6-shaped cross-encoder's cost, on the tests' five pages' index
        results["rerank"] = _rerank_cost(sizes["rerank_questions"])
    if "signals" in only:  # titles, headings and page vectors as extra rankings, on each shared set
        results["signals"] = {
            name: _over_index("benchmarks.search_signals", name, sizes["tuned_docs"])
            for name in ("ray", "zenml")
        }
    if "finetune" in only:  # the packaged model tuned on Ray's own headings: retrieval and cost
        results["finetune"] = _over_index(
            "benchmarks.finetune_embeddings", "ray", sizes["tuned_docs"], str(sizes["finetune_steps"])
        )
    if "answers" in only:
        results["answers"] = _child("benchmarks.answers", str(sizes["quality_docs"]))
    if "scale" in only:
        results["scale"] = _scale(sizes["scales"], sizes["queries"])
    if "backends" in only:
        results["backends"] = _child(
            "benchmarks.embedding_backends", str(sizes["quality_docs"]), *_backend_sets(sizes)
        )
    if "large_build" in only:  # a first build of many Markdown pages, against $AGENT_FACTORY_BASELINE_TREE
        folder = os.environ.get("AGENT_FACTORY_LARGE_SET") if sizes is FULL else str(ROOT / "docs")
        if folder:
            results["large_build"] = _child("benchmarks.large_build", folder, str(sizes["large_chunks"]))
    if "judge" in only:
        results["judge"] = _child("benchmarks.judge", str(sizes["judge_questions"]))
    if "serving" in only:
        results["serving"] = _child("benchmarks.serving_load", *sizes["serving"])
    if "tracing" in only:  # the served latency with every question traced, against off
        results["tracing"] = [_child("benchmarks.tracing_overhead", *load) for load in sizes["tracing"]]
    if "living" in only:
        with tempfile.TemporaryDirectory() as store:
            env = os.environ | {"ZENML_CONFIG_PATH": str(Path(store) / "zenml")}
            results["living"] = _child("benchmarks.living_docs", *sizes["living"], env=env)
    if "identity" in only:  # docs histories: git clones listed in AGENT_FACTORY_DOCS_REPOS (":"-separated)
        repos = [r for r in os.environ.get("AGENT_FACTORY_DOCS_REPOS", "").split(":") if r]
        results["identity"] = _child("benchmarks.page_identity", *repos)
    if "metric_fit" in only:
        with tempfile.TemporaryDirectory() as store:
            env = os.environ | {"ZENML_CONFIG_PATH": str(Path(store) / "zenml")}
            results["metric_fit"] = _child("benchmarks.metric_fit", str(sizes["metric_fit_others"]), env=env)
    if "first_build" in only:
        with tempfile.TemporaryDirectory() as store:
            env = os.environ | {"ZENML_CONFIG_PATH": str(Path(store) / "zenml")}
            results["first_build"] = _child("benchmarks.first_build", str(sizes["first_build_docs"]), env=env)
    if "build" in only:
        with tempfile.TemporaryDirectory() as store:
            env = os.environ | {"ZENML_CONFIG_PATH": str(Path(store) / "zenml")}
            results["build"] = _child("benchmarks.build", str(config), env=env)
            repeats = str(sizes["repeats"])
            results["cold_start"] = _child("benchmarks.cold_start", str(config), repeats, env=env)
            results["fanout"] = _child(
                "benchmarks.fanout", str(sizes["shard_size"]), str(sizes["quality_docs"]), repeats, env=env
            )
    return results


def _rerank_cost(queries: int, candidates: tuple[int, ...] = (10, 20, 40)) -> dict:
    """Reranking cost per question over the default corpus's index, against the search alone."""
    from factory.config import load_config
    from rag.agent.local import build_local_agent

    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(ROOT / "configs" / "default.yaml")
        build_local_agent(config, Path(tmp) / "agent")
        golden = (ROOT / "golden_questions" / "docs.jsonl").read_text().splitlines()[:queries]
        (Path(tmp) / "q.jsonl").write_text("\n".join(golden) + "\n")
        counts = ",".join(map(str, candidates))
        return _child("benchmarks.rerank_cost", str(Path(tmp) / "agent"), str(Path(tmp) / "q.jsonl"), counts)


def _over_index(module: str, name: str, max_docs: int, *args: str) -> dict:
    """A shared set indexed with the defaults, then `module` over that saved index."""
    from benchmarks.tuned_search import build

    with tempfile.TemporaryDirectory() as tmp:
        build(name, max_docs or None).save(Path(tmp) / "index")
        return _child(module, name, str(Path(tmp) / "index"), *args)


def _scale(scales: list[int], queries: int) -> list[dict]:
    """Build each size once (flat, IVF, pgvector on a pgserver PostgreSQL), then load each in a fresh process."""
    import pgserver

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        server = pgserver.get_server(Path(tmp) / "postgres", cleanup_mode="stop")
        server.psql("CREATE EXTENSION IF NOT EXISTS vector;")
        env = os.environ | {"AGENT_FACTORY_PGVECTOR_URL": server.get_uri()}
        for n in scales:
            folder = Path(tmp) / str(n)
            built = _child("benchmarks.scale", "build", str(n), str(folder), env=env)
            baseline = None
            if n <= 100_000:  # the in-memory docstore at 1M does not fit these machines (~25 GB)
                _child("benchmarks.scale", "write-baseline", str(n), str(folder))
                baseline = _child("benchmarks.scale", "baseline", str(folder))
            for kind in ("flat", "ivf", "pgvector"):
                if (folder / kind).is_dir():
                    measured = _child("benchmarks.scale", "query", str(folder / kind), str(queries), env=env)
                    rows.append({"n": n, **built, **measured, "baseline": baseline})
            subprocess.run(["rm", "-rf", str(folder)], check=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true", help="tiny sizes (the test suite runs this)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "RESULTS.md")
    parser.add_argument("--config", type=Path, default=ROOT / "configs" / "default.yaml")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=list(SECTIONS),
                        help="re-run these sections, keeping the others from the existing RESULTS.json")  # fmt: skip
    args = parser.parse_args()
    previous = args.out.with_suffix(".json")
    results = (
        json.loads(previous.read_text()) if set(args.only) != set(SECTIONS) and previous.exists() else {}
    )
    results = collect(SMOKE if args.smoke else FULL, args.config, args.only, results)
    command = "python -m benchmarks.run" + (" --smoke" if args.smoke else "")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(results, command), encoding="utf-8")
    args.out.with_suffix(".json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
