"""The ``agent-factory`` command line. Heavy imports live inside commands so --help is instant.

Errors: an :class:`~rag.errors.AgentFactoryError` (bad input, a missing version, a dead
endpoint...) prints one ``error: ...`` line and exits 1; anything else is a bug and keeps
its traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import click

DEFAULT_LOCAL_DIR = Path(".agent-factory/local")
NOT_PROMOTED = 3  # `build` exit code: the version was built and evaluated, but is not in production


def _fail(message: str) -> None:
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(1)


class _Group(click.Group):
    """Maps the project's error family to a clean message and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        from rag.errors import AgentFactoryError

        try:
            return super().invoke(ctx)
        except AgentFactoryError as exc:
            _fail(str(exc))


def _config(path: Path | None) -> Any:
    from pipelines.config import find_config, load_config

    return load_config(find_config(path))


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Agent Factory: build, evaluate and gate retrieval agents (offline by default)."""
    import pipelines  # noqa: F401  (offline defaults, ZenML source root)


config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Agent config [default: $AGENT_FACTORY_CONFIG, else the nearest configs/default.yaml].",
)
_model = click.option("--model", default=None, help="ZenML model name [default: the config's name].")


def model_option(func: Any) -> Any:
    """--model, or the `name` of --config: the commands that read versions find the model built."""
    return _model(config_option(func))


def _model_name(model: str | None, config_path: Path) -> str:
    return model or _config(config_path).name


@main.command()
@config_option
@click.option("--schedule", metavar="CRON", help="Schedule on a stack whose orchestrator supports it.")
def build(config_path: Path, schedule: str | None) -> None:
    """Run the agent pipeline: a new version of the ZenML model.

    Exit codes: 0 the version is now in production; 3 built and evaluated but not promoted to
    production (staging or rejected: the reasons are printed); 1 an error, nothing promoted.
    """
    from pipelines.config import EmptyCorpus, validate

    config = _config(config_path)
    try:
        validate(config)  # before importing ZenML: a bad endpoint or golden file fails in well under a second
    except EmptyCorpus as exc:  # a decision, not a crash: a scheduler sees "not promoted"
        click.secho(f"decision: not promoted: {exc}", fg="yellow")
        sys.exit(NOT_PROMOTED)
    from pipelines.agent_pipeline import run_build

    result = run_build(config, schedule=schedule)
    if schedule:
        click.echo(f"scheduled {config.name} with cron '{schedule}'")
        return
    if result.status not in ("completed", "paused"):
        _fail(f"run {result.run_name} ended {result.status}")
    click.secho(f"\nbuilt {result.model} version {result.version}", bold=True)
    _print_decision(result.model, result.version)
    click.echo(f"run: {result.run_name}\nsee: agent-factory versions  |  agent-factory dashboard")
    if result.status == "paused":  # gate.require_approval, and nobody answered in time
        click.echo(f"waiting for a person: agent-factory approve {result.version} (or reject) "
                   f"--config {config_path}, or the dashboard; production is unchanged")  # fmt: skip
    from pipelines.versions import get_version

    if get_version(result.model, result.version).stage != "production":  # approved in time: production
        sys.exit(NOT_PROMOTED)


def _print_decision(model: str, version: str) -> str | None:
    from pipelines.versions import version_metadata

    decision = version_metadata(model, version).get("decision") or {}
    click.echo(f"decision: {decision.get('stage') or 'not promoted'}")
    for reason in decision.get("reasons", []):
        click.echo(f"  - {reason}")
    return decision.get("stage")


@main.command()
@model_option
@click.option(
    "--plot", "plot", type=click.Path(path_type=Path), help="Also write the history plot (.png or .html)."
)
def versions(model: str | None, config_path: Path, plot: Path | None) -> None:
    """List versions with stage, corpus size and headline scores (and plot them with --plot).

    \b
    Columns: ver (version number), stage, created, docs (documents), chunks, then each
    metric's mean (docs/evaluation.md):
      hit     hit rate: a reference page among the retrieved ones
      mrr     mean reciprocal rank of the first reference page
      idp     id-based context precision: retrieved pages that are references
      idr     id-based context recall: reference pages that were retrieved
      ctxr    non-LLM context recall: reference passages found in the retrieved text
      sim     semantic similarity of answer and reference answer
      incl    must-include facts present in the answer
      refuse  refusal accuracy: out-of-scope questions declined, others answered
    Judge metrics (with a judge) use their own short names, listed in docs/evaluation.md.
    """
    model = _model_name(model, config_path)
    from rich.console import Console

    from pipelines.display import versions_table
    from pipelines.versions import list_versions

    rows = list_versions(model)
    Console(width=max(Console().width, 110)).print(versions_table(model, rows))  # pipes report 80 columns
    if plot:
        from pipelines.history import write_history

        thresholds = _config(config_path).evaluation.gate.thresholds
        click.echo(f"wrote {write_history(model, rows, thresholds, plot)}")


@main.command()
@click.argument("version")
@click.option("--stage", type=click.Choice(["production", "staging", "archived"]), required=True)
@click.option("--reason", default="manual promotion", show_default=True)
@model_option
def promote(version: str, stage: str, reason: str, model: str | None, config_path: Path) -> None:
    """Manually move VERSION to a stage (recorded on the version, previous holder archived)."""
    model = _model_name(model, config_path)
    from pipelines.release import promote_manually

    mv = promote_manually(model, version, stage, reason)
    click.echo(f"{model} version {mv.name} is now {mv.stage}")


@main.command()
@click.argument("version")
@model_option
def approve(version: str, model: str | None, config_path: Path) -> None:
    """Approve VERSION, held for a person by gate.require_approval: it goes to production."""
    _answer(_model_name(model, config_path), version, approved=True)


@main.command()
@click.argument("version")
@model_option
def reject(version: str, model: str | None, config_path: Path) -> None:
    """Reject VERSION, held for a person by gate.require_approval: it stays in staging."""
    _answer(_model_name(model, config_path), version, approved=False)


def _answer(model: str, version: str, approved: bool) -> None:
    from pipelines.release import answer_approval

    stage = answer_approval(model, version, approved)
    click.echo(f"{model} version {version} {'approved' if approved else 'rejected'}: {stage}")


@main.command("eval")
@click.option("--version", default="production", show_default=True)
@click.option("--dry-run", is_flag=True, help="Estimate the judge's calls and tokens; call nothing.")
@model_option
def eval_cmd(version: str, dry_run: bool, model: str | None, config_path: Path) -> None:
    """Score an existing version again on the config's golden set (and judge, if any)."""
    config = _config(config_path)
    model = model or config.name
    from evaluation.golden import load_golden
    from pipelines.config import validate

    if dry_run:
        return _print_estimate(model, version, load_golden(config.evaluation.golden_set), config)
    golden = validate(config)
    from pipelines.release import reevaluate

    mv, result = reevaluate(model, version, golden, config.evaluation.judge)
    click.secho(f"{model} version {mv.name} on {golden.name} ({len(golden.questions)} questions):", bold=True)
    for name, metric in result.metrics.items():
        click.echo(f"  {name:38s} {metric.mean:.3f}  NaN {metric.nan_rate:.0%}")
    click.echo(f"  latency p50 {result.latency_p50_s:.2f}s  p95 {result.latency_p95_s:.2f}s")
    for role, usage in result.usage.items():
        click.echo(f"  {role} LLM: {usage.calls} calls, {usage.prompt_tokens} prompt + "
                   f"{usage.completion_tokens} completion tokens{' (estimated)' if usage.estimated else ''}")  # fmt: skip


