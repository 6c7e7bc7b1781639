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

from benchmarks import html_quality
from benchmarks.common import machine

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
    "living": ["0", "10000"],  # ZenML docs pages replayed (0: all), pages for the corpus diff alone
    "chunk_chars": 500_000,  # hostile inputs chunked at this size and 4x
    "repeats": 3,  # fresh processes per cold-start median; fewer than 2 also skips the fan-out warm-up
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
    "living": ["8", "300"],
    "chunk_chars": 50_000,
    "repeats": 1,
}


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
    "answers",
    "scale",
    "backends",
    "build",
    "judge",
    "serving",
    "living",
)


def collect(sizes: dict, config: Path, only: list[str], results: dict) -> dict:
    """Run the `only` sections into `results` (which may hold earlier sections)."""
    from benchmarks.chunking import bench_chunking
    from benchmarks.embedding import bench_embedding
    from benchmarks.incremental import bench_incremental

    results |= {"machine": machine(), "date": dt.datetime.now().isoformat(timespec="seconds"), "sizes": sizes}
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
    if "answers" in only:
        results["answers"] = _child("benchmarks.answers", str(sizes["quality_docs"]))
    if "scale" in only:
        results["scale"] = _scale(sizes["scales"], sizes["queries"])
    if "backends" in only:
        results["backends"] = _child("benchmarks.embedding_backends", str(sizes["quality_docs"]))
    if "judge" in only:
        results["judge"] = _child("benchmarks.judge", str(sizes["judge_questions"]))
    if "serving" in only:
        results["serving"] = _child("benchmarks.serving_load", *sizes["serving"])
    if "living" in only:
        with tempfile.TemporaryDirectory() as store:
            env = os.environ | {"ZENML_CONFIG_PATH": str(Path(store) / "zenml")}
            results["living"] = _child("benchmarks.living_docs", *sizes["living"], env=env)
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


def _table(*columns: str) -> list[str]:
    """A Markdown table's header and separator lines."""
    return ["| " + " | ".join(columns) + " |", "|" + " --- |" * len(columns)]


def _row(*cells: object) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def render(r: dict, command: str) -> str:
    """RESULTS.md from the results of the sections that ran (a partial run renders its own sections)."""
    m = r["machine"]
    lines = [
        "# Benchmark results",
        "",
        f"Reproduce with `{command}`. One run on {r['date']}: Python {m['python']}, {m['cores']} cores, "
        f"{m['memory_gb']} GiB; faiss-cpu {m['faiss-cpu']}, torch {m['torch']}, sentence-transformers "
        f"{m['sentence-transformers']}, llama-index-core {m['llama-index-core']}, zenml {m['zenml']}, ragas {m['ragas']}.",
    ]
    parts = [
        ("embedding", _embedding_lines), ("retrieval", _retrieval_lines), ("quality", lambda r: _quality_lines(r["quality"])),
        ("html", lambda r: html_quality.lines(r["html"])), ("answers", lambda r: _answers_lines(r["answers"])),
        ("build", _build_lines), ("cold_start", lambda r: _cold_start_lines(r["cold_start"])),
        ("serving", lambda r: _serving_lines(r["serving"])), ("incremental", _incremental_lines),
        ("chunking", _chunking_lines),
        ("build", _evaluation_lines), ("judge", lambda r: _judge_lines(r["judge"])), ("build", _memory_lines),
        ("scale", _scale_lines), ("living", lambda r: _living_lines(r["living"])),
    ]  # fmt: skip
    for key, section in parts:
        if key in r:
            lines += ["", *section(r)]
    return "\n".join(lines)


def _embedding_lines(r: dict) -> list[str]:
    return [
        "## 1. Embedding stage (target: ratio >= 0.9)",
        "",
        f"Our `build_index` embedding path vs the raw sentence-transformers `encode` of the same {r['sizes']['chunks']} "
        "chunks (~1000 characters) in the same process, best of two.",
        "",
        *_table("batch size", "raw chunks/s", "our step chunks/s", "ratio"),
        *[
            _row(
                e["batch_size"],
                f"{e['raw_chunks_per_s']:.1f}",
                f"{e['step_chunks_per_s']:.1f}",
                f"{e['ratio']:.2f}",
            )
            for e in r["embedding"]
        ],
    ]


