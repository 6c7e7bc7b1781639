"""Shared fixtures. State is isolated: ZenML, HF caches and HOME point into a session temp dir."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Before anything imports zenml or huggingface: a private store and caches per session.
_SESSION_DIR = Path(tempfile.mkdtemp(prefix="agent-factory-tests-"))
os.environ["ZENML_CONFIG_PATH"] = str(_SESSION_DIR / "zenml")
os.environ["HF_HOME"] = str(_SESSION_DIR / "hf")
os.environ.setdefault("ZENML_LOGGING_VERBOSITY", "WARN")

import rag  # noqa: E402,F401  (offline defaults)

# Each document holds one fact that appears nowhere else, so retrieval has one right answer.
CORPUS = {
    "install.md": "# Installing\n\nTo install the widget server, run the command widgetctl setup inside "
    "an empty folder. The setup needs Python 3.11 or newer.\n",
    "colors.md": "# Colors\n\nThe default theme colour of the widget dashboard is ultramarine blue. "
    "You can change the theme colour in the appearance settings.\n",
    "backups.md": "# Backups\n\nBackups of the widget database are written every night at 02:00 to the "
    "folder /var/backups/widgets. Each backup is kept for fourteen days.\n",
    "ports.rst": "Network ports\n=============\n\nThe widget server listens on TCP port 7341 by default. "
    "Set WIDGET_PORT to use another port.\n",
    "about.html": "<html><head><title>About widgets</title><script>var x = 1;</script></head><body>"
    "<nav>Home | Docs</nav><h1>About</h1><p>The widget project was started by the Lighthouse team "
    "in Lisbon to track inventory of spare parts.</p></body></html>",
}


# A golden set for CORPUS: answerable questions, a follow-up and out-of-scope questions.
GOLDEN = [
    {"id": "port", "question": "Which TCP port does the widget server listen on?", "reference_answer": "Port 7341 by default.",
     "reference_sources": ["docs/ports.rst"], "must_include": ["7341"]},
    {"id": "port-change", "question": "How can I change it?", "follow_up_of": "port", "reference_answer": "Set WIDGET_PORT.",
     "reference_sources": ["docs/ports.rst"], "must_include": ["WIDGET_PORT"]},
    {"id": "colour", "question": "What is the default theme colour of the dashboard?", "reference_answer": "Ultramarine blue.",
     "reference_sources": ["docs/colors.md"], "must_include": ["ultramarine"]},
    {"id": "backup-time", "question": "When are backups of the widget database written?", "reference_answer": "Every night at 02:00.",
     "reference_sources": ["docs/backups.md"], "must_include": ["02:00"]},
    {"id": "backup-keep", "question": "How long is each backup kept?", "reference_answer": "Fourteen days.",
     "reference_sources": ["docs/backups.md"], "must_include": ["fourteen days"]},
    {"id": "install", "question": "How do I install the widget server?", "reference_answer": "Run widgetctl setup inside an empty folder.",
     "reference_sources": ["docs/install.md"], "must_include": ["widgetctl setup"]},
    {"id": "founders", "question": "Who started the widget project?", "reference_answer": "The Lighthouse team in Lisbon.",
     "reference_sources": ["docs/about.html"], "must_include": ["Lighthouse"]},
    {"id": "oos-1", "question": "Who won the football world cup in 1998?", "expect_refusal": True},
    {"id": "oos-2", "question": "Give me a recipe for chocolate chip cookies.", "expect_refusal": True},
]  # fmt: skip


def write_golden(path: Path, questions: list[dict] = GOLDEN) -> Path:
    import json

    path.write_text("".join(json.dumps(q) + "\n" for q in questions), encoding="utf-8")
    return path


def write_corpus(root: Path, files: dict[str, str] = CORPUS) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="session")
def agent_config(corpus_dir: Path):
    from rag.config import AgentConfig

    return AgentConfig.model_validate(
        {"sources": [{"type": "directory", "name": "docs", "path": str(corpus_dir)}]}
    )


@pytest.fixture(scope="session")
def embed_model(agent_config):
    from rag.embeddings import build_embedding

    return build_embedding(agent_config.embedding)


@pytest.fixture(scope="session")
def docs_index(agent_config, embed_model):
    from rag.chunking import chunk_documents
    from rag.embeddings import describe
    from rag.index import DocsIndex
    from rag.sources import load_documents

    nodes = chunk_documents(load_documents(agent_config.sources), agent_config.chunking)
    info = describe(agent_config.embedding, embed_model)
    return DocsIndex.build(nodes, embed_model, agent_config.embedding, info, agent_config.index)


@pytest.fixture()
def session(agent_config, docs_index):
    from rag.agent import AgentSpec, build_agent
    from rag.chat import ChatSession

    chat = ChatSession(build_agent(AgentSpec.from_config(agent_config), docs_index))
    yield chat
    chat.close()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The session's ZenML store and caches go with it (runs leave nothing behind in /tmp)."""
    import shutil

    shutil.rmtree(_SESSION_DIR, ignore_errors=True)
