"""An HTML report of one evaluation: scores against thresholds and production, the decision,
and every question with the agent's answer. All document and answer text is escaped.

>>> from evaluation.config import GateConfig
>>> from evaluation.records import Decision, EvaluationResult
>>> result = EvaluationResult(golden_name="g", golden_hash="h", records=[], metrics={},
...                           latency_p50_s=0.1, latency_p95_s=0.2, seconds=1.0)
>>> decision = Decision(stage=None, reasons=["<script>x</script>"], thresholds_passed=False,
...                     non_regression_passed=None)
>>> html = render_report(result, decision, GateConfig(), title="docs_agent v3")
>>> "&lt;script&gt;" in html and "<script>x" not in html
True
"""

from __future__ import annotations

import re
from collections import Counter
from html import escape

from evaluation.config import SCORE, GateConfig
from evaluation.gate import with_score
from evaluation.metric_specs import METRICS
from evaluation.records import AnswerRecord, Decision, EvaluationResult
from rag.writing import GENERATOR

# Read in the dashboard's preview frame first: small margins, tables that wrap instead of widening.
_CSS = """
body{font-family:system-ui,sans-serif;margin:.6rem .8rem;color:#1f2430;font-size:.85rem}
h1{font-size:1rem;margin:.2rem 0} h2{font-size:.95rem;display:inline} p{margin:.3rem 0}
table{border-collapse:collapse;margin:.4rem 0;max-width:100%} .wide{width:100%;table-layout:fixed}
td,th{border:1px solid #d8dbe2;padding:.2rem .45rem;text-align:left;vertical-align:top;overflow-wrap:break-word}
th{background:#f3f4f7} .pass{color:#11763d;font-weight:600} .fail{color:#b42318;font-weight:600}
.stage{display:inline-block;padding:.15rem .6rem;border-radius:1rem;color:#fff;font-weight:700}
.production{background:#11763d} .staging{background:#b54708} .none{background:#b42318}
.answer{white-space:pre-wrap} .muted{color:#667085} details{margin:.5rem 0} summary{cursor:pointer}
"""
EXCERPT_LINES, EXCERPT_CHARS = 6, 400  # an answer's first lines in the table; the rest a click away


def _fmt(value: float | None) -> str:
    return "NaN" if value is None else f"{value:.3f}"


def render_report(
    result: EvaluationResult,
    decision: Decision,
    gate: GateConfig,
    title: str,
    changes: str = "",
    corpus: str = "",
) -> str:
    """The whole page; `changes` is the question-by-question section (evaluation/changes.py),
    `corpus` what changed in the documents (evaluation/page_changes.py)."""
    if gate.primary == SCORE:  # the score that decided is shown with the metrics it is made of
        result = with_score(result, gate.weights)
    stage = decision.stage or "none"
    first = decision.deciding_reason()
    rest = [r for r in decision.reasons if r != first]
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'>{GENERATOR}<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(title)}: evaluation on {escape(result.golden_name)}</h1>",
        f"<p class='verdict'><span class='stage {stage}'>decision: {escape(decision.stage or 'not promoted')}</span> "
        f"{escape(first)}</p>",
        _comparisons(decision),
        "<ul>" + "".join(f"<li>{escape(r)}</li>" for r in rest) + "</ul>" if rest else "",
        _headline(result, decision, gate),
        _written_and_generated(result),
        f"<p class='muted'>{len(result.records)} questions, {result.seconds:.1f}s, latency p50 "
        f"{result.latency_p50_s:.2f}s p95 {result.latency_p95_s:.2f}s, judge: {escape(result.judge or 'none (offline tier only)')}</p>",
        _fold(changes),
        _fold(corpus),
        _fold(_usage(result)),
        _fold(_questions(result)),
        "</body></html>",
    ]
    return "\n".join(parts)


