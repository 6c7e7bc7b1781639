import pytest

from rag.registry import Provider, Registry, SourceType


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
    assert (plugin.needs_key, plugin.billed, plugin.generative, plugin.preflight) == (False, False, True, None)
    source = SourceType(config="rag.config:DirectorySourceConfig", factory="rag.sources.directory:DirectorySource")
    assert source.config_model().__name__ == "DirectorySourceConfig"
