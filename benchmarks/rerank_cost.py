"""What a cross-encoder reranker costs per question, against the search it follows, in the same run.

Run as ``python -m benchmarks.rerank_cost INDEX QUESTIONS [CANDIDATES,...]``: INDEX a saved index
folder, QUESTIONS a JSONL file with a ``question`` per line. No cross-encoder weights ship or
download here, so the reranker is one of the same shape as ``cross-encoder/ms-marco-MiniLM-L6-v2``
(6 layers, 384 wide, 256 tokens per pair): the packaged MiniLM's encoder with a seeded, untrained
scoring head, exported to ONNX. Its order means nothing; its time is what a real one costs.
Prints one JSON object: milliseconds per question for the search alone and with the reranker
over 10, 20 and 40 candidates (or the CANDIDATES listed), and their ratios.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
import warnings
from pathlib import Path

from rag.config import EmbeddingConfig, RetrievalConfig
from rag.index.docs_index import DocsIndex
from rag.index.embeddings import build_embedding
from rag.retrieval.search import DocsSearch

TOP_K = 10


def minilm_cross_encoder(folder: Path) -> Path:
    """model.onnx and tokenizer.json of a MiniLM-L6-shaped cross-encoder (untrained head) in `folder`."""
    import shutil

    import torch
    from transformers import AutoModelForSequenceClassification

    source = Path(build_embedding(EmbeddingConfig()).model_path)
    torch.manual_seed(0)
    model = AutoModelForSequenceClassification.from_pretrained(str(source), num_labels=1).eval()
    ids = torch.tensor([[101, 2023, 102]])
    names = ["input_ids", "attention_mask", "token_type_ids"]
    folder.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about shapes
        torch.onnx.export(
            model, (ids, torch.ones_like(ids), torch.zeros_like(ids)), str(folder / "model.onnx"),
            input_names=names, output_names=["logits"], opset_version=17, dynamo=False,
            dynamic_axes={n: {0: "batch", 1: "tokens"} for n in names} | {"logits": {0: "batch"}},
        )  # fmt: skip
    shutil.copy(source / "tokenizer.json", folder / "tokenizer.json")
    return folder


def per_question_ms(search: DocsSearch, questions: list[str]) -> float:
    search.retrieve(questions[0])  # warm: sessions and caches loaded
    start = time.perf_counter()
    for q in questions:
        search.retrieve(q)
    return (time.perf_counter() - start) * 1000 / len(questions)


def main(index_dir: str, question_file: str, counts: list[int]) -> dict:
    index = DocsIndex.load(index_dir)
    questions = [
        json.loads(line)["question"] for line in Path(question_file).read_text().splitlines() if line
    ]
    with tempfile.TemporaryDirectory() as tmp:
        model = minilm_cross_encoder(Path(tmp) / "cross-encoder")
        return {"questions": len(questions), "rows": _rows(index, questions, model, counts)}


def _rows(index: DocsIndex, questions: list[str], model: Path, counts: list[int]) -> list[dict]:
    base = per_question_ms(DocsSearch.from_defaults(index, RetrievalConfig(top_k=TOP_K)), questions)
    rows = [{"candidates": 0, "ms_per_question": round(base, 1), "ratio": 1.0}]
    for n in counts:
        step = {"type": "onnx_rerank", "path": str(model), "candidates": n}
        ms = per_question_ms(
            DocsSearch.from_defaults(index, RetrievalConfig(top_k=TOP_K, steps=[step])), questions
        )
        rows.append({"candidates": n, "ms_per_question": round(ms, 1), "ratio": round(ms / base, 2)})
        print(rows[-1], file=sys.stderr, flush=True)
    return rows


if __name__ == "__main__":
    counts = [int(n) for n in sys.argv[3].split(",")] if len(sys.argv) > 3 else [10, 20, 40]
    print(json.dumps(main(sys.argv[1], sys.argv[2], counts)))
