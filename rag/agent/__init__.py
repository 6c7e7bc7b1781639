"""The agent: what a version answers with, and the conversations it holds.

``spec`` is the AgentSpec (persona, tool, LLM, retrieval: everything but the index) and the
LlamaIndex ReAct agent built from it; ``chat`` keeps a conversation's history and answers
through the agent; ``local`` builds or opens an index folder without ZenML (``agent-factory
index`` and ``ask --index``); ``collector`` counts what a question costs.
"""

# Versions stored before the role folders recorded the spec as ``rag.agent.AgentSpec``.
from rag.agent.spec import AgentSpec

__all__ = ["AgentSpec"]
