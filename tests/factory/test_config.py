"""Which config a command uses, and refusing an empty corpus before anything is built."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from factory.config import CONFIG_ENV, find_config
from rag.settings_file import ConfigError
from tests.helpers import config_error, write_golden

ROOT = Path(__file__).resolve().parents[2]


def test_the_config_is_the_flag_then_the_environment_then_the_nearest_project(tmp_path, monkeypatch):
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    project = tmp_path / "project"
    (project / "configs").mkdir(parents=True)
    (project / "configs" / "default.yaml").write_text("name: x\n")
    deep = project / "docs" / "guide"
    deep.mkdir(parents=True)
    assert find_config(None, start=deep) == project / "configs" / "default.yaml"
    assert find_config(Path("mine.yaml"), start=deep) == Path("mine.yaml")
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "env.yaml"))
    assert find_config(None, start=deep) == tmp_path / "env.yaml"
    monkeypatch.delenv(CONFIG_ENV)
    with pytest.raises(ConfigError, match="no agent config: pass --config FILE, set AGENT_FACTORY_CONFIG"):
        find_config(None, start=tmp_path)


def test_versions_outside_a_project_says_what_to_do(tmp_path):
    env = {k: v for k, v in __import__("os").environ.items() if k != CONFIG_ENV}
    done = subprocess.run([sys.executable, "-m", "cli.main", "versions"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 1 and "no agent config: pass --config FILE" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_empty_corpus_is_a_refusal_not_a_crash(tmp_path):
    """A broken checkout (the docs folder emptied): exit 3, a decision, nothing built."""
    (tmp_path / "docs").mkdir()
    golden = write_golden(tmp_path / "golden.jsonl")
    config = tmp_path / "agent.yaml"
    config.write_text(f"name: emptied\nsources:\n  - type: directory\n    name: docs\n    path: docs\n"
                      f"evaluation:\n  golden_set: {golden}\n")  # fmt: skip
    done = subprocess.run([sys.executable, "-m", "cli.main", "build", "--config", str(config)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 3, done.stderr
    assert "decision: not promoted: the configured sources yield no documents" in done.stdout


def test_a_name_ending_like_a_check_candidates_model_is_refused(tmp_path):
    message = config_error(
        tmp_path / "agent.yaml", "name: docs-candidates\nsources:\n  - {type: directory, path: d}\n"
    )
    assert "agent.yaml:1: name:" in message and "agent-factory check" in message


def test_a_config_without_a_golden_set_says_so_instead_of_using_the_working_folders(tmp_path, monkeypatch):
    import pytest

    from evaluation.config import GoldenSetMissing
    from factory.config import load_config, validate

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# A\n\nText about A.\n")
    (tmp_path / "golden_questions").mkdir()  # a golden set lies in the working folder: not this config's
    (tmp_path / "golden_questions" / "docs.jsonl").write_text('{"id": "a", "question": "What is A?"}\n')
    config = tmp_path / "agent.yaml"
    config.write_text("name: no_golden\nsources:\n  - type: directory\n    path: docs\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(GoldenSetMissing, match="evaluation.golden_set: not set"):
        validate(load_config(config))


def test_reading_and_validating_a_config_imports_no_llamaindex_or_zenml():
    """A config's mistake is said in well under a second: LlamaIndex (1.5 s) and ZenML (3-5 s) load
    only once the config is good."""
    code = (
        "import sys; from factory.config import load_config, validate; "
        "validate(load_config('configs/default.yaml')); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'llama_index', 'zenml', 'torch'}))"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
