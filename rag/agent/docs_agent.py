"""The agent every version runs: LlamaIndex's ReAct agent, with its steps and its tokenizer kept.

>>> from llama_index.core.llms import MockLLM
>>> agent = DocsAgent(name="docs", description="d", tools=[], llm=MockLLM())
>>> agent.new_memory() is None  # no tokenizer named: LlamaIndex's default memory (tiktoken)
True
>>> agent.tokenizer = "rag.answer.tokens:words_and_marks"
>>> agent.new_memory().tokenizer_fn("Set WIDGET_PORT=8080.")
['Set', 'WIDGET_PORT', '=', '8080', '.']
"""

from __future__ import annotations

from typing import Any

from llama_index.core.agent.workflow import ReActAgent
from llama_index.core.memory import ChatMemoryBuffer
from llama_index.core.memory.chat_memory_buffer import DEFAULT_TOKEN_LIMIT_RATIO
from pydantic import PrivateAttr, model_validator

from rag.registry import resolve


class CountedMemory(ChatMemoryBuffer):
    """LlamaIndex's chat memory with its tokenizer named ("module:attr"): the workflow serializes its
    state between turns, and a plain buffer comes back counting with tiktoken (a second to load)."""

    tokenizer: str

    @model_validator(mode="before")
    @classmethod
    def validate_memory(cls, values: Any) -> Any:  # replaces the parent's, which loads tiktoken first
        if isinstance(values, dict) and values.get("tokenizer_fn") is None and values.get("tokenizer"):
            values["tokenizer_fn"] = resolve(values["tokenizer"])
        return super().validate_memory(values)


class DocsAgent(ReActAgent):
    """LlamaIndex's ``ReActAgent``, its steps listed once: the workflow looks them up by inspecting
    the instance a dozen times per question (~12% of an answer's CPU on the default answerer),
    though an agent's steps never change once it is built. `tokenizer` ("module:attr", from its
    LLM's provider) counts its memory's tokens; None: LlamaIndex's default."""

    tokenizer: str | None = None
    _steps: dict[str, Any] | None = PrivateAttr(default=None)

    def new_memory(self) -> CountedMemory | None:
        """A conversation's memory; None leaves it to the workflow (LlamaIndex's default)."""
        if self.tokenizer is None:
            return None
        limit = int(self.llm.metadata.context_window * DEFAULT_TOKEN_LIMIT_RATIO)
        return CountedMemory(token_limit=limit, tokenizer=self.tokenizer)

    def _get_steps(self) -> dict[str, Any]:
        if self._steps is None:
            self._steps = super()._get_steps()
        return self._steps
