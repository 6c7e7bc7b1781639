"""AgentSpec -> LlamaIndex workflow ``ReActAgent`` with one ``QueryEngineTool`` over the index.

The spec is plain JSON (stored as the agent artifact); the agent object is always
rebuilt from the spec and the index, never pickled.

>>> from rag.config import RagConfig
>>> spec = AgentSpec.from_config(RagConfig.model_validate({"sources": [{"type": "directory", "path": "docs"}]}))
>>> spec.llm.provider, spec.tool.name, spec.model_dump_json()[:9]
('extractive', 'docs_search', '{"name":"')

:func:`open_session` builds the agent over a loaded index (see rag/agent/chat.py for a whole turn).
"""

from __future__ import annotations

import copy
from typing import Any

from llama_index.core.tools import QueryEngineTool
from pydantic import BaseModel, ConfigDict, model_validator

from rag.agent.chat import ChatSession
from rag.agent.docs_agent import DocsAgent
from rag.answer import build_llm
from rag.config import (
    ChatConfig,
    EmbeddingConfig,
    LLMConfig,
    PersonaConfig,
    RagConfig,
    RetrievalConfig,
    ToolConfig,
)
from rag.index.docs_index import DocsIndex
from rag.providers import LLMS
from rag.registry import resolve
from rag.retrieval.search import build_query_engine

SPEC_VERSION = 2  # 2: section answers and a 3000-character section window by default


class AgentSpec(BaseModel):
    """Everything needed to rebuild an agent on top of its index.

    A stored spec answers as it was built: one written before ``spec_version`` 2 gets the
    defaults of its day written in (sentence answers, no section window).

    >>> old = {"name": "a", "persona": {}, "llm": {}, "tool": {}, "retrieval": {"top_k": 4}, "embedding": {}}
    >>> spec = AgentSpec.model_validate(old)
    >>> spec.llm.params, spec.retrieval.section_window, spec.spec_version
    ({'answer': 'sentences'}, 0, 2)
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    persona: PersonaConfig
    llm: LLMConfig
    tool: ToolConfig
    retrieval: RetrievalConfig
    embedding: EmbeddingConfig
    chat: ChatConfig = ChatConfig()  # specs stored before it existed load with the default
    spec_version: int = SPEC_VERSION

    @model_validator(mode="before")
    @classmethod
    def _defaults_of_its_day(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "spec_version" in data:
            return data
        data = copy.deepcopy(data)  # a spec from before version 2: its defaults, written in
        llm, retrieval = data.setdefault("llm", {}), data.setdefault("retrieval", {})
        if not isinstance(llm, dict) or not isinstance(retrieval, dict):  # built in code, not read from JSON
            return data
        if llm.get("provider", "extractive") == "extractive":
            llm.setdefault("params", {}).setdefault("answer", "sentences")
        retrieval.setdefault("section_window", 0)
        return data | {"spec_version": SPEC_VERSION}

    @classmethod
    def from_config(cls, config: RagConfig) -> AgentSpec:
        return cls(
            name=config.name,
            persona=config.persona,
            llm=config.llm,
            tool=config.tool,
            retrieval=config.retrieval,
            embedding=config.embedding,
            chat=config.chat,
            spec_version=SPEC_VERSION,
        )

    def system_prompt(self) -> str:
        p = self.persona
        return f"You are {p.name}, {p.description}\n{p.instructions}"


def open_session(spec: AgentSpec, index: DocsIndex) -> ChatSession:
    """A ChatSession over the agent `spec` describes (close it, or use it in a ``with``)."""
    billed = LLMS.get(spec.llm.provider).billed
    return ChatSession(
        build_agent(spec, index), billed=billed, max_question_chars=spec.chat.max_question_chars
    )


def build_agent(spec: AgentSpec, index: DocsIndex) -> DocsAgent:
    """A ReAct agent whose only tool searches `index` and returns passages with their doc ids."""
    llm = build_llm(spec.llm, index.embed_model)
    tokenizer = LLMS.get(spec.llm.provider).tokenizer  # "module:attr": the agent's memory keeps the name
    engine = build_query_engine(index, spec.retrieval, llm, resolve(tokenizer) if tokenizer else None)
    tool = QueryEngineTool.from_defaults(engine, name=spec.tool.name, description=spec.tool.description)
    return DocsAgent(
        name=spec.name,
        description=spec.persona.description,
        tools=[tool],
        llm=llm,
        system_prompt=spec.system_prompt(),
        streaming=True,
        tokenizer=tokenizer,
    )
