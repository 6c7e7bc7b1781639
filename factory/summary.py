"""A check's outcome as GitHub-flavoured Markdown: a PR comment or ``$GITHUB_STEP_SUMMARY``.

The verdict in one line, the gate's comparisons with intervals and n, the questions that
changed (worse first, both answers cut to a few lines), the corpus changes and the dashboard
link. Deterministic: the same outcome renders the same text (no clock, sorted lists).
"""

from __future__ import annotations

import html
import re

from evaluation.records import Comparison, Decision
from factory.check import Outcome
from rag.secrets import redact_secrets

SUMMARY_MARK = "<!-- agent-factory check summary -->\n"  # hidden on GitHub; lets a later check replace it
MAX_QUESTIONS = 10  # questions shown in full; the rest are counted
MAX_PAGES = 15  # pages listed per kind of change
ANSWER_LINES = 3
LINE_CHARS = 160


def verdict(decision: Decision) -> str:
    """One line: would it be promoted, and the deciding reason.

    >>> verdict(Decision(stage=None, reasons=["hit_rate 0.50 < 0.85"], thresholds_passed=False,
    ...                  non_regression_passed=None))
    'would not be promoted: hit_rate 0.50 < 0.85'
    """
    primary = next((c for c in decision.comparisons if c.role == "primary"), None)
    against = compared_with(decision)
    if decision.stage == "production" and decision.fresher and primary is not None:
        return (f"would be promoted: newer docs than {against}, not shown worse "
                f"({primary.metric}, n={primary.n_pairs}, {primary.diff_mean:+.3f} [{primary.ci_low:+.3f}, {primary.ci_high:+.3f}])")  # fmt: skip
    if decision.stage == "production" and primary is not None:
        return f"would be promoted: {primary.verdict} than {against} ({primary.metric}, n={primary.n_pairs})"
    if decision.stage == "production":
        return f"would be promoted: {decision.reasons[-1]}"
    if decision.stage == "staging" and primary is not None:
        return (f"would not be promoted (staging): {primary.verdict} against {against} "
                f"({primary.metric}, n={primary.n_pairs}; it can tell {primary.detectable:.3f} from zero)")  # fmt: skip
    failed = [c for c in decision.comparisons if not c.passed]
    reason = f"{failed[0].metric} shown worse than {against}" if failed else decision.reasons[0]
    return f"would not be promoted: {reason}"


def compared_with(decision: Decision) -> str:
    """What the candidate was measured against, in words: production vN, plain search, or nothing.

    >>> compared_with(Decision(stage="production", reasons=[], thresholds_passed=True, non_regression_passed=True,
    ...                        compared_with="plain search"))
    'plain search over the same pages'
    """
    if decision.compared_with == "plain search":
        return "plain search over the same pages"
    if decision.against_label:
        return decision.against_label
    return f"production v{decision.production_version}" if decision.production_version else "nothing"


def render(outcome: Outcome, gate_thresholds: dict[str, float] | None = None) -> str:
    """The whole summary; `gate_thresholds` are shown beside the scores when nothing was compared."""
    decision, mark = outcome.decision, "✅" if outcome.decision.stage == "production" else "❌"
    if decision.production_version and decision.compared_with != "plain search":
        against = f"{outcome.model} v{decision.production_version}"
    elif decision.compared_with == "plain search":
        against = f"plain search over the same pages ({outcome.model} has no {outcome.against.version} to compare with)"
    else:
        against = f"{outcome.model} {outcome.against.version} (none yet: judged on the floors alone)"
    parts = [
        SUMMARY_MARK + f"## {mark} {outcome.model}: {verdict(decision)}",
        f"Candidate `{outcome.model}-candidates` v{outcome.candidate} against {against}, "
        f"{len(outcome.result.records)} questions of `{outcome.result.golden_name}`.",
        _comparisons(decision.comparisons) or _scores(outcome, gate_thresholds),
        "<details><summary>The gate's reasons</summary>\n\n"
        + "\n".join(f"- {_line(r)}" for r in decision.reasons)
        + "\n\n</details>",
        _questions(outcome),
        _stale(outcome),
        _corpus(outcome),
    ]
    if outcome.report_url:
        parts.append(f"[The report in the dashboard]({outcome.report_url})")
    return redact_secrets("\n\n".join(p for p in parts if p) + "\n")  # a PR comment is public


def _comparisons(rows: list[Comparison]) -> str:
    if not rows:
        return ""
    head = "| | metric | candidate | compared with | difference [95% CI] | n | verdict |\n|---|---|---:|---:|---|---:|---|"
    body = [f"| {c.role}{'' if c.against == 'production' else f' (vs {c.against})'} | {c.metric} | {c.candidate_mean:.3f} | {c.production_mean:.3f} | "
            f"{c.diff_mean:+.3f} [{c.ci_low:+.3f}, {c.ci_high:+.3f}] | {c.n_pairs} | "
            f"{'✅' if c.passed else '❌'} {c.verdict} |" for c in rows]  # fmt: skip
    return "\n".join([head, *body])


