from pathlib import Path

import pytest

from factory.config import AgentConfig, load_config
from rag.settings_file import ConfigError
from tests.helpers import config_error

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "agent.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_default_config_loads_with_documented_defaults():
    config = load_config(ROOT / "configs" / "default.yaml")
    assert config.name == "docs_agent"
    assert config.chunking.chunk_size == 1000
    assert config.embedding.provider == "local"
    assert config.llm.provider == "extractive"
    assert config.sources[0].path == (ROOT / "docs").resolve()


def test_relative_source_paths_resolve_against_config_folder(tmp_path):
    path = write(tmp_path, "sources:\n  - type: directory\n    path: corpus\n")
    assert load_config(path).sources[0].path == (tmp_path / "corpus").resolve()


def test_unknown_key_names_file_line_and_key(tmp_path):
    path = write(tmp_path, "sources:\n  - type: directory\n    path: d\nchunking:\n  chunk_sise: 10\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert f"{path}:5: chunking.chunk_sise: unknown key" in str(err.value)


def test_bad_value_names_the_key(tmp_path):
    path = write(tmp_path, "sources:\n  - type: directory\n    path: d\nretrieval:\n  top_k: 0\n")
    with pytest.raises(ConfigError, match=r"agent.yaml:5: retrieval.top_k: Input should be greater"):
        load_config(path)


def test_overlap_must_be_below_size(tmp_path):
    path = write(
        tmp_path,
        "sources:\n  - {type: directory, path: d}\nchunking: {chunk_size: 200, chunk_overlap: 200}\n",
    )
    with pytest.raises(ConfigError, match="chunk_overlap must be smaller"):
        load_config(path)


def test_unknown_provider_lists_known_ones(tmp_path):
    path = write(tmp_path, "sources:\n  - {type: directory, path: d}\nllm:\n  provider: gpt5\n")
    with pytest.raises(ConfigError, match=r"llm.provider: .*unknown provider 'gpt5'; known: extractive"):
        load_config(path)


def test_malformed_yaml_names_the_line(tmp_path):
    path = write(tmp_path, "sources:\n  - type: directory\n   path: [unclosed\n")
    with pytest.raises(ConfigError, match=r"agent.yaml:\d+: invalid YAML"):
        load_config(path)


def test_missing_sources_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="sources: Field required"):
        load_config(write(tmp_path, "name: x\n"))


def test_duplicate_source_names_rejected():
    with pytest.raises(ValueError, match="source names must be unique"):
        AgentConfig.model_validate(
            {"sources": [{"type": "directory", "path": "a"}, {"type": "directory", "path": "b"}]}
        )


def test_config_round_trips_through_json():
    config = AgentConfig.model_validate({"sources": [{"type": "directory", "path": "a"}]})
    assert AgentConfig.model_validate_json(config.model_dump_json()) == config


def test_seed_config_with_web_git_and_slack_sources_loads():
    config = load_config(ROOT / "configs" / "seed.yaml")
    assert [s.type for s in config.sources] == ["web", "git", "slack"]
    assert config.sources[1].repo.startswith("https://")


def test_source_patterns_cannot_leave_the_root(tmp_path):
    path = tmp_path / "agent.yaml"
    message = config_error(
        path, "sources:\n  - type: directory\n    path: docs\n    include: ['../secrets/*.md', '**/*.md']\n"
    )
    assert "agent.yaml:4: sources.0.include:" in message and "../secrets/*.md" in message
    git = "sources:\n  - type: git\n    repo: https://example.org/r.git\n    include: ['/etc/*']\n"
    assert "agent.yaml:4: sources.0.include:" in config_error(path, git)


@pytest.mark.parametrize(
    "name", sorted(p.name for p in (Path(__file__).parents[2] / "configs").glob("*.yaml"))
)
def test_every_shipped_config_loads(name):
    config = load_config(Path(__file__).parents[2] / "configs" / name)
    assert config.sources


def test_persona_and_tool_speak_for_the_configs_own_agent():
    from rag.config import RagConfig

    config = RagConfig.model_validate(
        {"name": "acme_docs", "sources": [{"type": "directory", "path": "docs"}]}
    )
    assert "Agent Factory" not in config.persona.model_dump_json() + config.tool.description
    assert (
        config.persona.name == "acme docs assistant" and "acme docs documentation" in config.tool.description
    )
    kept = RagConfig.model_validate({"name": "acme_docs", "persona": {"name": "Ace"},
                                     "sources": [{"type": "directory", "path": "docs"}]})  # fmt: skip
    assert kept.persona.name == "Ace" and "acme docs" in kept.persona.description


def test_scp_style_git_urls_are_remote_not_local_paths(tmp_path):
    from factory.config import load_config

    config = tmp_path / "agent.yaml"
    config.write_text("sources:\n  - type: git\n    repo: git@github.com:org/repo.git\n  - type: git\n"
                      "    name: local\n    repo: ../checkout\n")  # fmt: skip
    sources = load_config(config).sources
    assert sources[0].repo == "git@github.com:org/repo.git"
    assert sources[1].repo == str((tmp_path / "../checkout").resolve())
