"""AgentService over real local agents: stateless follow-ups, and a version swap under way."""

from __future__ import annotations

import asyncio

import pytest

from rag.agent.chat import QuestionError
from rag.agent.local import build_local_agent, load_local_parts
from rag.agent.spec import build_agent
from serving.service import AgentService, Answered, Loaded, Turn
from tests.helpers import gutted, make_config, write_corpus, write_golden


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("service")
    golden = write_golden(root / "golden.jsonl")
    out = []
    for name, files in (("full", None), ("gutted", gutted())):
        corpus = write_corpus(root / f"docs-{name}", files) if files else write_corpus(root / f"docs-{name}")
        build_local_agent(make_config("svc", corpus, golden), root / name)
        out.append(root / name)
    return out


def _loader(folder):
    def load() -> Loaded:
        index, spec = load_local_parts(folder)
        return Loaded(folder.name, folder.name, spec, index, build_agent(spec, index))

    return load


def answer(service: AgentService, question: str, history=()) -> Answered:
    async def run() -> Answered:
        events = [e async for e in service.answer(Turn(question=question, history=list(history)))]
        assert all(isinstance(e, str) for e in events[:-1])  # text deltas, then the answer
        return events[-1]

    return asyncio.run(run())


def test_follow_up_is_resolved_from_the_history_sent(folders):
    service = AgentService(_loader(folders[0]))
    try:
        history = [("user", "Which TCP port does the widget server listen on?"), ("assistant", "Port 7341.")]
        assert "WIDGET_PORT" in answer(service, "How can I change it?", history).answer
        with pytest.raises(QuestionError, match="max_question_chars"):
            service.check("why " * 2000)
    finally:
        service.close()


def test_refresh_swaps_version_and_a_running_answer_keeps_its_own(folders):
    current = {"id": "full"}
    loads = {"full": _loader(folders[0]), "gutted": _loader(folders[1])}
    service = AgentService(lambda: loads[current["id"]](), lambda: current["id"], reload_every_s=3600)
    try:
        assert not service.refresh()  # nothing promoted: nothing loaded again

        async def during_swap() -> Answered:
            events = service.answer(Turn(question="When are backups of the widget database written?"))
            first = await events.__anext__()  # under way on "full"...
            current["id"] = "gutted"
            assert service.refresh()  # ...when "gutted" is promoted
            rest = [e async for e in events]
            return ([first, *rest])[-1]

        in_flight = asyncio.run(during_swap())
        assert in_flight.version == "full" and "02:00" in in_flight.answer
        after = answer(service, "When are backups of the widget database written?")
        assert after.version == "gutted" and "02:00" not in after.answer
    finally:
        service.close()