def _scores(outcome: Outcome, thresholds: dict[str, float] | None) -> str:
    """No comparison was made (no production, or thresholds failed first): scores against thresholds."""
    limits, before = thresholds or {}, outcome.baseline
    version = outcome.decision.production_version
    head = "| metric | candidate | NaN | threshold |" + (f" v{version} |" if before else "")
    rows = [head, "|---|---:|---:|---:|" + ("---:|" if before else "")]
    for name, m in sorted(outcome.result.metrics.items()):
        limit = limits.get(name)
        mark = "" if limit is None else (" ✅" if m.mean >= limit else " ❌")
        cells = [name, f"{m.mean:.3f}{mark}", f"{m.nan_rate:.0%}", "" if limit is None else f"{limit:.2f}"]
        cells += [f"{before[name]:.3f}" if name in before else ""] if before else []
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _questions(outcome: Outcome) -> str:
    rows = outcome.changes
    if not outcome.decision.production_version or outcome.decision.compared_with == "plain search":
        return ""
    if outcome.unmeasured:  # never "no question moved" when nothing was compared
        return (f"### Questions\n\nNo question-by-question comparison with v{outcome.decision.production_version}: "
                f"{_line(outcome.unmeasured)}")  # fmt: skip
    if not rows:
        return f"### Questions\n\nNo question's score moved against v{outcome.decision.production_version}."
    worse = sum(r["direction"] == "worse" for r in rows)
    out = [f"### Questions that changed: {worse} worse, {len(rows) - worse} better"]
    for r in rows[:MAX_QUESTIONS]:
        pages = outcome.touched.get(r["id"]) or r.get("pages") or ""
        out.append(f"**{_line(r['id'])}** ({r['direction']}: {r['changes']}{'; ' + _line(pages) if pages else ''}): "
                   f"{_line(r['question'])}\n\n"
                   f"candidate:\n{_quote(r['answer'])}\n\n"
                   f"v{outcome.decision.production_version}:\n{_quote(r['production_answer'])}")  # fmt: skip
    if len(rows) > MAX_QUESTIONS:
        out.append(f"... and {len(rows) - MAX_QUESTIONS} more (the report lists them all)")
    return "\n\n".join(out)


def _stale(outcome: Outcome) -> str:
    """Questions whose pages are gone: not scored, and counted against `gate.max_stale_rate`."""
    stale = outcome.result.stale
    if not stale:
        return ""
    rows = [f"- **{_line(qid)}**: {_line(why)}" for qid, why in sorted(stale.items())[:MAX_QUESTIONS]]
    more = [f"- ... and {len(stale) - MAX_QUESTIONS} more"] if len(stale) > MAX_QUESTIONS else []
    return "\n".join([f"### Questions whose pages are gone: {len(stale)}", *rows, *more])


def _corpus(outcome: Outcome) -> str:
    diff = outcome.diff
    if diff.previous_version is None:
        return ""
    if diff.empty():
        return f"### Pages\n\nNo page changed against v{diff.previous_version} ({diff.unchanged} unchanged)."
    out = [f"### Pages against v{diff.previous_version}: {diff.summary()}"]
    kinds = [("added", diff.added), ("removed", diff.removed), ("changed", diff.changed),
             ("moved", [f"{m.old} → {', '.join(m.new)}" for m in diff.moved])]  # fmt: skip
    for kind, pages in kinds:
        if pages:
            shown = ", ".join(_code(p) for p in sorted(pages)[:MAX_PAGES])
            more = f" and {len(pages) - MAX_PAGES} more" if len(pages) > MAX_PAGES else ""
            out.append(f"- {kind} ({len(pages)}): {shown}{more}")
    return "\n".join(out)


def _quote(text: str) -> str:
    """A few lines of an answer as a blockquote (Markdown inside kept, lines cut, its source list
    left out: the report has it)."""
    body = text.strip().split("\nSources:\n")[0].removeprefix("Answer: ")
    lines = [line for line in body.splitlines() if line.strip()] or ["(empty)"]
    shown = [_line(line)[:LINE_CHARS] for line in lines[:ANSWER_LINES]]
    if len(lines) > ANSWER_LINES:
        shown.append("…")
    return "\n".join(f"> {line}" for line in shown)


_MARKDOWN = re.compile(
    r"([\\`*_\[\]()!|~#])"
)  # punctuation GitHub reads as inline syntax (<, >, & are entities)


def _line(text: str) -> str:
    """One line of text from documents, questions or answers, inert in GitHub Markdown: HTML as
    entities, Markdown punctuation (code spans, emphasis, link and table syntax) backslash-escaped,
    and "://" split so no bare link is made of it.

    >>> print(_line("</details><a href='https://x.example'>[ok](y)</a> `x`"))
    &lt;/details&gt;&lt;a href='https:&#47;&#47;x.example'&gt;\\[ok\\]\\(y\\)&lt;/a&gt; \\`x\\`
    """
    flat = " ".join(text.split())
    escaped = _MARKDOWN.sub(r"\\\1", html.escape(flat, quote=False))
    return escaped.replace("://", ":&#47;&#47;")


def _code(text: str) -> str:
    """A page path in code style that no backtick can end: HTML <code> with its text as entities."""
    return f"<code>{html.escape(' '.join(text.split()))}</code>"
