"""Judge tier: our bounded per-(question, metric) driver against ``ragas.evaluate`` on the same work,
and the ``--dry-run`` estimate against a measured run.

The judge is a local OpenAI-compatible server on 127.0.0.1 (the test suite's fake, answering every
context-precision prompt validly at once), so the timings are the clients' own overhead, not a
model's. Prints one JSON line.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VALID = '{"reason": "useful", "verdict": 1}'


def _golden_prefix(golden, n: int):
    """The first `n` questions (a prefix keeps every follow-up's parent)."""
    from evaluation.golden import GoldenSet

    return GoldenSet(name=golden.name, questions=golden.questions[:n], content_hash=golden.content_hash)


def _ragas_evaluate(golden, records, llm, max_workers: int) -> None:
    from ragas import EvaluationDataset, evaluate
    from ragas.llms.base import LlamaIndexLLMWrapper
    from ragas.metrics import LLMContextPrecisionWithReference
    from ragas.run_config import RunConfig

    from evaluation.metrics import ragas_sample

    by_id = {r.id: r for r in records}
    samples = [ragas_sample(q, by_id[q.id]) for q in golden.questions if not q.expect_refusal]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        evaluate(EvaluationDataset(samples=samples), metrics=[LLMContextPrecisionWithReference()],
                 llm=LlamaIndexLLMWrapper(llm), run_config=RunConfig(max_workers=max_workers),
                 show_progress=False)  # fmt: skip


def bench_judge(questions: int) -> dict:
    from benchmarks.fake_openai import FakeOpenAI
    from evaluation.config import JudgeConfig
    from evaluation.cost import estimate_judge
    from evaluation.golden import load_golden
    from evaluation.judge import score_judge
    from evaluation.runner import evaluate_session
    from factory.config import load_config
    from rag.agent.local import build_local_agent, open_local_agent
    from rag.answer import build_llm
    from rag.config import LLMConfig
    from rag.usage import UsageMeter

    config = load_config(ROOT / "configs" / "default.yaml")
    golden = _golden_prefix(load_golden(config.evaluation.golden_path), questions)
    with tempfile.TemporaryDirectory() as tmp:
        build_local_agent(config, Path(tmp) / "agent")
        session = open_local_agent(Path(tmp) / "agent")
        embed = session.agent.llm.embed_model
        records = evaluate_session(session, golden, embed).records
        session.close()
    full = estimate_judge(golden, records, JudgeConfig(llm=LLMConfig(provider="openai", model="gpt-4o-mini")))
    with FakeOpenAI(lambda request: VALID) as server:
        llm_config = LLMConfig(provider="openai_like", model="fake-judge", api_base=server.base_url)
        judge = JudgeConfig(llm=llm_config, metrics=["llm_context_precision_with_reference"], max_workers=2)
        ours, theirs, meter = [], [], UsageMeter()
        for _ in range(2):  # best of two, alternating
            start = time.perf_counter()
            meter = UsageMeter()
            score_judge(golden, records, judge, embed, meter)
            ours.append(time.perf_counter() - start)
            start = time.perf_counter()
            _ragas_evaluate(golden, records, build_llm(llm_config, embed), judge.max_workers)
            theirs.append(time.perf_counter() - start)
        estimate = estimate_judge(golden, records, judge)
    measured = meter.total()
    return {
        "questions": len(golden.questions),
        "answerable": full.questions,
        "ours_s": min(ours),
        "ragas_s": min(theirs),
        "ratio": min(theirs) / min(ours),
        "calls_estimated": estimate.calls,
        "calls_measured": measured.calls,
        "prompt_tokens_estimated": estimate.prompt_tokens,
        "prompt_tokens_measured": measured.prompt_tokens,
        "full_estimate": full.model_dump(),
    }


if __name__ == "__main__":
    print(json.dumps(bench_judge(int(sys.argv[1]))))
