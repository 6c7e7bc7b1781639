"""Where a build came from: the code version and the library versions."""

from __future__ import annotations

import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from pydantic import BaseModel

LIBRARIES = (
    "agent-factory",
    "zenml",
    "llama-index-core",
    "llama-index-vector-stores-faiss",
    "faiss-cpu",
    "ragas",
    "sentence-transformers",
    "torch",
    "openai",
)


class CodeVersion(BaseModel):
    commit: str
    dirty: bool
    branch: str


def code_version(root: str | Path | None = None) -> CodeVersion:
    """The git commit of the project (and whether the tree had uncommitted changes)."""
    root = Path(root or Path(__file__).resolve().parents[1])

    def git(*args: str) -> str:
        out = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=10)
        return out.stdout.strip() if out.returncode == 0 else ""

    commit = git("rev-parse", "HEAD")
    if not commit:
        return CodeVersion(commit="unknown", dirty=False, branch="")
    return CodeVersion(
        commit=commit,
        dirty=bool(git("status", "--porcelain")),
        branch=git("rev-parse", "--abbrev-ref", "HEAD"),
    )


def library_versions() -> dict[str, str]:
    found = {}
    for name in LIBRARIES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found
