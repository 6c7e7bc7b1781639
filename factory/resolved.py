"""A version's agent found again without ZenML while the local store has not changed.

A cold ``agent-factory ask`` spent most of its seconds importing ZenML, opening its store and
looking the version up, to learn two things: which index folder and which agent spec. A local
store is one SQLite file, and every change to it (a build, a promotion in the dashboard, a
deleted version) is a committed write to that file. So the last lookup's answer is kept with a
*stamp* of the store: the file's header (SQLite counts every commit there), size and modification
time, ZenML's configuration (which store, project, stack) and the ``ZENML_*`` environment. While
the stamp is unchanged the answer still holds; anything else (a server store, a file written in
the last seconds, a lost index folder) asks ZenML as before. Nothing here imports ZenML.

>>> _sqlite_file(b"store: {url: 'sqlite:////tmp/zenml/zenml.db'}")
PosixPath('/tmp/zenml/zenml.db')
>>> _sqlite_file(b"store: {url: 'https://zenml.example.com'}") is None  # a server: always asked
True
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from rag.cache import cache_dir
from rag.errors import AgentFactoryError

RACY_S = 2.0  # a store written this recently may be written again within its clock tick: not trusted


class Resolved(BaseModel):
    """What one lookup of (model, version) found, and the store's stamp before it looked."""

    stamp: str
    version: str
    index_folder: str
    spec: dict[str, Any]


def _config_dir() -> Path:
    """ZenML's global config folder, as ZenML finds it (zenml/utils/io_utils.py)."""
    if explicit := os.environ.get("ZENML_CONFIG_PATH"):
        return Path(explicit).resolve()
    import click

    return Path(click.get_app_dir("zenml"))


def _repository_config() -> bytes:
    """The nearest ``.zen/config.yaml`` (a repository's own active stack and project), if any."""
    start = Path(os.environ.get("ZENML_REPOSITORY_PATH") or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / ".zen").is_dir():
            path = folder / ".zen" / "config.yaml"
            return path.read_bytes() if path.is_file() else b""
    return b""


def _sqlite_file(config: bytes) -> Path | None:
    """The store's SQLite file, or None for a server (or a store ZenML has not configured yet)."""
    import yaml

    url = os.environ.get("ZENML_STORE_URL")
    if url is None:
        settings = yaml.safe_load(config) or {}
        url = ((settings.get("store") or {}) if isinstance(settings, dict) else {}).get("url")
    prefix = "sqlite:///"
    return Path(url[len(prefix) :]) if isinstance(url, str) and url.startswith(prefix) else None


def _file_state(path: Path) -> str:
    stat = path.stat()
    if time.time() - stat.st_mtime < RACY_S:
        raise OSError(f"{path} was written {time.time() - stat.st_mtime:.1f} s ago")
    with path.open("rb") as handle:
        header = handle.read(100)  # bytes 24-27: SQLite's change counter, bumped on every commit
    return f"{stat.st_ino}:{stat.st_size}:{stat.st_mtime_ns}:{header.hex()}"


def store_stamp() -> str | None:
    """The local store's state, or None when it cannot be told cheaply and surely (then ZenML is asked)."""
    try:
        config = (_config_dir() / "config.yaml").read_bytes()
        database = _sqlite_file(config)
        if database is None:
            return None
        parts = [config.hex(), _repository_config().hex(), _file_state(database)]
        for extra in (Path(f"{database}-wal"), Path(f"{database}-journal")):
            if extra.exists():
                parts.append(_file_state(extra))
    except (OSError, ValueError, TypeError, AttributeError, ImportError):
        return None
    parts += sorted(f"{k}={v}" for k, v in os.environ.items() if k.startswith("ZENML_"))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _entry_path(model: str, version: str | int) -> Path:
    key = hashlib.sha256(f"{_config_dir()}|{model}|{version}".encode()).hexdigest()[:24]
    return cache_dir() / "resolved" / f"{key}.json"


def recall(model: str, version: str | int) -> Resolved | None:
    """The last lookup of (model, version) if the store is as it was then, else None."""
    stamp = store_stamp()
    if stamp is None:
        return None
    try:
        entry = Resolved.model_validate_json(_entry_path(model, version).read_bytes())
    except (OSError, ValidationError):
        return None
    return entry if entry.stamp == stamp else None


def remember(model: str, version: str | int, entry: Resolved) -> None:
    """Keep a lookup's answer (written whole or not at all; a failure only costs the next ask time)."""
    path = _entry_path(model, version)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(entry.model_dump()), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass


def open_recalled(model: str, version: str | int) -> Any:
    """A ChatSession over the agent the last lookup found, or None when ZenML must be asked."""
    entry = recall(model, version)
    if entry is None:
        return None
    from rag.agent.spec import AgentSpec, open_session
    from rag.index.docs_index import DocsIndex

    try:
        index = DocsIndex.load(entry.index_folder)
        spec = AgentSpec.model_validate(entry.spec)
    except (AgentFactoryError, ValidationError, OSError):  # files gone, code moved on: look it up again
        return None
    return open_session(spec, index)
