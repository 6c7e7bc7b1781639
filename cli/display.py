"""Showing versions to a person: the `versions` table and the `compare` rows (rich, plain text).

Reads recorded metadata only; no model is loaded.
"""

from __future__ import annotations

from typing import Any

from evaluation.config import SCORE
from evaluation.metric_specs import METRICS, names
from factory.versions import VersionRow, version_metadata


def versions_table(model: str, rows: list[VersionRow]) -> Any:
    """A rich Table of versions with a short column per metric any version has."""
    from rich import box
    from rich.table import Table

    metrics = [m for m in [SCORE, *names()] if any(m in row.scores for row in rows)]
    shorts = {m: METRICS[m].short if m in METRICS else m for m in metrics}  # `score`: the gate's own
    legend = ", ".join(f"{shorts[m]} = {m}" for m in metrics)
    table = Table(title=f"model {model}", box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1),
                  caption=f"metric means: {legend} (agent-factory versions --help)" if metrics else None)  # fmt: skip
    for column in ["ver", "stage", "created", "docs", "chunks", *(shorts[m] for m in metrics)]:
        table.add_column(column, no_wrap=True)
    for row in rows:
        scores = [f"{row.scores[m]:.2f}" if m in row.scores else "" for m in metrics]
        table.add_row(row.version, row.stage, f"{row.created:%m-%d %H:%M}", str(row.documents or ""),
                      str(row.chunks or ""), *scores)  # fmt: skip
    return table


def comparison_rows(model: str, a: str, b: str) -> list[tuple[str, str, str]]:
    """(key, value in a, value in b) for scores, corpus and every setting."""
    meta = [version_metadata(model, v) for v in (a, b)]
    flat = [_flatten({k: m.get(k) for k in ("evaluation", "corpus", "settings")}) for m in meta]
    keys = [k for k in dict.fromkeys([*flat[0], *flat[1]]) if not k.startswith("evaluation.metrics.")]
    return [(k, _show(flat[0].get(k)), _show(flat[1].get(k))) for k in keys]


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            out |= _flatten(value, f"{prefix}{key}.")
        return out
    return {prefix.rstrip("."): data}


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return "-" if value is None else str(value)
