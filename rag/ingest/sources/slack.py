"""SlackSource: a Slack workspace export (folder or .zip) -> one document per thread.

The standard export holds ``users.json``, ``channels.json`` and one folder per channel
with a JSON file per day. Messages are grouped by ``thread_ts`` (a message without one is
its own thread); authors and ``<@U123>`` mentions resolve through ``users.json``.

Use it from a config (tests/rag/sources/test_slack.py builds a real export)::

    docs = SlackSource(SlackSourceConfig(path="export.zip", channels=["help"])).load()
"""

from __future__ import annotations

import json
import logging
import re
import zipfile
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from rag.ingest.sources.base import SourceError, make_document
from rag.source_settings import NAME, SourceSettings

if TYPE_CHECKING:  # LlamaIndex loads when a Document is made (sources/base.py), not with a config
    from llama_index.core.schema import Document

log = logging.getLogger(__name__)
_MENTION = re.compile(r"<@([A-Z0-9]+)>")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")


class SlackSourceConfig(SourceSettings):
    """A Slack workspace export (folder or zip): one document per thread."""

    type: Literal["slack"] = "slack"
    name: str = Field("slack", pattern=NAME)
    path: Path
    channels: list[str] = []  # allow-list; empty means every channel
    max_file_bytes: int = Field(50_000_000, gt=0)  # one JSON file (a channel's day), decompressed
    max_files: int = Field(200_000, gt=0)


class SlackSource:
    def __init__(self, config: SlackSourceConfig) -> None:
        self.config = config
        self.name = config.name

    def load(self) -> list[Document]:
        files = self._files()
        users = {u["id"]: _display(u) for u in self._json(files, "users.json", default=[])}
        threads: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for name in sorted(files):
            parts = PurePosixPath(name).parts
            if len(parts) != 2 or not _DAY.match(parts[1]):
                continue
            channel = parts[0]
            if self.config.channels and channel not in self.config.channels:
                continue
            for message in self._json(files, name, default=[]):
                if (
                    message.get("type") == "message"
                    and message.get("text")
                    and message.get("subtype") != "channel_join"
                ):
                    threads[(channel, message.get("thread_ts") or message["ts"])].append(message)
        docs = [
            self._document(channel, ts, messages, users)
            for (channel, ts), messages in sorted(threads.items())
        ]
        if not docs:
            raise SourceError(
                f"source {self.name!r}: no messages in {self.config.path} (channels: {self.config.channels or 'all'})"
            )
        return docs

    def _document(
        self, channel: str, thread_ts: str, messages: list[dict], users: dict[str, str]
    ) -> Document:
        messages.sort(key=lambda m: float(m["ts"]))
        lines = []
        for m in messages:
            author = users.get(m.get("user", ""), m.get("user_name") or m.get("user") or "unknown")
            text = _MENTION.sub(lambda match: "@" + users.get(match.group(1), match.group(1)), m["text"])
            lines.append(f"[{_time(m['ts'])}] {author}: {text}")
        first = messages[0]
        title = f"#{channel}: {_MENTION.sub('', first['text']).strip()[:80]}"
        authors = sorted({users.get(m.get("user", ""), m.get("user", "")) for m in messages})
        extra = {
            "channel": channel,
            "thread_ts": thread_ts,
            "authors": ", ".join(authors),
            "started": _time(first["ts"]),
        }
        if first.get("permalink"):
            extra["permalink"] = first["permalink"]
        return make_document(self.name, f"{channel}/{thread_ts}", title, "\n".join(lines), **extra)

    def _files(self) -> dict[str, Path | zipfile.ZipInfo]:
        """The export's JSON files by name; read later, one at a time, each within max_file_bytes."""
        path = Path(self.config.path)
        if path.is_dir():
            root = path.resolve()
            files: dict[str, Path | zipfile.ZipInfo] = {}
            for p in path.rglob("*.json"):
                if not p.resolve().is_relative_to(root):  # as the directory source: never leave the export
                    log.warning("%s: skipped, it links outside the export %s", p, root)
                    continue
                files[p.relative_to(path).as_posix()] = p
        elif zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                files = {i.filename: i for i in archive.infolist() if i.filename.endswith(".json")}
        else:
            raise SourceError(f"source {self.name!r}: {path} is neither a folder nor a zip file")
        if len(files) > self.config.max_files:
            raise SourceError(
                f"{path}: {len(files)} JSON files, more than max_files ({self.config.max_files})"
            )
        return files

    def _read(self, entry: Path | zipfile.ZipInfo, name: str) -> bytes:
        limit = self.config.max_file_bytes
        if isinstance(entry, Path):
            with entry.open("rb") as handle:
                data = handle.read(limit + 1)
        else:  # read through the decompressor with a cap: the header's size may lie
            with zipfile.ZipFile(self.config.path) as archive, archive.open(entry) as handle:
                data = handle.read(limit + 1)
        if len(data) > limit:
            raise SourceError(f"{self.config.path}/{name}: larger than max_file_bytes ({limit} bytes)")
        return data

    def _json(self, files: dict[str, Path | zipfile.ZipInfo], name: str, default: list) -> list:
        if name not in files:
            return default
        raw = self._read(files[name], name)
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            raise SourceError(f"{self.config.path}/{name}:{exc.lineno}: invalid JSON: {exc.msg}") from exc


def _display(user: dict) -> str:
    profile = user.get("profile") or {}
    return (
        profile.get("display_name")
        or profile.get("real_name")
        or user.get("real_name")
        or user.get("name")
        or user["id"]
    )


def _time(ts: str) -> str:
    return datetime.fromtimestamp(float(ts), tz=UTC).strftime("%Y-%m-%d %H:%M UTC")
