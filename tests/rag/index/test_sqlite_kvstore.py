"""The docstore's key-value store: collections of JSON values in one SQLite file."""

import pytest

from rag.index.sqlite_kvstore import SqliteKVStore


def test_values_round_trip_by_collection_and_survive_a_reopen(tmp_path):
    store = SqliteKVStore(tmp_path / "kv.sqlite")
    store.put("a", {"text": "alpha"})
    store.put_all([("b", {"text": "beta"}), ("c", {"text": "gamma"})], collection="other")
    assert store.get("a") == {"text": "alpha"} and store.get("b") is None
    assert store.get_many(["b", "c", "zz"], collection="other") == {
        "b": {"text": "beta"},
        "c": {"text": "gamma"},
    }
    assert store.delete("a") and not store.delete("a")
    store.close()
    again = SqliteKVStore(tmp_path / "kv.sqlite", read_only=True)
    assert again.get_all(collection="other") == {"b": {"text": "beta"}, "c": {"text": "gamma"}}


def test_a_read_only_store_never_writes(tmp_path):
    SqliteKVStore(tmp_path / "kv.sqlite").put("a", {"x": 1})
    before = (tmp_path / "kv.sqlite").read_bytes()
    store = SqliteKVStore(tmp_path / "kv.sqlite", read_only=True)
    with pytest.raises(Exception, match="readonly|read-only"):
        store.put("b", {"x": 2})
    assert (tmp_path / "kv.sqlite").read_bytes() == before
