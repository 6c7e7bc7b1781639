"""The one place search is assembled: a RetrievalConfig and an index in, a LlamaIndex retriever out.

The agent's tool, the evaluation (plain search included), the benchmarks and ``ask`` all
search through :class:`DocsSearch`, so a setting or a step added here is used, evaluated and
measured alike. A search is:

1. **candidates**: dense search fused with BM25, pages ranked when asked (DocsRetriever);
2. **steps**, in config order: each reads the best ``candidates`` of the list and reorders
   (or drops) them; the rest follow in their order (rerankers: rag/retrieval/rerank/; plugins
   through the ``agent_factory.search_steps`` entry points, see rag/registry.py);
3. the first ``top_k``.

For an answer, :func:`build_query_engine` adds the section window (rag/retrieval/section_window.py).
Scores stay the cosine similarities of step 1 whatever a step does to the order, so a score
threshold means the same with or without a reranker.

>>> from llama_index.core.schema import TextNode
>>> from rag.config import EmbeddingConfig, IndexConfig, RetrievalConfig
>>> from rag.index.embeddings import build_embedding, describe
>>> model = build_embedding(EmbeddingConfig())
>>> nodes = [TextNode(text="The server listens on port 7341.", metadata={"doc_id": "ports.md"}),
...          TextNode(text="Backups run every night.", metadata={"doc_id": "backups.md"})]
>>> index = DocsIndex.build(nodes, model, EmbeddingConfig(), describe(EmbeddingConfig(), model), IndexConfig())
>>> search = DocsSearch.from_defaults(index, RetrievalConfig(top_k=1))
>>> [hit.node.metadata["doc_id"] for hit in search.retrieve("Which port?")]
['ports.md']
"""

from __future__ import annotations

from collections.abc import Callable

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.indices.prompt_helper import ChatPromptHelper, PromptHelper
from llama_index.core.llms import LLM
from llama_index.core.postprocessor.types import BaseNodePostprocessor
from llama_index.core.query_engine import RetrieverQueryEngine
from llama_index.core.response_synthesizers.context_only import ContextOnly
from llama_index.core.schema import NodeWithScore, QueryBundle

from rag import tracing
from rag.config import RetrievalConfig
from rag.index.docs_index import DocsIndex
from rag.providers import SEARCH_STEPS
from rag.retrieval.retrievers import DocsRetriever
from rag.retrieval.section_window import SectionWindow


class DocsSearch(BaseRetriever):
    """Candidates, then each step over the best of them, then the top k (see the module docstring)."""

    def __init__(
        self, index: DocsIndex, config: RetrievalConfig, steps: list[tuple[int, BaseNodePostprocessor]]
    ) -> None:
        super().__init__()
        self.index, self.config, self.steps = index, config, steps
        pool = max([config.top_k, *(n for n, _ in steps)])
        self.candidates = DocsRetriever(index, config.model_copy(update={"top_k": pool}))

    @classmethod
    def from_defaults(cls, index: DocsIndex, config: RetrievalConfig | None = None) -> DocsSearch:
        """The search `config` describes (the defaults when None), its steps built from the registry."""
        config = config or RetrievalConfig()
        steps = [(s.candidates, SEARCH_STEPS.get(s.type).build(s, index)) for s in config.steps]
        return cls(index, config, steps)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        hits = self.candidates.retrieve(query_bundle)
        for (reads, step), settings in zip(self.steps, self.config.steps, strict=True):
            with tracing.span(f"search step {settings.type}", "RERANKER", {"reranker.top_k": reads}) as span:
                tracing.documents(span, hits[:reads], "reranker.input_documents")
                hits = step.postprocess_nodes(hits[:reads], query_bundle=query_bundle) + hits[reads:]
                tracing.documents(span, hits[:reads], "reranker.output_documents")
        return hits[: self.config.top_k]


def build_query_engine(
    index: DocsIndex, config: RetrievalConfig, llm: LLM, tokenizer: Callable[[str], list] | None = None
) -> RetrieverQueryEngine:
    """The agent tool's engine: the search, each hit widened to its section, passages returned as they
    are. `tokenizer` counts the LLM's tokens (None: LlamaIndex's default, tiktoken)."""
    window = config.section_window
    # context_only: the tool returns the retrieved chunks; the agent's LLM writes the answer once.
    return RetrieverQueryEngine(
        retriever=DocsSearch.from_defaults(index, config),
        response_synthesizer=ContextOnly(
            llm=llm,
            prompt_helper=PromptHelper.from_llm_metadata(llm.metadata, tokenizer=tokenizer),
            chat_prompt_helper=ChatPromptHelper.from_llm_metadata(llm.metadata, tokenizer=tokenizer),
        ),
        node_postprocessors=[SectionWindow(docstore=index.docstore, max_chars=window)] if window else [],
    )


def retrieve(
    index: DocsIndex, query: str, top_k: int = 4, config: RetrievalConfig | None = None
) -> list[NodeWithScore]:
    """The `top_k` chunks for `query` with `config`'s search (the defaults when None)."""
    config = (config or RetrievalConfig()).model_copy(update={"top_k": top_k})
    return DocsSearch.from_defaults(index, config).retrieve(query)
