"""Questions written by an LLM, checked by a critic. The LLM is benchmarks/fake_openai.py: a scripted
OpenAI-compatible server on 127.0.0.1 (real HTTP); its replies below are written for this test."""

from __future__ import annotations

from pathlib import Path

from benchmarks.fake_openai import FakeOpenAI, Request
from evaluation.generation.generate import GenerateSettings, estimate_generation, generate
from factory.config import AgentConfig
from tests.helpers import write_corpus

FILLER = " It is described in full on this page, with every option and its default value listed." * 3
PAGES = {
    "ports.md": "# Ports\n\nThe widget server listens on TCP port 7341 unless WIDGET_PORT says otherwise."
    + FILLER,
    "themes.md": "# Themes\n\nThe default theme colour of the widget dashboard is ultramarine blue." + FILLER,
    "backup.md": "# Backups\n\nRun widgetctl backup to write a snapshot of every dashboard to backups/."
    + FILLER,
    "notes.md": "# Release notes\n\nVersion 2 renamed the setup command to widgetctl setup." + FILLER,
}
WRITTEN = {  # passage keyword -> what the scripted writer replies
    "7341": '{"question": "What port does the widget server use?", "answer": "7341"}',
    "ultramarine": '```json\n{"question": "Which colour is the dashboard by default?", "answer": "Ultramarine blue."}\n```',
    "backup": '{"question": "How much does a widget licence cost?", "answer": "It is not said."}',  # the critic's catch
    "renamed": "Sure! Here is a question about the release notes.",  # not JSON: dropped, counted
}


def _reply(request: Request) -> str:
    prompt = request.prompt
    if "Does the passage alone fully answer the question?" in prompt:
        return "no" if "licence" in prompt else "Yes."
    return next(reply for key, reply in WRITTEN.items() if key in prompt)


def _config(tmp_path: Path, server: FakeOpenAI) -> AgentConfig:
    corpus = write_corpus(tmp_path / "corpus", PAGES)
    llm = {"provider": "openai_like", "model": "fake-judge", "api_base": server.base_url, "max_retries": 1}
    return AgentConfig(name="widgets", sources=[{"type": "directory", "name": "docs", "path": str(corpus)}],
                       evaluation={"judge": {"llm": llm}})  # fmt: skip


def test_the_critic_drops_a_question_its_passage_does_not_answer(tmp_path):
    with FakeOpenAI(reply=_reply) as server:
        made = generate(_config(tmp_path, server), GenerateSettings(max_questions=4, refusal_share=0))
    questions = {c.question.question: c.question for c in made.candidates}
    assert set(questions) == {
        "What port does the widget server use?",
        "Which colour is the dashboard by default?",
    }
    port = questions["What port does the widget server use?"]
    assert port.reference_sources == ["docs/ports.md"] and port.reference_answer == "7341"
    assert port.generated_by == "llm/openai_like:fake-judge" and "7341" in port.reference_contexts[0]
    report = made.llm
    assert (report.dropped_by_critic, report.unparseable, report.failed_calls) == (1, 1, 0)
    assert (
        report.calls == len(server.completions()) == 7
    )  # four writers, three critics (not the unparseable one)
    assert report.prompt_tokens > 0 and report.completion_tokens > 0


def test_calls_are_bounded_and_a_dry_run_calls_nothing(tmp_path):
    with FakeOpenAI(reply=_reply) as server:
        config = _config(tmp_path, server)
        maker, cost = estimate_generation(config, GenerateSettings(max_questions=4, refusal_share=0))
        assert server.completions() == [] and maker == "llm/openai_like:fake-judge"
        assert cost.calls == 8 and cost.prompt_tokens > 4 * 100
        made = generate(config, GenerateSettings(max_questions=4, refusal_share=0, max_calls=3))
    assert (
        made.llm.calls == len(server.completions()) == 2
    )  # a writer and its critic; a third call could not pair
    assert len(made.candidates) <= 1


def test_offline_wins_when_asked_even_with_an_llm_configured(tmp_path):
    with FakeOpenAI(reply=_reply) as server:
        made = generate(_config(tmp_path, server), GenerateSettings(max_questions=4, offline=True))
        assert server.completions() == [] and made.llm is None
    assert all(c.question.generated_by.startswith("offline/") for c in made.candidates)
