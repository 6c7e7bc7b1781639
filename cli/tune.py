"""Choose search settings for your documents and questions: ``tune``."""

from __future__ import annotations

from pathlib import Path

import click

from cli.base import config_option, main, read_config

SHOWN = 6  # settings listed, best on the tune half first


@main.command()
@config_option
@click.option(
    "--version", default="latest", show_default=True, help="The built version whose index is searched."
)
@click.option("--index", "index_dir", type=click.Path(path_type=Path), help="A local agent folder instead.")
@click.option("--write", is_flag=True, help="Write the outcome into the config's retrieval block.")
def tune(config_path: Path | None, version: str, index_dir: Path | None, write: bool) -> None:
    """Try search settings on half the golden set, confirm the best on the other half.

    Retrieval only (no answers written, no LLM), over a built index: seconds to minutes. The
    best setting on the tune half is kept only when it is better on the held-out half (the
    gate's paired bootstrap); --write then puts it into the config, with the evidence beside it.

    \b
    Examples:
      agent-factory tune
      agent-factory tune --config configs/my-agent.yaml --version 3 --write
    """
    from evaluation.golden import load_golden
    from factory.config import find_config
    from factory.tune import PRIMARY
    from factory.tune import tune as run_tune
    from factory.tuned_config import index_for, write_tuned

    config = read_config(config_path)
    golden = load_golden(config.evaluation.golden_path)  # a config without one: an error naming the field
    index = index_for(config, version, index_dir)
    result = run_tune(index, golden, config.retrieval, config.evaluation.gate)
    q = result.questions
    click.echo(f"questions: {q['tune']} to choose, {q['held_out']} to confirm (split by a hash of each id)")
    click.secho(
        f"{'settings':<62} {'tune ' + PRIMARY:>13} {'held-out':>9} {'hit@5':>6} {'hit@10':>7}", bold=True
    )
    for tried in sorted(result.tried, key=lambda t: -t.tune[PRIMARY])[:SHOWN]:
        label = _settings(tried.settings) + (" (current)" if tried.settings == result.current else "")
        click.echo(f"{label:<62} {tried.tune[PRIMARY]:>13.3f} {tried.held_out[PRIMARY]:>9.3f} "
                   f"{tried.held_out['hit@5']:>6.3f} {tried.held_out['hit@10']:>7.3f}")  # fmt: skip
    i, h = result.in_sample, result.held_out
    click.echo(f"best on the tune half: {_settings(result.best)}")
    click.echo(f"{PRIMARY} best - current: tune half {i.diff_mean:+.3f} [{i.ci_low:+.3f}, {i.ci_high:+.3f}], "
               f"held-out half {h.diff_mean:+.3f} [{h.ci_low:+.3f}, {h.ci_high:+.3f}] (n={h.n_pairs})")  # fmt: skip
    verdict = "adopt: better on the held-out half" if result.adopted else "keep the current settings: " + (
        "they are the best on the tune half" if result.best == result.current else "not shown better out of sample")  # fmt: skip
    click.secho(f"decision: {verdict}", fg="green" if result.adopted else "yellow")
    if write:
        written, evidence = write_tuned(find_config(config_path), result)
        click.echo(f"wrote {written} (retrieval) and {evidence}")


def _settings(settings: dict) -> str:
    return ", ".join(f"{k} {'none' if v is None else v}" for k, v in settings.items())
