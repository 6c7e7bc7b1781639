"""A lookup's answer is reused only while the store is as it was: any write, config or env change forgets it."""

import os
import sqlite3
import time
from pathlib import Path

import pytest

from factory import resolved
from factory.resolved import Resolved, recall, remember, store_stamp


def _age(path: Path, seconds: float = 60.0) -> None:
    """A store last written `seconds` ago (not within the racy window of a write)."""
    then = time.time() - seconds
    os.utime(path, (then, then))


@pytest.fixture()
def local_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ZenML config folder naming a SQLite store, as `zenml init` writes it; returns the database."""
    database = tmp_path / "zenml.db"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE model_version (name TEXT, stage TEXT)")
        db.execute("INSERT INTO model_version VALUES ('1', 'production')")
    _age(database)
    (tmp_path / "config.yaml").write_text(f"active_project_id: p1\nstore:\n  url: sqlite:///{database}\n")
    monkeypatch.setenv("ZENML_CONFIG_PATH", str(tmp_path))
    monkeypatch.setenv("AGENT_FACTORY_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    return database


def _entry(stamp: str) -> Resolved:
    return Resolved(stamp=stamp, version="1", index_folder="/nowhere", spec={})


def test_an_unchanged_store_gives_the_last_answer_back(local_store: Path):
    remember("m", "production", _entry(store_stamp()))
    assert recall("m", "production").version == "1"
    assert recall("m", "staging") is None and recall("other", "production") is None


def test_a_committed_write_forgets_it_even_at_the_same_size_and_time(local_store: Path):
    remember("m", "production", _entry(store_stamp()))
    stat = local_store.stat()
    with sqlite3.connect(local_store) as db:  # a promotion: same rows, same size
        db.execute("UPDATE model_version SET stage = 'archived'")
    os.utime(local_store, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # and a clock that did not tick
    assert local_store.stat().st_size == stat.st_size
    assert recall("m", "production") is None  # SQLite's change counter moved


def test_config_environment_and_repository_are_part_of_the_stamp(local_store: Path, monkeypatch):
    before = store_stamp()
    monkeypatch.setenv("ZENML_ACTIVE_PROJECT_ID", "p2")
    assert store_stamp() != before
    monkeypatch.delenv("ZENML_ACTIVE_PROJECT_ID")
    (local_store.parent / ".zen").mkdir()
    (local_store.parent / ".zen" / "config.yaml").write_text("active_stack_id: s2\n")
    assert store_stamp() != before


def test_a_server_a_fresh_write_or_no_store_is_always_asked(local_store: Path, monkeypatch):
    os.utime(local_store)  # written just now: another write may follow within the same clock tick
    assert store_stamp() is None
    _age(local_store)
    monkeypatch.setenv("ZENML_STORE_URL", "https://zenml.example.com")
    assert store_stamp() is None
    monkeypatch.delenv("ZENML_STORE_URL")
    local_store.unlink()
    assert store_stamp() is None


def test_a_lost_index_folder_or_an_unreadable_entry_is_looked_up_again(local_store: Path):
    remember("m", "production", _entry(store_stamp()))
    assert resolved.open_recalled("m", "production") is None  # /nowhere is no index
    resolved._entry_path("m", "production").write_text("{not json")
    assert recall("m", "production") is None


def test_the_real_store_forgets_on_a_write():
    """The session's ZenML store (SQLite, written by ZenML itself): creating a model is a change."""
    from zenml.client import Client

    Client().list_models()  # the store exists
    database = resolved._sqlite_file((resolved._config_dir() / "config.yaml").read_bytes())
    _age(database)
    remember("probe", "production", _entry(store_stamp()))
    assert recall("probe", "production") is not None
    Client().create_model(name="resolved_probe")
    _age(database)
    assert recall("probe", "production") is None
