"""Page identity against git's rename detection, on real docs histories and a template family.

For every commit that deletes or renames a Markdown/reST page under `docs/` (``git log -M50``),
both trees are signed as a build signs its corpus and diffed (rag/ingest/corpus_diff.py). A page
we follow (move, split, merge) is *right* when git renames it to one of the pages we name,
*unconfirmed* otherwise (git calls it deleted, or renames it elsewhere); a rename git detects
that we do not follow is *missed*. Precision = right / followed, recall = right / git's renames,
with distinctive text (today) and with whole texts (before). Then a template family: release
notes from one form, one deleted and a new one added each night. Prints one JSON object::

    python -m benchmarks.page_identity REPO [REPO ...]
"""

from __future__ import annotations

import json
import subprocess
import sys

from rag.ingest.corpus_diff import CorpusDiff, PageSignatures, diff_pages
from rag.ingest.signing import sign_pages, signature

DOCS = ("md", "rst")


def _git(repo: str, *args: str) -> str:
    return subprocess.run(["git", "-C", repo, *args], capture_output=True, text=True, check=True).stdout


def _commits(repo: str) -> list[str]:
    out = _git(repo, "log", "-M50", "--diff-filter=RD", "--format=%H", "--", "docs")
    return [c for c in out.split() if c]


def _tree(repo: str, commit: str) -> dict[str, str]:
    """Every docs page at `commit`, read in one `git cat-file --batch`."""
    paths = [p for p in _git(repo, "ls-tree", "-r", "--name-only", commit, "docs").splitlines()
             if p.rsplit(".", 1)[-1] in DOCS]  # fmt: skip
    if not paths:
        return {}
    batch = subprocess.run(["git", "-C", repo, "cat-file", "--batch"], input="".join(f"{commit}:{p}\n" for p in paths).encode(),
                           capture_output=True, check=True).stdout  # fmt: skip
    texts, at = {}, 0
    for path in paths:
        header_end = batch.index(b"\n", at)
        size = int(batch[at:header_end].split()[2])
        texts[path] = batch[header_end + 1 : header_end + 1 + size].decode("utf-8", "replace")
        at = header_end + 1 + size + 1
    return texts


def _truth(repo: str, commit: str) -> dict[str, str]:
    """git's renames of docs pages in `commit`: old path -> new path."""
    renames = {}
    for line in _git(repo, "diff", "-M50", "--name-status", f"{commit}^", commit, "--", "docs").splitlines():
        if line.startswith("R"):
            _, old, new = line.split("\t")
            if old.rsplit(".", 1)[-1] in DOCS:
                renames[old] = new
    return renames


def _whole(texts: dict[str, str]) -> PageSignatures:
    return PageSignatures(pages=[signature(p, t) for p, t in sorted(texts.items())])


def _score(diff: CorpusDiff, truth: dict[str, str], counts: dict[str, int]) -> None:
    followed = {m.old: set(m.new) for m in diff.moved}
    for old, new in followed.items():
        counts["right" if truth.get(old) in new else "unconfirmed"] += 1
    counts["missed"] += sum(1 for old in truth if old not in followed)
    counts["git_renames"] += len(truth)


def measure(repo: str) -> dict:
    today = {"right": 0, "unconfirmed": 0, "missed": 0, "git_renames": 0}
    before = dict(today)
    commits = _commits(repo)
    for commit in commits:
        try:
            old, new = _tree(repo, f"{commit}^"), _tree(repo, commit)
        except subprocess.CalledProcessError:  # a root commit
            continue
        truth = _truth(repo, commit)
        _score(diff_pages(sign_pages([(p, t, None) for p, t in old.items()]),
                          sign_pages([(p, t, None) for p, t in new.items()])), truth, today)  # fmt: skip
        _score(diff_pages(_whole(old), _whole(new)), truth, before)
    return {"repo": repo.rstrip("/").split("/")[-2], "commits": len(commits), "distinctive": _rates(today),
            "whole_text": _rates(before)}  # fmt: skip


def _rates(c: dict[str, int]) -> dict:
    followed = c["right"] + c["unconfirmed"]
    return c | {"precision": c["right"] / followed if followed else 1.0,
                "recall": c["right"] / c["git_renames"] if c["git_renames"] else 1.0}  # fmt: skip


TEMPLATE = (
    "## Upgrading\n\nRead the upgrade guide before you install this release. Back up the database, stop the "
    "workers, install the new wheel, run the migrations and start the workers again. The release is signed; "
    "verify the signature with the project's public key before installing it.\n\n## Support\n\nEach release is "
    "supported for twelve months after its date. Security fixes are backported to every supported release; "
    "report a vulnerability to the security team, never in a public issue.\n"
)
FEATURES = ["single sign-on", "scheduled exports", "audit logs", "a command palette", "dark mode", "webhooks",
            "per-team quotas", "saved searches", "two-factor login", "bulk edits", "a public API", "SCIM sync"]  # fmt: skip


def _note(n: int) -> str:
    return (f"# Release 1.{n}\n\nRelease 1.{n} adds {FEATURES[n % len(FEATURES)]} and raises the storage quota "
            f"to {50 + 10 * n} GB per team; teams with their own quota keep it.\n\n" + TEMPLATE)  # fmt: skip


def template_family(nights: int = 10, size: int = 6) -> dict:
    """Each night the oldest note is deleted and a new one added; every third night a note is edited
    too. Every follow is wrong here (no note is renamed): count them, today and with whole texts."""
    pages = {f"rel/1.{n}.md": _note(n) for n in range(size)}
    wrong = {"distinctive": 0, "whole_text": 0}
    for night in range(nights):
        after = {k: v for k, v in pages.items() if k != f"rel/1.{night}.md"}
        after[f"rel/1.{night + size}.md"] = _note(night + size)
        if night % 3 == 0:
            edited = f"rel/1.{night + 1}.md"
            after[edited] += "Fixed: exports of empty dashboards.\n"
        wrong["distinctive"] += len(diff_pages(sign_pages([(p, t, None) for p, t in pages.items()]),
                                               sign_pages([(p, t, None) for p, t in after.items()])).moved)  # fmt: skip
        wrong["whole_text"] += len(diff_pages(_whole(pages), _whole(after)).moved)
        pages = after
    return {"nights": nights, "pages": size, "deleted": nights, "wrong_follows": wrong}


if __name__ == "__main__":
    print(json.dumps({"histories": [measure(r) for r in sys.argv[1:]], "template_family": template_family()}))
