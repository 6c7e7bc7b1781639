"""A local sentence-transformers model run by ONNX Runtime: the same vectors, without torch.

Importing sentence-transformers costs about 5 s (torch, transformers, scikit-learn), and a
question needs one vector. So a model folder whose pipeline is a transformer, mean pooling
and normalisation (all-MiniLM-L6-v2 among them) is exported once, offline, from its own
weights into the cache folder, and every later process runs that graph with ONNX Runtime and
the folder's ``tokenizer.json``: 0.3 s to load instead of 5 s, vectors equal to torch's within
1e-6 (tests/rag/test_onnx_encoder.py), build throughput about the same (benchmarks/).

>>> from rag.index.embeddings import packaged_model_path
>>> supported(packaged_model_path())
True
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import tempfile
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from rag.cache import cache_dir

FORMAT = "2"  # bump when the exported graph changes: old exports are then ignored (2: fused attention)
WEIGHTS = ("model.safetensors", "pytorch_model.bin")
PIPELINE = [
    "sentence_transformers.models.Transformer",
    "sentence_transformers.models.Pooling",
    "sentence_transformers.models.Normalize",
]


def supported(model_path: str) -> bool:
    """Whether the folder is transformer -> mean pooling (-> normalise) with a fast tokenizer."""
    folder = Path(model_path)
    try:
        modules = [m["type"] for m in json.loads((folder / "modules.json").read_text())]
        pooling = json.loads((folder / "1_Pooling" / "config.json").read_text())
    except (OSError, ValueError, KeyError, TypeError):
        return False
    modes = {k: v for k, v in pooling.items() if k.startswith("pooling_mode_")}
    mean_only = modes.get("pooling_mode_mean_tokens") is True and sum(bool(v) for v in modes.values()) == 1
    has_weights = any((folder / name).is_file() for name in WEIGHTS)
    return (
        modules in (PIPELINE, PIPELINE[:2])
        and mean_only
        and has_weights
        and (folder / "tokenizer.json").is_file()
    )


def export_path(model_path: str, int8: bool = False) -> Path:
    """The export's file name, keyed by the folder and its weights' size and modification time."""
    folder = Path(model_path).resolve()
    weights = next(folder / name for name in WEIGHTS if (folder / name).is_file())
    stat = weights.stat()
    key = hashlib.sha256(f"{FORMAT}|{folder}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:16]
    return cache_dir() / "onnx" / f"{folder.name}-{key}{'-int8' if int8 else ''}.onnx"


@contextlib.contextmanager
def exporting(model_path: str) -> Iterator[None]:
    """Held while exporting or quantizing: processes that start together (a server's, a test run's
    workers) wait for the first one's export instead of each making its own (30 s of two cores)."""
    lock = export_path(model_path).with_suffix(".lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes, also if this process dies
        yield


BATCH_TOKENS = 1024  # padded tokens per run (benchmarks: sentence scoring 2.2x faster than one batch)


class OnnxEncoder:
    """Mean-pooled, L2-normalised sentence vectors from an exported graph."""

    def __init__(self, model_path: str, graph: Path, one_at_a_time: bool = False) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        folder = Path(model_path)
        settings = json.loads((folder / "sentence_bert_config.json").read_text()) if (
            folder / "sentence_bert_config.json").is_file() else {}  # fmt: skip
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()  # batches are padded here, to their own longest text
        self.tokenizer.enable_truncation(settings.get("max_seq_length", 512))
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # idle threads yield the CPU
        options.enable_cpu_mem_arena = False  # an arena kept for every input shape grows a server's memory
        if one_at_a_time:  # one short text splits badly over cores: texts run side by side instead
            options.intra_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        # int8 graphs quantize activations per tensor: a text's vector would depend on its batch-mates
        self.one_at_a_time = one_at_a_time
        self._lanes: ThreadPoolExecutor | None = None

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """One row per text; texts are batched by length (less padding), rows keep input order.

        A batch holds at most `batch_size` texts and ``BATCH_TOKENS`` padded tokens: twenty short
        sentences padded to one 256-token sentence cost three times what they cost in small batches.
        """
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(texts)
        if self.one_at_a_time:
            return self._side_by_side(encodings)
        order = [int(i) for i in np.argsort([len(e.ids) for e in encodings], kind="stable")]
        batches, current = [], []
        for i in order:  # ascending length: the newest text is the batch's widest
            if current and (
                len(current) == batch_size or (len(current) + 1) * len(encodings[i].ids) > BATCH_TOKENS
            ):
                batches.append(self._forward([encodings[j] for j in current]))
                current = []
            current.append(i)
        batches.append(self._forward([encodings[j] for j in current]))
        stacked = np.concatenate(batches)
        vectors = np.empty_like(stacked)
        vectors[order] = stacked
        return vectors

    def _side_by_side(self, encodings: list[Any]) -> np.ndarray:
        """Each text alone, as many at once as there are cores (ONNX Runtime runs without the GIL):
        1.1-1.3x the throughput of one text at a time on both cores (benchmarks/RESULTS.md)."""
        if len(encodings) == 1:
            return self._forward(encodings)
        if self._lanes is None:
            self._lanes = ThreadPoolExecutor(cores(), thread_name_prefix="onnx")
        return np.concatenate(list(self._lanes.map(lambda e: self._forward([e]), encodings)))

    def _forward(self, batch: list[Any]) -> np.ndarray:
        width = max(len(e.ids) for e in batch)
        ids = np.array([e.ids + [0] * (width - len(e.ids)) for e in batch], dtype=np.int64)
        mask = (np.arange(width)[None, :] < np.array([len(e.ids) for e in batch])[:, None]).astype(np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self.session.run(None, {k: v for k, v in feeds.items() if k in self.inputs})[0]
        summed = (hidden * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        return summed / np.maximum(np.linalg.norm(summed, axis=1, keepdims=True), 1e-12)


def cores() -> int:
    """The CPU cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def load(model_path: str, int8: bool = False) -> OnnxEncoder | None:
    """The folder's encoder when it is supported and already exported (and quantized), else None."""
    if not supported(model_path):
        return None
    graph = export_path(model_path, int8)
    return OnnxEncoder(model_path, graph, one_at_a_time=int8) if graph.is_file() else None


def quantize(model_path: str) -> Path:
    """Write the int8 graph next to the fp32 export (which must exist): weights int8 per channel,
    activations quantized on the fly. About 2x the fp32 throughput on these CPUs, vectors at
    cosine ~0.99 of fp32 (benchmarks/RESULTS.md); a 8-bit weight type without per-channel scales
    lost too much (cosine 0.94). Weights use 7 bits (`reduce_range`): full 8-bit weights saturate
    the u8 x s8 products of some CPUs' int8 instructions, and the same graph then scored cosine 0.972
    on one Xeon and 0.99 on another; with 7 bits it is >= 0.98 on both."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target = export_path(model_path, int8=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(fd)
    try:
        quantize_dynamic(
            str(export_path(model_path)),
            tmp,
            weight_type=QuantType.QInt8,
            per_channel=True,
            reduce_range=True,
            extra_options={
                "DefaultTensorType": onnx.TensorProto.FLOAT
            },  # the fused ops' outputs have no inferred type
        )
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return target


def export(model_path: str, transformer: Any) -> Path:
    """Export `transformer` (the folder's Hugging Face model, loaded by torch) for later loads.

    Written to a temporary file and renamed, so a concurrent reader never sees half a graph.
    """
    import torch

    class _LastHidden(torch.nn.Module):  # keyword inputs, one output: what the exporter needs
        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            out = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    target = export_path(model_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if hasattr(transformer, "set_attn_implementation"):  # plain attention: the pattern ONNX Runtime fuses
        transformer.set_attn_implementation("eager")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    ids = torch.tensor([[101, 2023, 102]])
    sample = (ids, torch.ones_like(ids), torch.zeros_like(ids))
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(fd)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer warnings about shapes; parity is tested instead
            torch.onnx.export(
                _LastHidden(transformer.eval()), sample, tmp, input_names=names,
                output_names=["last_hidden_state"], opset_version=17, dynamo=False,
                dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]},
            )  # fmt: skip
        _fuse(tmp, model_path)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return target


def _fuse(graph: str, model_path: str) -> None:
    """Attention, layer norms and GELU fused into ONNX Runtime's own kernels, in place (BERT-shaped
    models only): the same vectors; what int8 quantizes (QAttention), 1.26-1.34x the unfused fp32
    graph's throughput on 2-core AVX2 machines (benchmarks/RESULTS.md). fp32 alone: no clear change."""
    config = json.loads((Path(model_path) / "config.json").read_text())
    if config.get("model_type") != "bert":
        return
    from onnxruntime.transformers import optimizer

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fused = optimizer.optimize_model(graph, model_type="bert", num_heads=config["num_attention_heads"],
                                         hidden_size=config["hidden_size"], opt_level=1)  # fmt: skip
    fused.save_model_to_file(graph)
