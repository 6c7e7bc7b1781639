"""AgentService: one loaded agent version, answering many conversations at once.

The server is stateless, as OpenAI's API is: each request carries the conversation so far
(``Turn.history``) and gets a fresh agent context, so any replica can answer any request.
When serving a stage (``production``), a watcher re-reads the stage every
``reload_every_s`` and loads a newly promoted version beside the old one; requests already
running finish on the version they started with, later ones get the new one, none fail.

Answers run on worker threads (the agent is CPU-bound and synchronous); their text streams
back to the event loop through a queue, so a slow answer never blocks other requests.

>>> from rag.config import RagConfig
>>> from rag.agent.local import build_local_agent
>>> import asyncio, tempfile
>>> config = RagConfig.model_validate(
...     {"sources": [{"type": "directory", "path": "docs", "include": ["installation.md"]}]})
>>> folder = tempfile.mkdtemp() + "/agent"
>>> _ = build_local_agent(config, folder)
>>> service = AgentService.from_folder(folder)
>>> async def ask():
...     return [e async for e in service.answer(Turn(question="How do I install Agent Factory?"))]
>>> events = asyncio.run(ask())
>>> isinstance(events[-1], Answered), events[-1].sources[0].doc_id
(True, 'docs/installation.md')
>>> service.close()
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from llama_index.core.agent.workflow import ReActAgent
from llama_index.core.base.llms.types import ChatMessage
from pydantic import BaseModel

from rag.agent.chat import ChatAnswer, ChatSession, SourceRef
from rag.agent.collector import collector_paused
from rag.agent.spec import AgentSpec, build_agent
from rag.answer.shared_vectors import SharedVectors
from rag.index.docs_index import DocsIndex

log = logging.getLogger(__name__)


class Turn(BaseModel):
    """One request: the new question and the conversation before it (user/assistant messages)."""

    question: str
    history: list[tuple[str, str]] = []  # (role, text), oldest first
    channel: str = "api"  # where it came from (api, web, slack): an attribute of its trace


class Answered(BaseModel):
    """The last event of an answer: the whole text, its sources, and which version gave it."""

    answer: str
    sources: list[SourceRef]
    version: str
    latency_s: float
    trace_id: str = ""  # its trace, when tracing is on and it was sampled (rag/tracing)


@dataclass(frozen=True)
class Loaded:
    """An agent ready to answer: the version it came from and what it needs per request."""

    version: str  # the model version's number, or the folder it came from
    version_id: str
    spec: AgentSpec
    index: DocsIndex
    agent: ReActAgent


def load_version(model: str, version: str) -> Loaded:
    """The agent of `model`'s `version` (a stage or number), from its stored artifacts."""
    from factory.artifacts import load_parts
    from factory.versions import get_version

    mv = get_version(model, version)
    index, spec = load_parts(mv)
    return Loaded(str(mv.number), str(mv.id), spec, index, build_agent(spec, index))


def current_version_id(model: str, version: str) -> str:
    from factory.versions import get_version

    return str(get_version(model, version).id)


