"""Peak memory of a chat session over an index of N vectors (``python -m benchmarks.chat_memory N``).

Builds an N-vector index of real chunks' embeddings (repeated) without embedding N texts,
opens the extractive agent on it and asks five questions; prints JSON.
"""

from __future__ import annotations

import json
import sys

import numpy as np

from benchmarks.common import corpus_nodes, peak_rss_mb


def main(n: int) -> None:
    from pipelines.config import AgentConfig
    from rag.agent import AgentSpec, open_session
    from rag.config import IndexConfig
    from rag.embeddings import build_embedding, describe, embed_nodes
    from rag.index import DocsIndex

    config = AgentConfig.model_validate({"sources": [{"type": "directory", "path": "docs"}]})
    model = build_embedding(config.embedding)
    base = corpus_nodes(40)
    embed_nodes(base, model)
    rng = np.random.default_rng(0)
    nodes = corpus_nodes(n)
    for i, node in enumerate(nodes):  # real vectors, jittered so copies are distinct
        v = np.asarray(base[i % len(base)].embedding) + rng.normal(scale=0.02, size=384)
        node.embedding = (v / np.linalg.norm(v)).tolist()
    index = DocsIndex.build(nodes, model, config.embedding, describe(config.embedding, model), IndexConfig())
    session = open_session(AgentSpec.from_config(config), index)
    for q in ["How do I install Agent Factory?", "What is the chunk size?", "How are versions promoted?",
              "Which providers exist?", "How do I start the dashboard?"]:  # fmt: skip
        session.ask(q)
    print(json.dumps({"n": n, "index_type": index.manifest.index_type, "peak_rss_mb": peak_rss_mb()}))


if __name__ == "__main__":
    main(int(sys.argv[1]))