def _print_estimate(model: str, version: str, golden: Any, config: Any) -> None:
    """The judge cost of `eval` from the version's recorded answers; nothing is called."""
    from evaluation.cost import estimate_judge
    from pipelines.artifacts import load_evaluation
    from pipelines.versions import get_version

    judge = config.evaluation.judge
    if judge is None:
        click.echo("no judge configured (evaluation.judge): the offline tier makes no LLM calls")
        return
    previous = load_evaluation(get_version(model, version))
    est = estimate_judge(golden, previous.records, judge)
    click.secho(
        f"judge {judge.llm.provider}/{judge.llm.model} on {est.questions} answerable questions:", bold=True
    )
    for metric, row in est.per_metric.items():
        click.echo(f"  {metric:38s} {row['calls']:6d} calls  {row['prompt_tokens']:9d} prompt tokens")
    click.echo(f"  total: ~{est.calls} calls (at most {est.max_calls} with re-asks), "
               f"~{est.prompt_tokens} prompt + ~{est.completion_tokens} completion tokens")  # fmt: skip
    agent = previous.usage.get("agent")
    if agent and agent.prompt_tokens:
        click.echo(
            f"  the agent's LLM last used {agent.calls} calls, {agent.prompt_tokens + agent.completion_tokens} tokens"
        )


