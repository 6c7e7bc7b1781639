"""Defaults live in one place: a config naming only its sources builds the shipped default agent."""

from __future__ import annotations

from pathlib import Path

from factory.config import load_config
from rag.agent.spec import AgentSpec

ROOT = Path(__file__).resolve().parents[2]


def test_a_minimal_config_gets_the_same_agent_settings_as_the_default(tmp_path):
    minimal = tmp_path / "agent.yaml"
    minimal.write_text(
        f"name: docs_agent\nsources:\n  - type: directory\n    name: docs\n    path: {ROOT / 'docs'}\n"
    )
    default, mine = (
        AgentSpec.from_config(load_config(p)) for p in (ROOT / "configs" / "default.yaml", minimal)
    )
    for part in ("llm", "retrieval", "embedding", "chat"):
        assert getattr(mine, part) == getattr(default, part), part
    assert load_config(minimal).chunking == load_config(ROOT / "configs" / "default.yaml").chunking
    assert mine.retrieval.section_window == 3000 and mine.llm.params == {}  # section answers by default


def test_a_spec_stored_before_version_2_answers_as_it_did():
    stored = AgentSpec.from_config(load_config(ROOT / "configs" / "default.yaml")).model_dump(mode="json")
    stored.pop("spec_version")
    stored["retrieval"].pop("section_window")
    stored["llm"]["params"] = {}
    old = AgentSpec.model_validate(stored)
    assert old.llm.params == {"answer": "sentences"} and old.retrieval.section_window == 0
    again = AgentSpec.model_validate(old.model_dump(mode="json"))  # a second load changes nothing
    assert again == old