class AgentService:
    """Answers turns with the loaded version; see the module docstring."""

    def __init__(
        self,
        load: Callable[[], Loaded],
        current_id: Callable[[], str] | None = None,
        reload_every_s: float = 10.0,
        workers: int = 4,
    ) -> None:
        self._load, self._current_id = load, current_id
        self._vectors: Path | None = None
        with collector_paused():
            self.loaded = load()
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="answer")
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        if current_id is not None:
            self._watcher = threading.Thread(target=self._watch, args=(reload_every_s,), daemon=True)
            self._watcher.start()

    @classmethod
    def for_version(
        cls, model: str, version: str, reload_every_s: float = 10.0, workers: int = 4
    ) -> AgentService:
        """Serve a model version; a stage name is followed through promotions, a number is pinned."""
        follows = (
            None if version.isascii() and version.isdigit() else (lambda: current_version_id(model, version))
        )
        return cls(lambda: load_version(model, version), follows, reload_every_s, workers)

    @classmethod
    def from_folder(cls, folder: str | Path, workers: int = 4) -> AgentService:
        """Serve a local agent folder (``agent-factory index``); nothing to follow."""
        from rag.agent.local import load_local_parts

        def load() -> Loaded:
            index, spec = load_local_parts(Path(folder))
            return Loaded(str(folder), str(folder), spec, index, build_agent(spec, index))

        return cls(load, None, workers=workers)

    def share_vectors(self, path: Path) -> None:
        """The answerer's sentence vectors kept in `path` too, for every version this service loads:
        the deployment's processes embed a sentence once, and a restart starts warm."""
        self._vectors = path
        _share_vectors(self.loaded, path)

    def warm(self, question: str = "What is this documentation about?") -> None:
        """Answer one question now, so the encoder and the answer path load at start-up: the first
        person is not kept waiting, and the memory the service needs is taken before it says ready."""

        def work() -> None:
            session = self._session(self.loaded)
            try:
                for _ in session.stream(question):
                    pass
            finally:
                session.close()

        self._executor.submit(work).result()  # a worker thread: start-up may run inside an event loop

    def check(self, question: str) -> None:
        """Raise QuestionError for a question the agent must not be sent (empty, too long)."""
        self._session(self.loaded).check(question)

    async def answer(self, turn: Turn) -> AsyncIterator[str | Answered]:
        """Text deltas as they are written, then one :class:`Answered`."""
        loaded = self.loaded  # this request stays on this version, whatever is promoted meanwhile
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[str | ChatAnswer | BaseException] = asyncio.Queue()

        def work() -> None:
            put = lambda item: loop.call_soon_threadsafe(queue.put_nowait, item)  # noqa: E731
            session = self._session(loaded)
            try:
                traced = {"agent_factory.version": loaded.version, "agent_factory.channel": turn.channel}
                for delta in session.stream(turn.question, _messages(turn.history), traced):
                    put(delta)
                put(session.history[-1])
            except BaseException as exc:  # handed to the request, which reports it
                put(exc)
            finally:
                session.close()

        loop.run_in_executor(self._executor, work)
        while True:
            item = await queue.get()
            if isinstance(item, BaseException):
                raise item
            if isinstance(item, ChatAnswer):
                yield Answered(answer=item.answer, sources=item.sources, version=loaded.version,
                               latency_s=item.latency_s, trace_id=item.trace_id)  # fmt: skip
                return
            yield item

    def refresh(self) -> bool:
        """Load the stage's version if it changed; True when a new version now answers."""
        if self._current_id is None or self._current_id() == self.loaded.version_id:
            return False
        with collector_paused():
            fresh = self._load()
        if self._vectors:
            _share_vectors(fresh, self._vectors)
        log.info("now serving version %s (was %s)", fresh.version, self.loaded.version)
        self.loaded = fresh  # one reference swap: atomic for the threads reading it
        return True

    def close(self) -> None:
        self._stop.set()
        self._executor.shutdown(wait=True)

    def _watch(self, every_s: float) -> None:
        while not self._stop.wait(every_s):
            try:
                self.refresh()
            except Exception:  # the store unreachable for a moment: keep serving what is loaded
                log.exception("could not check for a newly promoted version")

    @staticmethod
    def _session(loaded: Loaded) -> ChatSession:
        return ChatSession(loaded.agent, max_question_chars=loaded.spec.chat.max_question_chars)


def _share_vectors(loaded: Loaded, path: Path) -> None:
    if share := getattr(loaded.agent.llm, "share_vectors", None):  # answerers that embed (extractive)
        share(SharedVectors(path, loaded.index.manifest.embedding.identity))


def _messages(history: list[tuple[str, str]]) -> list[ChatMessage]:
    return [ChatMessage(role=role, content=text) for role, text in history]
