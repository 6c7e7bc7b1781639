"""Where ``tune`` reads its index and writes its choice: the config's ``retrieval`` block and the evidence.

The index is a built version's (its artifact) or a local agent folder's; tuning never rebuilds.
Writing changes only the config's top-level ``retrieval:`` block (other lines, comments included,
stay as they were) and puts the whole evidence (:class:`~factory.tune.TuneResult`) beside the
config as ``<config>.tune.json``, named in a comment above the block.

>>> text = "name: docs\\n# search\\nretrieval:\\n  top_k: 4\\n  page_weight: null\\nchat: {}\\n"
>>> print(with_retrieval(text, {"page_weight": 0.5}, "# tuned"), end="")
name: docs
# search
# tuned
retrieval:
  top_k: 4
  page_weight: 0.5
chat: {}
>>> print(with_retrieval("name: docs\\nretrieval: {top_k: 4}\\n", {"page_weight": 0.25}, "# tuned"), end="")
name: docs
# tuned
retrieval:
  top_k: 4
  page_weight: 0.25
>>> print(with_retrieval("name: docs  # mine\\n", {"page_weight": None}, "# tuned"), end="")
name: docs  # mine
<BLANKLINE>
# tuned
retrieval:
  page_weight: null
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from factory.config import AgentConfig
from factory.tune import TuneResult
from rag.index.docs_index import DocsIndex
from rag.writing import contains, write_file

MARK = "# tuned by agent-factory tune"
EVIDENCE_MARK = b'"tuned_by": "agent-factory tune"'


def index_for(config: AgentConfig, version: str, index_dir: Path | None) -> DocsIndex:
    """The index of a local agent folder, else of the config's model `version`."""
    if index_dir:
        from rag.agent.local import load_local_parts

        return load_local_parts(index_dir, config)[0]
    from factory.artifacts import load_parts
    from factory.versions import get_version

    return load_parts(get_version(config.name, version))[0]


def with_retrieval(text: str, settings: dict[str, Any], comment: str) -> str:
    """`text` (a YAML config) with `settings` written into its top-level ``retrieval`` block."""
    block = {**((yaml.safe_load(text) or {}).get("retrieval") or {}), **settings}
    rendered = f"{comment}\n" + yaml.safe_dump({"retrieval": block}, sort_keys=False)
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if re.match(r"retrieval\s*:", line)), None)
    if start is None:
        return text.rstrip("\n") + "\n\n" + rendered
    end = start + 1
    while end < len(lines) and (lines[end].startswith((" ", "\t")) or not lines[end].strip()):
        end += 1
    while end > start + 1 and not lines[end - 1].strip():  # blank lines after the block stay
        end -= 1
    if start and lines[start - 1].startswith(MARK):  # the previous run's comment goes with its block
        start -= 1
    return "".join(lines[:start]) + rendered + "".join(lines[end:])


def write_tuned(config_path: Path, result: TuneResult) -> tuple[Path, Path]:
    """The evidence beside the config, then the config's retrieval block; returns both paths."""
    evidence = config_path.with_name(f"{config_path.stem}.tune.json")
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    record = {"tuned_by": "agent-factory tune", "on": stamp, "result": result.model_dump(mode="json")}
    write_file(evidence, json.dumps(record, indent=2) + "\n", "tune evidence", contains(EVIDENCE_MARK))
    h = result.held_out
    comment = (f"{MARK} on {stamp}: held-out MRR@10 {h.diff_mean:+.3f} [{h.ci_low:+.3f}, {h.ci_high:+.3f}] "
               f"n={h.n_pairs}; evidence: {evidence.name}")  # fmt: skip
    text = with_retrieval(config_path.read_text(encoding="utf-8"), result.settings(), comment)
    # the user asked for this config to be changed (--write); only its retrieval block differs
    written = write_file(config_path, text, "config", lambda head: True)
    return written, evidence