def _retrieval_lines(r: dict) -> list[str]:
    return [
        "## 2. Retrieval at scale (target: p95 < 5 ms at 1M with recall@10 >= 0.95)",
        "",
        "384-d vectors in 1000 topic clusters of low intrinsic dimension (16), like text embeddings, so recall is measured where "
        "near neighbours exist; latency is per single query, top 10. Recall against exact (flat) search.",
        "",
        *_table("vectors", "index", "build s", "p50 ms", "p95 ms", "recall@10", "peak RSS MB"),
        *[_retrieval_row(x) for x in r["retrieval"]],
    ]


def _build_lines(r: dict) -> list[str]:
    return [
        "## 3. Build end to end (default corpus, fresh ZenML store)",
        "",
        *_table("run", "wall s", "ZenML overhead s", *r["build"]["cold"]["steps"]),
        *[
            f"| {label} | {b['wall_s']:.1f} | {b['zenml_overhead_s']:.1f} | "
            + " | ".join(
                f"{s['seconds']:.2f}{' (cached)' if s['status'] == 'cached' else ''}"
                for s in b["steps"].values()
            )
            + " |"
            for label, b in (("cold", r["build"]["cold"]), ("cached", r["build"]["cached"]))
        ],
        "",
        f"Cached / cold wall time: {r['build']['cached']['wall_s'] / r['build']['cold']['wall_s']:.2f}. "
        "ZenML overhead is wall time minus the time spent inside steps that ran (the cold run includes "
        "creating the store).",
    ]


def _incremental_lines(r: dict) -> list[str]:
    return [
        "## 4. Incremental rebuild",
        "",
        "Embedding plus indexing time with the previous index as embedding cache, against a full rebuild "
        "of the same corpus (library level; the pipeline adds the fixed step overheads of section 3).",
        "",
        *_table("change", "chunks embedded", "seconds", "vs full"),
        *[
            _row(x["changed"], x["chunks_embedded"], f"{x['seconds']:.2f}", f"{x['vs_full']:.2f}")
            for x in r["incremental"]
        ],
    ]


def _chunking_lines(r: dict) -> list[str]:
    return [
        "### Chunking hostile input (target: growth <= 1.5, linear)",
        "",
        "Each case chunked at N and 4N characters in the same process (benchmarks/chunking.py); growth is "
        "t(4N) / (4 t(N)): 1.0 is linear, 4.0 quadratic.",
        "",
        *_table("input", "characters", "chunks", "seconds", "growth"),
        *[
            _row(x["case"], f"{x['chars']:,}", x["chunks"], f"{x['seconds']:.2f}", f"{x['growth']:.2f}")
            for x in r["chunking"]
        ],
    ]


def _evaluation_lines(r: dict) -> list[str]:
    return [
        "## 5. Evaluation cost",
        "",
        f"Offline tier: {r['build']['evaluation_s_per_question']:.2f} s per golden question "
        f"({r['build']['questions']} questions, agent run plus RAGAS scoring), 0 LLM calls and 0 tokens "
        "(the extractive agent and the offline metrics call no LLM).",
    ]


def _memory_lines(r: dict) -> list[str]:
    return [
        "## 6. Memory",
        "",
        f"Build (cold + cached runs, one process): peak RSS {r['build']['peak_rss_mb']:.0f} MB.",
    ]


