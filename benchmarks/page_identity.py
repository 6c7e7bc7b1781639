"""Page identity thresholds measured on real renames: git repositories' own docs history.

For every rename git detects under `docs/` (``git log -M50``), the MinHash Jaccard between the
old page (before) and the new page (after), and the best Jaccard of the old page against any
*other* page of the new tree (what a wrong follow would need to beat). Usage::

    python -m benchmarks.page_identity REPO [REPO ...]
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from rag.ingest.corpus_diff import MOVE_JACCARD, PageSignatures, _jaccard_rows, signature


def _git(repo: str, *args: str) -> str:
    return subprocess.run(["git", "-C", repo, *args], capture_output=True, text=True, check=True).stdout


def renames(repo: str) -> list[tuple[str, str, str, int]]:
    """(commit, old path, new path, git's similarity %) for Markdown/reST renames under docs/."""
    out, commit = [], ""
    for line in _git(
        repo, "log", "-M50", "--diff-filter=R", "--name-status", "--format=C %H", "--", "docs"
    ).splitlines():
        if line.startswith("C "):
            commit = line[2:]
        elif line.startswith("R") and line.rsplit(".", 1)[-1] in ("md", "rst"):
            score, old, new = line.split("\t")
            out.append((commit, old, new, int(score[1:])))
    return out


def measure(repo: str) -> list[tuple[float, float, int]]:
    rows = []
    for commit, old, new, similarity in renames(repo):
        before = signature(old, _git(repo, "show", f"{commit}^:{old}"))
        tree = [
            p
            for p in _git(repo, "ls-tree", "-r", "--name-only", commit, "docs").splitlines()
            if p.rsplit(".", 1)[-1] in ("md", "rst")
        ]
        pages = PageSignatures(pages=[signature(p, _git(repo, "show", f"{commit}:{p}")) for p in tree])
        (row,) = list(_jaccard_rows([before], pages.pages))
        at = [p.doc_id for p in pages.pages].index(new)
        others = np.delete(row, at)
        rows.append((float(row[at]), float(others.max()) if len(others) else 0.0, similarity))
    return rows


def main(repos: list[str]) -> None:
    rows = [r for repo in repos for r in measure(repo)]
    print("| renamed page: Jaccard to its new self | best other page | git similarity |")
    print("| --- | --- | --- |")
    for own, other, similarity in sorted(rows):
        print(f"| {own:.2f} | {other:.2f} | {similarity}% |")
    own = [r[0] for r in rows]
    print(
        f"\n{len(rows)} renames: followed at MOVE_JACCARD {MOVE_JACCARD}: "
        f"{sum(j >= MOVE_JACCARD for j in own)}; best other page max {max(r[1] for r in rows):.2f}"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
