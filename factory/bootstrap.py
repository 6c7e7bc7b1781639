"""Start-up, done once and on purpose: importing a module of ours changes nothing.

``bootstrap()`` is what a program calls first. The programs are the CLI (``cli/base.py``),
ZenML's ways into our code (``pipelines`` for steps and materializers, ``serving`` for the
deployed service), the service's watcher and ``factory.artifacts.load_agent``, the Python
chat engine. A library user who wants the same defaults calls it too; calling it twice does
nothing more.

It applies the offline defaults (``rag.offline``), keeps credentials out of HTTP client logs,
lets stored versions that name modules by their old paths load, points ZenML at our source
root, reads ``api_key_secret`` from ZenML's secret store and quiets faiss's start-up line.

>>> import os
>>> from factory.bootstrap import bootstrap
>>> bootstrap()
>>> os.environ["HF_HUB_OFFLINE"], os.environ["RAGAS_DO_NOT_TRACK"]
('1', 'true')
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from rag import moved
from rag.offline import apply_offline_defaults
from rag.secrets import redact_http_logs, set_secret_lookup

SOURCE_ROOT = Path(__file__).resolve().parents[1]  # steps are `pipelines.steps` wherever they run

# Where modules went (stored versions and plugins name the old paths); see rag/moved.py.
MOVES = {
    "rag.sources.text": "rag.ingest.text",
    "rag.sources.html_page": "rag.ingest.html_page",
    "rag.sources": "rag.ingest.sources",
    "rag.sections": "rag.ingest.sections",
    "rag.chunking": "rag.ingest.chunking",
    "rag.corpus_diff": "rag.ingest.corpus_diff",
    "rag.corpus": "rag.ingest.corpus",
    "rag.lineage": "rag.ingest.lineage",
    "rag.embedding_cache": "rag.index.embedding_cache",
    "rag.embeddings": "rag.index.embeddings",
    "rag.onnx_encoder": "rag.index.onnx_encoder",
    "rag.lexical": "rag.index.lexical",
    "rag.node_store": "rag.index.node_store",
    "rag.sqlite_kvstore": "rag.index.sqlite_kvstore",
    "rag.pgvector": "rag.index.pgvector",
    "rag.retrievers": "rag.retrieval.retrievers",
    "rag.section_window": "rag.retrieval.section_window",
    "rag.llms": "rag.answer",
    "rag.excerpt": "rag.answer.excerpt",
    "rag.chat": "rag.agent.chat",
    "rag.local": "rag.agent.local",
    "rag.collector": "rag.agent.collector",
    "pipelines.config": "factory.config",
    "pipelines.artifacts": "factory.artifacts",
    "pipelines.versions": "factory.versions",
    "pipelines.release": "factory.release",
    "pipelines.history": "factory.history",
    "pipelines.golden_refresh": "factory.golden_refresh",
    "pipelines.display": "cli.display",
    "pipelines.cli": "cli.main",
    "serving.config": "factory.serve_config",
}


def bootstrap() -> None:
    """Prepare this process to run the factory (idempotent; never overrides what the user set)."""
    apply_offline_defaults()
    redact_http_logs()  # httpx logs each request's full URL: its credentials never reach a log
    moved.register(MOVES)
    _use_source_root()
    set_secret_lookup(_zenml_secret)
    logging.getLogger("faiss.loader").setLevel(logging.WARNING)  # it logs its CPU build on every start


def _use_source_root() -> None:
    os.environ.setdefault("ZENML_CUSTOM_SOURCE_ROOT", str(SOURCE_ROOT))
    if "zenml.utils.source_utils" in sys.modules:  # zenml came first and read the variable already
        sys.modules["zenml.utils.source_utils"].set_custom_source_root(os.environ["ZENML_CUSTOM_SOURCE_ROOT"])


def _zenml_secret(name: str, key: str) -> str | None:
    """`api_key_secret: name.key` reads the ZenML secret `name` (imported only when used)."""
    from zenml.client import Client

    try:
        return Client().get_secret(name).secret_values.get(key)
    except KeyError:
        return None
