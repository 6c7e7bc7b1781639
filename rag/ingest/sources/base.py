"""What every source is: a config in, LlamaIndex Documents with stable ids out.

Each document carries in ``metadata``: ``doc_id`` (stable across runs, also the
Document id), ``source`` (the source's name), ``path`` (location inside the
source), ``title`` and ``content_hash`` (sha256 of the text).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from pydantic import Field, field_validator

from rag.errors import AgentFactoryError
from rag.source_settings import SourceSettings, no_credentials

if TYPE_CHECKING:  # imported where a Document is made: reading a config stays light
    from llama_index.core.schema import Document

T = TypeVar("T")


class SourceError(AgentFactoryError):
    """A source cannot produce its documents; the message names the file or location."""


class NoDocuments(SourceError):
    """A source that exists yields no documents (an emptied folder, a broken checkout)."""


class Source(Protocol):
    """A source of documents. Implementations live one per file in ``rag/ingest/sources/``."""

    name: str

    def load(self) -> list[Document]: ...


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def make_document(source: str, path: str, title: str, text: str, **extra: str) -> Document:
    """Build a Document with the metadata contract above."""
    from llama_index.core.schema import Document

    doc_id = f"{source}/{path}"
    metadata = {
        "doc_id": doc_id,
        "source": source,
        "path": path,
        "title": title,
        "content_hash": content_hash(text),
        **extra,
    }
    return Document(id_=doc_id, text=text, metadata=metadata)


def published_url(base_url: str | None, path: str) -> dict[str, str]:
    """``{"url": ...}`` for a file published under `base_url`, else nothing.

    >>> published_url("https://docs.ray.io/en/master/", "data/index.html")
    {'url': 'https://docs.ray.io/en/master/data/index.html'}
    """
    return {"url": f"{base_url.rstrip('/')}/{path}"} if base_url else {}


def glob_match(path: str, pattern: str) -> bool:
    """Match a whole posix path, relative to the source root, against a glob.

    ``*`` and ``?`` stay inside one folder name; ``**/`` spans zero or more folders and a
    trailing ``**`` everything below. Every source's include/exclude uses this one matcher.

    >>> glob_match("a.md", "*.md"), glob_match("sub/a.md", "*.md"), glob_match("sub/a.md", "**/*.md")
    (True, False, True)
    >>> glob_match("drafts/x/y.md", "drafts/**"), glob_match("a.md", "**/*.md")
    (True, True)
    """
    regex = (
        re.escape(pattern)
        .replace(r"\*\*/", "(?:.*/)?")
        .replace(r"\*\*", ".*")
        .replace(r"\*", "[^/]*")
        .replace(r"\?", "[^/]")
    )
    return re.fullmatch(regex, path) is not None


def wanted(path: str, config: Any) -> bool:
    """Whether a source's ``include`` globs take `path` and its ``exclude`` globs do not."""
    return any(glob_match(path, g) for g in config.include) and not any(
        glob_match(path, g) for g in config.exclude
    )


def within_limits(name: str, listed: Iterable[tuple[T, int]], config: FileSourceSettings) -> list[T]:
    """The items of (item, bytes) pairs, or SourceError as soon as they pass max_files or max_total_bytes.

    Files above max_file_bytes are skipped when read, so they do not count toward the total.

    >>> from rag.ingest.sources.directory import DirectorySourceConfig
    >>> within_limits("docs", [("a.md", 10), ("b.md", 10)], DirectorySourceConfig(path=".", max_files=1))
    Traceback (most recent call last):
    ...
    rag.ingest.sources.base.SourceError: source 'docs': more than max_files (1) files match its include/exclude; ...
    """
    kept, total = [], 0
    for item, size in listed:
        kept.append(item)
        total += size if size <= config.max_file_bytes else 0
        if len(kept) > config.max_files:
            raise SourceError(
                f"source {name!r}: more than max_files ({config.max_files}) files match its include/exclude; "
                "narrow them, or raise max_files if the corpus really is that large"
            )
        if total > config.max_total_bytes:
            raise SourceError(
                f"source {name!r}: its files pass max_total_bytes ({config.max_total_bytes} bytes); "
                "narrow include/exclude, or raise max_total_bytes"
            )
    return kept


def _inside_root(patterns: list[str]) -> list[str]:
    """Globs stay under the source's root: no absolute patterns, no `..` segments."""
    escaping = [p for p in patterns if p.startswith(("/", "~")) or ".." in Path(p).parts]
    if escaping:
        raise ValueError(
            f"patterns must stay inside the source root (no '..', no absolute paths): {escaping}"
        )
    return patterns


class FileSourceSettings(SourceSettings):
    """A source of files: which paths it reads (docs/sources.md, one glob syntax) and a size cap."""

    include: list[str]
    exclude: list[str] = []
    max_file_bytes: int = Field(5_000_000, gt=0)
    # A source past either cap is refused before any file is read (100,000 stray files are a
    # mistake in `include`, not a corpus to embed for an hour).
    max_files: int = Field(50_000, gt=0)
    max_total_bytes: int = Field(2_000_000_000, gt=0)
    # Where the files are published (a Sphinx build folder -> "https://docs.ray.io/en/master"):
    # answers then cite base_url/<path>#<section>; unset, they cite the path alone.
    base_url: str | None = Field(None, pattern=r"^https?://\S+$")

    _patterns = field_validator("include", "exclude")(_inside_root)
    _base = field_validator("base_url")(no_credentials)
