"""ExtractiveLLM: the embedded default "LLM" — honest, offline, not generative.

It drives the real LlamaIndex ReAct loop with two moves, like a careful reader:

1. **Plan**: on a new question it calls the docs tool once, with the question
   (prefixed by the previous question when it is a follow-up such as "and its default?").
2. **Answer**: given the tool's observation, it scores the retrieved sentences (and,
   for section answers, code blocks) by embedding similarity to the question. With
   ``answer: section`` (configs/default.yaml) it answers with the best-matching section
   of the best page, whole and in order, code kept (rag/answer/section_answer.py); with
   ``answer: sentences`` with the best few sentences. Either way it cites the documents;
   when nothing reaches ``min_similarity`` it says it does not know.

What it is not: it never writes new text, cannot combine facts across sentences,
reason, summarise or follow instructions in the persona. Switch ``llm.provider`` to
``openai``, ``openai_like`` or ``llama_cpp`` for a generative model.

>>> from llama_index.core.llms import ChatMessage
>>> from rag.config import EmbeddingConfig, LLMConfig
>>> from rag.index.embeddings import build_embedding
>>> llm = build(LLMConfig(), build_embedding(EmbeddingConfig()))
>>> print(llm.chat([ChatMessage(role="user", content="How do I install?")]).message.content)
Thought: ...
Action: docs_search
Action Input: {"input": "How do I install?"}
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, ClassVar, Literal

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseGen,
    LLMMetadata,
    MessageRole,
)
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from llama_index.core.llms.custom import CustomLLM
from pydantic import Field, PrivateAttr

from rag import tracing
from rag.answer import section_answer
from rag.answer.excerpt import is_code
from rag.answer.passages import Passage, parse_observation, split_sentences, words
from rag.answer.shared_vectors import SharedVectors
from rag.config import LLMConfig
from rag.ingest.text import plain_markdown

SENTENCE_CACHE = 20_000  # sentence vectors kept (~30 MB at 384 dimensions)
DONT_KNOW = "I don't know: the documentation I searched does not answer this."
_TOOL_NAME = re.compile(r"^> Tool Name: (\S+)", re.MULTILINE)
_FOLLOW_UP = re.compile(
    r"\b(it|its|it's|that|this|those|these|they|them|their|there|one|same|also|else|"
    r"what about|how about|instead)\b",
    re.IGNORECASE,
)


def condense(question: str, previous_questions: list[str]) -> str:
    """A standalone query: a short or referring follow-up borrows the previous question."""
    if previous_questions and (len(question.split()) < 4 or _FOLLOW_UP.search(question)):
        return f"{previous_questions[-1]} {question}"
    return question


class ExtractiveLLM(CustomLLM):
    """Extractive answerer for the ReAct agent (see the module docstring)."""

    embed_model: BaseEmbedding = Field(exclude=True)
    min_similarity: float = 0.35
    max_sentences: int = 3
    relative_margin: float = 0.15
    answer: Literal["sentences", "section"] = (
        "section"  # the best section whole, code kept; or the best sentences
    )
    max_chars: int = 2500  # a section answer's length budget (characters)
    default_tool: str = "docs_search"
    _cache: OrderedDict[str, np.ndarray] = PrivateAttr(default_factory=OrderedDict)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _shared: SharedVectors | None = PrivateAttr(default=None)
    counts_tokens: ClassVar[bool] = False  # it writes nothing: no tokens in its traces (rag/tracing)

    @classmethod
    def class_name(cls) -> str:
        return "ExtractiveLLM"

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(model_name="extractive", is_chat_model=True, context_window=1_000_000)

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        text = self.respond(list(messages))
        return ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, content=text))

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        text = self.respond(list(messages))

        def gen() -> ChatResponseGen:
            so_far = ""
            # Pieces of ~a line: each is an event through the whole agent, so words would cost 10x.
            for piece in re.findall(r".{1,80}(?:\s+|$)|\S+\s*", text, flags=re.S):
                so_far += piece
                yield ChatResponse(
                    message=ChatMessage(role=MessageRole.ASSISTANT, content=so_far), delta=piece
                )

        return gen()

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        return CompletionResponse(text=self.respond([ChatMessage(role=MessageRole.USER, content=prompt)]))

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        response = self.complete(prompt)
        yield CompletionResponse(text=response.text, delta=response.text)

    def respond(self, messages: list[ChatMessage]) -> str:
        """Plan a tool call for a new question; answer from an observation once there is one."""
        questions = [
            m.content or ""
            for m in messages
            if m.role == MessageRole.USER
            and not (m.content or "").startswith(("Observation:", "Error while"))
        ]
        if not questions:
            return f"Thought: There is no question to answer.\nAnswer: {DONT_KNOW}"
        query = condense(questions[-1], questions[:-1])
        last = messages[-1].content or ""
        if messages[-1].role == MessageRole.USER and last.startswith("Observation:"):
            return self._answer([questions[-1], query], last.removeprefix("Observation:").strip())
        tool = self._tool_name(messages)
        return (
            "Thought: I need to search the documentation to answer this.\n"
            f"Action: {tool}\nAction Input: {json.dumps({'input': query})}"
        )

    def _tool_name(self, messages: list[ChatMessage]) -> str:
        system = next((m.content or "" for m in messages if m.role == MessageRole.SYSTEM), "")
        match = _TOOL_NAME.search(system)
        return match.group(1) if match else self.default_tool

    def _answer(self, queries: list[str], observation: str) -> str:
        """The answer to `queries` from the tool's `observation`, in its own span (it is no LLM call)."""
        with tracing.span("extractive answer", "CHAIN", {"agent_factory.answer.mode": self.answer}):
            reply = self._extract(queries, observation)
            tracing.note({"agent_factory.answer.dont_know": DONT_KNOW in reply})
            return reply

    def _extract(self, queries: list[str], observation: str) -> str:
        # A sentence that quotes the question (an example command) is no answer; a heading may be.
        asked = words(queries[0])
        split = section_answer.units if self.answer == "section" else _sentences
        candidates = [
            (p, s)
            for p in parse_observation(observation)
            for s in split(p)
            if s == p.section or asked not in words(s)
        ]
        if not candidates:
            return f"Thought: The search returned nothing usable.\nAnswer: {DONT_KNOW}"
        # A sentence's attached code would blur its meaning: its prose is scored (a code block alone is a unit).
        scores = self._similarities(
            queries, [s if is_code(s) else s.split("\n", 1)[0] for _, s in candidates]
        )
        best = float(scores.max())
        tracing.note(
            {"agent_factory.answer.candidates": len(candidates), "agent_factory.answer.best_similarity": best}
        )
        if best < self.min_similarity:
            return f"Thought: Nothing retrieved is close enough (best {best:.2f}).\nAnswer: {DONT_KNOW}"
        if self.answer == "section":
            return self._section_answer(queries[-1], candidates, scores)
        order = [
            i
            for i in np.argsort(-scores)
            if scores[i] >= max(self.min_similarity, best - self.relative_margin)
        ]
        chosen = _dedupe([candidates[i] for i in order])[: self.max_sentences]
        cited: list[str] = []
        parts = []
        for passage, sentence in chosen:
            if passage.cited not in cited:
                cited.append(passage.cited)
            parts.append(f"{_readable(sentence)} [{cited.index(passage.cited) + 1}]")
        sources = "\n".join(f"[{i + 1}] {name}" for i, name in enumerate(cited))
        return (
            f"Thought: I found relevant passages (best similarity {best:.2f}).\n"
            f"Answer: {' '.join(parts)}\n\nSources:\n{sources}"
        )

    def _section_answer(self, query: str, candidates: list[tuple[Passage, str]], scores: np.ndarray) -> str:
        """The best section of the best page, whole and in order, with its code (rag/answer/section_answer.py)."""
        texts = [unit for _, unit in candidates]
        ranked = scores + section_answer.LEXICAL_WEIGHT * section_answer.lexical_scores(query, texts)
        lead = section_answer.lead(candidates, ranked, self.relative_margin)
        passage = candidates[lead][0]
        tracing.note(
            {
                "agent_factory.answer.page": passage.doc_id,
                "agent_factory.answer.similarity": float(scores[lead]),
            }
        )
        body = section_answer.compose(candidates, ranked, lead, self.max_chars)
        return (
            f"Thought: The best match is a section of {passage.doc_id} (similarity {scores[lead]:.2f}).\n"
            f"Answer: {body}{_marker(body)}\n\nSources:\n[1] {passage.cited}"
        )

    def _similarities(self, queries: list[str], sentences: list[str]) -> np.ndarray:
        """Cosine similarity of each sentence to the closest of the queries (question, condensed)."""
        q = _unit(np.asarray([self.embed_model.get_query_embedding(x) for x in queries], dtype=np.float32))
        m = _unit(self._sentence_vectors(sentences))
        return (m @ q.T).max(axis=1)

    def share_vectors(self, shared: SharedVectors) -> None:
        """Keep sentence vectors in `shared` too: a deployment's processes embed each sentence once."""
        self._shared = shared

    def _sentence_vectors(self, sentences: list[str]) -> np.ndarray:
        """Vectors of documentation sentences, remembered: popular sections come back all day."""
        with self._lock:
            found = {s: self._cache[s] for s in sentences if s in self._cache}
            for sentence in found:
                self._cache.move_to_end(sentence)
        missing = [s for s in dict.fromkeys(sentences) if s not in found]
        if missing:
            known = self._shared.get(missing) if self._shared else {}
            unknown = [s for s in missing if s not in known]
            fresh = self.embed_model.get_text_embedding_batch(unknown) if unknown else []
            made = {s: np.asarray(v, dtype=np.float32) for s, v in zip(unknown, fresh, strict=True)}
            if self._shared:
                self._shared.put(made)
            found |= known | made
            with self._lock:
                self._cache.update((s, found[s]) for s in missing)
                while len(self._cache) > SENTENCE_CACHE:
                    self._cache.popitem(last=False)
        return np.stack([found[s] for s in sentences])


def _sentences(passage: Passage) -> list[str]:
    return split_sentences(passage.text)


def _readable(sentence: str) -> str:
    """The sentence as plain text; a code block attached to it is kept exactly as written."""
    prose, newline, code = sentence.partition("\n")
    return plain_markdown(prose) + newline + code


def _marker(body: str) -> str:
    """The citation marker: after the last sentence, or on its own line after a table or code block."""
    return "\n\n[1]" if body.rstrip().endswith(("|", "```")) else " [1]"


def _unit(matrix: np.ndarray) -> np.ndarray:
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True).clip(min=1e-12)


def _dedupe(items: list[tuple[Passage, str]]) -> list[tuple[Passage, str]]:
    # Overlapping chunks repeat sentences; keep each sentence once.
    seen: set[str] = set()
    return [(p, s) for p, s in items if not (s in seen or seen.add(s))]


def build(config: LLMConfig, embed_model: BaseEmbedding) -> ExtractiveLLM:
    """Registry factory; ``llm.params`` may set min_similarity, max_sentences, relative_margin."""
    return ExtractiveLLM(embed_model=embed_model, **config.params)
