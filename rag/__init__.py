"""Agent Factory's RAG library: documents -> chunks -> embeddings -> FAISS -> ReAct agent.

Plain Python with LlamaIndex types at its edges; it never imports ZenML.
Importing the package applies the offline defaults (see ``rag.offline``).
"""

from rag.offline import apply_offline_defaults

apply_offline_defaults()
