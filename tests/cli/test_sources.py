"""`sources` and the golden commands (`suggest` over a real feedback store, `import`)."""

import json
from pathlib import Path

import yaml
from click.testing import CliRunner

from cli.main import main
from tests.helpers import (
    GOLDEN,
    feedback_setup,
    record_answer,
    run_cli,
    write_corpus,
)


def test_sources_lists_ids_and_sizes(tmp_path: Path):
    write_corpus(tmp_path / "corpus")
    config = tmp_path / "agent.yaml"
    config.write_text("sources:\n  - type: directory\n    path: corpus\n")
    result = CliRunner().invoke(main, ["sources", "--config", str(config), "--ids"])
    assert result.exit_code == 0 and "docs: 5 documents" in result.output
    assert "docs/ports.rst" in result.output


def test_golden_suggest_needs_a_person_and_validates_what_they_accept(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config, golden, store = feedback_setup(tmp_path)
    record_answer(store, "How do I rotate the key?", -1, "it is in security.md")
    record_answer(store, "Where are backups written?", -1)
    record_answer(store, GOLDEN[0]["question"], -1)  # already golden: not suggested again
    suggested = CliRunner().invoke(
        main, ["golden", "suggest", "--config", str(config), "--out", "review.yaml"]
    )
    assert suggested.exit_code == 0 and "wrote 2 candidates" in suggested.output
    assert len(golden.read_text().splitlines()) == len(GOLDEN)  # nothing added by itself

    review = yaml.safe_load((tmp_path / "review.yaml").read_text())
    review.sort(key=lambda c: c["question"] != "How do I rotate the key?")  # newest first on disk
    review[0]["decision"] = "accept"  # accepted without a reference: refused, naming the candidate
    (tmp_path / "review.yaml").write_text(yaml.safe_dump(review))
    refused = CliRunner().invoke(
        main, ["golden", "suggest", "--config", str(config), "--apply", "review.yaml"]
    )
    assert refused.exit_code != 0 and "candidate 1" in refused.output
    assert len(golden.read_text().splitlines()) == len(GOLDEN)

    review[0]["reference_answer"] = "Run widgetctl rotate-key."
    review[1]["decision"] = "drop"
    (tmp_path / "review.yaml").write_text(yaml.safe_dump(review))
    applied = CliRunner().invoke(
        main, ["golden", "suggest", "--config", str(config), "--apply", "review.yaml"]
    )
    assert applied.exit_code == 0 and "added 1" in applied.output
    added = json.loads(golden.read_text().splitlines()[-1])
    assert added["question"] == "How do I rotate the key?" and "decision" not in added


def test_an_accepted_review_that_would_break_the_golden_set_writes_nothing(tmp_path, monkeypatch):
    """Two candidates with one id, a follow-up of a missing question: the whole file is checked first."""
    monkeypatch.chdir(tmp_path)
    config, golden, _ = feedback_setup(tmp_path)
    before = golden.read_text()
    twins = [
        {"id": "twin", "question": q, "reference_answer": "yes", "decision": "accept"}
        for q in ("Is A here?", "Is B here?")
    ]
    orphan = [{"id": "late", "question": "And then?", "reference_answer": "yes", "follow_up_of": "nowhere",
               "decision": "accept"}]  # fmt: skip
    for review in (twins, orphan):
        (tmp_path / "review.yaml").write_text(yaml.safe_dump(review))
        done = run_cli("golden", "suggest", "--config", config, "--apply", "review.yaml", cwd=tmp_path)
        assert done.returncode == 1 and "would not be valid" in done.stderr, done.stderr
        assert golden.read_text() == before and not list(tmp_path.glob(".*.draft"))


def test_golden_import_never_overwrites_a_file_that_is_not_a_golden_set(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config, golden, _ = feedback_setup(tmp_path)
    rows = tmp_path / "rows.jsonl"
    rows.write_text(
        json.dumps(
            {
                "question": "Which port?",
                "doc_id": json.loads(golden.read_text().splitlines()[0])["reference_sources"][0],
            }
        )
        + "\n"
    )
    kept = config.read_text()
    done = run_cli("golden", "import", rows, "--config", config, "--out", config, cwd=tmp_path)
    assert done.returncode == 1 and "is not a golden set" in done.stderr and config.read_text() == kept, (
        done.stderr
    )
    into_new_folder = run_cli(
        "golden", "import", rows, "--config", config, "--out", tmp_path / "new" / "g.jsonl", cwd=tmp_path
    )
    assert into_new_folder.returncode == 0, into_new_folder.stderr
