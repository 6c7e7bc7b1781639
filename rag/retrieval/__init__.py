"""Retrieval: the chunks an agent reads for a question, over an index (rag.index).

``retrievers`` holds DocsRetriever (dense search fused with BM25, optionally page by page, a
LlamaIndex BaseRetriever) and ``retrieve()``; ``section_window`` widens a hit to the section
around it, so an answer reads whole sections.
"""
