import pytest

from rag.registry import Registry


def test_lazy_string_factories_import_on_first_use():
    registry = Registry("thing")
    registry.register("json", "json:dumps")
    assert registry.names() == ["json"] and "json" in registry
    assert registry.get("json")({"a": 1}) == '{"a": 1}'


def test_unknown_names_list_the_known_ones():
    registry = Registry("llm")
    registry.register("b", lambda: 1)
    registry.register("a", lambda: 2)
    with pytest.raises(KeyError, match="unknown llm provider 'c'; known: a, b"):
        registry.get("c")
    registry.unregister("a")
    assert registry.names() == ["b"]
