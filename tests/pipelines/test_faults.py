"""Faults never cost data or a wrong release: a judge dying mid-run, a crash between evaluate
and promote, an index upload cut short, two builds finishing together. Real pipeline runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from zenml.client import Client

from benchmarks.fake_openai import FakeOpenAI, Fault
from factory import release
from factory.artifacts import INDEX, load_agent
from factory.versions import VersionNotFound, get_version
from pipelines.agent_pipeline import BuildFailed, run_build
from pipelines.materializers import DocsIndexMaterializer
from tests.helpers import CORPUS, gutted, make_config, run_cli, write_corpus

pytestmark = pytest.mark.slow
VERDICT = '{"reason": "useful", "verdict": 1}'


@pytest.fixture(scope="module")
def production(tmp_path_factory, golden_path):
    """A good production version of `fault_agent` that every fault must leave in place."""
    corpus = write_corpus(tmp_path_factory.mktemp("fault-corpus"))
    run = run_build(make_config("fault_agent", corpus, golden_path))
    assert get_version("fault_agent", "production").name == run.version
    return corpus, run.version


def production_now() -> str:
    return get_version("fault_agent", "production").name


def test_judge_dying_mid_evaluation_counts_nans_and_keeps_production(production, golden_path):
    corpus, prod = production
    served = [0]

    def dies_after_ten(request):
        served[0] += 1
        return VERDICT if served[0] <= 10 else Fault(500)

    with FakeOpenAI(dies_after_ten) as server:
        judge = {"llm": {"provider": "openai_like", "model": "fake-judge", "api_base": server.base_url, "max_retries": 1},
                 "metrics": ["llm_context_precision_with_reference"], "max_workers": 1}  # fmt: skip
        run = run_build(
            make_config(
                "fault_agent",
                corpus,
                golden_path,
                evaluation={"golden_set": str(golden_path), "judge": judge},
            )
        )
    assert run.status == "completed"
    meta = get_version("fault_agent", run.version).run_metadata
    nan_rate = meta["evaluation"]["metrics"]["llm_context_precision_with_reference"]["nan_rate"]
    assert 0.1 < nan_rate < 1  # some questions scored before the judge died, the rest are NaN
    assert meta["decision"]["stage"] is None
    assert any("failed to score" in r for r in meta["decision"]["reasons"])
    assert production_now() == prod


def test_crash_between_evaluate_and_promote_then_rerun(production, golden_path, monkeypatch):
    corpus, prod = production
    config = make_config("fault_agent", corpus, golden_path)

    def crash(*args, **kwargs):
        raise RuntimeError("injected crash before promotion")

    monkeypatch.setattr(release, "decide_and_apply", crash)
    with pytest.raises(
        BuildFailed, match="step release_gate failed: RuntimeError: injected crash before promotion"
    ):
        run_build(config)
    crashed = Client().list_model_versions(model="fault_agent", sort_by="desc:number", size=1).items[0]
    assert crashed.stage is None and "decision" not in crashed.run_metadata
    assert production_now() == prod
    monkeypatch.undo()
    rerun = run_build(config)  # evaluate is reused from the cache; promote decides for real
    assert rerun.status == "completed" and int(rerun.version) > crashed.number
    decision = get_version("fault_agent", rerun.version).run_metadata["decision"]
    assert decision["stage"] == "production" and decision["production_version"] == prod
    get_version("fault_agent", prod).set_stage("production", force=True)  # restore for the other tests


def test_a_build_killed_as_its_stage_is_set_leaves_the_decision_on_the_version(
    production, golden_path, monkeypatch
):
    corpus, prod = production
    from zenml.models import ModelVersionResponse

    def killed(self, *args, **kwargs):
        raise RuntimeError("killed while setting the stage")

    monkeypatch.setattr(ModelVersionResponse, "set_stage", killed)
    with pytest.raises(BuildFailed, match="killed while setting the stage"):
        run_build(make_config("fault_agent", corpus, golden_path))
    monkeypatch.undo()
    crashed = Client().list_model_versions(model="fault_agent", sort_by="desc:number", size=1).items[0]
    assert crashed.stage is None and crashed.run_metadata["decision"]["stage"] == "production"
    assert "gate:production" in [t.name for t in crashed.tags] and production_now() == prod


def test_a_version_whose_evaluation_never_ran_cannot_be_promoted(production, golden_path, monkeypatch):
    corpus, prod = production
    import pipelines.gate_steps

    def crash(*args, **kwargs):
        raise RuntimeError("killed during evaluate")

    monkeypatch.setattr(pipelines.gate_steps, "evaluate_agent", crash)
    changed = write_corpus(
        Path(str(corpus) + "-unevaluated"), {**CORPUS, "more.md": "# More\n\nAnother page.\n"}
    )
    with pytest.raises(BuildFailed, match="step evaluate failed"):
        run_build(make_config("fault_agent", changed, golden_path))
    monkeypatch.undo()
    unevaluated = Client().list_model_versions(model="fault_agent", sort_by="desc:number", size=1).items[0]
    for version in (str(unevaluated.number), "latest"):
        done = run_cli("promote", version, "--stage", "production", "--model", "fault_agent")
        assert done.returncode == 1 and "never evaluated" in done.stderr, done.stderr
    assert production_now() == prod


def test_interrupted_index_upload_is_never_loaded(production, golden_path, monkeypatch):
    corpus, prod = production
    real_save = DocsIndexMaterializer.save

    def disk_full_on_third_file(self, data):
        store, real_open, writes = self.artifact_store, self.artifact_store.open, [0]

        def open_(path, mode="r"):
            if "w" in mode:
                writes[0] += 1
                if writes[0] == 3:
                    raise OSError(28, "No space left on device")
            return real_open(path, mode)

        monkeypatch.setattr(store, "open", open_)
        real_save(self, data)

    monkeypatch.setattr(DocsIndexMaterializer, "save", disk_full_on_third_file)
    changed = write_corpus(Path(str(corpus) + "-changed"), {**CORPUS, "extra.md": "# Extra\n\nA new page.\n"})
    with pytest.raises(BuildFailed, match="step build_index failed"):  # failed storing its output
        run_build(make_config("fault_agent", changed, golden_path))
    monkeypatch.undo()
    broken = Client().list_model_versions(model="fault_agent", sort_by="desc:number", size=1).items[0]
    assert broken.get_artifact(INDEX) is None  # the partial upload was never registered
    with pytest.raises(VersionNotFound, match="has no docs_index"):
        load_agent("fault_agent", broken.number)
    assert production_now() == prod
    after = run_build(make_config("fault_agent", changed, golden_path))  # the next build is whole
    assert after.status == "completed"
    load_agent("fault_agent", after.version).close()
    get_version("fault_agent", prod).set_stage("production", force=True)


def test_two_builds_finishing_together(tmp_path, golden_path):
    """Two real processes build at once: the good version ends in production, the other does not."""
    good = write_corpus(tmp_path / "good")
    half = write_corpus(tmp_path / "half", gutted())
    procs = {}
    for name, corpus in {"good": good, "half": half}.items():
        config = tmp_path / f"{name}.yaml"
        config.write_text(f"name: race_agent\nsources:\n  - type: directory\n    path: {corpus}\n"
                          f"evaluation:\n  golden_set: {golden_path}\n")  # fmt: skip
        procs[name] = subprocess.Popen(
            [sys.executable, "-m", "cli.main", "build", "--config", str(config)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=os.environ.copy(),
        )  # fmt: skip
    outputs = {name: proc.communicate(timeout=600)[0] for name, proc in procs.items()}
    codes = {name: proc.returncode for name, proc in procs.items()}
    assert codes["good"] == 0 and codes["half"] in (0, 3), outputs  # 0: it was briefly the first version
    versions = {
        v.name: v for v in Client().list_model_versions(model="race_agent", size=10, hydrate=True).items
    }
    assert len(versions) == 2
    production = get_version("race_agent", "production")
    assert "half" not in str(production.run_metadata["settings"]["sources"])
    other = next(v for v in versions.values() if v.name != production.name)
    # The gutted corpus, decided first, is a first version not shown worse than plain search over its
    # own pages (production, then archived by the good one); decided second, it is worse than production.
    assert other.stage in (None, "archived"), other.stage
    if other.stage is None:
        assert other.run_metadata["decision"]["stage"] is None and "gate:rejected" in [
            t.name for t in other.tags
        ]


def test_an_unreadable_production_is_said_and_replaced_not_a_dead_end(tmp_path, golden_path, caplog):
    """Production's index lost from the store: the next build of the *same* corpus does not reuse
    the cached (lost) index, says why, and heals production."""
    # A corpus of its own: a cached index is shared by every build of the same content, and this
    # test destroys the files of the one it makes.
    corpus = write_corpus(
        tmp_path / "corpus", {**CORPUS, "orphan.md": "# Orphan\n\nOnly this test has it.\n"}
    )
    first = run_build(make_config("orphan_agent", corpus, golden_path))
    index_uri = get_version("orphan_agent", first.version).get_artifact(INDEX).uri
    os.remove(os.path.join(index_uri, "nodes.sqlite"))  # the artifact store lost one file

    again = run_build(make_config("orphan_agent", corpus, golden_path))
    decision = get_version("orphan_agent", again.version).run_metadata["decision"]
    assert decision["stage"] == "production", decision
    assert (
        f"version {first.version}'s index at {index_uri} lacks nodes.sqlite: building without the step cache"
        in caplog.text
    )
    assert get_version("orphan_agent", "production").name == again.version
    assert get_version("orphan_agent", again.version).get_artifact(INDEX).uri != index_uri  # built anew
    promoted = run_cli("promote", first.version, "--stage", "production", "--model", "orphan_agent")
    assert promoted.returncode == 1 and "cannot be loaded" in promoted.stderr, promoted.stderr
    old = run_cli("ask", "Which port?", "--model", "orphan_agent", "--version", first.version)
    assert old.returncode == 1 and "artifact docs_index" in old.stderr and "Traceback" not in old.stderr
    asked = run_cli("ask", "Which port?", "--model", "orphan_agent")  # the healed production answers
    assert asked.returncode == 0 and "7341" in asked.stdout, asked.stdout + asked.stderr
