"""Agent Factory's RAG library: documents -> chunks -> embeddings -> FAISS -> ReAct agent.

Plain Python with LlamaIndex types at its edges; it never imports ZenML. Role folders, in the
order data flows: ``ingest`` (sources, text, sections, chunks, corpus), ``index`` (embeddings,
FAISS or pgvector, chunks in SQLite, BM25), ``retrieval`` (search, section windows), ``answer``
(the LLMs: extractive, section answers, remote) and ``agent`` (the spec, the ReAct agent, chat).
The flat modules are the core every folder uses: ``config``, ``errors``, ``registry`` and
``providers`` (plugins), ``secrets``, ``settings_file``, ``http``, ``preflight``, ``usage``.
Importing it changes nothing: programs call ``factory.bootstrap.bootstrap()`` first, which
applies the offline defaults (``rag.offline``).
"""
