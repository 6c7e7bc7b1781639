"""What a judge run will cost, before it runs (``agent-factory eval --dry-run``).

Calls follow each RAGAS metric's own pattern (Faithfulness: statements, then NLI;
LLMContextPrecisionWithReference: one call per retrieved context; FactualCorrectness: claims
of the answer and of the reference, then NLI both ways). Prompt tokens are the metric's
prompt template (instruction, schema, examples: rendered and counted with the tokenizer) plus
the question, answer, contexts and reference that call carries. Completion tokens are a rough
guess (a JSON restating the answer), capped by ``max_tokens``. Re-asks of unparseable output
can multiply calls up to ``1 + max_reasks``: the estimate reports that bound too.

>>> from evaluation.config import JudgeConfig
>>> from evaluation.golden import load_golden
>>> from evaluation.records import AnswerRecord
>>> golden = load_golden("golden_questions/docs.jsonl")
>>> q = golden.questions[0]
>>> record = AnswerRecord(id=q.id, question=q.question, answer="Run pip install.", contexts=["pip install"],
...                       source_ids=[], tool_calls=[], latency_s=0.1)
>>> judge = JudgeConfig(llm={"provider": "openai", "model": "gpt-4o-mini"}, metrics=["answer_relevancy"])
>>> estimate = estimate_judge(golden, [record], judge)
>>> estimate.calls == estimate.questions  # one call per answerable question, scaled from one answer
True
"""

from __future__ import annotations

import functools
from collections import defaultdict

from pydantic import BaseModel

from evaluation.config import JudgeConfig
from evaluation.golden import GoldenQuestion, GoldenSet
from evaluation.metric_specs import METRICS, build_ragas
from evaluation.records import AnswerRecord

JSON_OVERHEAD_TOKENS = 40


class CostEstimate(BaseModel):
    """Estimated judge calls and tokens for one evaluation."""

    questions: int
    calls: int
    max_calls: int  # if every output needed every allowed re-ask
    prompt_tokens: int
    completion_tokens: int
    per_metric: dict[str, dict[str, int]]


@functools.cache
def _count(text: str) -> int:
    from llama_index.core.utilities.token_counting import TokenCounter

    return TokenCounter().get_string_tokens(text)


@functools.cache
def template_tokens(metric: str) -> dict[str, int]:
    """Tokens of each prompt template of a judge metric, without its input."""
    return {name: _count(prompt.to_string()) for name, prompt in build_ragas(metric).get_prompts().items()}


def _calls(metric: str, q: GoldenQuestion, r: AnswerRecord) -> list[tuple[str, str, str]]:
    """(prompt name, input text, text the output restates) for each call `metric` makes."""
    fields = {"question": q.question, "answer": r.answer, "contexts": "\n".join(r.contexts),
              "reference": q.reference_answer or ""}  # fmt: skip
    calls = []
    for call in METRICS[metric].calls:
        for context in (r.contexts or [""]) if "context" in call.inputs else [""]:
            text = "".join(context if f == "context" else fields[f] for f in call.inputs)
            calls.append((call.prompt, text, fields[call.restates] if call.restates else ""))
    return calls


def estimate_judge(golden: GoldenSet, records: list[AnswerRecord], judge: JudgeConfig) -> CostEstimate:
    """Estimate from recorded answers; questions without a record count as the average one."""
    by_id = {r.id: r for r in records}
    answerable = [q for q in golden.questions if not q.expect_refusal]
    known = [q for q in answerable if q.id in by_id]
    cap = judge.llm.params.get("max_tokens")
    per_metric: dict[str, dict[str, int]] = defaultdict(
        lambda: {"calls": 0, "prompt_tokens": 0, "completion_tokens": 0}
    )
    for metric in judge.metrics:
        templates = template_tokens(metric)
        for q in known:
            for prompt, text, restated in _calls(metric, q, by_id[q.id]):
                out = _count(restated) + JSON_OVERHEAD_TOKENS
                row = per_metric[metric]
                row["calls"] += 1
                row["prompt_tokens"] += templates[prompt] + _count(text)
                row["completion_tokens"] += min(out, cap) if cap else out
        # Scale to questions never answered yet, and to each question being judged `repeats` times.
        scale = (len(answerable) / len(known) if known else 1.0) * judge.repeats
        per_metric[metric] = {k: round(v * scale) for k, v in per_metric[metric].items()}
    calls = sum(m["calls"] for m in per_metric.values())
    return CostEstimate(
        questions=len(answerable),
        calls=calls,
        max_calls=calls * (1 + judge.max_reasks),
        prompt_tokens=sum(m["prompt_tokens"] for m in per_metric.values()),
        completion_tokens=sum(m["completion_tokens"] for m in per_metric.values()),
        per_metric=dict(per_metric),
    )
