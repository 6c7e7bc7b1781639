from pathlib import Path

import pytest
from llama_index.core.postprocessor.types import BaseNodePostprocessor
from pydantic import Field, ValidationError

from rag.config import RagConfig, RetrievalConfig, SearchStepSettings
from rag.providers import SEARCH_STEPS
from rag.registry import SearchStep
from rag.retrieval.search import DocsSearch, retrieve

QUESTION = "Where is widget part 123 stored?"


def _ids(hits) -> list[str]:
    return [h.node.node_id for h in hits]


def test_steps_from_the_config_rerank_the_candidates_before_the_top_k(parts_index, cross_encoder: Path):
    plain = _ids(retrieve(parts_index, QUESTION, 3))
    assert plain[0] != "parts/p123.md#1"
    step = {"type": "onnx_rerank", "path": str(cross_encoder), "candidates": 20}
    config = RetrievalConfig.model_validate({"top_k": 3, "steps": [step]})
    reranked = DocsSearch.from_defaults(parts_index, config).retrieve(QUESTION)
    assert len(reranked) == 3 and _ids(reranked)[0] == "parts/p123.md#1"  # "spare gasket" weighs most


def test_a_step_reads_only_its_candidates_and_the_rest_keep_their_order(parts_index, cross_encoder: Path):
    step = {"type": "onnx_rerank", "path": str(cross_encoder), "candidates": 2}
    config = RetrievalConfig.model_validate({"top_k": 6, "steps": [step]})
    plain = _ids(retrieve(parts_index, QUESTION, 6))
    reranked = _ids(DocsSearch.from_defaults(parts_index, config).retrieve(QUESTION))
    assert (
        reranked[:2] == plain[1::-1] and reranked[2:] == plain[2:]
    )  # the two swapped, the rest as they were


def test_steps_validate_by_their_own_settings_and_errors_name_the_field():
    with pytest.raises(ValidationError, match=r"retrieval.steps.0.type\n.*unknown search step 'cohere'"):
        RagConfig.model_validate({"sources": [{"type": "directory", "path": "docs"}],
                                  "retrieval": {"steps": [{"type": "cohere"}]}})  # fmt: skip
    with pytest.raises(ValidationError, match=r"retrieval.steps.0.url\n"):
        RagConfig.model_validate({"sources": [{"type": "directory", "path": "docs"}],
                                  "retrieval": {"steps": [{"type": "http_rerank", "url": "ftp://x"}]}})  # fmt: skip
    config = RetrievalConfig.model_validate({"steps": [{"type": "http_rerank", "url": "http://r:1/rerank"}]})
    assert config.model_dump()["steps"][0]["url"] == "http://r:1/rerank"  # dumped with the step's own fields


class _Seen(BaseNodePostprocessor):
    """A search step that records the questions it saw and changes nothing."""

    questions: list[str] = Field(default_factory=list)

    def _postprocess_nodes(self, nodes, query_bundle=None):
        self.questions.append(query_bundle.query_str)
        return nodes


@pytest.fixture()
def seen():
    step = _Seen(questions=[])
    SEARCH_STEPS.register("seen", SearchStep(config=SearchStepSettings, factory=lambda settings, index: step))
    yield step
    SEARCH_STEPS.unregister("seen")


def test_the_agent_the_evaluation_the_benchmarks_and_ask_share_one_search(
    seen, corpus_dir: Path, tmp_path: Path
):
    from click.testing import CliRunner

    from benchmarks.html_quality import ranks
    from cli.main import main
    from evaluation.golden import GoldenQuestion, GoldenSet
    from evaluation.runner import evaluate_agent
    from rag.agent.local import build_local_agent, load_local_parts
    from rag.agent.spec import AgentSpec

    config = RagConfig.model_validate({"sources": [{"type": "directory", "name": "docs", "path": str(corpus_dir)}],
                                       "retrieval": {"steps": [{"type": "seen"}]}})  # fmt: skip
    build_local_agent(config, tmp_path / "agent")
    index, spec = load_local_parts(tmp_path / "agent")
    assert spec == AgentSpec.from_config(config) and spec.retrieval.steps[0].type == "seen"
    golden = GoldenSet(name="g", content_hash="x", questions=[
        GoldenQuestion(id="q", question="Which TCP port does the widget server listen on?",
                       reference_sources=["docs/ports.rst"])])  # fmt: skip
    evaluate_agent(spec, index, golden, judge=None)  # the evaluation asks the agent
    assert seen.questions[-1] == "Which TCP port does the widget server listen on?"
    result = CliRunner().invoke(
        main, ["ask", "What colour is the dashboard?", "--index", str(tmp_path / "agent")]
    )
    assert result.exit_code == 0, result.output
    assert seen.questions[-1] == "What colour is the dashboard?"
    ranks(
        index,
        [{"question": "How do I back up?", "doc_id": "docs/backups.md", "anchor": ""}],
        {"steps": [{"type": "seen"}]},
    )
    assert seen.questions[-1] == "How do I back up?"
