"""The agent wiring, driven by a scripted fake LLM (see tests/fakes.py) for exact control flow."""

from llama_index.core.agent.workflow import ReActAgent

from rag.agent.spec import AgentSpec, build_agent, open_session
from rag.providers import LLMS
from rag.registry import Provider
from tests.fakes import ScriptedLLM
from tests.helpers import registered


def test_agent_has_one_query_engine_tool_and_persona_prompt(agent_config, docs_index):
    spec = AgentSpec.from_config(agent_config)
    agent = build_agent(spec, docs_index)
    assert isinstance(agent, ReActAgent)
    assert [t.metadata.name for t in agent.tools] == ["docs_search"]
    assert spec.persona.name in agent.system_prompt and "don't know" in agent.system_prompt


def test_spec_round_trips_as_json(agent_config):
    spec = AgentSpec.from_config(agent_config)
    assert AgentSpec.model_validate_json(spec.model_dump_json()) == spec


def test_scripted_llm_drives_react_through_a_tool_call(agent_config, docs_index):
    script = [
        'Thought: I should search.\nAction: docs_search\nAction Input: {"input": "backup folder"}',
        "Thought: I know now.\nAnswer: Backups go to /var/backups/widgets.",
    ]
    fake = ScriptedLLM(script=script, calls=[])
    with registered(LLMS, "scripted", Provider(factory=lambda config, embed: fake)):
        spec = AgentSpec.from_config(
            agent_config.model_copy(
                update={"llm": agent_config.llm.model_copy(update={"provider": "scripted"})}
            )
        )
        with open_session(spec, docs_index) as session:
            reply = session.ask("Where do backups go?")
    assert reply.answer == "Backups go to /var/backups/widgets."
    assert [(c.tool, c.input) for c in reply.tool_calls] == [("docs_search", {"input": "backup folder"})]
    assert reply.sources[0].doc_id == "docs/backups.md"
    # The second LLM call saw the tool's observation, with doc ids to cite.
    observation = fake.calls[1][-1].content
    assert observation.startswith("Observation: doc_id: docs/backups.md")
    assert "Tool Name: docs_search" in fake.calls[0][0].content
