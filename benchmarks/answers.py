"""Offline answers on ZenML's docs: sentence answers vs section answers, same index, same run.

Run as ``python -m benchmarks.answers [MAX_DOCS]``; prints one JSON object. For each dev
question (``../shared/datasets``) the extractive agent answers once per ``MODES`` entry
(``llm.params.answer`` and ``retrieval.section_window``). Measured against the question's scraped ``passage``: the
cosine similarity of answer and passage (packaged model), and, for passages that contain
code from their page's fenced blocks, the share of answers that keep that code.
"""

from __future__ import annotations

import json
import random
import re
import sys

import numpy as np

from benchmarks.retrieval_quality import DATASETS
from rag.agent.spec import AgentSpec, open_session
from rag.config import RagConfig
from rag.index.docs_index import DocsIndex
from rag.index.embeddings import build_embedding, describe
from rag.ingest.chunking import chunk_documents
from rag.ingest.sources import load_documents
from rag.ingest.sources.directory import DirectorySourceConfig

# (llm.params.answer, retrieval.section_window): sentence answers first, configs/default.yaml's last.
MODES = [("sentences", 0), ("section", 1500), ("section", 3000)]
_FENCE = re.compile(r"```[^\n]*\n(.*?)```", re.S)


def code_lines(page: str, passage: str) -> list[str]:
    """Lines of the page's fenced code that the scraped passage contains (its code, if any)."""
    flat = " ".join(passage.split())
    lines = [line.strip() for block in _FENCE.findall(page) for line in block.splitlines()]
    return [line for line in lines if len(line) >= 12 and " ".join(line.split()) in flat]


def answer_text(reply: str) -> str:
    return reply.split("\n\nSources:", 1)[0]


def main(max_docs: int | None = None) -> None:
    questions = [
        json.loads(line) for line in (DATASETS / "zenml-questions-dev.jsonl").read_text().splitlines()
    ]
    documents = load_documents([DirectorySourceConfig(name="zenml", path=DATASETS / "zenml-docs")])
    if max_docs:
        named = {f"zenml/{q['file']}" for q in questions}
        documents = sorted(documents, key=lambda d: (d.doc_id not in named, d.doc_id))[:max_docs]
    held = {d.doc_id for d in documents}
    questions = [q for q in questions if f"zenml/{q['file']}" in held]
    config = RagConfig.model_validate({"name": "zenml_docs", "sources": [{"type": "directory", "path": "."}]})
    model = build_embedding(config.embedding)
    nodes = chunk_documents(documents, config.chunking)
    index = DocsIndex.build(nodes, model, config.embedding, describe(config.embedding, model), config.index)
    rows = []
    for mode, window in MODES:
        llm = config.llm.model_copy(update={"params": {**config.llm.params, "answer": mode}})
        retrieval = config.retrieval.model_copy(update={"section_window": window})
        spec = AgentSpec.from_config(config).model_copy(update={"llm": llm, "retrieval": retrieval})
        answers = []
        for q in questions:
            with open_session(spec, index) as session:
                answers.append(answer_text(session.ask(q["question"]).answer))
        a = np.asarray(model.get_text_embedding_batch(answers))
        p = np.asarray(model.get_text_embedding_batch([q["passage"] for q in questions]))
        similarity = (a * p).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(p, axis=1))
        pages = [(DATASETS / "zenml-docs" / q["file"]).read_text() for q in questions]
        code = [code_lines(page, q["passage"]) for page, q in zip(pages, questions, strict=True)]
        with_code = [i for i, lines in enumerate(code) if lines]
        kept = [i for i in with_code if any(line in answers[i] for line in code[i])]
        rows.append({"mode": mode, "section_window": window, "similarity": float(similarity.mean()), "with_code": len(with_code),
                     "code_kept": len(kept), "answers": answers})  # fmt: skip
    sample = random.Random(0).sample(range(len(questions)), min(20, len(questions)))
    print(json.dumps({
        "questions": len(questions),
        "rows": [{k: v for k, v in r.items() if k != "answers"} for r in rows],
        "sample": [{"question": questions[i]["question"], "file": questions[i]["file"],
                    **{f"{r['mode']}/{r['section_window']}": r["answers"][i] for r in rows}} for i in sample],
    }))  # fmt: skip


if __name__ == "__main__":
    main(int(sys.argv[1]) or None if len(sys.argv) > 1 else None)
