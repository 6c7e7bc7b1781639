"""Living docs: ZenML's docs replayed through a scripted restructure, one build a night.

Night 0 builds the first version from nothing (the full rebuild every night would cost), night 1
changes nothing, night 2 restructures: every page moves into a new folder, a third renamed,
a tenth edited, a few deleted and split, a new page added. The golden set (the dev questions
about the pages kept) is written on night 0 and never edited. Then the corpus diff alone, at
`pages` pages all renamed (the worst case: every page disappeared and appeared), for time and
peak memory. Prints one JSON line::

    python -m benchmarks.living_docs DOCS PAGES   # DOCS 0: all of ZenML's docs
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from benchmarks.retrieval_quality import DATASETS
from rag.ingest.corpus_diff import PageSignatures, diff_pages, signature


def _night0(docs: int) -> dict[str, str]:
    """All pages, or the first `docs`: pages the dev questions name first, so questions remain."""
    root = DATASETS / "zenml-docs"
    rows = (DATASETS / "zenml-questions-dev.jsonl").read_text().splitlines()
    named = {json.loads(line)["file"] for line in rows}
    files = sorted(
        (p.relative_to(root).as_posix() for p in root.rglob("*.md")), key=lambda f: (f not in named, f)
    )
    return {f: (root / f).read_text(encoding="utf-8") for f in (files[:docs] if docs else files)}


def restructure(pages: dict[str, str]) -> tuple[dict[str, str], dict[str, list[str] | None]]:
    """Night 2 and its truth: old path -> new path(s), None when deleted."""
    out: dict[str, str] = {}
    truth: dict[str, list[str] | None] = {}
    for i, (path, text) in enumerate(sorted(pages.items())):
        folder, _, name = path.rpartition("/")
        new = f"book/{folder}/{'renamed-' if i % 3 == 0 else ''}{name}".replace("//", "/")
        if i % 25 == 7:  # deleted
            truth[path] = None
            continue
        paragraphs = text.split("\n\n")
        if i % 40 == 11 and len(paragraphs) >= 6:  # split in two halves
            half = len(paragraphs) // 2
            parts = [new.replace(".md", "-part1.md"), new.replace(".md", "-part2.md")]
            out[parts[0]], out[parts[1]] = "\n\n".join(paragraphs[:half]), "\n\n".join(paragraphs[half:])
            truth[path] = parts
            continue
        if i % 10 == 3:  # a small edit
            text += "\n\nThis page was reviewed for the new layout.\n"
        out[new] = text
        truth[path] = [new]
    out["book/whats-new.md"] = "# What's new\n\nThe documentation was reorganised into the book folder.\n"
    return out, truth


def _write(root: Path, pages: dict[str, str]) -> None:
    shutil.rmtree(root, ignore_errors=True)
    for path, text in pages.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")


def replay(docs: int) -> dict:
    from factory.artifacts import CORPUS_DIFF, GOLDEN
    from factory.config import AgentConfig
    from factory.versions import get_version
    from pipelines.agent_pipeline import run_build

    night0 = _night0(docs)
    rows = [json.loads(line) for line in (DATASETS / "zenml-questions-dev.jsonl").read_text().splitlines()]
    golden_rows = [{"id": r["id"], "question": r["question"], "reference_sources": [f"zenml/{r['file']}"]}
                   for r in rows if r["file"] in night0]  # fmt: skip
    night2, truth = restructure(night0)
    nights = []
    with tempfile.TemporaryDirectory() as tmp:
        root, golden = Path(tmp) / "docs", Path(tmp) / "golden.jsonl"
        golden.write_text("".join(json.dumps(r) + "\n" for r in golden_rows))
        config = AgentConfig.model_validate({
            "name": "living_bench", "sources": [{"type": "directory", "name": "zenml", "path": str(root)}],
            "evaluation": {"golden_set": str(golden), "gate": {"thresholds": {"hit_rate": 0.5}}},
        })  # fmt: skip
        for label, pages in (
            ("first build (full)", night0),
            ("unchanged night", night0),
            ("restructure night", night2),
        ):
            _write(root, pages)
            start = time.perf_counter()
            run = run_build(config)
            seconds = time.perf_counter() - start
            mv = get_version("living_bench", run.version)
            meta = mv.run_metadata
            nights.append({"night": label, "seconds": seconds, "stage": mv.stage or "not promoted",
                           "hit_rate": meta["evaluation"]["metrics"]["hit_rate"]["mean"],
                           "decision": meta["decision"]["reasons"]})  # fmt: skip
        diff = mv.get_artifact(CORPUS_DIFF).load()
        followed = {q.id: q for q in mv.get_artifact(GOLDEN).load().questions}
    right = wrong = stale_ok = stale_bad = 0
    for r in golden_rows:
        expected = truth[r["reference_sources"][0].removeprefix("zenml/")]
        q = followed[r["id"]]
        if expected is None:
            stale_ok += q.stale is not None
            stale_bad += q.stale is None
        elif sorted(q.reference_sources) == sorted(f"zenml/{p}" for p in expected):
            right += 1
        else:
            wrong += 1
    full = nights[0]["seconds"]
    for night in nights:
        night["ratio_to_full"] = night["seconds"] / full
    return {"pages": len(night0), "questions": len(golden_rows), "nights": nights, "diff": diff.summary(),
            "followed_right": right, "followed_wrong": wrong, "stale_right": stale_ok, "stale_wrong": stale_bad}  # fmt: skip


def diff_at_scale(pages: int) -> dict:
    """The worst case: `pages` pages of ~600 words each all renamed, each with a small edit (so no
    content hash matches and every page goes through the similarity comparison)."""
    import random

    rng = random.Random(0)
    vocabulary = list({w for text in _night0(0).values() for w in text.split()})
    texts = {f"p{i}.md": " ".join(rng.choices(vocabulary, k=600)) for i in range(pages)}
    start = time.perf_counter()
    old = PageSignatures(pages=[signature(k, v) for k, v in texts.items()])
    signed = time.perf_counter() - start
    new = PageSignatures(
        pages=[signature(f"moved/{k}", v + " An edited sentence.") for k, v in texts.items()]
    )
    tracemalloc.start()
    start = time.perf_counter()
    diff = diff_pages(old, new)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"pages": pages, "sign_s": signed, "diff_s": seconds, "peak_mb": peak / 2**20,
            "moved": len(diff.moved), "ambiguous": len(diff.ambiguous)}  # fmt: skip


if __name__ == "__main__":
    docs, pages = int(sys.argv[1]), int(sys.argv[2])
    print(json.dumps({"replay": replay(docs), "scale": diff_at_scale(pages)}))
