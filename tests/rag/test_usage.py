"""UsageMeter against real LLM calls to a fake OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import asyncio

import openai
import pytest

from benchmarks.fake_openai import FakeOpenAI, Fault
from rag.answer.remote import build_openai_like
from rag.config import LLMConfig
from rag.usage import UsageMeter


def test_counts_reported_tokens_per_scope_and_only_for_its_own_llm():
    with FakeOpenAI(lambda request: "hello there") as server:
        config = LLMConfig(provider="openai_like", model="fake-judge", api_base=server.base_url)
        metered, other = build_openai_like(config, None), build_openai_like(config, None)
        meter = UsageMeter().attach(metered)

        async def ask(scope: str, prompt: str) -> None:
            with meter.scope(scope):
                await metered.acomplete(prompt)

        async def main() -> None:
            await asyncio.gather(ask("a", "one two three"), ask("b", "four"), ask("a", "five six"))

        asyncio.run(main())
        other.complete("not ours")  # another LLM in the same process is not counted
    assert meter.usage("a").calls == 2 and meter.usage("b").calls == 1
    assert meter.total().calls == 3 and not meter.total().estimated
    assert meter.usage("a").prompt_tokens > meter.usage("b").prompt_tokens > 0


def test_failed_calls_are_counted_apart_and_detach_stops_counting():
    with FakeOpenAI(lambda request: Fault(500)) as server:
        config = LLMConfig(
            provider="openai_like", model="fake-judge", api_base=server.base_url, max_retries=0
        )
        llm = build_openai_like(config, None)
        meter = UsageMeter().attach(llm)
        with pytest.raises(openai.InternalServerError):
            llm.complete("hi")
        meter.detach(llm)
        with pytest.raises(openai.InternalServerError):
            llm.complete("hi again")
    assert meter.total().failed == 1 and meter.total().calls == 0
