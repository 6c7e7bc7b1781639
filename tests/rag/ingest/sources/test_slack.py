"""A generated Slack workspace export, as a folder and as a zip."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from rag.ingest.sources import SourceError
from rag.ingest.sources.slack import SlackSource, SlackSourceConfig


@pytest.fixture()
def export(tmp_path: Path) -> Path:
    root = tmp_path / "export"
    (root / "help").mkdir(parents=True)
    (root / "random").mkdir()
    users = [{"id": "U1", "name": "alice", "profile": {"display_name": "Alice", "real_name": "Alice A"}},
             {"id": "U2", "name": "bob", "real_name": "Bob B", "profile": {"display_name": ""}}]  # fmt: skip
    (root / "users.json").write_text(json.dumps(users))
    (root / "channels.json").write_text(
        json.dumps([{"id": "C1", "name": "help"}, {"id": "C2", "name": "random"}])
    )
    day1 = [
        {"type": "message", "user": "U1", "text": "How do I reset the widget?", "ts": "1700000000.000100", "thread_ts": "1700000000.000100",
         "permalink": "https://example.slack.com/archives/C1/p1700000000000100"},
        {"type": "message", "user": "U2", "text": "<@U1> hold the button for 5 seconds", "ts": "1700000060.000200", "thread_ts": "1700000000.000100"},
        {"type": "message", "subtype": "channel_join", "user": "U2", "text": "<@U2> has joined", "ts": "1700000001.0"},
        {"type": "message", "user": "U2", "text": "Unrelated standalone message", "ts": "1700000100.000300"},
    ]  # fmt: skip
    day2 = [
        {
            "type": "message",
            "user": "U1",
            "text": "Thanks, that worked!",
            "ts": "1700090000.000400",
            "thread_ts": "1700000000.000100",
        }
    ]
    (root / "help" / "2023-11-14.json").write_text(json.dumps(day1))
    (root / "help" / "2023-11-15.json").write_text(json.dumps(day2))
    (root / "random" / "2023-11-14.json").write_text(
        json.dumps([{"type": "message", "user": "U1", "text": "lunch?", "ts": "1700000200.0"}])
    )
    return root


def test_threads_become_documents_with_resolved_names(export):
    docs = SlackSource(SlackSourceConfig(path=export, channels=["help"])).load()
    assert [d.metadata["path"] for d in docs] == ["help/1700000000.000100", "help/1700000100.000300"]
    thread = docs[0]
    assert thread.text.splitlines() == [
        "[2023-11-14 22:13 UTC] Alice: How do I reset the widget?",
        "[2023-11-14 22:14 UTC] Bob B: @Alice hold the button for 5 seconds",
        "[2023-11-15 23:13 UTC] Alice: Thanks, that worked!",
    ]
    assert thread.metadata["permalink"].endswith("p1700000000000100")
    assert thread.metadata["authors"] == "Alice, Bob B" and thread.metadata["channel"] == "help"


def test_zip_export_and_all_channels(export, tmp_path):
    archive = shutil.make_archive(str(tmp_path / "export"), "zip", export)
    docs = SlackSource(SlackSourceConfig(path=Path(archive))).load()
    assert {d.metadata["channel"] for d in docs} == {"help", "random"}


def test_no_messages_is_an_error(export):
    with pytest.raises(SourceError, match="no messages"):
        SlackSource(SlackSourceConfig(path=export, channels=["nope"])).load()


def test_a_zip_bomb_entry_is_refused_without_being_read_whole(export: Path, tmp_path: Path):
    import zipfile

    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in export.rglob("*.json"):
            archive.write(path, path.relative_to(export).as_posix())
        archive.writestr("help/2023-11-16.json", "[" + " " * 30_000_000 + "]")  # 30 MB, ~30 KB zipped
    assert bomb.stat().st_size < 1_000_000
    config = SlackSourceConfig(name="slack", path=bomb, max_file_bytes=1_000_000)
    with pytest.raises(
        SourceError, match=r"help/2023-11-16.json: larger than max_file_bytes \(1000000 bytes\)"
    ):
        SlackSource(config).load()


def test_symlinks_out_of_the_export_are_skipped(export: Path, tmp_path: Path, caplog):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "2023-11-17.json").write_text(
        json.dumps([{"type": "message", "user": "U1", "text": "SECRET outside", "ts": "1.0"}])
    )
    (export / "help" / "2023-11-17.json").symlink_to(outside / "2023-11-17.json")
    docs = SlackSource(SlackSourceConfig(name="slack", path=export)).load()
    assert all("SECRET" not in d.text for d in docs)
    assert "links outside the export" in caplog.text
