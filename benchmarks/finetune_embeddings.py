"""Does fine-tuning the packaged MiniLM on the corpus itself help retrieval? Measured, with its cost.

Run as ``python -m benchmarks.finetune_embeddings [ray|zenml] INDEX [STEPS]``: INDEX a folder
saved from the default build of that set (benchmarks/tuned_search.py builds the same). Pairs
come from the corpus alone, no LLM: each chunk's heading path (page title > section) against
its text, so questions are never seen in training. Training: in-batch negatives
(MultipleNegativesRankingLoss written out: cosine x 20, cross-entropy), batches of 32, 128
tokens, AdamW 3e-5 with warm-up, STEPS steps (80: 2,560 pairs), torch on the CPU. Then every
chunk is embedded again with the tuned model. Prints one JSON object: training and
re-embedding seconds, and page hit@5/10 and MRR@10 of the packaged and the tuned model on each
half of tune's split, dense alone, with the default search, and with the settings tune chose,
each with the held-out MRR@10 difference (tuned - packaged) and its paired bootstrap interval.
"""

from __future__ import annotations

import json
import random
import sys
import time

import numpy as np

from benchmarks.tuned_search import golden_set
from evaluation.page_hits import paired_interval, ranks_scores
from factory.tune import split
from rag.config import EmbeddingConfig
from rag.index.docs_index import DocsIndex
from rag.index.embeddings import build_embedding
from rag.retrieval.retrievers import page_by_page, reciprocal_rank_fusion

BATCH, TOKENS, POOL = 32, 128, 50
SEARCHES = {
    "dense": (None, None),
    "default": (3.0, None),
    "tuned": (1.0, 0.25),
}  # lexical_weight, page_weight


def heading_pairs(nodes: list, seed: int = 0) -> list[tuple[str, str]]:
    """(heading path, text) of every chunk that has a heading and 200+ characters, shuffled.

    >>> from llama_index.core.schema import TextNode
    >>> heading_pairs([TextNode(text="x" * 300, metadata={"title": "Serve", "section": "Autoscaling"})])[0][0]
    'Serve > Autoscaling'
    """
    pairs = []
    for node in nodes:
        head = " > ".join(x for x in (node.metadata.get("title", ""), node.metadata.get("section", "")) if x)
        if head and len(node.text) > 200:
            pairs.append((head, node.text[:1500]))
    random.Random(seed).shuffle(pairs)
    return pairs


def train(pairs: list[tuple[str, str]], steps: int):  # -> SentenceTransformer
    import torch
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(build_embedding(EmbeddingConfig()).model_path, device="cpu")
    model.max_seq_length = TOKENS
    total = min(steps, len(pairs) // BATCH)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-5)
    warm = max(1, total // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / warm) * (total - s) / total
    )
    model.train()
    for step in range(total):
        batch = pairs[step * BATCH : (step + 1) * BATCH]
        heads, texts = (torch.nn.functional.normalize(model(model.tokenize(side))["sentence_embedding"], dim=-1)
                        for side in ([h for h, _ in batch], [t for _, t in batch]))  # fmt: skip
        loss = torch.nn.functional.cross_entropy(heads @ texts.T * 20.0, torch.arange(len(batch)))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        if step % 10 == 0:
            print(f"step {step}/{total} loss {loss.item():.3f}", file=sys.stderr, flush=True)
    return model.eval()


def ranks(index: DocsIndex, vectors: np.ndarray, queries: np.ndarray, questions: list, search: str) -> list:
    lexical, page_weight = SEARCHES[search]
    pages = [i.rsplit("#", 1)[0] for i in index.nodes.node_ids_at(range(len(vectors)))]
    out = []
    for q, v in zip(questions, queries, strict=True):
        s = vectors @ v
        top = np.argpartition(-s, POOL)[:POOL]
        rankings, weights = [[int(i) for i in top[np.argsort(-s[top])]]], [1.0]
        if lexical is not None:
            rankings.append([p for p, _ in index.bm25.search(q.question, POOL)])
            weights.append(lexical)
        fused = reciprocal_rank_fusion(rankings, 60, weights)
        order = page_by_page(fused, {p: pages[p] for p in fused}, page_weight) if page_weight else list(fused)
        found = list(dict.fromkeys(pages[p] for p in order))
        out.append(found.index(q.reference_sources[0]) + 1 if q.reference_sources[0] in found else None)
    return out


def main(name: str, index_dir: str, steps: int) -> dict:
    index = DocsIndex.load(index_dir)
    n = len(index.nodes)
    ids = index.nodes.node_ids_at(range(n))
    nodes = [node for start in range(0, n, 500) for node in index.nodes.get_nodes(ids[start : start + 500])]
    start = time.perf_counter()
    model = train(heading_pairs(nodes), steps)
    train_s, start = time.perf_counter() - start, time.perf_counter()
    texts = [node.get_content(metadata_mode="embed") for node in nodes]
    tuned_vectors = model.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)
    embed_s = time.perf_counter() - start
    questions = golden_set(name, index.doc_ids()).questions
    held = np.isin([q.id for q in questions], split([q.id for q in questions])["held_out"])
    base = (np.vstack(index.vectors(list(range(n)))),
            np.array([index.embed_model.get_query_embedding(q.question) for q in questions], dtype=np.float32))  # fmt: skip
    tuned = (tuned_vectors, model.encode([q.question for q in questions], normalize_embeddings=True))
    rows = []
    for search in SEARCHES:
        got = {
            label: ranks_scores(ranks(index, *vq, questions, search))
            for label, vq in (("packaged", base), ("tuned", tuned))
        }
        for label, scores in got.items():
            rows.append({"model": label, "search": search,
                         **{half: {m: float(v[mask].mean()) for m, v in scores.items()}
                            for half, mask in (("tune", ~held), ("held_out", held))},
                         "held_out_mrr_diff_ci": paired_interval(scores["mrr@10"][held], got["packaged"]["mrr@10"][held])})  # fmt: skip
    return {"dataset": name, "chunks": n, "pairs": steps * BATCH, "steps": steps, "train_s": train_s,
            "embed_s": embed_s, "rows": rows}  # fmt: skip


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 80)))
