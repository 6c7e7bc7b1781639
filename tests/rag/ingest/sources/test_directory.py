import logging
import os

import pytest

from rag.ingest.sources import SourceError, load_documents
from rag.ingest.sources.directory import DirectorySource, DirectorySourceConfig
from tests.helpers import write_corpus


def load(path, **kw):
    return DirectorySource(DirectorySourceConfig(path=path, **kw)).load()


def test_reads_each_format_with_title_and_stable_id(corpus_dir):
    docs = {d.doc_id: d for d in load(corpus_dir)}
    assert set(docs) == {
        "docs/install.md",
        "docs/colors.md",
        "docs/backups.md",
        "docs/ports.rst",
        "docs/about.html",
    }
    assert docs["docs/install.md"].metadata["title"] == "Installing"
    assert docs["docs/ports.rst"].metadata["title"] == "Network ports"
    html = docs["docs/about.html"]
    assert html.metadata["title"] == "About"  # its h1: a <title> carries the site's name too
    assert "Lighthouse team" in html.text and "var x" not in html.text and "Home | Docs" not in html.text
    assert docs["docs/colors.md"].metadata["path"] == "colors.md"
    assert [d.doc_id for d in load(corpus_dir)] == sorted(docs)  # same order every time


def test_content_hash_changes_with_text(tmp_path):
    write_corpus(tmp_path, {"a.md": "first version of the text"})
    before = load(tmp_path)[0].metadata["content_hash"]
    write_corpus(tmp_path, {"a.md": "second version of the text"})
    assert load(tmp_path)[0].metadata["content_hash"] != before


def test_binary_and_oversize_files_are_skipped_with_warning(tmp_path, caplog):
    write_corpus(tmp_path, {"ok.md": "a real document", "big.txt": "x" * 2000})
    (tmp_path / "blob.txt").write_bytes(b"\x00\x01\x02binary")
    with caplog.at_level(logging.WARNING):
        docs = load(tmp_path, max_file_bytes=1000)
    assert [d.doc_id for d in docs] == ["docs/ok.md"]
    assert "blob.txt: skipped, looks binary" in caplog.text
    assert "big.txt: skipped, 2000 bytes > max_file_bytes 1000" in caplog.text


def test_invalid_utf8_names_file_and_line(tmp_path):
    (tmp_path / "bad.md").write_bytes(b"line one\nline two \xff\xfe\n")
    with pytest.raises(SourceError, match=r"bad.md:2: not valid UTF-8"):
        load(tmp_path)


def test_symlink_leaving_the_root_is_refused(tmp_path, caplog):
    outside = write_corpus(tmp_path / "outside", {"secret.md": "do not index me"})
    root = write_corpus(tmp_path / "root", {"ok.md": "a real document"})
    os.symlink(outside / "secret.md", root / "link.md")
    with caplog.at_level(logging.WARNING):
        docs = load(root)
    assert [d.doc_id for d in docs] == ["docs/ok.md"]
    assert "links outside the source root" in caplog.text


def test_exclude_globs(tmp_path):
    write_corpus(tmp_path, {"a.md": "keep me"})
    (tmp_path / "drafts").mkdir()
    (tmp_path / "drafts" / "b.md").write_text("draft text")
    assert [d.doc_id for d in load(tmp_path, exclude=["drafts/*"])] == ["docs/a.md"]


def test_empty_corpus_is_an_error(tmp_path):
    (tmp_path / "image.png").write_bytes(b"\x89PNG\x00")
    with pytest.raises(SourceError, match="no readable documents"):
        load(tmp_path)


def test_missing_folder_is_an_error(tmp_path):
    with pytest.raises(SourceError, match="is not a directory"):
        load(tmp_path / "nope")


def test_load_documents_combines_sources(tmp_path):
    a = write_corpus(tmp_path / "a", {"x.md": "from a"})
    b = write_corpus(tmp_path / "b", {"x.md": "from b"})
    docs = load_documents([DirectorySourceConfig(name="a", path=a), DirectorySourceConfig(name="b", path=b)])
    assert [(d.doc_id, d.metadata["source"]) for d in docs] == [("a/x.md", "a"), ("b/x.md", "b")]


def test_many_files_or_bytes_are_refused_by_count_and_total_before_any_read(tmp_path):
    """100,000 stray files are a mistake in `include`: refused at the cap, named, nothing read."""
    write_corpus(tmp_path, {f"page-{i}.md": f"# Page {i}\n\n" + "word " * 40 for i in range(30)})
    with pytest.raises(SourceError, match=r"source 'docs': more than max_files \(29\) files"):
        load(tmp_path, max_files=29)
    with pytest.raises(SourceError, match=r"max_total_bytes \(5000 bytes\)"):
        load(tmp_path, max_total_bytes=5000)
    (tmp_path / "big.md").write_text("x" * 9000)  # skipped as oversize, so it does not count to the total
    assert len(load(tmp_path, max_files=31, max_total_bytes=8000, max_file_bytes=8500)) == 30
    os.mkfifo(tmp_path / "pipe.md")  # not a regular file: never opened
    assert len(load(tmp_path, max_file_bytes=8500)) == 30
