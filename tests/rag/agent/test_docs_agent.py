"""rag/agent/docs_agent.py: the agent's memory counts tokens as its LLM's provider says."""

from __future__ import annotations

import json
import subprocess
import sys


def test_the_extractive_agent_counts_tokens_without_tiktoken(agent_config, docs_index, tmp_path):
    """tiktoken takes about a second to load, a quarter of a cold `ask`: the default agent needs none."""
    from rag.agent.local import AGENT_FILE
    from rag.agent.spec import AgentSpec

    docs_index.save(tmp_path / "agent", {AGENT_FILE: AgentSpec.from_config(agent_config).model_dump_json()})
    code = f"""
import json
from factory.bootstrap import bootstrap; bootstrap()
import llama_index.core
from rag.agent.local import open_local_agent
with open_local_agent({str(tmp_path / "agent")!r}) as chat:
    first = chat.ask("Which TCP port does the server listen on?").answer
    chat.ask("And how do I change it?")
    counted = chat._memory.tokenizer_fn("Run `zenml up`, then serve.")
print(json.dumps([first, len(counted), llama_index.core.global_tokenizer is not None]))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    first, counted, tiktoken_loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert "7341" in first and counted == 9 and not tiktoken_loaded, out.stderr