def _living_lines(x: dict) -> list[str]:
    replay, scale = x["replay"], x["scale"]
    return [
        "## 8. Living documentation: a docs restructure, night by night",
        "",
        f"ZenML's docs ({replay['pages']} pages) and the {replay['questions']} dev questions about them, written on "
        "night 0 and never edited (benchmarks/living_docs.py). The restructure moves every page into `book/`, renames a "
        "third, edits a tenth, deletes one in 25, splits one in 40 and adds a page. Same process, same ZenML store.",
        "",
        *_table("night", "wall s", "vs first build", "decision", "hit rate"),
        *[
            _row(
                n["night"],
                f"{n['seconds']:.1f}",
                f"{n['ratio_to_full']:.2f}",
                n["stage"],
                f"{n['hit_rate']:.3f}",
            )
            for n in replay["nights"]
        ],
        "",
        f"Corpus diff of the restructure night: {replay['diff']}. References followed right: "
        f"{replay['followed_right']}, wrong: {replay['followed_wrong']}; questions stale as scripted (page deleted): "
        f"{replay['stale_right']}, stale wrongly or missed: {replay['stale_wrong']}.",
        "",
        f"The corpus diff alone at {scale['pages']:,} pages, all renamed with an edit (no content hash matches: every "
        f"page goes through the similarity comparison): signing {scale['sign_s']:.1f} s, diff {scale['diff_s']:.1f} s, "
        f"peak traced memory of the diff {scale['peak_mb']:.0f} MB; {scale['moved']:,} moves found, "
        f"{scale['ambiguous']} ambiguous.",
    ]


def _quality_lines(q: dict) -> list[str]:
    def ci(pair: list[float]) -> str:
        return f"[{pair[0]:+.3f}, {pair[1]:+.3f}]"

    return [
        "### Retrieval quality on documentation nobody here wrote",
        "",
        f"ZenML's docs ({q['documents']} pages of `../shared/datasets/zenml-docs`) and its dev questions "
        f"({q['questions']}): the page each question names, ranked among the pages of the top {50} chunks. "
        "Intervals: paired bootstrap 95% of the difference to the plain baseline (first row), 5000 draws. "
        "Build: chunking, embedding and indexing; query: one question, embedding included.",
        "",
        *_table(
            "variant",
            "chunks",
            "hit@1",
            "hit@5",
            "hit@10",
            "MRR@10",
            "MRR diff 95% CI",
            "hit@5 diff 95% CI",
            "build s",
            "query p50 ms",
            "p95 ms",
            "index MB",
        ),
        *[
            f"| {x['variant']} | {x['chunks']} | {x['hit@1']:.3f} | {x['hit@5']:.3f} | {x['hit@10']:.3f} "
            f"| {x['mrr@10']:.3f} | {ci(x['mrr_diff_ci'])} | {ci(x['hit5_diff_ci'])} | {x['build_s']:.0f} "
            f"| {x['query_p50_ms']:.1f} | {x['query_p95_ms']:.1f} | {x['index_mb']:.1f} |"
            for x in q["rows"]
        ],
    ]


def _answers_lines(a: dict) -> list[str]:
    return [
        "### Offline answers: sentences vs sections (same index, same run)",
        "",
        f"The extractive agent on the {a['questions']} dev questions; similarity of answer and the question's "
        "scraped passage (packaged model), and how many answers keep the passage's code.",
        "",
        *_table(
            "`llm.params.answer`",
            "`retrieval.section_window`",
            "similarity to passage",
            "passages with code",
            "answers keeping it",
        ),
        *[
            _row(
                r["mode"],
                r.get("section_window", 0),
                f"{r['similarity']:.3f}",
                r["with_code"],
                r["code_kept"],
            )
            for r in a["rows"]
        ],
    ]


