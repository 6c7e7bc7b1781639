"""GitSource: files of a git repository at a branch, tag or commit.

Works on a repository URL or a local path; the ref is resolved to a commit, which is
recorded on every document (``commit``) and so in the corpus fingerprint. Files are read
with ``git show`` at that commit: the working tree never matters.

>>> from rag.config import GitSourceConfig
>>> source = GitSource(GitSourceConfig(repo=".", ref="HEAD", include=["docs/installation.md"]))
>>> docs = source.load()  # this project's own repository
>>> [d.doc_id for d in docs], docs[0].metadata["commit"] == source.commit
(['repo/docs/installation.md'], True)
"""

from __future__ import annotations

import logging
import subprocess
import tempfile
from pathlib import Path, PurePosixPath

from llama_index.core.schema import Document

from rag.config import GitSourceConfig
from rag.sources.base import SourceError, make_document, wanted
from rag.sources.text import file_to_text

log = logging.getLogger(__name__)


class GitSource:
    def __init__(self, config: GitSourceConfig) -> None:
        self.config = config
        self.name = config.name
        self.commit: str | None = None

    def load(self) -> list[Document]:
        with tempfile.TemporaryDirectory(prefix="agent-factory-git-") as tmp:
            repo = self._clone(Path(tmp) / "repo")
            self.commit = self._git(repo, "rev-parse", "--verify", f"{self.config.ref}^{{commit}}").strip()
            paths = [
                p
                for p in self._git(repo, "ls-tree", "-r", "--name-only", self.commit).splitlines()
                if wanted(p, self.config)
            ]
            docs = [doc for path in paths if (doc := self._read(repo, path)) is not None]
        if not docs:
            raise SourceError(
                f"source {self.name!r}: no files matching {self.config.include} at {self.config.ref}"
            )
        return docs

    def _clone(self, target: Path) -> Path:
        # A bare, blob-less clone: cheap for big repositories, and the working tree is never used.
        self._git(None, "clone", "--quiet", "--bare", "--filter=blob:none", self.config.repo, str(target))
        return target

    def _read(self, repo: Path, path: str) -> Document | None:
        size = int(self._git(repo, "cat-file", "-s", f"{self.commit}:{path}").strip())
        if size > self.config.max_file_bytes:
            log.warning(
                "%s@%s:%s: skipped, %d bytes > max_file_bytes", self.config.repo, self.config.ref, path, size
            )
            return None
        raw = subprocess.run(
            ["git", "-C", str(repo), "show", f"{self.commit}:{path}"], capture_output=True, check=True
        ).stdout
        cleaned = file_to_text(raw, path, f"{self.config.repo}@{self.commit[:12]}:{path}")
        if cleaned is None:
            return None
        text, title = cleaned
        if not text:
            return None
        return make_document(
            self.name,
            path,
            title or PurePosixPath(path).stem,
            text,
            commit=self.commit,
            repo=self.config.repo,
        )

    def _git(self, repo: Path | None, *args: str) -> str:
        command = ["git", *(["-C", str(repo)] if repo else []), *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=600)
        if result.returncode != 0:
            raise SourceError(
                f"source {self.name!r}: git {' '.join(args[:2])} failed: {result.stderr.strip()}"
            )
        return result.stdout