@main.command("preflight")
@config_option
def preflight_cmd(config_path: Path) -> None:
    """Check that every endpoint the config names answers (keys, URLs, models)."""
    config = _config(config_path)
    from rag.preflight import preflight

    for check in preflight(config):
        click.echo(f"ok  {check.role:28s} {check.provider:12s} {check.detail} ({check.seconds:.2f}s)")


@main.command()
@click.argument("version_a")
@click.argument("version_b")
@click.option("--all", "show_all", is_flag=True, help="Every row, not only those that differ.")
@model_option
def compare(version_a: str, version_b: str, show_all: bool, model: str | None, config_path: Path) -> None:
    """Print what differs between two versions: scores, corpus, settings, then the pages that changed."""
    model = _model_name(model, config_path)
    from pipelines.display import comparison_rows

    rows = comparison_rows(model, version_a, version_b)
    shown = rows if show_all else [r for r in rows if r[1] != r[2]]
    width = max([len(r[0]) for r in shown] + [1])
    click.secho(f"{'':{width}}  v{version_a}  ->  v{version_b}", bold=True)
    for key, a, b in shown:
        click.echo(f"{key:{width}}  {a}  ->  {b}" if a != b else f"{key:{width}}  {a}")
    if not show_all:
        click.echo(f"({len(rows) - len(shown)} rows equal; --all shows them)")
    _print_corpus_diff(model, version_a, version_b)


@main.command("diff")
@click.argument("version_a")
@click.argument("version_b")
@model_option
def diff_cmd(version_a: str, version_b: str, model: str | None, config_path: Path) -> None:
    """Pages added, removed, moved and changed from VERSION_A to VERSION_B, and the golden
    questions on those pages."""
    _print_corpus_diff(_model_name(model, config_path), version_a, version_b)


def _print_corpus_diff(model: str, a: str, b: str) -> None:
    from evaluation.page_changes import diff_lines
    from pipelines.artifacts import corpus_diff_between
    from pipelines.versions import VersionNotFound

    try:
        diff, golden = corpus_diff_between(model, a, b)
    except VersionNotFound as exc:
        click.echo(f"corpus diff: {exc}")
        return
    click.echo("\n".join(diff_lines(diff, golden)))


@main.command("index")
@config_option
@click.option("--out", type=click.Path(path_type=Path), default=DEFAULT_LOCAL_DIR, show_default=True)
def index_cmd(config_path: Path, out: Path) -> None:
    """Build an agent into a local folder, without ZenML (quick try-out)."""
    config = _config(config_path)
    from rich.progress import Progress

    from rag.local import build_local_agent

    with Progress(transient=True) as progress:
        task = progress.add_task("embedding chunks", total=None)
        corpus = build_local_agent(
            config, out, lambda done, total: progress.update(task, completed=done, total=total)
        )
    click.echo(f"indexed {corpus.documents} documents, {corpus.chunks} chunks into {out}")


def _session(index_dir: Path | None, model: str | None, config_path: Path, version: str) -> Any:
    from rag.collector import collector_paused  # a million objects loaded, no garbage

    with collector_paused():
        return _open_session(index_dir, model, config_path, version)


