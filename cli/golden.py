"""What the agent is measured on: the ``golden`` group (generate, review, accept, import, suggest, refresh)."""

from __future__ import annotations

from pathlib import Path

import click

from cli.base import config_option, fail, main, read_config


@main.group()
def golden() -> None:
    """Golden question sets: generate candidates from the documents and review them, import a
    question list, refresh references to moved pages, suggest questions from disliked answers.

    \b
    Examples:
      agent-factory golden generate --out candidates.jsonl
      agent-factory golden review candidates.jsonl
      agent-factory golden accept candidates.jsonl
      agent-factory golden import questions.csv --out golden_questions/docs.jsonl
      agent-factory golden refresh --apply
      agent-factory golden suggest --out review.yaml
    """


@golden.command("suggest")
@config_option
@click.option("--out", type=click.Path(path_type=Path), default=Path("golden-review.yaml"), show_default=True)
@click.option("--apply", "review", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="Append the review file's accepted candidates to the config's golden set.")  # fmt: skip
def golden_suggest(config_path: Path, out: Path, review: Path | None) -> None:
    """Golden-question candidates from disliked answers, for a person to review (never added by itself).

    \b
    Examples:
      agent-factory golden suggest
      agent-factory golden suggest --apply golden-review.yaml
    """
    from evaluation.golden import load_golden
    from serving import suggest
    from serving.feedback import open_store

    config = read_config(config_path)
    golden_path = config.evaluation.golden_path
    if review:
        added = suggest.apply_review(review, golden_path)
        click.echo(f"added {added} questions to {golden_path}")
        return
    known = {q.question for q in load_golden(golden_path).questions}
    entries = suggest.candidates(open_store(config.serve).list(rating=-1), known)
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

    \b
    Examples:
      agent-factory golden refresh
      agent-factory golden refresh --apply
    """
    from factory.golden_refresh import apply_refresh, refresh_golden

    refresh = refresh_golden(read_config(config_path))
    click.echo(refresh.diff or f"{refresh.path}: every reference names a page of today's corpus")
    for qid, reason in refresh.stale.items():
        click.secho(
            f"stale: {qid}: {reason} (left as written: give it a page of today's corpus)", fg="yellow"
        )
    if apply_ and refresh.followed:
        from rag.writing import describe

        written = describe(refresh.path, apply_refresh(refresh))
        click.echo(f"{written}: {len(refresh.followed)} question(s) followed, {len(refresh.stale)} stale")
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

    \b
    Examples:
      agent-factory golden import questions.csv --out golden_questions/team.jsonl
      agent-factory golden import a.jsonl b.jsonl --out golden.jsonl --skip-unresolved
    """
    from evaluation.golden_import import import_golden, write_golden

    questions, problems = import_golden(list(files), read_config(config_path).sources)
    for problem in problems:
        click.secho(f"unresolved: {problem}", fg="yellow", err=True)
    if problems and not skip_unresolved:
        fail(f"{len(problems)} of {len(problems) + len(questions)} rows unresolved; nothing written "
             "(fix them, or pass --skip-unresolved)")  # fmt: skip
    write_golden(questions, out, list(files))
    click.echo(
        f"wrote {len(questions)} questions to {out}"
        + (f" ({len(problems)} rows skipped)" if problems else "")
    )


@golden.command("generate")
@config_option
@click.option(
    "--out", type=click.Path(path_type=Path), default=Path("golden-candidates.jsonl"), show_default=True
)
@click.option("--max", "max_questions", type=click.IntRange(1, 5000), default=80, show_default=True,
              help="Questions in all, refusals included.")  # fmt: skip
@click.option(
    "--per-page", type=click.IntRange(1, 100), default=2, show_default=True, help="At most this many a page."
)
@click.option("--refusals", "refusal_share", type=click.FloatRange(0, 0.5), default=0.1, show_default=True,
              help="Share of questions these docs cannot answer.")  # fmt: skip
