"""rag/answer/shared_vectors.py: one deployment's processes embed a sentence once, bounded, never failing."""

from __future__ import annotations

import multiprocessing
import os

import numpy as np
from llama_index.core.llms import ChatMessage

from rag.answer.extractive import ExtractiveLLM
from rag.answer.shared_vectors import SharedVectors
from tests.rag.answer.test_extractive import OBSERVATION

IDENTITY = "local|all-MiniLM-L6-v2|int8"


def _ask(llm: ExtractiveLLM) -> str:
    messages = [ChatMessage(role="user", content="Which TCP port does the server use?"),
                ChatMessage(role="user", content=f"Observation: {OBSERVATION}")]  # fmt: skip
    return llm.chat(messages).message.content


def test_a_second_process_s_answerer_embeds_no_sentence_the_first_did(embed_model, tmp_path, monkeypatch):
    first, second = ExtractiveLLM(embed_model=embed_model), ExtractiveLLM(embed_model=embed_model)
    for llm in (first, second):  # two answerers with their own memories, as two server processes have
        llm.share_vectors(SharedVectors(tmp_path / "vectors.sqlite", IDENTITY))
    embedded: list[str] = []
    real = type(embed_model).get_text_embedding_batch
    monkeypatch.setattr(type(embed_model), "get_text_embedding_batch",
                        lambda self, texts, **kw: embedded.extend(texts) or real(self, texts, **kw))  # fmt: skip
    answer = _ask(first)
    assert embedded and "7341" in answer
    count = len(embedded)
    assert _ask(second) == answer and len(embedded) == count  # every vector came from the shared file


def _write(path: str, worker: int) -> None:
    shared = SharedVectors(path, IDENTITY)
    for batch in range(20):
        shared.put(
            {f"sentence {worker}-{batch}-{i}": np.full(4, worker, dtype=np.float32) for i in range(50)}
        )


def test_processes_writing_at_once_lose_nothing_and_the_file_stays_bounded(tmp_path):
    path = str(tmp_path / "vectors.sqlite")
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_write, args=(path, n)) for n in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    assert [w.exitcode for w in workers] == [0, 0, 0]
    shared = SharedVectors(path, IDENTITY)
    found = shared.get([f"sentence {w}-{b}-{i}" for w in range(3) for b in range(20) for i in range(50)])
    assert len(found) == 3000 and found["sentence 2-19-49"].tolist() == [2.0] * 4

    small = SharedVectors(path, IDENTITY, max_rows=1000)
    small.put({f"new {i}": np.zeros(4, dtype=np.float32) for i in range(1000)})  # a trim is due
    kept = small.get([f"new {i}" for i in range(1000)])
    assert len(kept) == 900 and "new 999" in kept and "new 99" not in kept  # trimmed to 90%, newest kept
    assert len(small.get([f"sentence 0-0-{i}" for i in range(50)])) == 0  # the oldest went


def test_an_unusable_file_costs_time_never_an_answer(embed_model, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the folder should be")
    llm = ExtractiveLLM(embed_model=embed_model)
    llm.share_vectors(SharedVectors(blocked / "vectors.sqlite", IDENTITY))
    assert "7341" in _ask(llm)
    if os.geteuid() != 0:  # root reads any file: only an unprivileged user is refused
        unreadable = tmp_path / "unreadable.sqlite"
        SharedVectors(unreadable, IDENTITY).put({"x": np.zeros(2, dtype=np.float32)})
        unreadable.chmod(0)
        assert SharedVectors(unreadable, IDENTITY).get(["x"]) == {}
