"""Every gated metric across a model's versions, with what the gate decided: one picture.

Shown in the dashboard (the report step's ``history`` artifact) and written by
``agent-factory versions --plot FILE`` (``.png``, or ``.html`` with the picture inside).
"""

from __future__ import annotations

import base64
import io
from html import escape
from pathlib import Path

from evaluation.metric_specs import names
from factory.versions import VersionRow
from rag.errors import AgentFactoryError
from rag.writing import GENERATOR, contains, write_file

MARKERS = {  # decision -> (marker, colour, label)
    "production": ("o", "#11763d", "production"),
    "staging": ("s", "#b54708", "staging"),
    "rejected": ("x", "#b42318", "refused"),
    "": (".", "#667085", "no decision"),
}


def history_png(model: str, rows: list[VersionRow], thresholds: dict[str, float]) -> bytes:
    """A PNG: one panel per metric, versions left to right, markers by decision, thresholds dashed."""
    import matplotlib

    matplotlib.use("Agg")  # no display needed, and none is wanted
    import matplotlib.pyplot as plt

    rows = sorted(rows, key=lambda r: r.number)
    metrics = [m for m in names() if any(m in r.scores for r in rows)] or ["hit_rate"]
    fig, axes = plt.subplots(
        len(metrics), 1, figsize=(8, 1.6 * len(metrics) + 0.8), sharex=True, squeeze=False
    )
    for ax, metric in zip(axes[:, 0], metrics, strict=True):
        points = [(r.number, r.scores[metric], r.decision) for r in rows if metric in r.scores]
        ax.plot([p[0] for p in points], [p[1] for p in points], color="#98a2b3", linewidth=1, zorder=1)
        for decision, (marker, colour, label) in MARKERS.items():
            chosen = [p for p in points if p[2] == decision]
            ax.scatter(
                [p[0] for p in chosen],
                [p[1] for p in chosen],
                marker=marker,
                color=colour,
                label=label,
                zorder=2,
            )
        if metric in thresholds:
            ax.axhline(thresholds[metric], color="#b42318", linestyle="--", linewidth=0.8)
        ax.set_ylabel(metric, rotation=0, ha="right", fontsize=8)
        ax.set_ylim(-0.05, 1.05)
        ax.grid(axis="y", alpha=0.3)
    axes[0, 0].set_title(f"{model}: gated metrics by version (dashed: threshold)", fontsize=10)
    axes[-1, 0].set_xlabel("version")
    axes[-1, 0].set_xticks([r.number for r in rows])
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=110, metadata={"Software": PNG_SOFTWARE})
    plt.close(fig)
    return out.getvalue()


def history_html(model: str, rows: list[VersionRow], thresholds: dict[str, float]) -> str:
    """The picture inside a page (no external assets), with the versions' decisions listed."""
    image = base64.b64encode(history_png(model, rows, thresholds)).decode()
    items = "".join(
        f"<li>v{escape(r.version)}: {escape(r.decision or 'no decision')}"
        f"{f' (now {escape(r.stage)})' if r.stage and r.stage != r.decision else ''}</li>"
        for r in sorted(rows, key=lambda r: r.number)
    )
    return (f"<!doctype html><html><head><meta charset='utf-8'>{GENERATOR}<title>{escape(model)} history</title></head>"
            f"<body style='font-family:system-ui,sans-serif'><h1>{escape(model)}: versions</h1>"
            f"<img alt='gated metrics by version' src='data:image/png;base64,{image}'><ul>{items}</ul></body></html>")  # fmt: skip


PNG_SOFTWARE = "agent-factory history plot"  # the PNG's Software text chunk: how a later --plot knows it


def write_history(model: str, rows: list[VersionRow], thresholds: dict[str, float], path: Path) -> Path:
    """Write the plot to `path`: PNG or HTML by its suffix (its folder made if missing)."""
    if path.suffix.lower() == ".png":
        return write_file(path, history_png(model, rows, thresholds), "plot", contains(PNG_SOFTWARE.encode()))
    if path.suffix.lower() in {".html", ".htm"}:
        return write_file(
            path, history_html(model, rows, thresholds), "history page", contains(GENERATOR.encode())
        )
    raise AgentFactoryError(f"{path}: --plot writes .png or .html files")
