"""GitSource: files of a git repository at a branch, tag or commit.

Works on a repository URL or a local path; the ref is resolved to a commit, which is
recorded on every document (``commit``) and so in the corpus fingerprint. Files are read
with ``git show`` at that commit: the working tree never matters.

>>> source = GitSource(GitSourceConfig(repo=".", ref="HEAD", include=["docs/installation.md"]))
>>> docs = source.load()  # this project's own repository
>>> [d.doc_id for d in docs], docs[0].metadata["commit"] == source.commit
(['repo/docs/installation.md'], True)
"""

from __future__ import annotations

import logging
import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, field_validator

from rag.ingest.sources import base
from rag.ingest.sources.base import SourceError
from rag.ingest.text import file_to_text
from rag.secrets import redact_text, redact_url
from rag.source_settings import NAME, no_credentials

if TYPE_CHECKING:  # LlamaIndex loads when a Document is made (sources/base.py), not with a config
    from llama_index.core.schema import Document

log = logging.getLogger(__name__)


class GitSourceConfig(base.FileSourceSettings):
    """Files of a git repository (URL or local path) at a branch, tag or commit."""

    type: Literal["git"] = "git"
    name: str = Field("repo", pattern=NAME)
    repo: str
    ref: str = "HEAD"
    include: list[str] = ["**/*.md"]
    timeout_s: float = Field(600, gt=0, le=86_400)  # for each git command (a clone of a big repository)

    _repo = field_validator("repo")(no_credentials)


class GitSource:
    def __init__(self, config: GitSourceConfig) -> None:
        self.config = config
        self.name = config.name
        self.commit: str | None = None

    def load(self) -> list[Document]:
        with tempfile.TemporaryDirectory(prefix="agent-factory-git-") as tmp:
            repo = self._clone(Path(tmp) / "repo")
            self.commit = self._resolve(repo)
            docs = [
                doc for path, size in self._paths(repo) if (doc := self._read(repo, path, size)) is not None
            ]
        if not docs:
            raise base.NoDocuments(
                f"source {self.name!r}: no files matching {self.config.include} at {self.config.ref}"
            )
        return docs

    def list_ids(self) -> list[tuple[str, int]]:
        """(doc id, bytes) of every file wanted at the ref: a blob-less clone, no file read."""
        with tempfile.TemporaryDirectory(prefix="agent-factory-git-") as tmp:
            repo = self._clone(Path(tmp) / "repo")
            self.commit = self._resolve(repo)
            return [(f"{self.name}/{path}", size) for path, size in self._paths(repo)]

    def _clone(self, target: Path) -> Path:
        # A bare, blob-less clone: cheap for big repositories, and the working tree is never used.
        # The URL comes after `--`: a repo value starting with "-" is never taken for an option.
        self._git(
            None, "clone", "--quiet", "--bare", "--filter=blob:none", "--", self.config.repo, str(target)
        )
        return target

    def _resolve(self, repo: Path) -> str:
        try:
            return self._git(
                repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{self.config.ref}^{{commit}}"
            ).strip()
        except SourceError:
            raise SourceError(
                f"source {self.name!r}: ref {self.config.ref!r} does not exist in {redact_url(self.config.repo)}"
            ) from None

    def _paths(self, repo: Path) -> list[tuple[str, int]]:
        """(path, bytes) of the files wanted at the commit, within max_files and max_total_bytes;
        submodules (other repositories) are skipped, by name."""
        return base.within_limits(self.name, self._wanted(repo), self.config)

    def _wanted(self, repo: Path) -> Iterator[tuple[tuple[str, int], int]]:
        listing = self._git(
            repo, "ls-tree", "-r", "--format=%(objecttype) %(objectsize) %(path)", self.commit
        )
        for line in listing.splitlines():
            kind, size, path = line.split(" ", 2)
            if not base.wanted(path, self.config):
                continue
            if kind == "commit":  # its size is "-"
                log.warning("source %r: %s is a submodule (another repository): skipped", self.name, path)
                continue
            yield (path, int(size)), int(size)

    def _read(self, repo: Path, path: str, size: int) -> Document | None:
        if size > self.config.max_file_bytes:
            log.warning(
                "%s@%s:%s: skipped, %d bytes > max_file_bytes",
                redact_url(self.config.repo),
                self.config.ref,
                path,
                size,
            )
            return None
        raw = self._git(repo, "show", f"{self.commit}:{path}", binary=True)
        cleaned = file_to_text(raw, path, f"{redact_url(self.config.repo)}@{self.commit[:12]}:{path}")
        if cleaned is None:
            return None
        text, title = cleaned
        if not text:
            return None
        return base.make_document(
            self.name,
            path,
            title or PurePosixPath(path).stem,
            text,
            commit=self.commit,
            repo=redact_url(self.config.repo),
            **base.published_url(self.config.base_url, path),
        )

    def _git(self, repo: Path | None, *args: str, binary: bool = False) -> Any:
        """Run git; a failure or a hang past ``timeout_s`` is a SourceError with URLs redacted."""
        command = ["git", *(["-C", str(repo)] if repo else []), *args]
        env = os.environ | {"GIT_TERMINAL_PROMPT": "0"}  # never wait on a password prompt
        try:
            result = subprocess.run(
                command, capture_output=True, text=not binary, timeout=self.config.timeout_s, env=env
            )
        except subprocess.TimeoutExpired:
            raise SourceError(
                f"source {self.name!r}: git {args[0]} did not finish within timeout_s ({self.config.timeout_s:g}s)"
            ) from None
        if result.returncode != 0:
            stderr = (
                result.stderr if isinstance(result.stderr, str) else result.stderr.decode("utf-8", "replace")
            )
            raise SourceError(f"source {self.name!r}: git {args[0]} failed: {redact_text(stderr.strip())}")
        return result.stdout
