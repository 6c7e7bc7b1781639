"""`agent-factory golden refresh`: the golden file with its references followed to moved pages.

The builds already follow references (evaluation/follow.py); refresh writes what they followed
into the file, for a person to review as a diff. Stale questions (deleted pages, ambiguous
successors) are listed and left as written: only a person knows their new page. Nothing is
written unless asked, and then only after the whole new file validates.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

from pydantic import BaseModel

from evaluation.follow import follow_references
from evaluation.golden import load_golden, write_golden_file
from factory.artifacts import latest_lineage
from factory.config import AgentConfig
from factory.versions import find_version, store_description
from rag.errors import AgentFactoryError
from rag.ingest.sources import list_ids, load_documents


class RefreshError(AgentFactoryError):
    """A refresh that cannot follow anything (no build of the agent in this store)."""


class Refresh(BaseModel):
    """The refreshed file's text, the diff from the file as it is, and what could not be followed."""

    path: Path
    text: str
    diff: str
    followed: dict[str, list[str]]  # question id -> its references now
    stale: dict[str, str]  # question id -> why


def current_ids(config: AgentConfig) -> set[str]:
    """The document ids the config's sources yield now (listed where they can be, else read)."""
    listed = list_ids(config.sources)
    if all(ids is not None for ids in listed.values()):
        return {doc for ids in listed.values() for doc, _ in ids or []}
    return {d.doc_id for d in load_documents(config.sources)}


def refresh_golden(config: AgentConfig) -> Refresh:
    """Follow every reference of the config's golden set into today's corpus."""
    path = Path(config.evaluation.golden_path)
    golden = load_golden(path)
    if find_version(config.name, "latest") is None:  # no lineage: nothing could be followed, say so
        raise RefreshError(
            f"model {config.name!r} has no version in this ZenML store ({store_description()}): references "
            "are followed through the page lineage its builds record; run `agent-factory build` first, "
            "or point ZENML_STORE_URL at the store that has it"
        )
    followed = follow_references(golden, latest_lineage(config.name), current_ids(config))
    moved = {
        q.id: q.reference_sources for q in followed.questions if q.id in followed.original and not q.stale
    }
    lines = []
    original = path.read_text(encoding="utf-8")
    for line in original.splitlines(keepends=True):
        data = json.loads(line) if line.strip() and not line.lstrip().startswith("//") else None
        if isinstance(data, dict) and data.get("id") in moved:
            data["reference_sources"] = moved[data["id"]]
            line = json.dumps(data, ensure_ascii=False) + "\n"
        lines.append(line)
    text = "".join(lines)
    diff = "".join(
        difflib.unified_diff(original.splitlines(keepends=True), lines, f"{path}", f"{path} (refreshed)")
    )
    stale = {q.id: q.stale for q in followed.questions if q.stale}
    return Refresh(path=path, text=text, diff=diff, followed=moved, stale=stale)


def apply_refresh(refresh: Refresh) -> Path:
    """Replace the golden file with the refreshed text, only if every line of it validates
    (atomic, its permissions kept; a symlink's target is written and returned)."""
    return write_golden_file(refresh.path, refresh.text)
