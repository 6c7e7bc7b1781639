"""AgentConfig: one agent's RAG settings and its evaluation settings, read from a YAML file.

``rag`` and ``evaluation`` each own their part (RagConfig, EvaluationConfig); this module
puts them together, reads the file (file:line: key errors, see rag/settings_file.py) and
checks, without ZenML, everything a build needs before it starts (:func:`validate`).

>>> cfg = load_config("configs/default.yaml")
>>> cfg.name, cfg.evaluation.golden_set.name, cfg.sources[0].path.name
('docs_agent', 'docs.jsonl', 'docs')
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from pydantic import field_validator

from evaluation.config import EvaluationConfig
from evaluation.golden import GoldenSet, load_golden
from evaluation.metric_specs import METRICS, not_applicable
from factory.serve_config import ServeConfig
from rag.config import EmbeddingConfig, LLMConfig, RagConfig
from rag.errors import AgentFactoryError
from rag.ingest.sources.base import NoDocuments
from rag.settings_file import ConfigError, read_yaml
from rag.settings_file import validate as validate_model
from rag.tracing.config import TracingConfig

CANDIDATES = "-candidates"  # the model of an agent's `agent-factory check` candidates is its name + this


class AgentConfig(RagConfig):
    """All settings of one agent. Becomes metadata of every model version built from it."""

    evaluation: EvaluationConfig = EvaluationConfig()
    serve: ServeConfig = ServeConfig()
    tracing: TracingConfig = TracingConfig()  # OpenTelemetry traces of questions and builds (off)

    @field_validator("name")
    @classmethod
    def _not_a_candidates_model(cls, name: str) -> str:
        if name.endswith(CANDIDATES):
            raise ValueError(
                f"names ending in {CANDIDATES!r} are kept for the candidates of `agent-factory check`"
            )
        return name

    def endpoints(self) -> list[tuple[str, LLMConfig | EmbeddingConfig]]:
        roles = super().endpoints()
        judge = self.evaluation.judge
        if judge:
            roles.append(("evaluation.judge.llm", judge.llm))
            if judge.embedding:
                roles.append(("evaluation.judge.embedding", judge.embedding))
        return roles


CONFIG_ENV = "AGENT_FACTORY_CONFIG"
PROJECT_CONFIG = Path("configs/default.yaml")


def find_config(path: Path | None, start: Path | None = None) -> Path:
    """The config a command uses: `path`, else $AGENT_FACTORY_CONFIG, else the nearest
    configs/default.yaml in the working folder or a folder above it."""
    if path is not None:
        return path
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / PROJECT_CONFIG).is_file():
            return folder / PROJECT_CONFIG
    raise ConfigError(
        f"no agent config: pass --config FILE, set {CONFIG_ENV}, or run inside a project "
        f"(a folder with {PROJECT_CONFIG}, here or above {here})"
    )


def load_config(path: str | Path) -> AgentConfig:
    """Load and validate an agent config; relative paths resolve against its folder."""
    path = Path(path)
    data, root = read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    for src in data.get("sources") or []:
        if isinstance(src, dict) and isinstance(src.get("path"), str):
            src["path"] = str((path.parent / src["path"]).resolve())
        if isinstance(src, dict) and isinstance(src.get("repo"), str) and not _remote(src["repo"]):
            src["repo"] = str((path.parent / src["repo"]).resolve())  # a local repository path
    evaluation = data.get("evaluation")
    if isinstance(evaluation, dict) and isinstance(evaluation.get("golden_set"), str):
        evaluation["golden_set"] = str((path.parent / evaluation["golden_set"]).resolve())
    return validate_model(AgentConfig, data, path, root)


def _remote(repo: str) -> bool:
    """A URL (scheme://...) or scp-like (git@github.com:org/repo.git), not a local path."""
    return "://" in repo or re.match(r"^[\w.-]+@[\w.-]+:", repo) is not None


def validate(config: AgentConfig) -> GoldenSet:
    """Everything checkable in seconds, before a run: endpoints answer, the golden set loads,
    its references are documents of the configured sources, and the gate reads only metrics
    the golden set can feed.

    Raises an :class:`~rag.errors.AgentFactoryError` naming the field or file; imports no ZenML.
    """
    from rag.ingest.sources import list_ids
    from rag.preflight import preflight

    preflight(config)
    golden = load_golden(config.evaluation.golden_path)
    try:
        listed = list_ids(config.sources)
    except NoDocuments as exc:
        raise EmptyCorpus(
            f"the configured sources yield no documents (a broken checkout or an emptied folder?): {exc}; "
            f"{config.name} is not rebuilt, production stays as it is"
        ) from exc
    doc_ids = {doc for ids in listed.values() for doc, _ in ids or []}
    names = [name for name, ids in listed.items() if ids is not None]
    golden.check_references(doc_ids, names, complete=len(names) == len(listed),
                            earlier=lambda: known_pages(config.name))  # fmt: skip
    check_gate(config, golden)
    return golden


class EmptyCorpus(AgentFactoryError):
    """The sources yield no documents: refused before anything is built (a decision, exit 3)."""


def known_pages(model: str) -> set[str]:
    """Every page id an earlier version of `model` had (empty for a new model)."""
    from factory.artifacts import latest_lineage  # ZenML is imported only when a reference left the corpus

    try:
        return set(latest_lineage(model).known)
    except KeyError:  # no such model yet
        return set()


def check_gate(config: AgentConfig, golden: GoldenSet) -> None:
    """A metric named in the config's gate must have golden data (defaults simply skip it)."""
    gate = config.evaluation.gate
    explicit = [f"thresholds.{m}" for m in gate.thresholds if "thresholds" in gate.model_fields_set]
    explicit += [
        f"non_regression.{m}" for m in gate.non_regression if "non_regression" in gate.model_fields_set
    ]
    unfed = set(not_applicable(golden, [e.split(".", 1)[1] for e in explicit]))
    problems = [
        f"evaluation.gate.{entry}: {golden.name} gives no data for it (no question has "
        f"{' and '.join(METRICS[entry.split('.', 1)[1]].needs)})"
        for entry in explicit
        if entry.split(".", 1)[1] in unfed
    ]
    if problems:
        raise ConfigError(
            "the gate reads metrics the golden set cannot feed; remove them or add the data\n  "
            + "\n  ".join(problems)
        )
