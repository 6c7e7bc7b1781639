import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from rag.index import onnx_encoder
from rag.index.embeddings import packaged_model_path

TEXTS = [
    "How do I create a ZenML secret for OpenAI?",
    "x",
    "zenml secret create openai --api_key=$KEY  # then `zenml stack register`",
    "Ünïcödé and emoji 🚀 are tokenised the same way.",
    "word " * 400,  # longer than the model's 256 tokens: truncated alike
]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory):
    """The packaged model exported into a private cache, and sentence-transformers' own model."""
    from sentence_transformers import SentenceTransformer

    cache = tmp_path_factory.mktemp("cache")
    patch = pytest.MonkeyPatch()
    patch.setenv("AGENT_FACTORY_CACHE_DIR", str(cache))
    torch_model = SentenceTransformer(packaged_model_path(), device="cpu")
    graph = onnx_encoder.export(packaged_model_path(), torch_model[0].auto_model)
    yield graph, torch_model
    patch.undo()


def test_onnx_vectors_equal_torch_vectors(exported):
    graph, torch_model = exported
    encoder = onnx_encoder.load(packaged_model_path())
    assert encoder is not None and graph.is_file()
    ours = encoder.encode(TEXTS, batch_size=2)  # batches mix lengths: padding must not leak in
    theirs = torch_model.encode(TEXTS, normalize_embeddings=True, convert_to_numpy=True)
    assert ours.shape == theirs.shape == (len(TEXTS), 384)
    assert np.abs(ours - theirs).max() < 1e-5
    import onnx

    ops = {node.op_type for node in onnx.load(str(graph)).graph.node}
    assert {"Attention", "SkipLayerNormalization"} <= ops  # fused into ONNX Runtime's kernels, same vectors


def test_export_is_keyed_by_the_weights(exported, tmp_path: Path):
    graph, _ = exported
    copy = tmp_path / "model"
    shutil.copytree(packaged_model_path(), copy)
    assert onnx_encoder.load(str(copy)) is None  # another folder: not exported yet
    assert onnx_encoder.export_path(str(copy)) != graph
    before = onnx_encoder.export_path(str(copy))
    (copy / "model.safetensors").write_bytes(b"changed weights")
    assert onnx_encoder.export_path(str(copy)) != before  # new weights are never run by an old graph


def test_only_mean_pooled_models_with_a_fast_tokenizer_are_supported(tmp_path: Path):
    copy = tmp_path / "model"
    shutil.copytree(packaged_model_path(), copy)
    assert onnx_encoder.supported(str(copy))
    pooling = copy / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text())
    pooling.write_text(
        json.dumps(config | {"pooling_mode_mean_tokens": False, "pooling_mode_cls_token": True})
    )
    assert not onnx_encoder.supported(str(copy))
    pooling.write_text(json.dumps(config))
    (copy / "tokenizer.json").unlink()
    assert not onnx_encoder.supported(str(copy))


def test_a_loaded_index_answers_without_importing_torch(docs_index, tmp_path: Path):
    """The point of the export: a process that loads an index and asks never imports torch."""
    saved = docs_index.save(tmp_path / "index")  # the session's first load exported the model
    code = (
        "import json, sys; from rag.index.docs_index import DocsIndex; "
        f"from rag.retrieval.search import retrieve; hit = retrieve(DocsIndex.load({str(saved)!r}), 'Which TCP port?', top_k=1)[0]; "
        "heavy = sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules); "
        "print(json.dumps([hit.node.metadata['doc_id'], heavy]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == ["docs/ports.rst", []]


def test_a_damaged_export_falls_back_to_torch(exported, tmp_path):
    """A truncated graph (a full disk, a killed copy) must not break `ask`: torch takes over."""
    from rag.index.embeddings import _load_encoder

    graph, torch_model = exported
    copy = tmp_path / "model"
    shutil.copytree(packaged_model_path(), copy)
    onnx_encoder.export_path(str(copy)).write_bytes(graph.read_bytes()[:1000])
    with pytest.raises(Exception):  # noqa: B017  (onnxruntime's own error type)
        onnx_encoder.load(str(copy))
    vectors = _load_encoder(str(copy))(["How do I create a ZenML secret?"], 8)
    expected = torch_model.encode(["How do I create a ZenML secret?"], normalize_embeddings=True)
    assert np.abs(vectors - expected).max() < 1e-5
    assert onnx_encoder.load(packaged_model_path()).encode([]).shape[0] == 0


def test_int8_backend_is_close_to_fp32_and_never_shares_an_index_with_it(exported, tmp_path):
    """int8 vectors are near fp32's (cosine > 0.98) yet different: their identity differs, so no
    index or embedding cache mixes them."""
    from rag.config import EmbeddingConfig
    from rag.index.embeddings import build_embedding, identity

    _graph, torch_model = exported
    int8 = build_embedding(EmbeddingConfig(backend="onnx_int8"))
    ours = np.asarray(int8.get_text_embedding_batch(TEXTS))
    theirs = torch_model.encode(TEXTS, normalize_embeddings=True, convert_to_numpy=True)
    cosines = (ours * theirs).sum(axis=1)
    assert cosines.min() > 0.98 and np.abs(ours - theirs).max() > 1e-4
    alone = np.asarray([int8.get_text_embedding(text) for text in TEXTS])  # no batch-mates
    assert np.abs(alone - ours).max() < 1e-6  # activations quantized per text: batches change nothing
    assert onnx_encoder.export_path(packaged_model_path(), int8=True).is_file()
    assert identity(EmbeddingConfig(backend="onnx_int8")) != identity(EmbeddingConfig(backend="onnx"))
    assert identity(EmbeddingConfig(backend="torch")) == identity(EmbeddingConfig(backend="onnx"))
    assert identity(EmbeddingConfig()) == identity(EmbeddingConfig(backend="onnx_int8"))  # the default


def test_a_backend_for_a_remote_provider_is_a_config_error_but_one_recorded_as_the_old_default_loads():
    from pydantic import ValidationError

    from rag.config import EmbeddingConfig

    with pytest.raises(ValidationError, match="backend 'onnx_int8' applies to the local provider only"):
        EmbeddingConfig(provider="openai", model="text-embedding-3-small", backend="onnx_int8")
    recorded = {"provider": "openai", "model": "text-embedding-3-small", "backend": "onnx"}  # before int8
    assert EmbeddingConfig.model_validate(recorded).backend is None
    assert EmbeddingConfig().backend == "onnx_int8" and EmbeddingConfig(backend="onnx").backend == "onnx"


def test_one_process_exports_at_a_time_and_the_others_wait(tmp_path, monkeypatch):
    """A server's processes or a test run's workers starting together: the second waits for the
    first's export (then loads it) instead of making its own."""
    monkeypatch.setenv("AGENT_FACTORY_CACHE_DIR", str(tmp_path))
    order: list[str] = []

    def second() -> None:
        with onnx_encoder.exporting(packaged_model_path()):
            order.append("second")

    with onnx_encoder.exporting(packaged_model_path()):
        waiter = threading.Thread(target=second)
        waiter.start()
        waiter.join(timeout=0.5)  # it must still be waiting here
        order.append("first")
    waiter.join(timeout=60)
    assert order == ["first", "second"]