def _serving_lines(s: dict) -> list[str]:
    return [
        "### Serving under load (`agent-factory serve`, ZenML's local deployer, 127.0.0.1)",
        "",
        "Concurrent clients, each asking its questions one after another over `/v1/chat/completions` "
        "(non-streaming), from another process than the server's. In-process p50: the same agent answering "
        "the same questions one at a time inside the benchmark process, cold (first time) and warm (again: "
        "the answerer's sentence vectors cached, as for questions that come back); the ratio is against warm. "
        "Questions repeat under load (the golden or dev questions in turn). The server runs with the default "
        "settings, the rate limit included (all clients share one key). RSS: the server process, after a "
        "warm-up and after each of three runs (latencies are over all three).",
        "",
        *_table(
            "corpus",
            "clients",
            "requests",
            "errors",
            "p50 ms",
            "p95 ms",
            "requests/s",
            "in-process p50 ms cold / warm",
            "served / in-process p50",
            "server RSS MB after warm-up → after runs 1, 2, 3",
            "growth",
        ),
        *[
            f"| {r['corpus']} | {r['clients']} | {r['requests']} | {r['errors']} | {r['p50_ms']:.0f} "
            f"| {r['p95_ms']:.0f} | {r['throughput_rps']:.1f} | {r['in_process_cold_p50_ms']:.0f} / {r['in_process_p50_ms']:.0f} "
            f"| {r['served_vs_in_process_p50']:.2f} | {r['rss_before_mb']:.0f} → "
            f"{', '.join(f'{mb:.0f}' for mb in r.get('rss_after_runs_mb', [r['rss_after_mb']]))} "
            f"| {r['rss_growth']:+.1%} |"
            for r in s["rows"]
        ],
    ]


def _cold_start_lines(c: dict) -> list[str]:
    return [
        "### Cold `agent-factory ask` (a fresh process per question, the version built above)",
        "",
        *_table("run", "seconds"),
        f"| first ask on a machine (torch loads, the model is exported to ONNX) | {c['first_ask_s']:.2f} |",
        f"| every later ask (ONNX export, no torch; median) | {c['cold_ask_s']:.2f} |",
        f"| encoder alone, sentence-transformers: imports, load, one query vector | {c['vector_torch_s']:.2f} |",
        f"| encoder alone, ONNX Runtime | {c['vector_onnx_s']:.2f} |",
        "",
        f"Later asks / first ask: {c['cold_ask_s'] / c['first_ask_s']:.2f}; ONNX / torch encoder start: "
        f"{c['vector_onnx_s'] / c['vector_torch_s']:.2f}.",
    ]


def _judge_lines(j: dict) -> list[str]:
    full = j["full_estimate"]
    return [
        f"Judge tier, all five metrics, dry-run estimate on the default agent's answers to {j['questions']} golden "
        f"questions ({j['answerable']} answerable): ~{full['calls']} calls (at most {full['max_calls']} with re-asks), "
        f"~{full['prompt_tokens']:,} prompt and ~{full['completion_tokens']:,} completion tokens:",
        "",
        *_table("metric", "calls", "prompt tokens"),
        *[_row(m, row["calls"], f"{row['prompt_tokens']:,}") for m, row in full["per_metric"].items()],
        "",
        "Against a measured run (context precision, a local OpenAI-compatible server answering at once): "
        f"estimated {j['calls_estimated']} calls, measured {j['calls_measured']}; estimated "
        f"{j['prompt_tokens_estimated']:,} prompt tokens, the server counted {j['prompt_tokens_measured']:,} "
        f"(ratio {j['prompt_tokens_estimated'] / j['prompt_tokens_measured']:.2f}). Our bounded driver took "
        f"{j['ours_s']:.2f} s, `ragas.evaluate` on the same work {j['ragas_s']:.2f} s: ratio {j['ratio']:.2f} "
        "(target >= 0.9: bounding costs no speed).",
    ]


