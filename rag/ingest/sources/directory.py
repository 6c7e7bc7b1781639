"""DirectorySource: a local folder of md, rst, txt and html files.

>>> from pathlib import Path
>>> from rag.ingest.sources.directory import DirectorySourceConfig
>>> from rag.ingest.sources.directory import DirectorySource
>>> docs = DirectorySource(DirectorySourceConfig(path=Path("docs"))).load()
>>> docs[0].metadata["doc_id"].startswith("docs/")
True
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from rag.ingest.sources.base import (
    FileSourceSettings,
    NoDocuments,
    SourceError,
    make_document,
    published_url,
    wanted,
    within_limits,
)
from rag.ingest.text import BINARY_PROBE_BYTES, file_to_text, looks_binary
from rag.progress import tick
from rag.source_settings import NAME

if TYPE_CHECKING:  # LlamaIndex loads when a Document is made (sources/base.py), not with a config
    from llama_index.core.schema import Document

log = logging.getLogger(__name__)


class DirectorySourceConfig(FileSourceSettings):
    """A folder of md/rst/txt/html files; relative paths resolve against the config file."""

    type: Literal["directory"] = "directory"
    name: str = Field("docs", pattern=NAME)
    path: Path
    include: list[str] = ["**/*.md", "**/*.rst", "**/*.txt", "**/*.html", "**/*.htm"]


class DirectorySource:
    """Reads every file under ``path`` matching ``include`` and not ``exclude``.

    Binary files and files above ``max_file_bytes`` are skipped with a warning;
    symlinks leaving the root are refused; invalid UTF-8 and unreadable files are
    errors naming the file, so a document is never silently lost.
    """

    def __init__(self, config: DirectorySourceConfig) -> None:
        self.config = config
        self.name = config.name
        self.root = Path(config.path)

    def load(self) -> list[Document]:
        if not self.root.is_dir():
            raise SourceError(f"source {self.name!r}: {self.root} is not a directory")
        files, docs = self._files(), []
        tick("read", "files", 0, len(files))
        for done, path in enumerate(files, start=1):
            if (doc := self._read(path)) is not None:
                docs.append(doc)
            tick("read", "files", done, len(files))
        if not docs:
            raise self._nothing_readable()
        return docs

    def list_ids(self) -> list[tuple[str, int]]:
        """(doc id, bytes) of every text file the source would read, from its first 8 KB (seconds).

        No text file at all is the same error as :meth:`load` gives, before anything is built.
        """
        if not self.root.is_dir():
            raise SourceError(f"source {self.name!r}: {self.root} is not a directory")
        listed = []
        for path in self._files():
            with path.open("rb") as handle:
                if not looks_binary(handle.read(BINARY_PROBE_BYTES)):
                    listed.append(
                        (f"{self.name}/{path.relative_to(self.root).as_posix()}", path.stat().st_size)
                    )
        if not listed:
            raise self._nothing_readable()
        return listed

    def _nothing_readable(self) -> SourceError:
        return NoDocuments(
            f"source {self.name!r}: no readable documents under {self.root} matching {self.config.include}"
        )

    def _files(self) -> list[Path]:
        """Regular files wanted under the root, counted and sized before any is read."""
        return sorted(within_limits(self.name, self._walk(), self.config))

    def _walk(self) -> Iterator[tuple[Path, int]]:
        root = self.root.resolve()
        for path in self.root.rglob("*"):  # symlinked folders are not descended into
            if not path.is_file() or not wanted(path.relative_to(self.root).as_posix(), self.config):
                continue  # is_file: a FIFO or device is never opened
            if not path.resolve().is_relative_to(root):
                log.warning("%s: skipped, it links outside the source root %s", path, root)
                continue
            yield path, path.stat().st_size

    def _read(self, path: Path) -> Document | None:
        rel = path.relative_to(self.root).as_posix()
        size = path.stat().st_size
        if size > self.config.max_file_bytes:
            log.warning("%s: skipped, %d bytes > max_file_bytes %d", path, size, self.config.max_file_bytes)
            return None
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise SourceError(f"{path}: cannot read: {exc.strerror or exc}") from exc
        cleaned = file_to_text(raw, path.name, str(path))
        if cleaned is None:
            return None
        text, title = cleaned
        if not text:
            log.warning("%s: skipped, no text", path)
            return None
        return make_document(
            self.name, rel, title or path.stem, text, **published_url(self.config.base_url, rel)
        )
