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
