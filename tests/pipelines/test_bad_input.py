"""The bad-input catalogue, through the real CLI and pipeline: each case exits non-zero with an error
naming the file, line or field, and promotes nothing (no version of the model reaches production)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from zenml.client import Client

from pipelines.cli import main
from tests.helpers import CORPUS, GOLDEN

pytestmark = pytest.mark.slow

MODEL = "bad_input_agent"
BINARY = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))


def setup(tmp: Path, files: dict | None = None, golden: str | None = None, extra: str = "") -> Path:
    """A corpus folder, a golden file and agent.yaml in `tmp`; returns the config's path."""
    corpus = tmp / "corpus"
    corpus.mkdir()
    for name, content in (CORPUS if files is None else files).items():
        (corpus / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    lines = golden if golden is not None else "".join(json.dumps(q) + "\n" for q in GOLDEN)
    (tmp / "golden.jsonl").write_text(lines)
    config = tmp / "agent.yaml"
    config.write_text(
        f"name: {MODEL}\nsources:\n  - type: directory\n    path: corpus\n"
        f"evaluation:\n  golden_set: golden.jsonl\n{extra}"
    )
    return config


def build(config: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["build", "--config", str(config)])
    return result.exit_code, result.output


def assert_nothing_promoted() -> None:
    try:
        versions = Client().list_model_versions(model=MODEL, size=100).items
    except KeyError:
        return
    assert all(v.stage != "production" for v in versions), [(v.name, v.stage) for v in versions]


GOOD = "".join(json.dumps(q) + "\n" for q in GOLDEN)
CASES = {
    "empty corpus": ({"files": {}}, "source 'docs': no readable documents under"),
    "only binaries": ({"files": {"logo.md": BINARY, "data.txt": BINARY}}, "no readable documents under"),
    "invalid UTF-8": ({"files": {**CORPUS, "menu.md": b"# Menu\n\nCaf\xe9 au lait\n"}}, "corpus/menu.md:3: not valid UTF-8"),
    "malformed YAML": ({"extra": "  gate: [unclosed\n"}, "agent.yaml:8: invalid YAML: expected ',' or ']', but got '<stream end>' (while parsing a flow sequence started on line 7)"),
    "unknown config key": ({"extra": "  gate:\n    treshold: {hit_rate: 0.9}\n"}, "agent.yaml:8: evaluation.gate.treshold: unknown key"),
    "threshold out of range": ({"extra": "  gate:\n    thresholds: {hit_rate: 1.5}\n"},
                               "evaluation.gate.thresholds: Value error, threshold for hit_rate must be between 0 and 1, got 1.5"),
    "golden bad line": ({"golden": GOOD.replace("\n", "\n{not json\n", 1)}, "golden.jsonl:2: invalid JSON"),
    "golden duplicate id": ({"golden": GOOD + json.dumps(GOLDEN[0]) + "\n"}, "golden.jsonl:10: id: duplicate id 'port' (first on line 1)"),
    "golden zero questions": ({"golden": ""}, "golden.jsonl: golden set has no questions"),
    "golden unknown field": ({"golden": GOOD.replace('"must_include"', '"must_contain"', 1)}, "golden.jsonl:1: must_contain: unknown field"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_fails_clearly_and_promotes_nothing(case, tmp_path):
    kwargs, expected = CASES[case]
    code, output = build(setup(tmp_path, **kwargs))
    assert code == 1, output
    assert expected in output, output
    assert "Traceback" not in output
    assert_nothing_promoted()


def test_unreadable_file_is_an_error_naming_it(tmp_path, monkeypatch):
    config = setup(tmp_path, files={**CORPUS, "secret.md": "# Secret\n\nkept from us\n"})
    locked = tmp_path / "corpus" / "secret.md"
    locked.chmod(0)
    if os.geteuid() == 0:  # root reads anything: make the OS refuse as it would for a normal user
        read_bytes = Path.read_bytes

        def refuse(self: Path) -> bytes:
            if self.name == "secret.md":
                raise PermissionError(13, "Permission denied", str(self))
            return read_bytes(self)

        monkeypatch.setattr(Path, "read_bytes", refuse)
    code, output = build(config)
    assert code == 1 and "corpus/secret.md: cannot read: Permission denied" in output, output
    assert_nothing_promoted()


def test_golden_source_missing_from_the_corpus_is_built_but_refused(tmp_path):
    golden = GOOD.replace('"docs/ports.rst"', '"docs/port.rst"')  # a typo in the golden file
    code, output = build(setup(tmp_path, golden=golden))
    assert code == 3, output  # built and evaluated, not promoted
    assert "golden reference sources missing from this agent's corpus: ['docs/port.rst']" in output
    assert_nothing_promoted()


def test_a_200_mb_file_is_skipped_with_a_warning(tmp_path, caplog):
    config = setup(tmp_path)
    with (tmp_path / "corpus" / "dump.txt").open("wb") as big:
        big.truncate(200 * 1024 * 1024)  # sparse: 200 MB on paper, nothing on disk
    code, output = build(config)
    assert code == 0, output
    assert any(
        "dump.txt: skipped, 209715200 bytes > max_file_bytes" in r.getMessage() for r in caplog.records
    )
    Client().get_model_version(MODEL, "production").set_stage(
        "archived", force=True
    )  # leave no production behind


@pytest.mark.parametrize(
    "args, expected",
    [
        (["ask", "hi", "--version", "99"], "has no version '99'"),
        (
            ["ask", "hi", "--version", "canary"],
            "version 'canary': use a number or one of production, staging, latest",
        ),
        (["promote", "99", "--stage", "production"], "has no version '99'"),
        (["eval", "--version", "staging"], "has no version 'staging'"),
        (["compare", "1", "99"], "has no version '1'"),
    ],
)
def test_versions_and_stages_that_do_not_exist(args, expected):
    result = CliRunner().invoke(main, [*args, "--model", "no_such_agent"])
    assert result.exit_code == 1 and expected in result.output, result.output


def test_index_built_with_another_embedding_model_is_refused(tmp_path):
    setup(tmp_path)
    runner = CliRunner()
    out = tmp_path / "agent"
    assert (
        runner.invoke(main, ["index", "--config", str(tmp_path / "agent.yaml"), "--out", str(out)]).exit_code
        == 0
    )
    manifest = next(out.rglob("manifest.json"))
    data = json.loads(manifest.read_text())
    data["embedding_config"] |= {"provider": "openai", "model": "text-embedding-3-small"}
    manifest.write_text(json.dumps(data))
    result = runner.invoke(main, ["ask", "Which port?", "--index", str(out)])
    assert result.exit_code == 1, result.output
    assert "text-embedding-3-small" in result.output and "all-MiniLM-L6-v2" in result.output
