"""A real git repository made in the test, with two commits."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from rag.ingest.corpus import fingerprint
from rag.ingest.sources import SourceError
from rag.ingest.sources.git import GitSource, GitSourceConfig


def git(repo: Path, *args: str) -> str:
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
        "HOME": str(repo),
    }
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env
    ).stdout.strip()


@pytest.fixture()
def repo(tmp_path: Path) -> tuple[Path, str, str]:
    root = tmp_path / "repo"
    (root / "docs" / "guide").mkdir(parents=True)
    (root / "examples" / "demo").mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    (root / "docs" / "index.md").write_text("# Home\n\nVersion one of the docs.\n")
    (root / "examples" / "demo" / "README.md").write_text("# Demo\n\nRun the demo with make demo.\n")
    (root / "src.py").write_text("print('not docs')\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "one")
    first = git(root, "rev-parse", "HEAD")
    git(root, "tag", "v1")
    (root / "docs" / "index.md").write_text("# Home\n\nVersion two of the docs.\n")
    (root / "docs" / "guide" / "setup.md").write_text("# Setup\n\nSetup is new in version two.\n")
    (root / "RELEASE_NOTES.md").write_text("# Release notes\n\n## 2.0\n\nAdded the setup guide.\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "two")
    return root, first, git(root, "rev-parse", "HEAD")


INCLUDE = ["docs/**/*.md", "examples/*/README.md", "RELEASE_NOTES.md"]


def test_each_ref_indexes_the_right_files(repo):
    root, first, second = repo
    at_tag = GitSource(GitSourceConfig(name="repo", repo=str(root), ref="v1", include=INCLUDE))
    docs = at_tag.load()
    assert at_tag.commit == first
    assert [d.doc_id for d in docs] == ["repo/docs/index.md", "repo/examples/demo/README.md"]
    assert "Version one" in docs[0].text and docs[0].metadata["commit"] == first

    at_main = GitSource(GitSourceConfig(name="repo", repo=str(root), ref="main", include=INCLUDE))
    docs = at_main.load()
    assert at_main.commit == second
    assert [d.doc_id for d in docs] == [
        "repo/RELEASE_NOTES.md",
        "repo/docs/guide/setup.md",
        "repo/docs/index.md",
        "repo/examples/demo/README.md",
    ]
    assert "Version two" in docs[2].text


def test_commit_is_in_the_fingerprint(repo):
    root, first, _ = repo
    docs = GitSource(GitSourceConfig(name="repo", repo=str(root), ref=first, include=INCLUDE)).load()
    assert fingerprint(docs, []).sources == [f"repo@{first}"]


def test_exclude_and_unknown_ref(repo):
    root, _, _ = repo
    docs = GitSource(
        GitSourceConfig(name="repo", repo=str(root), include=INCLUDE, exclude=["docs/guide/**"])
    ).load()
    assert "repo/docs/guide/setup.md" not in [d.doc_id for d in docs]
    with pytest.raises(SourceError, match="ref 'no-such-branch' does not exist in"):
        GitSource(GitSourceConfig(name="repo", repo=str(root), ref="no-such-branch")).load()


def test_a_submodule_is_skipped_by_name_not_fatal(repo, tmp_path, caplog):
    root, _, _ = repo
    other = tmp_path / "other"
    other.mkdir()
    git(other, "init", "-q", "-b", "main")
    (other / "README.md").write_text("# Other\n\nAnother repository.\n")
    git(other, "add", "-A")
    git(other, "commit", "-q", "-m", "other")
    git(root, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(other), "docs/vendored")
    git(root, "commit", "-q", "-m", "with a submodule")
    docs = GitSource(GitSourceConfig(name="repo", repo=str(root), include=["docs/**"])).load()
    assert "repo/docs/index.md" in [d.doc_id for d in docs]
    assert "docs/vendored is a submodule" in caplog.text


def test_a_repo_value_is_never_an_option(tmp_path):
    marker = tmp_path / "pwned"
    config = GitSourceConfig(name="repo", repo=f"--upload-pack=touch {marker}")
    with pytest.raises(SourceError, match="git clone failed"):
        GitSource(config).load()
    assert not marker.exists()


def test_a_clone_that_hangs_ends_at_timeout_s():
    import socket

    with socket.socket() as server:  # accepts the connection, never answers
        server.bind(("127.0.0.1", 0))
        server.listen()
        url = f"http://127.0.0.1:{server.getsockname()[1]}/repo.git"
        with pytest.raises(SourceError, match=r"git clone did not finish within timeout_s \(2s\)"):
            GitSource(GitSourceConfig(name="repo", repo=url, timeout_s=2)).load()


def test_credentials_in_a_git_url_are_refused_without_being_echoed():
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as caught:
        GitSourceConfig(name="repo", repo="https://alice:PLANTED-TOKEN@git.example.com/x.git")
    message = caught.value.errors()[0]["msg"]
    assert "carries a credential" in message and "PLANTED-TOKEN" not in message


def test_files_past_max_files_or_max_total_bytes_are_refused_before_reading(repo):
    root, _, _ = repo
    for cap, message in [
        ({"max_files": 3}, r"more than max_files \(3\)"),
        ({"max_total_bytes": 60}, "max_total_bytes"),
    ]:
        with pytest.raises(SourceError, match=message):
            GitSource(GitSourceConfig(name="repo", repo=str(root), include=INCLUDE, **cap)).load()
    assert (
        len(GitSource(GitSourceConfig(name="repo", repo=str(root), include=INCLUDE, max_files=4)).load()) == 4
    )