def _open_session(index_dir: Path | None, model: str | None, config_path: Path, version: str) -> Any:
    if index_dir:
        from rag.local import open_local_agent

        return open_local_agent(index_dir)
    from pipelines.artifacts import load_agent
    from pipelines.versions import VersionNotFound, list_versions

    model = _model_name(model, config_path)
    try:
        return load_agent(model, version)
    except VersionNotFound as exc:
        if version not in ("production", "staging"):
            raise
        rows = list_versions(model)  # a model with no versions at all says so itself
        listed = ", ".join(f"{r.version} ({r.stage or 'no stage'})" for r in rows[:8])
        raise VersionNotFound(
            f"{exc}; its versions: {listed}. Pick one with --version N, or promote one: "
            f"agent-factory promote N --stage {version} --model {model}"
        ) from None


def _print_sources(reply: Any) -> None:
    """Each retrieved page once, at its best chunk's score and link (page#section), best first."""
    best: dict[str, Any] = {}
    for src in reply.sources:
        if src.doc_id not in best or (src.score or 0.0) > (best[src.doc_id].score or 0.0):
            best[src.doc_id] = src
    for doc_id, src in sorted(best.items(), key=lambda item: -(item[1].score or 0.0)):
        where = f"{doc_id} <{src.url}>" if src.url else doc_id
        click.secho(
            f"  - {where}" + (f"  (score {src.score:.2f})" if src.score is not None else ""), dim=True
        )


agent_options = [
    click.option(
        "--version",
        default="production",
        show_default=True,
        help="Stage (production, staging, latest) or number.",
    ),
    model_option,
    click.option(
        "--index",
        "index_dir",
        type=click.Path(path_type=Path),
        help="A local agent folder instead of a model version.",
    ),
]


def _agent_options(func: Any) -> Any:
    for option in reversed(agent_options):
        func = option(func)
    return func


@main.command()
@click.argument("question")
@_agent_options
def ask(question: str, version: str, model: str | None, config_path: Path, index_dir: Path | None) -> None:
    """Ask the agent one question; prints the answer and the retrieved sources."""
    if not question.strip():  # before loading anything: seconds saved on a typo
        _fail("the question is empty")
    with _session(index_dir, model, config_path, version) as session:
        for delta in session.stream(question):
            click.echo(delta, nl=False)
        click.echo()
        click.secho("retrieved:", bold=True)
        _print_sources(session.history[-1])


@main.command()
@_agent_options
def chat(version: str, model: str | None, config_path: Path, index_dir: Path | None) -> None:
    """Interactive chat with memory across turns (/reset forgets, /quit or Ctrl-D leaves)."""
    from rag.chat import QuestionError

    session = _session(index_dir, model, config_path, version)
    click.echo("Ask about the docs. /reset forgets the conversation, /quit leaves.")
    while True:
        try:
            question = click.prompt("you", prompt_suffix="> ").strip()
        except (EOFError, click.Abort):
            break
        if question in {"/quit", "/exit"}:
            break
        if question == "/reset":
            session.reset()
            continue
        if not question:
            continue
        try:
            session.check(question)  # a refused question leaves the conversation as it was
        except QuestionError as exc:
            click.secho(f"error: {exc}", fg="red", err=True)
            continue
        click.secho("agent> ", bold=True, nl=False)
        for delta in session.stream(question):
            click.echo(delta, nl=False)
        click.echo()
    session.close()


@main.command()
@config_option
@click.option("--ids", is_flag=True, help="Print every document id, one a line.")
def sources(config_path: Path, ids: bool) -> None:
    """List the documents each configured source holds: counts and sizes (ids with --ids).

    Golden sets name documents by these ids (docs/sources.md: the id scheme of each type).
    """
    from rag.sources import list_ids

    for name, listed in list_ids(_config(config_path).sources).items():
        if listed is None:
            click.echo(f"{name}: cannot be listed without reading it (a crawl or an export)")
            continue
        click.echo(f"{name}: {len(listed)} documents, {sum(size for _, size in listed) / 1e6:.1f} MB")
        for doc_id, size in listed if ids else []:
            click.echo(f"  {doc_id}  ({size} bytes)")


