from pathlib import Path

import pytest
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from rag.retrieval.rerank import RerankError
from rag.retrieval.rerank.onnx import OnnxRerank, OnnxRerankSettings


def _hits(*texts: str) -> list[NodeWithScore]:
    return [
        NodeWithScore(node=TextNode(id_=f"d{i}", text=t), score=1.0 - i / 10) for i, t in enumerate(texts)
    ]


def test_candidates_come_back_in_the_cross_encoders_order_scores_unchanged(cross_encoder: Path):
    texts = ["widget manual", "spare parts list", "nothing here", "spare gasket kit", "widget widget"]
    step = OnnxRerank(settings=OnnxRerankSettings(path=cross_encoder, batch_size=2))  # three batches
    hits = step.postprocess_nodes(_hits(*texts), query_bundle=QueryBundle("which gasket?"))
    assert [h.node.text for h in hits] == ["spare gasket kit", "spare parts list", "widget widget",
                                           "widget manual", "nothing here"]  # fmt: skip
    assert [h.score for h in hits] == [pytest.approx(s) for s in (0.7, 0.9, 0.6, 1.0, 0.8)]


def test_pairs_are_truncated_to_max_length(cross_encoder: Path):
    step = OnnxRerank(settings=OnnxRerankSettings(path=cross_encoder, max_length=16))
    long_tail = "word " * 40 + "gasket"  # the heavy word lies past 16 tokens: cut off
    scores = step.scores([("q", long_tail), ("q", "gasket")])
    assert scores.tolist() == [0.0, 5.0]


def test_a_missing_or_broken_model_is_named(tmp_path: Path, cross_encoder: Path):
    with pytest.raises(RerankError, match=r"onnx_rerank.path: .*model.onnx is not a file"):
        OnnxRerank(settings=OnnxRerankSettings(path=tmp_path))
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "tokenizer.json").write_bytes((cross_encoder / "tokenizer.json").read_bytes())
    (broken / "model.onnx").write_bytes(b"not a graph")
    with pytest.raises(RerankError, match=r"model.onnx is not a usable ONNX model"):
        OnnxRerank(settings=OnnxRerankSettings(path=broken))


def test_preflight_loads_the_model_and_names_the_step(cross_encoder: Path, tmp_path: Path):
    from rag.config import RagConfig
    from rag.preflight import PreflightError, preflight

    def config(path: Path) -> RagConfig:
        return RagConfig.model_validate({"sources": [{"type": "directory", "path": "docs"}],
                                         "retrieval": {"steps": [{"type": "onnx_rerank", "path": str(path)}]}})  # fmt: skip

    assert preflight(config(cross_encoder))[-1].ok
    with pytest.raises(
        PreflightError, match=r"retrieval.steps.0: retrieval.steps onnx_rerank.path: .* is not a file"
    ):
        preflight(config(tmp_path))
