"""The primary score and every gated metric across a model's versions, by the stage each has now.

Shown in the dashboard (the report step's ``history`` artifact) and written by
``agent-factory versions --plot FILE`` (``.png``, or ``.html`` with the picture inside).
"""

from __future__ import annotations

import base64
import io
from html import escape
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from evaluation.config import GateConfig
from factory.versions import VersionRow
from rag.errors import AgentFactoryError
from rag.writing import GENERATOR, contains, write_file

STAGES = {  # the stage a version has now -> (marker, colour, label)
    "production": ("o", "#11763d", "production"),
    "staging": ("s", "#b54708", "staging"),
    "archived": ("D", "#98a2b3", "archived"),
    "": ("x", "#b42318", "never promoted"),
}


class Point(BaseModel):
    """One version's score on one metric, with the stage the version has now: what is drawn."""

    version: int
    metric: str
    score: float
    stage: str  # now: production, staging, archived, or "" (never promoted)
    threshold: float | None = None


def plotted_metrics(rows: list[VersionRow], gate: GateConfig) -> list[str]:
    """The primary score first, then the guardrails and the floors: the metrics the gate used."""
    wanted = dict.fromkeys([gate.primary, *gate.non_regression, *gate.thresholds])
    return [m for m in wanted if any(m in r.scores for r in rows)]


def points(rows: list[VersionRow], gate: GateConfig) -> list[Point]:
    """What the plot draws, in order: versions left to right, one panel per plotted metric."""
    stage = {r.number: r.stage if r.stage in STAGES else "" for r in rows}
    return [
        Point(
            version=r.number,
            metric=m,
            score=r.scores[m],
            stage=stage[r.number],
            threshold=gate.thresholds.get(m),
        )
        for m in plotted_metrics(rows, gate)
        for r in sorted(rows, key=lambda r: r.number)
        if m in r.scores
    ]


def history_png(model: str, rows: list[VersionRow], gate: GateConfig) -> bytes:
    """A PNG: the primary score and each gated metric by version, markers by the stage now,
    today's production ringed, floors dashed."""
    import matplotlib

    matplotlib.use("Agg")  # no display needed, and none is wanted
    import matplotlib.pyplot as plt

    drawn = points(rows, gate)
    metrics = list(dict.fromkeys(p.metric for p in drawn)) or [gate.primary]
    fig, axes = plt.subplots(
        len(metrics), 1, figsize=(8, 1.6 * len(metrics) + 0.9), sharex=True, squeeze=False
    )
    for ax, metric in zip(axes[:, 0], metrics, strict=True):
        _panel(ax, [p for p in drawn if p.metric == metric], metric, metric == gate.primary)
    axes[0, 0].set_title(
        f"{model}: the primary score and gated metrics by version (marker: stage now; dashed: floor)",
        fontsize=10,
    )
    axes[-1, 0].set_xlabel("version")
    axes[-1, 0].set_xticks(sorted({r.number for r in rows}))
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=5, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=110, metadata={"Software": PNG_SOFTWARE})
    plt.close(fig)
    return out.getvalue()


def _panel(ax: Any, drawn: list[Point], metric: str, primary: bool) -> None:
    ax.plot([p.version for p in drawn], [p.score for p in drawn], color="#d0d5dd", linewidth=1, zorder=1)
    for stage, (marker, colour, label) in STAGES.items():
        chosen = [p for p in drawn if p.stage == stage]
        ax.scatter([p.version for p in chosen], [p.score for p in chosen], marker=marker, color=colour,
                   label=label, zorder=2)  # fmt: skip
    now = [p for p in drawn if p.stage == "production"]
    ax.scatter([p.version for p in now], [p.score for p in now], s=220, facecolors="none",
               edgecolors="#11763d", linewidths=1.5, label="production today", zorder=3)  # fmt: skip
    if drawn and drawn[0].threshold is not None:
        ax.axhline(drawn[0].threshold, color="#b42318", linestyle="--", linewidth=0.8, label="floor")
    ax.set_ylabel(f"{metric}\n(primary)" if primary else metric, rotation=0, ha="right", fontsize=8,
                  fontweight="bold" if primary else "normal")  # fmt: skip
    ax.set_ylim(-0.05, 1.05)
    ax.grid(axis="y", alpha=0.3)


def history_html(model: str, rows: list[VersionRow], gate: GateConfig) -> str:
    """The picture inside a page (no external assets), with each version's stage now and
    what the gate decided when it was built."""
    image = base64.b64encode(history_png(model, rows, gate)).decode()
    items = "".join(
        f"<tr><td>v{escape(r.version)}</td><td>{escape(r.stage or 'never promoted')}</td>"
        f"<td>{escape(r.decision or 'no decision')}</td><td>{_score(r, gate.primary)}</td></tr>"
        for r in sorted(rows, key=lambda r: r.number)
    )
    head = f"<tr><th>version</th><th>stage now</th><th>decided when built</th><th>{escape(gate.primary)} (primary)</th></tr>"
    return (f"<!doctype html><html><head><meta charset='utf-8'>{GENERATOR}<title>{escape(model)} history</title></head>"
            f"<body style='font-family:system-ui,sans-serif'><h1>{escape(model)}: versions</h1>"
            f"<img alt='the primary score and gated metrics by version' src='data:image/png;base64,{image}'>"
            f"<table>{head}{items}</table></body></html>")  # fmt: skip


def _score(row: VersionRow, metric: str) -> str:
    return f"{row.scores[metric]:.3f}" if metric in row.scores else "-"


PNG_SOFTWARE = "agent-factory history plot"  # the PNG's Software text chunk: how a later --plot knows it


def write_history(model: str, rows: list[VersionRow], gate: GateConfig, path: Path) -> Path:
    """Write the plot to `path`: PNG or HTML by its suffix (its folder made if missing)."""
    if path.suffix.lower() == ".png":
        return write_file(path, history_png(model, rows, gate), "plot", contains(PNG_SOFTWARE.encode()))
    if path.suffix.lower() in {".html", ".htm"}:
        return write_file(path, history_html(model, rows, gate), "history page", contains(GENERATOR.encode()))
    raise AgentFactoryError(f"{path}: --plot writes .png or .html files")