def _fold(section: str) -> str:
    """A details section, collapsed: its heading is what shows."""
    if not section:
        return ""
    heading = re.match(r"\s*<h2>(.*?)</h2>", section, re.S)
    summary = f"<h2>{heading[1]}</h2>" if heading else "details"
    return (
        f"<details><summary>{summary}</summary>{section[heading.end() :] if heading else section}</details>"
    )


def _comparisons(decision: Decision) -> str:
    """What the candidate was compared with (production, or plain search for a first version), per metric."""
    if not decision.comparisons:
        return ""
    rows = "".join(
        f"<tr><td>{c.role}</td><td>{escape(c.metric)}</td><td>{escape(decision.compared_with_words(c))}</td>"
        f"<td>{c.candidate_mean:.3f}</td><td>{c.production_mean:.3f}</td><td>{c.diff_mean:+.3f} [{c.ci_low:+.3f}, {c.ci_high:+.3f}]</td>"
        f"<td>{c.n_pairs}</td><td class='{'pass' if c.passed else 'fail'}'>{c.verdict}</td></tr>"
        for c in decision.comparisons
    )
    head = ("<tr><th></th><th>metric</th><th>compared with</th><th>candidate</th><th>compared</th>"
            "<th>difference [95% CI]</th><th>n</th><th>verdict</th></tr>")  # fmt: skip
    return f"<h2>Comparison</h2><table>{head}{rows}</table>"


def _headline(result: EvaluationResult, decision: Decision, gate: GateConfig) -> str:
    comparisons = {c.metric: c for c in decision.comparisons}
    rows = []
    for name, metric in result.metrics.items():
        threshold = gate.thresholds.get(name)
        outcome = "none-set" if threshold is None else "pass" if metric.mean >= threshold else "fail"
        comparison = comparisons.get(name)
        vs = (
            f"{comparison.production_mean:.3f} ({comparison.diff_mean:+.3f}, CI {comparison.ci_low:+.3f}..{comparison.ci_high:+.3f})"
            f" <span class='{'pass' if comparison.passed else 'fail'}'>{comparison.verdict}"
            f"{' (primary)' if comparison.role == 'primary' else ''}</span>"
            if comparison
            else "-"
        )
        rows.append(
            f"<tr><td>{escape(name)}</td><td>{metric.tier}</td><td class='{outcome}'>{metric.mean:.3f}"
            f"{f' ±{metric.spread:.3f} between judge runs' if metric.spread is not None else ''}</td>"
            f"<td>{'-' if threshold is None else threshold}</td><td>{metric.nan_rate:.0%}</td><td>{metric.n}</td><td>{vs}</td></tr>"
        )
    for name in result.not_applicable:  # no golden data: shown as such, never as a 0 or a NaN
        rows.append(f"<tr class='muted'><td>{escape(name)}</td><td colspan='6'>not applicable: the golden set "
                    "gives no data for it</td></tr>")  # fmt: skip
    head = "<tr><th>metric</th><th>tier</th><th>mean</th><th>threshold</th><th>NaN</th><th>n</th><th>production</th></tr>"
    return f"<table>{head}{''.join(rows)}</table>"


def _written_and_generated(result: EvaluationResult) -> str:
    """Each metric's mean over the questions people wrote and over the generated ones, apart:
    a generated set can be easier or harder than real questions (docs/evaluation.md)."""
    if not result.generated:
        return ""
    groups = {
        "written": lambda qid: qid not in result.generated,
        "generated": lambda qid: qid in result.generated,
    }
    rows = []
    for name, metric in result.metrics.items():
        cells = []
        for keep in groups.values():
            values = [v or 0.0 for qid, v in metric.values.items() if keep(qid)]  # NaN counts 0, as in mean
            cells.append(
                f"<td>{sum(values) / len(values):.3f} (n={len(values)})</td>" if values else "<td>-</td>"
            )
        rows.append(f"<tr><td>{escape(name)}</td>{''.join(cells)}</tr>")
    makers = ", ".join(f"{escape(m)} {n}" for m, n in sorted(Counter(result.generated.values()).items()))
    return (f"<p class='muted'>{len(result.generated)} of {len(result.records)} questions were generated "
            f"({makers}); scores apart:</p><table><tr><th>metric</th><th>written</th><th>generated</th></tr>"
            f"{''.join(rows)}</table>")  # fmt: skip