def _scale_lines(r: dict) -> list[str]:
    rows, b, f = r["scale"], r.get("backends"), r.get("fanout")
    lines = [
        "## 7. Scale: a loaded agent at 10k, 100k and 1M chunks",
        "",
        "Generated corpus (benchmarks/scale.py): real ~1000-character chunks of this project's docs, each with "
        "a line of its own, and **precomputed vectors** (real ones, jittered) so 1M chunks build in minutes. "
        "Each row is a fresh process: load the version's index (chunks in SQLite, FAISS and BM25 memory-mapped, "
        "or vectors in PostgreSQL), answer the questions, then open the extractive agent and ask five. "
        "RSS counts mapped file pages the process touched. Latency: top 4 with texts read, question vector "
        "given, measured over the second half of the questions (the first warms the page cache); dense alone, "
        "and hybrid (fused with BM25, the default). Before: LlamaIndex's in-memory "
        "docstore of the same chunks, loaded alone.",
        "",
        *_table(
            "chunks",
            "vectors",
            "load s",
            "RSS loaded MB",
            "RSS agent MB",
            "dense p50 / p95 ms",
            "hybrid p50 / p95 ms",
            "before: load s / docstore MB",
            "files: nodes / vectors / BM25 MB",
            "build s",
        ),
    ]
    for x in rows:
        base = x["baseline"]
        before = f"{base['load_s']:.1f} / {base['rss_mb']:.0f}" if base else "(does not fit)"
        build = {
            "flat": x["build_flat_s"],
            "ivf": x["build_ivf_extra_s"],
            "pgvector": x.get("build_pgvector_extra_s"),
        }
        extra = "" if x["index_type"] == "flat" else " (+ after flat)"
        lines.append(
            f"| {x['n']:,} | {x['index_type']} | {x['load_s']:.2f} | {x['rss_loaded_mb']:.0f} | {x['rss_agent_mb']:.0f} "
            f"| {x['dense_p50_ms']:.1f} / {x['dense_p95_ms']:.1f} | {x['hybrid_p50_ms']:.1f} / {x['hybrid_p95_ms']:.1f} "
            f"| {before} | {x['nodes_mb']:.0f} / {x['vectors_mb'] if x['index_type'] != 'pgvector' else 0:.0f} / "
            f"{x['bm25_mb']:.0f} | {build[x['index_type']] or 0:.0f}{extra} |"
        )
    if b:
        lines += [
            "",
            f"### Embedding backends (same {b['rows'][0]['chunks']} chunks of ZenML's docs, one process)",
            "",
            f"Page hit@5 on the {b['questions']} dev questions, dense only and with the default hybrid retrieval; "
            "interval: paired bootstrap 95% of the difference to torch.",
            "",
            *_table(
                "backend",
                "chunks/s",
                "vs torch",
                "cosine to torch",
                "dense hit@5 (diff CI)",
                "hybrid hit@5 (diff CI)",
            ),
            *[
                f"| {x['backend']} | {x['chunks_per_s']:.1f} | {x['speed_vs_torch']:.2f} | {x['cosine_to_torch']:.4f} "
                f"| {x['dense_hit@5']:.3f} [{x['dense_hit5_diff_ci'][0]:+.3f}, {x['dense_hit5_diff_ci'][1]:+.3f}] "
                f"| {x['default_hit@5']:.3f} [{x['default_hit5_diff_ci'][0]:+.3f}, {x['default_hit5_diff_ci'][1]:+.3f}] |"
                for x in b["rows"]
            ],
        ]
    if f:
        lines += [
            "",
            "### Fan-out embedding on the local stack",
            "",
            f"{f['chunks']} chunks of ZenML's docs, `embedding.shard_size: {f['shard_size']}` ({f['shards']} mapped "
            f"steps, threads of one process here) against one `build_index` step: whole build {f['fanout_wall_s']:.0f} s "
            f"vs {f['single_wall_s']:.0f} s (ratio {f['ratio']:.2f}); split {f['fanout_split_s']:.1f} s + embedding "
            f"steps {f['fanout_embed_s']:.0f} s (their durations summed: the threads share two cores, so each "
            f"step's wall time counts the others') + merge {f['fanout_merge_s']:.0f} s vs `build_index` "
            f"{f['single_build_index_s']:.0f} s. Same ids and vectors in both "
            f"indexes: {'yes' if f['identical'] else 'NO'}.",
        ]
    return [*lines, ""]


def _retrieval_row(x: dict) -> str:
    return (
        f"| {x['n']:,} | {x['index']} | {x['build_s']:.1f} | {x['p50_ms']:.2f} | {x['p95_ms']:.2f} "
        f"| {x['recall@10']:.3f} | {x['peak_rss_mb']:.0f} |"
    )


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