@click.option("--offline", is_flag=True, help="Make questions without an LLM even when one is configured.")
@click.option("--max-calls", type=click.IntRange(1), help="LLM calls in all (default: three a question).")
@click.option(
    "--dry-run",
    is_flag=True,
    help="Say which LLM would write and its estimated calls and tokens; call nothing.",
)
def golden_generate(config_path: Path, out: Path, dry_run: bool, **settings: object) -> None:
    """Golden-question candidates from the config's own documents, for a person to review.

    With an LLM configured (the judge's, else the agent's when it writes text) it writes each
    question and a critic drops those its passage does not answer; otherwise questions come from
    headings, definitions, API names and tables (labelled offline/...). Spread over the docs tree,
    no duplicates of each other or of the golden set, refusal questions mixed in. Nothing enters
    the golden set until reviewed: `golden review`, or edit the file, then `golden accept`.

    \b
    Examples:
      agent-factory golden generate --out candidates.jsonl
      agent-factory golden generate --max 40 --offline
      agent-factory golden generate --dry-run
    """
    from evaluation.generation.candidates import write_candidates
    from evaluation.generation.generate import GenerateSettings, estimate_generation, generate
    from rag.writing import describe

    config = read_config(config_path)
    options = GenerateSettings(**settings)
    if dry_run:
        maker, cost = estimate_generation(config, options)
        click.echo(f"{maker}: " + (f"at most {cost.calls} LLM calls, about {cost.prompt_tokens:,} prompt and "
                                   f"{cost.completion_tokens:,} completion tokens (times your provider's price)"
                                   if cost else "no LLM calls, nothing billed"))  # fmt: skip
        return
    made = generate(config, options)
    if not made.candidates:
        fail("no questions could be made from these documents (no section has enough text)")
    written = write_candidates(out, made.candidates)
    makers = ", ".join(f"{k} {v}" for k, v in sorted(made.by_maker.items()))
    click.echo(f"{describe(out, written)}: {len(made.candidates)} candidates ({makers}) over "
               f"{len(made.folders)} top-level folders of {made.pages} pages")  # fmt: skip
    if made.llm:
        r = made.llm
        click.echo(f"LLM: {r.calls} calls ({r.failed_calls} failed), {r.prompt_tokens:,} prompt / "
                   f"{r.completion_tokens:,} completion tokens; dropped {r.dropped_by_critic} the critic "
                   f"found unanswered, {r.unparseable} unparseable")  # fmt: skip
    if len(made.candidates) < options.max_questions:
        click.echo(f"fewer than --max {options.max_questions}: these documents give no more distinct questions "
                   f"at --per-page {options.per_page}")  # fmt: skip
    click.echo(f"review them: agent-factory golden review {out}   then: agent-factory golden accept {out}")


@golden.command("review")
@click.argument("candidates", type=click.Path(path_type=Path, exists=True, dir_okay=False))
def golden_review(candidates: Path) -> None:
    """Review generated candidates in the terminal: accept, edit, reject or skip each.

    Every decision is saved at once; run it again to go on where you stopped.

    \b
    Examples:
      agent-factory golden review golden-candidates.jsonl
    """
    from evaluation.generation.review import review

    done = review(candidates)
    click.echo(f"\naccepted {done.accepted}, edited {done.edited}, rejected {done.rejected}, skipped "
               f"{done.skipped}; {done.pending} still pending. Then: agent-factory golden accept {candidates}")  # fmt: skip


@golden.command("accept")
@click.argument("candidates", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@config_option
@click.option("--to", "golden_path", type=click.Path(path_type=Path),
              help="The golden set to append to (default: the config's evaluation.golden_set).")  # fmt: skip
def golden_accept(candidates: Path, config_path: Path, golden_path: Path | None) -> None:
    """Append the candidates marked accepted to the golden set, after validating all of it.

    Pending and rejected candidates are left out; a question the set already has is not added
    twice; every page an accepted question names must be a document of the configured sources.

    \b
    Examples:
      agent-factory golden accept golden-candidates.jsonl
      agent-factory golden accept reviewed.jsonl --to golden_questions/generated.jsonl
    """
    from evaluation.generation.candidates import accept
    from rag.ingest.sources import list_ids

    config = read_config(config_path)
    target = golden_path or config.evaluation.golden_path
    listed = list_ids(config.sources).values()
    doc_ids = None if None in listed else {doc for ids in listed for doc, _ in ids}
    done = accept(candidates, target, doc_ids)
    click.echo(f"added {done.added} questions to {target} ({done.already} already there, "
               f"{done.pending} pending, {done.rejected} rejected left out)")  # fmt: skip