def _usage(result: EvaluationResult) -> str:
    """LLM calls and tokens by role: what this evaluation cost."""
    if not any(u.calls or u.failed for u in result.usage.values()):
        return "<h2>Usage</h2><p>No LLM calls: every answer and score was computed offline.</p>"
    rows = "".join(
        f"<tr><td>{escape(role)}</td><td>{u.calls}</td><td>{u.prompt_tokens:,}</td><td>{u.completion_tokens:,}</td>"
        f"<td>{u.failed}</td><td>{'estimated' if u.estimated else 'reported'}</td></tr>"
        if u.calls or u.failed
        else f"<tr><td>{escape(role)}</td><td colspan='5'>no LLM calls</td></tr>"
        for role, u in result.usage.items()
    )
    head = "<tr><th>LLM</th><th>calls</th><th>prompt tokens</th><th>completion tokens</th><th>failed</th><th>tokens</th></tr>"
    return f"<h2>Usage</h2><table>{head}{rows}</table>" if rows else ""


def _questions(result: EvaluationResult) -> str:
    names = list(result.metrics)
    head = (
        "<tr><th style='width:6%'>id</th><th style='width:18%'>question</th><th style='width:36%'>answer</th>"
        "<th style='width:14%'>pages retrieved</th>"
        + "".join(
            f"<th title='{escape(n)}'>{escape(METRICS[n].short if n in METRICS else n)}</th>" for n in names
        )
        + "<th>LLM calls agent / judge</th></tr>"
    )
    rows = []
    for record in result.records:
        cells = "".join(
            f"<td>{_fmt(result.metrics[n].values[record.id]) if record.id in result.metrics[n].values else ''}</td>"
            for n in names
        )
        answer = (
            _excerpt(record.answer)
            if not record.error
            else f"<span class='fail'>{escape(record.error)}</span>"
        )
        rows.append(
            f"<tr><td>{_traced_id(record, result.trace_url)}{_made_by(record.id, result)}</td><td>{escape(record.question)}</td><td class='answer'>{answer}</td>"
            f"<td>{'<br>'.join(escape(s) for s in record.source_ids)}</td>{cells}"
            f"<td>{record.usage.calls} / {record.judge_usage.calls}</td></tr>"
        )
    return (f"<h2>Every question ({len(result.records)})</h2><p class='muted'>Pages retrieved: what the agent's "
            "search returned, scored by hit rate; the answer's own Sources list cites the passages it used.</p>"
            f"<table class='wide'>{head}{''.join(rows)}</table>")  # fmt: skip


def _traced_id(record: AnswerRecord, trace_url: str | None) -> str:
    """The question's id, a link to its trace when the run was traced (docs/observability.md)."""
    if not record.trace_id:
        return escape(record.id)
    if not trace_url:
        return f"<span title='trace {record.trace_id}'>{escape(record.id)}</span>"
    href = escape(trace_url.replace("{trace_id}", record.trace_id))
    return f"<a href='{href}' title='its trace'>{escape(record.id)}</a>"


def _made_by(qid: str, result: EvaluationResult) -> str:
    made = result.generated.get(qid)
    return f"<br><span class='muted' title='generated question'>{escape(made)}</span>" if made else ""


def _excerpt(answer: str) -> str:
    """The answer's first whole lines; the full text a click away."""
    lines, kept = answer.split("\n"), []
    for line in lines:
        if len(kept) == EXCERPT_LINES or (sum(map(len, kept)) + len(line) > EXCERPT_CHARS and kept):
            break
        kept.append(line)
    if len(kept) == len(lines):
        return escape(answer)
    return f"<details><summary>{escape(chr(10).join(kept))} …</summary>{escape(answer)}</details>"
