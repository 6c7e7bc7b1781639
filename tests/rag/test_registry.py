import os
import shutil
import subprocess
from pathlib import Path

import pytest

from rag.registry import Provider, Registry, SourceType
from tests.helpers import run_cli


def test_lazy_string_factories_import_on_first_use():
    registry = Registry("thing")
    registry.register("json", Provider(factory="json:dumps"))
    assert registry.names() == ["json"] and "json" in registry
    assert registry.get("json").build({"a": 1}) == '{"a": 1}'


def test_unknown_names_list_the_known_ones():
    registry = Registry("llm provider")
    registry.register("b", Provider(factory=lambda: 1))
    registry.register("a", Provider(factory=lambda: 2))
    with pytest.raises(KeyError, match="unknown llm provider 'c'; known: a, b"):
        registry.get("c")
    registry.unregister("a")
    assert registry.names() == ["b"]


def test_traits_default_to_a_free_local_generative_provider():
    plugin = Provider(factory="json:dumps")
    assert (plugin.needs_key, plugin.billed, plugin.generative, plugin.preflight) == (
        False,
        False,
        True,
        None,
    )
    source = SourceType(
        config="rag.ingest.sources.directory:DirectorySourceConfig",
        factory="rag.ingest.sources.directory:DirectorySource",
    )
    assert source.config_model().__name__ == "DirectorySourceConfig"


ENTRY_POINTS = """[agent_factory.sources]
notes = af_example_plugin:NOTES
[agent_factory.embeddings]
example_minilm = af_example_plugin:MINILM
[agent_factory.llms]
example_keyed = af_example_plugin:KEYED
"""
CONFIG = """name: plugin_agent
sources:
  - type: notes
    path: notes.txt
embedding: {provider: example_minilm}
llm: {provider: example_keyed, api_key_env: EXAMPLE_PLUGIN_KEY}
"""


@pytest.fixture(scope="module")
def installed_plugin(tmp_path_factory):
    """The example plugin installed as pip would: the module plus a dist-info with entry points."""
    site = tmp_path_factory.mktemp("site")
    shutil.copy(Path(__file__).parents[1] / "plugin_example" / "af_example_plugin.py", site)
    info = site / "af_example_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: af-example-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(ENTRY_POINTS)
    return site


def _cli(site: Path, cwd: Path, *args: str, key: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "EXAMPLE_PLUGIN_KEY"}
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(Path(__file__).parents[2])])
    if key:
        env["EXAMPLE_PLUGIN_KEY"] = key
    return run_cli(*args, cwd=cwd, env=env, timeout=300)


def test_a_plugin_package_adds_a_source_an_embedding_and_an_llm(installed_plugin, tmp_path):
    (tmp_path / "notes.txt").write_text(
        "The lighthouse keeper winds the clock every Sunday.\n\nThe ferry to the island leaves at 07:15."
    )
    (tmp_path / "agent.yaml").write_text(CONFIG)
    # The plugin's trait and its own preflight: its key is required, and named when missing.
    missing = _cli(installed_plugin, tmp_path, "preflight", "--config", "agent.yaml")
    assert (
        missing.returncode == 1
        and "llm.api_key_env: environment variable EXAMPLE_PLUGIN_KEY" in missing.stderr
    )
    assert "Traceback" not in missing.stderr
    built = _cli(installed_plugin, tmp_path, "index", "--config", "agent.yaml", "--out", "agent", key="k")
    assert built.returncode == 0, built.stderr
    assert "indexed 2 documents" in built.stdout
    # A keyed folder answers when the user's own config names its endpoint (a foreign one would not).
    asked = _cli(
        installed_plugin,
        tmp_path,
        "ask",
        "When does the ferry leave?",
        "--index",
        "agent",
        "--config",
        "agent.yaml",
        key="k",
    )
    assert asked.returncode == 0, asked.stderr
    assert "07:15" in asked.stdout and "notes/note-1" in asked.stdout


def test_without_the_plugin_its_names_are_unknown(tmp_path):
    (tmp_path / "agent.yaml").write_text(CONFIG)
    result = _cli(tmp_path / "empty-site", tmp_path, "preflight", "--config", "agent.yaml")
    assert result.returncode == 1 and "unknown source type 'notes'" in result.stderr
