"""What a version records about the code that built it."""

import subprocess

from pipelines.provenance import code_version, library_code_hash, library_versions


def _git(root, *args):
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def test_commit_branch_and_uncommitted_changes_are_recorded(tmp_path):
    assert code_version(tmp_path).commit == "unknown"  # not a repository: said, not guessed
    _git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "rag").mkdir()
    (tmp_path / "docs").mkdir()
    (tmp_path / "rag" / "a.py").write_text("a = 1")
    (tmp_path / "docs" / "index.md").write_text("# Docs")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "one")
    clean = code_version(tmp_path)
    assert len(clean.commit) == 40 and clean.branch == "main" and not clean.dirty
    (tmp_path / "docs" / "index.md").write_text("# Docs, edited")
    (tmp_path / "docs" / "new.md").write_text("# New page")
    assert not code_version(tmp_path).dirty  # the documents changed, not the code
    (tmp_path / "rag" / "a.py").write_text("a = 2")
    assert code_version(tmp_path).dirty


def test_library_hash_is_stable_and_versions_name_every_library():
    assert library_code_hash() == library_code_hash() and len(library_code_hash()) == 64
    assert library_versions()["zenml"] == "0.98.0"
