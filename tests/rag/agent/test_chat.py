"""The real ReAct agent with the embedded extractive LLM over a real FAISS index."""


def test_answers_a_docs_question_with_the_right_source(session):
    reply = session.ask("Which TCP port does the widget server listen on?")
    assert "7341" in reply.answer
    assert reply.sources[0].doc_id == "docs/ports.rst"
    assert "docs/ports.rst" in reply.answer  # cited
    assert len(reply.tool_calls) == 1 and reply.latency_s > 0


def test_says_it_does_not_know_for_an_unrelated_question(session):
    reply = session.ask("Who won the football world cup in 1998?")
    assert reply.answer.startswith("I don't know")


def test_follow_up_uses_the_previous_turn(session):
    first = session.ask("What is the default theme colour of the dashboard?")
    assert "ultramarine" in first.answer
    follow = session.ask("Where can I change it?")
    assert follow.tool_calls[0].input["input"].startswith("What is the default theme colour")
    assert "appearance settings" in follow.answer


def test_stream_yields_the_answer_and_records_history(session):
    text = "".join(session.stream("When are backups written?"))
    assert "02:00" in text
    assert session.history[-1].answer == text.strip()


def test_reset_forgets_the_conversation(session):
    session.ask("What is the default theme colour of the dashboard?")
    session.reset()
    reply = session.ask("Where can I change it?")
    assert session.history == [reply]
    assert reply.tool_calls[0].input["input"] == "Where can I change it?"


def test_section_answers_keep_follow_ups_through_the_react_loop(agent_config, docs_index):
    from rag.agent.spec import AgentSpec, open_session

    spec = AgentSpec.from_config(agent_config)
    llm = spec.llm.model_copy(update={"params": {"answer": "section"}})
    retrieval = spec.retrieval.model_copy(update={"section_window": 3000})
    with open_session(spec.model_copy(update={"llm": llm, "retrieval": retrieval}), docs_index) as chat:
        first = chat.ask("What is the default theme colour of the dashboard?")
        follow = chat.ask("Where can I change it?")
    assert first.answer.startswith("Colors\n\nThe default theme colour") and "ultramarine" in first.answer
    assert follow.tool_calls[0].input["input"].startswith("What is the default theme colour")
    assert "appearance settings" in follow.answer and follow.answer.endswith("[1] docs/colors.md")
