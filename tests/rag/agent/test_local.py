from rag.agent.local import build_local_agent, open_local_agent


def test_build_and_open_a_local_agent_folder(agent_config, tmp_path):
    corpus = build_local_agent(agent_config, tmp_path / "agent")
    assert corpus.documents == 5 and corpus.chunks >= 5
    assert {p.name for p in (tmp_path / "agent").iterdir()} >= {"agent.json", "corpus.json", "manifest.json"}
    session = open_local_agent(tmp_path / "agent")
    try:
        assert "ultramarine" in session.ask("What is the default theme colour of the dashboard?").answer
    finally:
        session.close()