@main.group()
def golden() -> None:
    """Golden question sets: import a question list; suggest questions from disliked answers."""


@golden.command("suggest")
@config_option
@click.option("--out", type=click.Path(path_type=Path), default=Path("golden-review.yaml"), show_default=True)
@click.option("--apply", "review", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="Append the review file's accepted candidates to the config's golden set.")  # fmt: skip
def golden_suggest(config_path: Path, out: Path, review: Path | None) -> None:
    """Golden-question candidates from disliked answers, for a person to review (never added by itself)."""
    from evaluation.golden import load_golden
    from serving import suggest

    config = _config(config_path)
    golden_path = config.evaluation.golden_set
    if review:
        added = suggest.apply_review(review, golden_path)
        click.echo(f"added {added} questions to {golden_path}")
        return
    known = {q.question for q in load_golden(golden_path).questions}
    entries = suggest.candidates(_feedback_store(config).list(rating=-1), known)
    suggest.write_review(entries, out)
    click.echo(
        f"wrote {len(entries)} candidates to {out}; review them, then: agent-factory golden suggest --apply {out}"
    )


@golden.command("refresh")
@config_option
@click.option(
    "--apply", "apply_", is_flag=True, help="Rewrite the golden file (after validating every line)."
)
def golden_refresh(config_path: Path, apply_: bool) -> None:
    """Follow the golden set's references to pages that moved since it was written.

    Prints the change as a diff and lists stale questions (their page was deleted, or has two
    equally good successors) for a person to fix; nothing is written without --apply.
    """
    from pipelines.golden_refresh import apply_refresh, refresh_golden

    refresh = refresh_golden(_config(config_path))
    click.echo(refresh.diff or f"{refresh.path}: every reference names a page of today's corpus")
    for qid, reason in refresh.stale.items():
        click.secho(
            f"stale: {qid}: {reason} (left as written: give it a page of today's corpus)", fg="yellow"
        )
    if apply_ and refresh.followed:
        apply_refresh(refresh)
        click.echo(
            f"wrote {refresh.path}: {len(refresh.followed)} question(s) followed, {len(refresh.stale)} stale"
        )
    elif refresh.followed:
        click.echo(f"{len(refresh.followed)} question(s) would change; --apply writes them")


@golden.command("import")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True, dir_okay=False)
)
@config_option
@click.option(
    "--out", type=click.Path(path_type=Path), required=True, help="The golden set to write (JSONL)."
)
@click.option("--skip-unresolved", is_flag=True, help="Write the rows that resolve; only report the others.")
def golden_import(files: tuple[Path, ...], config_path: Path, out: Path, skip_unresolved: bool) -> None:
    """Turn JSONL/CSV question lists (or a RAGAS test set export) into a golden set.

    Each row's answer location (a doc id, a path inside a source, a URL, or its reference
    contexts' text) is resolved to a doc id of the config's sources; every row that cannot be
    resolved is reported as file:line, and then nothing is written unless --skip-unresolved.
    """
    from evaluation.golden_import import Resolver, import_rows, read_rows
    from rag.sources import list_ids, load_documents

    sources = _config(config_path).sources
    listed = list_ids(sources)

    def texts() -> dict[str, str]:  # read only for rows that give no location, only passages
        return {d.doc_id: d.text for d in load_documents(sources)}

    if any(ids is None for ids in listed.values()):  # a crawl or an export: read it once
        documents = texts()
        resolver = Resolver(documents, lambda: documents)
    else:
        resolver = Resolver([doc for ids in listed.values() for doc, _ in ids or []], texts)
    taken, questions, problems = set(), [], []
    for path in files:
        found, failed = import_rows(path, read_rows(path), resolver, taken)
        questions += found
        problems += failed
    for problem in problems:
        click.secho(f"unresolved: {problem}", fg="yellow", err=True)
    if problems and not skip_unresolved:
        _fail(f"{len(problems)} of {len(problems) + len(questions)} rows unresolved; nothing written "
              "(fix them, or pass --skip-unresolved)")  # fmt: skip
    if out.exists() and out.resolve() in {f.resolve() for f in files}:
        _fail(f"{out}: is one of the input files; choose another --out")
    out.write_text(
        "".join(q.model_dump_json(exclude_defaults=True) + "\n" for q in questions), encoding="utf-8"
    )
    click.echo(
        f"wrote {len(questions)} questions to {out}"
        + (f" ({len(problems)} rows skipped)" if problems else "")
    )


