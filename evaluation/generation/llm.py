"""Questions an LLM writes from a passage, and a critic that drops the ones the passage does not answer.

Two calls a question at most: the writer (one question in a user's words and its answer, as JSON)
and the critic (does the passage alone answer it? yes or no). Bounded like the judge: at most
``max_calls`` calls in all, HTTP retries and timeouts in rag/http.py, an unparseable reply is
dropped (never re-asked), and a failed call drops that passage. Labelled ``llm/<provider>:<model>``.

tests/evaluation/generation/test_llm.py runs it against a scripted OpenAI-compatible server.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from pydantic import BaseModel

from evaluation.generation.passages import Draft, SectionPassage
from rag.config import LLMConfig

log = logging.getLogger(__name__)

WRITE = """You write test questions for a documentation search engine.
Page: {where}
Passage:
\"\"\"
{passage}
\"\"\"
Write one question that a user of this software would type, in their own words (do not copy the
heading), which this passage answers, and the answer taken from the passage.
Reply with JSON only: {{"question": "...", "answer": "..."}}"""
CRITIC = """Passage:
\"\"\"
{passage}
\"\"\"
Question: {question}
Does the passage alone fully answer the question? Reply with one word: yes or no."""
WRITE_REPLY_TOKENS, CRITIC_REPLY_TOKENS = 80, 2  # what the estimate expects back


class Generation(BaseModel):
    """What one LLM generation did: calls made, questions kept, and what was dropped and why."""

    calls: int = 0
    failed_calls: int = 0
    unparseable: int = 0
    dropped_by_critic: int = 0
    kept: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0


def label(config: LLMConfig) -> str:
    return f"llm/{config.provider}:{config.model or 'default'}".replace(" ", "_")


def llm_drafts(llm: Any, generated_by: str, passages: list[SectionPassage], want: int, max_calls: int,
               report: Generation) -> list[Draft]:  # fmt: skip
    """Up to `want` questions, one per passage in the order given, within `max_calls` calls."""
    drafts: list[Draft] = []
    for p in passages:
        if len(drafts) >= want or report.calls + 2 > max_calls:
            break
        written = _ask(llm, WRITE.format(where=" > ".join(p.path) or p.title, passage=p.prose), report)
        parsed = _parse(written) if written is not None else None
        if written is not None and parsed is None:
            report.unparseable += 1
        if parsed is None:
            continue
        verdict = _ask(llm, CRITIC.format(passage=p.prose, question=parsed[0]), report)
        if verdict is None:
            continue
        if not verdict.strip().lower().startswith("yes"):
            report.dropped_by_critic += 1
            log.info("critic dropped %r (%s)", parsed[0], p.doc_id)
            continue
        drafts.append(Draft(parsed[0], p, generated_by, p.prose, parsed[1]))
    report.kept = len(drafts)
    return drafts


def _ask(llm: Any, prompt: str, report: Generation) -> str | None:
    report.calls += 1
    try:
        return llm.complete(prompt).text
    except Exception as exc:
        report.failed_calls += 1
        log.warning("question generation: an LLM call failed (%s)", exc)
        return None


def _parse(text: str) -> tuple[str, str] | None:
    """(question, answer) from the writer's JSON, a ```json fence allowed; None when it is not that."""
    match = re.search(r"\{.*\}", text, re.S)
    try:
        data = json.loads(match.group(0)) if match else None
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("question"), str):
        return None
    question = " ".join(data["question"].split())
    return (question, str(data.get("answer", "")).strip()) if len(question) >= 8 else None


def estimate(passages: list[SectionPassage], want: int) -> Generation:
    """The calls and tokens generating `want` questions from these passages would take (no call made):
    a writer and a critic call a question, prompts counted with the tokenizer."""
    from llama_index.core.utilities.token_counting import TokenCounter

    counter = TokenCounter()
    used = passages[:want]
    prompt = sum(
        counter.get_string_tokens(WRITE.format(where=" > ".join(p.path), passage=p.prose))
        + counter.get_string_tokens(CRITIC.format(passage=p.prose, question="x" * 60))
        for p in used
    )
    return Generation(calls=2 * len(used), prompt_tokens=prompt,
                      completion_tokens=len(used) * (WRITE_REPLY_TOKENS + CRITIC_REPLY_TOKENS))  # fmt: skip
