"""FeedbackStore: every served answer and the feedback on it, durably, in one SQLite file.

Each answer gets an id when it is given (``record``); thumbs up/down with an optional comment
arrive later from the web page, a Slack reaction or the API (``rate``). ``agent-factory
feedback`` lists and exports them; ``agent-factory golden suggest`` turns disliked answers
into golden-question candidates for a person to review (serving/suggest.py).

>>> import tempfile
>>> store = FeedbackStore(tempfile.mkdtemp() + "/feedback.sqlite")
>>> answer_id = store.record(AnswerRecord(question="How do I install?", answer="pip install x",
...                          sources=["docs/install.md"], model="docs_agent", version="3", channel="api"))
>>> store.rate(answer_id, -1, "it skipped the extras", channel="web")
>>> [(r.question, r.rating, r.comment) for r in store.list()]
[('How do I install?', -1, 'it skipped the extras')]
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from factory.serve_config import ServeConfig
from rag.errors import AgentFactoryError
from rag.writing import starts_with, write_file

Channel = Literal["api", "web", "slack", "cli"]


class FeedbackError(AgentFactoryError):
    """Feedback that cannot be stored: an unknown answer id or a rating other than +1/-1."""


class AnswerRecord(BaseModel):
    """One served answer: what was asked, what was said, from which sources, by which version."""

    question: str
    answer: str
    sources: list[str] = []
    model: str
    version: str
    channel: Channel
    trace_id: str = ""  # the answer's trace when tracing was on (docs/observability.md)


class FeedbackRow(AnswerRecord):
    """An answer with its feedback: ``rating`` is the votes' verdict (1 more up, -1 more down, 0 a
    tie, None when nobody voted), ``up`` and ``down`` count the people."""

    id: str
    created: float
    rating: int | None = None
    up: int = 0
    down: int = 0
    comment: str = ""
    rated_on: Channel | None = None


class Rating(BaseModel):
    """The body of ``POST /v1/feedback``."""

    answer_id: str = Field(max_length=64)
    rating: Literal[1, -1]
    comment: str = Field("", max_length=2000)


_SCHEMA = """
create table if not exists answers (
  id text primary key, created real not null, question text not null, answer text not null,
  sources text not null, model text not null, version text not null, channel text not null,
  rating integer, comment text not null default '', rated_on text, trace_id text not null default ''
);
create table if not exists links (key text primary key, answer_id text not null);
create table if not exists deliveries (key text primary key, at real not null);
create table if not exists votes (
  answer_id text not null, voter text not null, rating integer not null, at real not null,
  primary key (answer_id, voter)
);
"""
# An answer's rating is its votes' verdict; answers rated before votes were kept keep their rating.
_VERDICT = """
update answers set rating = coalesce(
  (select case when sum(rating) > 0 then 1 when sum(rating) < 0 then -1 else 0 end
   from votes where answer_id = :id having count(*) > 0),
  case when (select count(*) from votes where answer_id = :id) = 0 and :removed then null else rating end
) where id = :id
"""
_COUNTS = (
    "(select count(*) from votes v where v.answer_id = a.id and v.rating = 1) as up,"
    " (select count(*) from votes v where v.answer_id = a.id and v.rating = -1) as down"
)


class FeedbackStore:
    """Thread-safe; each call is one transaction, so a crash loses at most the call in flight."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("pragma journal_mode=wal")  # readers (the CLI) never block the server
        self._db.execute(
            "pragma synchronous=normal"
        )  # with WAL: safe if the process dies, no fsync per answer
        self._db.executescript(_SCHEMA)
        columns = {row[1] for row in self._db.execute("pragma table_info(answers)")}
        if "trace_id" not in columns:  # a store written before answers were traced
            try:
                self._db.execute("alter table answers add column trace_id text not null default ''")
            except sqlite3.OperationalError as exc:  # another server process added it just now
                if "duplicate column" not in str(exc):
                    raise

    def record(self, answer: AnswerRecord, answer_id: str | None = None) -> str:
        """Store a served answer under `answer_id` (a new one if None); returns the id feedback refers to."""
        answer_id = answer_id or uuid.uuid4().hex
        with self._lock:
            self._db.execute(
                "insert into answers (id, created, question, answer, sources, model, version, channel, trace_id)"
                " values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (answer_id, time.time(), answer.question, answer.answer, json.dumps(answer.sources),
                 answer.model, answer.version, answer.channel, answer.trace_id),
            )  # fmt: skip
        return answer_id

    def rate(
        self, answer_id: str, rating: int, comment: str = "", channel: Channel = "api", voter: str = ""
    ) -> None:
        """Thumbs up (+1) or down (-1) from `voter` (a Slack user; default: the channel, one anonymous
        voice): one vote per voter, a later one replaces theirs."""
        if rating not in (1, -1):
            raise FeedbackError(f"rating must be 1 or -1, not {rating!r}")
        with self._transaction():
            done = self._db.execute(
                "update answers set comment = case when ? = '' then comment else ? end, rated_on = ?"
                " where id = ?", (comment, comment, channel, answer_id),
            )  # fmt: skip
            if done.rowcount == 0:
                raise FeedbackError(f"no answer with id {answer_id!r}")
            self._db.execute(
                "insert or replace into votes (answer_id, voter, rating, at) values (?, ?, ?, ?)",
                (answer_id, voter or channel, rating, time.time()),
            )
            self._db.execute(_VERDICT, {"id": answer_id, "removed": 0})

    def unrate(self, answer_id: str, voter: str, rating: int) -> None:
        """`voter` takes back their `rating` (a removed Slack reaction); another vote of theirs stays."""
        with self._transaction():
            done = self._db.execute(
                "delete from votes where answer_id = ? and voter = ? and rating = ?",
                (answer_id, voter, rating),
            )
            self._db.execute(_VERDICT, {"id": answer_id, "removed": done.rowcount})

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """One writer at a time across the deployment's workers; all or nothing."""
        with self._lock:
            self._db.execute("begin immediate")
            try:
                yield
            except BaseException:
                self._db.execute("rollback")
                raise
            self._db.execute("commit")

    def list(self, rating: int | None = None, limit: int = 10_000) -> list[FeedbackRow]:
        """Answers newest first; only those rated `rating` when given."""
        query = f"select a.*, {_COUNTS} from answers a" + (" where rating = ?" if rating is not None else "")
        args: tuple = (rating,) if rating is not None else ()
        with self._lock:
            cursor = self._db.execute(f"{query} order by created desc limit ?", (*args, limit))
            names = [c[0] for c in cursor.description]
            rows = cursor.fetchall()
        records = [dict(zip(names, row, strict=True)) for row in rows]
        return [FeedbackRow(**(r | {"sources": json.loads(r["sources"])})) for r in records]

    def first_delivery(self, key: str) -> bool:
        """True the first time `key` (a Slack event id) is seen: every worker sharing this file, and
        a restarted server, agree, so a redelivered event is answered once."""
        with self._lock:
            done = self._db.execute(
                "insert or ignore into deliveries (key, at) values (?, ?)", (key, time.time())
            )
        return done.rowcount == 1

    def link(self, key: str, answer_id: str) -> None:
        """Remember which answer a message elsewhere is (a Slack message's channel and ts)."""
        with self._lock:
            self._db.execute("insert or replace into links (key, answer_id) values (?, ?)", (key, answer_id))

    def linked(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("select answer_id from links where key = ?", (key,)).fetchone()
        return row[0] if row else None

    def close(self) -> None:
        self._db.close()


def export_rows(rows: list[FeedbackRow], path: Path) -> Path:
    """Write feedback rows as JSONL, or CSV when `path` ends in .csv (its folder made if missing)."""
    records = [row.model_dump(mode="json") for row in rows]
    if path.suffix == ".csv":
        out = io.StringIO(newline="")
        writer = csv.DictWriter(
            out, fieldnames=list(records[0]) if records else list(FeedbackRow.model_fields)
        )
        writer.writeheader()
        writer.writerows({**r, "sources": " ".join(r["sources"])} for r in records)
        return write_file(path, out.getvalue(), "feedback export", starts_with(b"id,question,answer,"))
    text = "".join(json.dumps(r) + "\n" for r in records)
    return write_file(path, text, "feedback export", _is_feedback_jsonl)


def _is_feedback_jsonl(path: Path) -> bool:
    """A JSONL file whose first row is a served answer (what `feedback --export` writes)."""
    with path.open("rb") as handle:
        first = handle.readline(1 << 20)
    try:
        row = json.loads(first)
    except ValueError:
        return False
    return isinstance(row, dict) and {"id", "question", "answer", "rating"} <= row.keys()


def data_dir() -> Path:
    """Where served answers and feedback live: ``$AGENT_FACTORY_DATA_DIR``, else XDG data home."""
    if explicit := os.environ.get("AGENT_FACTORY_DATA_DIR"):
        return Path(explicit)
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "agent-factory"


def feedback_path(config: ServeConfig) -> Path:
    return config.feedback_path or data_dir() / f"{config.deployment}-feedback.sqlite"


def open_store(config: ServeConfig) -> FeedbackStore:
    """The feedback store of the deployment `config` describes (what `serve` writes, `feedback` reads)."""
    return FeedbackStore(feedback_path(config))