@main.command()
@click.option("--port", default=8237, show_default=True)
@click.option("--stop", is_flag=True, help="Stop the local dashboard.")
def dashboard(port: int, stop: bool) -> None:
    """Start (or stop) the local ZenML dashboard, offline."""
    zenml = str(Path(sys.executable).with_name("zenml"))
    args = [zenml, "logout", "--local"] if stop else [zenml, "login", "--local", "--port", str(port)]
    raise SystemExit(subprocess.run(args, env=os.environ.copy()).returncode)


def _feedback_store(config: Any) -> Any:
    from serving.deploy import feedback_path
    from serving.feedback import FeedbackStore

    return FeedbackStore(feedback_path(config.serve))


@main.command()
@config_option
@click.option("--rating", type=click.Choice(["up", "down", "any"]), default="any", show_default=True)
@click.option(
    "--export", "export", type=click.Path(path_type=Path), help="Write them as JSONL (or .csv) instead."
)
@click.option("--limit", default=20, show_default=True, help="How many to list (export writes all).")
def feedback(config_path: Path, rating: str, export: Path | None, limit: int) -> None:
    """Served answers and the feedback on them, newest first."""
    wanted = {"up": 1, "down": -1, "any": None}[rating]
    rows = _feedback_store(_config(config_path)).list(rating=wanted, limit=10_000_000 if export else limit)
    if export:
        _export(rows, export)
        click.echo(f"wrote {len(rows)} answers to {export}")
        return
    for row in rows:
        mark = {1: "+", -1: "-", None: " "}[row.rating]
        click.echo(f"{mark} {row.id[:8]} v{row.version} {row.channel:5} {row.question[:70]}")
        if row.comment:
            click.secho(f"    {row.comment[:100]}", dim=True)


def _export(rows: list[Any], path: Path) -> None:
    import csv

    records = [row.model_dump(mode="json") for row in rows]
    if path.suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.DictWriter(out, fieldnames=list(records[0]) if records else ["id"])
            writer.writeheader()
            writer.writerows({**r, "sources": " ".join(r["sources"])} for r in records)
    else:
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


@main.command()
@model_option
@click.option(
    "--version", default=None, help="Stage or number to serve [default: serve.version, production]."
)
@click.option(
    "--index", "index_dir", type=click.Path(path_type=Path), help="Serve a local agent folder instead."
)
@click.option("--status", "show_status", is_flag=True, help="Show the service's state, URL and key.")
@click.option("--stop", is_flag=True, help="Stop the service.")
def serve(
    model: str | None,
    config_path: Path,
    version: str | None,
    index_dir: Path | None,
    show_status: bool,
    stop: bool,
) -> None:
    """Serve the agent: an OpenAI-compatible API, a web chat page and feedback (docs/serving.md)."""
    from serving import deploy

    config = _config(config_path)
    serve_config = config.serve.model_copy(update={"version": version} if version else {})
    name = serve_config.deployment
    if stop:
        deploy.stop(name)
        click.echo(f"stopped {name}")
        return
    if not show_status:
        click.echo(f"deploying {name} ({model or config.name}, {serve_config.version}); this takes 10-20 s")
        deploy.serve(model or config.name, serve_config, index_dir)
    found = deploy.status(name)
    click.echo(f"{name}: {found.status} at {found.url}")
    click.echo(f"  chat page:  {found.url}/")
    click.echo(f"  OpenAI API: {found.url}/v1 (Authorization: Bearer <key>)")
    click.echo(f"  key:        {deploy.bearer_key(name)}")


if __name__ == "__main__":
    main()
