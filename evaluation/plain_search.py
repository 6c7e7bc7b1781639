"""What a first version is judged against: plain search over its own pages, and a sanity check of its vectors.

*Plain search* is dense retrieval alone (no BM25, no page ranking) over the candidate's own index,
the same number of chunks as the agent's search, scored on the golden set with the agent's own
hit-rate and MRR scorers: what a team would have without the agent. It costs one query per
question and no second index, so a large first build is not doubled.

Because plain search shares the candidate's vectors, it cannot tell a broken embedding: the
*embedding check* can. Dense search must find a sample of chunks again from a part of their own
text; a working model finds nearly all (measured in benchmarks/RESULTS.md), random vectors almost none.

>>> from evaluation.golden import GoldenQuestion, GoldenSet
>>> from rag.config import RagConfig
>>> from rag.agent.local import build_index
>>> index, _ = build_index(RagConfig.model_validate(
...     {"sources": [{"type": "directory", "path": "docs", "include": ["serving.md", "chat.md"]}]}))
>>> golden = GoldenSet(name="one", content_hash="x", questions=[
...     GoldenQuestion(id="q1", question="How do I serve the agent?", reference_sources=["docs/serving.md"])])
>>> plain_search(index, golden, top_k=4)["hit_rate"].values
{'q1': 1.0}
>>> embedding_check(index).rate > 0.9
True
"""

from __future__ import annotations

import numpy as np

from evaluation.golden import GoldenSet
from evaluation.metric_specs import METRICS, questions_for
from evaluation.metrics import hit, reciprocal_rank
from evaluation.records import AnswerRecord, EmbeddingCheck, MetricScore
from rag.config import RetrievalConfig
from rag.index.docs_index import DocsIndex
from rag.retrieval.search import DocsSearch

CHECK_SAMPLE = 50  # chunks asked for by the embedding check
CHECK_MIN_WORDS = 20  # shorter chunks are skipped: half of a few words says little, whatever the model
CHECK_WORDS = 0.5  # the share of a chunk's words (its first half) that the check searches with
CHECK_TOP = 3  # found: the chunk, or one with the same text, is among the nearest this many


def plain_search(index: DocsIndex, golden: GoldenSet, top_k: int) -> dict[str, MetricScore]:
    """Hit rate and MRR of dense-only search over `index`, on the questions that have reference pages."""
    retriever = DocsSearch.from_defaults(
        index, RetrievalConfig(top_k=top_k, hybrid=False, page_weight=None, section_window=0)
    )
    questions = questions_for(METRICS["hit_rate"], golden)
    hits, ranks = {}, {}
    for q in questions:
        pages = list(
            dict.fromkeys(
                h.node.metadata.get("doc_id", h.node.ref_doc_id) for h in retriever.retrieve(q.question)
            )
        )
        record = AnswerRecord(id=q.id, question=q.question, answer="", contexts=[], source_ids=pages,
                              tool_calls=[], latency_s=0.0)  # fmt: skip
        hits[q.id], ranks[q.id] = hit(q, record), reciprocal_rank(q, record)
    return {
        "hit_rate": MetricScore(name="hit_rate", tier="offline", values=hits),
        "mrr": MetricScore(name="mrr", tier="offline", values=ranks),
    }


def embedding_check(index: DocsIndex, sample: int = CHECK_SAMPLE, seed: int = 0) -> EmbeddingCheck:
    """Dense search with the first half of each sampled chunk: is the chunk (or its twin) found again?"""
    total = index.manifest.vectors
    if total == 0:
        return EmbeddingCheck(found=0, asked=0)
    positions = sorted(
        np.random.default_rng(seed).choice(total, size=min(sample, total), replace=False).tolist()
    )
    nodes = index.nodes.get_nodes(index.nodes.node_ids_at(positions))
    found = asked = 0
    for position, node in zip(positions, nodes, strict=True):
        words = node.get_content().split()
        if len(words) < 4:  # too short to cut: nothing to learn from it
            continue
        asked += 1
        query = " ".join(words[: max(2, int(len(words) * CHECK_WORDS))])
        nearest = list(index.dense(index.embed_model.get_query_embedding(query), CHECK_TOP))
        if position in nearest or _twin(index, node.get_content(), nearest):
            found += 1
    return EmbeddingCheck(found=found, asked=asked)


def _twin(index: DocsIndex, text: str, positions: list[int]) -> bool:
    """A chunk with the same text (a page repeated under two paths) counts as found."""
    if not positions:
        return False
    return any(n.get_content() == text for n in index.nodes.get_nodes(index.nodes.node_ids_at(positions)))
