"""RESULTS.md from RESULTS.json: benchmarks/results.md.jinja, and which sections came from earlier runs.

python -c "import json; from benchmarks.render import render; print(render(json.load(open('benchmarks/RESULTS.json')), 'python -m benchmarks.run'))"
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from benchmarks import html_quality


def _format(value: object, spec: str) -> str:
    """``format`` for the template; a number the results lack raises UndefinedError naming it."""
    return str(value) if isinstance(value, jinja2.Undefined) else format(value, spec)  # str() raises


def render(r: dict, command: str) -> str:
    """RESULTS.md from the results of the sections that ran (a partial run renders its own sections)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent),
        undefined=jinja2.StrictUndefined,  # a key the results lack is an error, not an empty cell
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # Markdown, not HTML
    )
    env.filters["fmt"] = _format
    template = env.get_template("results.md.jinja")
    return template.render(r=r, command=command, pool=html_quality.POOL, earlier=_earlier(r))


def _earlier(r: dict) -> dict[str, list[str]]:
    """Sections not measured in the run the header describes, grouped by where and when they were."""
    head = {"date": r["date"], **{k: r["machine"].get(k) for k in ("cpu_model", "int8")}}
    groups: dict[str, list[str]] = {}
    for name in r:
        if name in ("machine", "date", "sizes", "measured"):
            continue
        stamp = r.get("measured", {}).get(name)
        if stamp != head:
            where = f"{stamp['date'][:10]} on {stamp['cpu_model']} (int8: {stamp['int8']})" if stamp else ""
            groups.setdefault(where or "earlier runs, machine not recorded", []).append(name)
    return groups
