"""A cross-encoder the user supplies as an ONNX file, run by ONNX Runtime on the CPU.

``path`` is a folder with ``model.onnx`` and ``tokenizer.json`` (Hugging Face ``tokenizers``),
e.g. ``cross-encoder/ms-marco-MiniLM-L6-v2`` exported once with ``optimum-cli export onnx``;
none ships here. The graph takes ``input_ids`` and ``attention_mask`` (``token_type_ids`` when
it declares it) and returns logits of shape (batch, 1), or (batch, 2) whose last column is
"relevant". The session loads once per agent; passages are scored in batches.

>>> OnnxRerankSettings(type="onnx_rerank", path="/nowhere").max_length
256
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field, PrivateAttr

from rag.config import SearchStepSettings
from rag.index.docs_index import DocsIndex
from rag.retrieval.rerank import Reranker, RerankError

MAX_MODEL_BYTES = 2_000_000_000  # a large cross-encoder is ~1.3 GB; more is not one


class OnnxRerankSettings(SearchStepSettings):
    """Where the exported cross-encoder is, and how much of each pair it reads."""

    type: Literal["onnx_rerank"] = "onnx_rerank"
    path: Path
    max_length: int = Field(256, ge=16, le=4096)  # tokens per (question, passage) pair
    batch_size: int = Field(16, ge=1, le=256)
    max_chars: int = Field(2000, ge=100, le=100_000)


class OnnxRerank(Reranker):
    """Orders candidates by the cross-encoder's logits (scores themselves stay cosine)."""

    settings: OnnxRerankSettings
    _session: Any = PrivateAttr()
    _tokenizer: Any = PrivateAttr()
    _inputs: set[str] = PrivateAttr()

    def model_post_init(self, context: Any) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        folder = self.settings.path
        graph, vocab = folder / "model.onnx", folder / "tokenizer.json"
        for needed in (graph, vocab):
            if not needed.is_file():
                raise RerankError(f"retrieval.steps onnx_rerank.path: {needed} is not a file")
        if graph.stat().st_size > MAX_MODEL_BYTES:
            raise RerankError(f"retrieval.steps onnx_rerank.path: {graph} is over {MAX_MODEL_BYTES} bytes")
        self._tokenizer = Tokenizer.from_file(str(vocab))
        self._tokenizer.no_padding()  # padded per batch, to its own longest pair
        self._tokenizer.enable_truncation(self.settings.max_length)
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # idle threads yield the CPU
        try:
            self._session = onnxruntime.InferenceSession(
                str(graph), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own untyped errors for a bad file
            raise RerankError(
                f"retrieval.steps onnx_rerank.path: {graph} is not a usable ONNX model: {exc}"
            ) from None
        self._inputs = {i.name for i in self._session.get_inputs()}

    @classmethod
    def class_name(cls) -> str:
        return "OnnxRerank"

    def relevance(self, query: str, passages: list[str]) -> list[float]:
        return self.scores([(query, text) for text in passages]).tolist()

    def scores(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        """The relevance logit of each (question, passage) pair."""
        size = self.settings.batch_size
        return np.concatenate(
            [self._forward(pairs[start : start + size]) for start in range(0, len(pairs), size)]
        )

    def _forward(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(pairs)
        width = max(len(e.ids) for e in encodings)
        pad = [(e.ids, e.type_ids, [1] * len(e.ids)) for e in encodings]
        feeds = {
            name: np.array([row[k] + [0] * (width - len(row[k])) for row in pad], dtype=np.int64)
            for k, name in enumerate(["input_ids", "token_type_ids", "attention_mask"])
        }
        logits = self._session.run(None, {k: v for k, v in feeds.items() if k in self._inputs})[0]
        return np.asarray(logits, dtype=np.float32).reshape(len(pairs), -1)[:, -1]


def build(settings: OnnxRerankSettings, index: DocsIndex) -> OnnxRerank:
    """The SEARCH_STEPS factory."""
    return OnnxRerank(settings=settings)


def check(where: str, settings: OnnxRerankSettings, timeout_s: float) -> str:
    """Preflight: the model and tokenizer load and score one pair."""
    OnnxRerank(settings=settings).scores([("preflight", "preflight")])
    return f"{settings.path} loaded and scored a pair"
