"""The one glob matcher: the same patterns select the same files from a folder and from git."""

from __future__ import annotations

import pytest

from rag.ingest.sources.base import glob_match
from rag.ingest.sources.directory import DirectorySource, DirectorySourceConfig
from rag.ingest.sources.git import GitSource, GitSourceConfig
from tests.rag.ingest.sources.test_git import git

TREE = ["a.md", "sub/b.md", "drafts/c.md", "drafts/x/y.md", "old/drafts/d.md"]


@pytest.mark.parametrize(
    ("path", "pattern", "expected"),
    [
        ("a.md", "*.md", True),
        ("sub/b.md", "*.md", False),  # directory source matched this before (PurePosixPath.match)
        ("drafts/x/y.md", "drafts/**", True),  # directory source kept this before
        ("drafts/x/y.md", "drafts/*", False),
        ("old/drafts/d.md", "**/drafts/**", True),
        ("a.md", "**/*.md", True),
    ],
)
def test_glob_match(path, pattern, expected):
    assert glob_match(path, pattern) is expected


@pytest.mark.parametrize(
    ("include", "exclude"),
    [(["*.md"], []), (["**/*.md"], ["drafts/**"]), (["**/*.md"], ["*.md"]), (["**/*.md"], ["**/drafts/**"])],
)
def test_directory_and_git_sources_select_the_same_files(tmp_path, include, exclude):
    root = tmp_path / "tree"
    for rel in TREE:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(f"# {rel}\n\nText of {rel}.\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "tree")
    folder = DirectorySource(DirectorySourceConfig(name="s", path=root, include=include, exclude=exclude))
    repo = GitSource(GitSourceConfig(name="s", repo=str(root), include=include, exclude=exclude))
    from_folder = sorted(d.doc_id for d in folder.load())
    assert from_folder == sorted(d.doc_id for d in repo.load())
    assert from_folder  # every case keeps something
