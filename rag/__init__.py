"""Agent Factory's RAG library: documents -> chunks -> embeddings -> FAISS -> ReAct agent.

Plain Python with LlamaIndex types at its edges; it never imports ZenML. Role folders, in the
order data flows: ``ingest`` (sources, text, sections, chunks, corpus), ``index`` (embeddings,
FAISS or pgvector, chunks in SQLite, BM25), ``retrieval`` (search, section windows), ``answer``
(the LLMs: extractive, section answers, remote) and ``agent`` (the spec, the ReAct agent, chat).
The flat modules are the core every folder uses: ``config``, ``errors``, ``registry`` and
``providers`` (plugins), ``secrets``, ``settings_file``, ``http``, ``preflight``, ``usage``.
Importing the package applies the offline defaults (see ``rag.offline``).
"""

from rag import moved
from rag.offline import apply_offline_defaults
from rag.secrets import redact_http_logs

apply_offline_defaults()
redact_http_logs()  # httpx logs each request's full URL: its credentials never reach a log

# Where modules went when rag/ was arranged by roles (versions stored before name the old paths).
moved.register({
    "rag.sources.text": "rag.ingest.text",
    "rag.sources.html_page": "rag.ingest.html_page",
    "rag.sources": "rag.ingest.sources",
    "rag.sections": "rag.ingest.sections",
    "rag.chunking": "rag.ingest.chunking",
    "rag.corpus_diff": "rag.ingest.corpus_diff",
    "rag.corpus": "rag.ingest.corpus",
    "rag.lineage": "rag.ingest.lineage",
    "rag.embedding_cache": "rag.index.embedding_cache",
    "rag.embeddings": "rag.index.embeddings",
    "rag.onnx_encoder": "rag.index.onnx_encoder",
    "rag.lexical": "rag.index.lexical",
    "rag.node_store": "rag.index.node_store",
    "rag.sqlite_kvstore": "rag.index.sqlite_kvstore",
    "rag.pgvector": "rag.index.pgvector",
    "rag.retrievers": "rag.retrieval.retrievers",
    "rag.section_window": "rag.retrieval.section_window",
    "rag.llms": "rag.answer",
    "rag.excerpt": "rag.answer.excerpt",
    "rag.chat": "rag.agent.chat",
    "rag.local": "rag.agent.local",
    "rag.collector": "rag.agent.collector",
})  # fmt: skip
