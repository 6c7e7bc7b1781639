"""What the agent reads and is measured on: ``sources`` and the ``golden`` group (import, suggest, refresh)."""

from __future__ import annotations

from pathlib import Path

import click

from cli.base import config_option, fail, main, read_config


@main.command()
@config_option
@click.option("--ids", is_flag=True, help="Print every document id, one a line.")
def sources(config_path: Path, ids: bool) -> None:
    """List the documents each configured source holds: counts and sizes (ids with --ids).

    Golden sets name documents by these ids (docs/sources.md: the id scheme of each type).

    \b
    Examples:
      agent-factory sources
      agent-factory sources --ids --config agent.yaml
    """
    from rag.ingest.sources import list_ids

    for name, listed in list_ids(read_config(config_path).sources).items():
        if listed is None:
            click.echo(f"{name}: cannot be listed without reading it (a crawl or an export)")
            continue
        click.echo(f"{name}: {len(listed)} documents, {sum(size for _, size in listed) / 1e6:.1f} MB")
        for doc_id, size in listed if ids else []:
            click.echo(f"  {doc_id}  ({size} bytes)")


@main.group()
def golden() -> None:
    """Golden question sets: import a question list, refresh references to moved pages, suggest
    questions from disliked answers.

    \b
    Examples:
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
