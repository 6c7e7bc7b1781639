"""A first build of a large Markdown set: this code against older code, in the same run.

    AGENT_FACTORY_BASELINE_TREE=/path/to/old/checkout python -m benchmarks.large_build FOLDER [CHUNKS]

The folder's Markdown pages, taken by name until this code's chunker has made ``CHUNKS`` chunks
(27,500 by default), are copied into a temporary folder; each setup (this code; the checkout,
when given) builds that folder through the whole pipeline with the default config, in a fresh
process with its own ZenML store and cache, after a warm-up build of three pages in the same
cache (the model's one-time export is not what is measured). Prints one JSON object: per setup
the wall time, the chunks indexed, chunks per second end to end and the time of each step; and
this code's rate over the baseline's.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Runs in the setup's tree: only APIs both trees have (load_config, run_build, ZenML's client).
DRIVER = """
import json, sys, time
from factory.bootstrap import bootstrap
bootstrap()
import pipelines
from factory.config import load_config
from pipelines.agent_pipeline import run_build
from zenml.client import Client
start = time.perf_counter()
result = run_build(load_config(sys.argv[1]))
wall = time.perf_counter() - start
run = Client().get_pipeline_run(result.run_id)
steps = {n: (s.end_time - s.start_time).total_seconds() for n, s in run.steps.items() if s.start_time and s.end_time}
from factory.versions import get_version
vectors = get_version(result.model, result.version).run_metadata.get("index", {}).get("vectors")
print("RESULT " + json.dumps({"wall_s": wall, "steps_s": steps, "chunks": vectors}))
"""


def pick_pages(folder: Path, chunks: int) -> list[Path]:
    """Pages by name until this code's chunker has made `chunks` chunks."""
    from rag.config import ChunkingConfig
    from rag.ingest.chunking import chunk_documents
    from rag.ingest.sources import load_documents
    from rag.ingest.sources.directory import DirectorySourceConfig

    documents = load_documents([DirectorySourceConfig(path=folder, include=["**/*.md"])])
    by_id = {d.id_: d for d in documents}
    picked, made = [], 0
    for page in sorted(folder.glob("**/*.md")):
        if (doc := by_id.get(f"docs/{page.relative_to(folder).as_posix()}")) is None:
            continue  # not read (binary, too large)
        made += len(chunk_documents([doc], ChunkingConfig()))
        picked.append(page)
        if made >= chunks:
            break
    return picked


def copy_pages(pages: list[Path], root: Path, target: Path) -> None:
    for page in pages:  # copies: a directory source refuses links that leave its root
        copy = target / page.relative_to(root)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(page, copy)


def write_golden(folder: Path, target: Path, count: int = 20) -> Path:
    """`count` questions from pages spread over the folder: each asks about its page's first heading."""
    pages = sorted(folder.glob("**/*.md"))
    lines = []
    for i, page in enumerate(pages[:: max(1, len(pages) // count)][:count]):
        heading = next((x.lstrip("# ").split("<a ")[0].strip() for x in page.read_text().splitlines()
                        if x.startswith("#")), page.stem)  # fmt: skip
        source = f"docs/{page.relative_to(folder).as_posix()}"
        lines.append(
            json.dumps({"id": f"q{i}", "question": f"What is {heading}?", "reference_sources": [source]})
        )
    target.write_text("\n".join(lines) + "\n")
    return target


def build_in(tree: Path, folder: Path, work: Path, name: str) -> dict:
    """The driver in a fresh process of `tree`, with its own store and cache under `work`."""
    config = work / f"{name}.yaml"
    golden = write_golden(folder, work / f"{name}-golden.jsonl")
    config.write_text(json.dumps({"name": "large_build", "sources": [{"type": "directory", "path": str(folder)}],
                                  "evaluation": {"golden_set": str(golden)}}))  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(tree), "ZENML_CONFIG_PATH": str(work / "zenml"),
           "AGENT_FACTORY_CACHE_DIR": str(work / "cache"), "AGENT_FACTORY_WARM": "0"}  # fmt: skip
    log = work / f"{name}.log"
    with log.open("w") as out:
        done = subprocess.run([sys.executable, "-c", DRIVER, str(config)], cwd=tree, env=env,
                              stdout=subprocess.PIPE, stderr=out, text=True, check=False)  # fmt: skip
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:  # a build that decided (exit 0 or 3) printed its result
        raise SystemExit(f"{name} in {tree} failed (exit {done.returncode}); see {log}")
    return json.loads(line[len("RESULT ") :])


def _commit(tree: Path) -> str | None:
    done = subprocess.run(
        ["git", "-C", str(tree), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return done.stdout.strip() or None


def main(folder: str, chunks: int = 27_500) -> None:
    root = Path(folder).resolve()
    setups = {"this code": ROOT}
    if tree := os.environ.get("AGENT_FACTORY_BASELINE_TREE"):
        setups["baseline"] = Path(tree).resolve()
    base = Path(tempfile.mkdtemp(prefix="large-build-"))  # kept when a build fails: its logs are there
    pages = pick_pages(root, chunks)
    copy_pages(pages, root, base / "pages")
    copy_pages(pages[:3], root, base / "warm-up")
    results = {}
    for label, tree in setups.items():
        work = base / label.replace(" ", "-")
        work.mkdir()
        build_in(tree, base / "warm-up", work, "warm-up")
        run = build_in(tree, base / "pages", work, "build")
        run["chunks_per_s"] = run["chunks"] / run["wall_s"]
        run["commit"] = _commit(tree)
        results[label] = run
        print(f"{label}: {run['chunks']} chunks in {run['wall_s']:.0f} s", file=sys.stderr)
    shutil.rmtree(base)
    out = {"folder": str(root), "pages": len(pages), "setups": results}
    if "baseline" in results:
        out["rate_vs_baseline"] = results["this code"]["chunks_per_s"] / results["baseline"]["chunks_per_s"]
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1], *(int(a) for a in sys.argv[2:3]))
