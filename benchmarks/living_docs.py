"""Living docs: ZenML's docs replayed night by night, one build a night, the golden set never edited.

Night 0 builds the first version (judged against plain search), night 1 changes nothing,
night 2 restructures (every page moves into a new folder, a third renamed, a tenth edited, a few
deleted and split, a new page added), night 3 edits, night 4 splits pages. Then three nights
that must be refused whatever production's staleness: a third of the pages deleted, chunks of
100 characters, a random embedding; and a good night that must follow again. For each night the
decision and production's corpus age (nights since the docs it was built from). Then the corpus
diff alone, at `pages` pages all renamed (the worst case), for time and peak memory. Prints one
JSON line::

    python -m benchmarks.living_docs DOCS PAGES [NIGHTS]   # DOCS 0: all of ZenML's docs
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
from rag.ingest.corpus_diff import diff_pages
from rag.ingest.signing import sign_pages


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


def _edit(pages: dict[str, str], night: int, every: int = 10) -> dict[str, str]:
    """A night of ordinary edits: one page in `every` gains a sentence naming the night."""
    return {p: t + (f"\n\nNight {night}: this page was checked against release {night}.\n" if i % every == night % every else "")
            for i, (p, t) in enumerate(sorted(pages.items()))}  # fmt: skip


def _split(pages: dict[str, str], every: int = 15) -> dict[str, str]:
    """One page in `every` (of those long enough) split in two halves."""
    out = {}
    for i, (path, text) in enumerate(sorted(pages.items())):
        paragraphs = text.split("\n\n")
        if i % every == 4 and len(paragraphs) >= 6:
            half = len(paragraphs) // 2
            out[path.replace(".md", "-a.md")] = "\n\n".join(paragraphs[:half])
            out[path.replace(".md", "-b.md")] = "\n\n".join(paragraphs[half:])
        else:
            out[path] = text
    return out


def _delete_third(pages: dict[str, str]) -> dict[str, str]:
    return {p: t for i, (p, t) in enumerate(sorted(pages.items())) if i % 3 != 1}


def nights(night0: dict[str, str], count: int) -> list[tuple[str, dict[str, str], dict, bool]]:
    """(label, pages, config overrides, should reach production) for each night of the replay."""
    night2, _ = restructure(night0)
    night3 = _edit(night2, 3)
    night4 = _split(night3)
    broken_chunks = {"chunking": {"chunk_size": 100, "chunk_overlap": 0}}
    random = {"embedding": {"provider": "random_bench", "model": "random"}}
    plan = [
        ("first build", night0, {}, True),
        ("unchanged", night0, {}, True),
        ("restructure", night2, {}, True),
        ("edits", night3, {}, True),
        ("split", night4, {}, True),
        ("a third deleted", _delete_third(night4), {}, False),
        ("100-char chunks", _edit(night4, 6), broken_chunks, False),
        ("random embedding", _edit(night4, 7), random, False),
        ("edits", _edit(night4, 8), {}, True),
    ]
    return plan[:count]


def replay(docs: int, count: int = 9) -> dict:
    """Build each night of :func:`nights` (golden set never edited) and record the decision."""
    from factory.artifacts import CORPUS_DIFF, GOLDEN
    from factory.config import AgentConfig
    from factory.versions import find_version, get_version
    from pipelines.agent_pipeline import run_build
    from rag.providers import EMBEDDINGS
    from rag.registry import Provider

    # a deliberately broken embedder (tests/fakes.py): a fixed random vector per text
    EMBEDDINGS.register("random_bench", Provider(factory="tests.fakes:random_embedding"))
    night0 = _night0(docs)
    rows = [json.loads(line) for line in (DATASETS / "zenml-questions-dev.jsonl").read_text().splitlines()]
    golden_rows = [{"id": r["id"], "question": r["question"], "reference_sources": [f"zenml/{r['file']}"]}
                   for r in rows if r["file"] in night0]  # fmt: skip
    _, truth = restructure(night0)
    out, built_on = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        root, golden = Path(tmp) / "docs", Path(tmp) / "golden.jsonl"
        golden.write_text("".join(json.dumps(r) + "\n" for r in golden_rows))
        base = {"name": "living_bench", "sources": [{"type": "directory", "name": "zenml", "path": str(root)}],
                "evaluation": {"golden_set": str(golden)}}  # fmt: skip
        for number, (label, pages, overrides, expected) in enumerate(nights(night0, count)):
            _write(root, pages)
            start = time.perf_counter()
            run = run_build(AgentConfig.model_validate(base | overrides))
            seconds = time.perf_counter() - start
            built_on[str(run.version)] = number
            meta = get_version("living_bench", run.version).run_metadata
            production = find_version("living_bench", "production")
            decision = meta["decision"]
            out.append({"night": number, "label": label, "seconds": seconds, "expected": expected,
                        "decision": decision["stage"] or "refused", "fresher": decision.get("fresher", False),
                        "reason": _lead(decision), "hit_rate": meta["evaluation"]["metrics"]["hit_rate"]["mean"],
                        "production_age": number - built_on.get(production.name, 0) if production else None,
                        "primary": _primary(decision)})  # fmt: skip
            if number == 2:
                diff = get_version("living_bench", run.version).get_artifact(CORPUS_DIFF).load()
                followed = {
                    q.id: q
                    for q in get_version("living_bench", run.version).get_artifact(GOLDEN).load().questions
                }
    right = wrong = stale_ok = stale_bad = 0
    for r in golden_rows if count > 2 else []:
        expected_pages = truth[r["reference_sources"][0].removeprefix("zenml/")]
        q = followed[r["id"]]
        if expected_pages is None:
            stale_ok += q.stale is not None
            stale_bad += q.stale is None
        elif sorted(q.reference_sources) == sorted(f"zenml/{p}" for p in expected_pages):
            right += 1
        else:
            wrong += 1
    full = out[0]["seconds"]
    for night in out:
        night["ratio_to_full"] = night["seconds"] / full
    return {"pages": len(night0), "questions": len(golden_rows), "nights": out,
            "diff": diff.summary() if count > 2 else None,
            "followed_right": right, "followed_wrong": wrong, "stale_right": stale_ok, "stale_wrong": stale_bad}  # fmt: skip


def _primary(decision: dict) -> dict | None:
    """The deciding comparison's numbers (for the margin's reasoning in docs/evaluation.md)."""
    found = [c for c in decision.get("comparisons", []) if c["role"] == "primary"]
    return (
        {k: found[0][k] for k in ("against", "diff_mean", "ci_low", "ci_high", "n_pairs")} if found else None
    )


def _lead(decision: dict) -> str:
    """The reason that decided: a refusal's first, otherwise the comparison's."""
    reasons = decision["reasons"]
    if decision["stage"] is None and not decision["thresholds_passed"]:
        return reasons[0]
    return next((r for r in reasons if "plain search" in r or "(primary)" in r), reasons[-1])


def diff_at_scale(pages: int) -> dict:
    """The worst case: `pages` pages of ~600 words each all renamed, each with a small edit (so no
    content hash matches and every page goes through the similarity comparison)."""
    import random

    rng = random.Random(0)
    vocabulary = list({w for text in _night0(0).values() for w in text.split()})
    texts = {f"p{i}.md": " ".join(rng.choices(vocabulary, k=600)) for i in range(pages)}
    start = time.perf_counter()
    old = sign_pages([(k, v, None) for k, v in texts.items()])
    signed = time.perf_counter() - start
    new = sign_pages([(f"moved/{k}", v + " An edited sentence.", None) for k, v in texts.items()])
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
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 9
    print(json.dumps({"replay": replay(docs, count), "scale": diff_at_scale(pages)}))
