"""Where a build came from: the code version and the library versions."""

from __future__ import annotations

import hashlib
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


# The code, not the documents: this project's own docs/ is often the corpus, and editing it
# changes the corpus fingerprint, not the code that built the agent.
CODE_PATHS = ("rag", "evaluation", "factory", "pipelines", "serving", "cli", "pyproject.toml")


class CodeVersion(BaseModel):
    commit: str
    dirty: bool  # uncommitted changes to the code (CODE_PATHS); documents and configs do not count
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
        dirty=bool(git("status", "--porcelain", "--", *CODE_PATHS)),
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


def library_code_hash() -> str:
    """sha256 of the rag/ and evaluation/ sources: part of every cached step's key.

    ZenML hashes a step's own code only; without this a fix in the chunker or the metrics
    would silently reuse results computed by the old code.
    """
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted([*root.glob("rag/**/*.py"), *root.glob("evaluation/**/*.py")]):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()
