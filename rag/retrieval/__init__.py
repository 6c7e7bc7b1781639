"""Retrieval: the chunks an agent reads for a question, over an index (rag.index).

``search`` assembles the whole search from a RetrievalConfig (DocsSearch, ``retrieve()``,
the agent tool's query engine): everything that searches goes through it. ``retrievers``
finds the candidates (dense search fused with BM25, optionally page by page); ``rerank``
holds the built-in search steps (HTTP and ONNX cross-encoders); ``section_window`` widens a
hit to the section around it, so an answer reads whole sections.
"""
