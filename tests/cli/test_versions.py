"""`versions`, `promote`, `compare`, `eval` and the history plot over a model built through the CLI."""

from pathlib import Path

from click.testing import CliRunner

from cli.main import main
from tests.helpers import screenshot, write_project


def test_build_versions_promote_ask_through_the_cli(tmp_path: Path):
    config = write_project(tmp_path, "cli_agent")
    runner = CliRunner()
    built = runner.invoke(main, ["build", "--config", str(config)])
    assert built.exit_code == 0, built.output
    assert "built cli_agent version 1" in built.output
    assert "decision: production" in built.output and "no production version yet" in built.output
    table = runner.invoke(main, ["versions", "--model", "cli_agent"])
    assert table.exit_code == 0 and "cli_agent" in table.output
    asked = runner.invoke(
        main,
        ["ask", "Which TCP port does the server listen on?", "--model", "cli_agent", "--version", "latest"],
    )
    assert asked.exit_code == 0, asked.output
    assert "7341" in asked.output
    promoted = runner.invoke(
        main, ["promote", "1", "--stage", "production", "--model", "cli_agent", "--reason", "re-affirmed"]
    )
    assert promoted.exit_code == 0 and "version 1 is now production" in promoted.output
    again = runner.invoke(main, ["build", "--config", str(config)])
    assert again.exit_code == 0 and "not worse than production v1" in again.output
    compared = runner.invoke(main, ["compare", "1", "2", "--model", "cli_agent"])
    assert compared.exit_code == 0 and "rows equal; --all shows them" in compared.output
    assert "corpus against v1: 0 added, 0 removed, 0 changed, 0 moved" in compared.output
    assert "evaluation.headline.hit_rate" not in compared.output  # the same corpus scores the same
    everything = runner.invoke(main, ["compare", "1", "2", "--all", "--model", "cli_agent"])
    assert "evaluation.headline.hit_rate" in everything.output and "…" not in everything.output
    rescored = runner.invoke(
        main, ["eval", "--version", "1", "--model", "cli_agent", "--config", str(config)]
    )
    assert rescored.exit_code == 0, rescored.output
    assert "hit_rate" in rescored.output and "(9 questions)" in rescored.output
    missing = runner.invoke(main, ["ask", "hi", "--model", "cli_agent", "--version", "7"])
    assert missing.exit_code == 1 and "has no version '7'" in missing.output
    for name in ("history.png", "history.html"):
        plotted = runner.invoke(main, ["versions", "--config", str(config), "--plot", str(tmp_path / name)])
        assert plotted.exit_code == 0 and f"wrote {tmp_path / name}" in plotted.output, plotted.output
    assert (tmp_path / "history.png").read_bytes().startswith(b"\x89PNG")
    page = (tmp_path / "history.html").read_text()
    assert "data:image/png;base64," in page  # v1 was production when built and is archived now
    assert "<td>v1</td><td>archived</td><td>production</td>" in page
    assert "<td>v2</td><td>production</td><td>production</td>" in page
    shot = screenshot(tmp_path / "history.html", "versions-plot.png")
    assert shot.stat().st_size > 10_000
    bad = runner.invoke(main, ["versions", "--config", str(config), "--plot", str(tmp_path / "h.gif")])
    assert bad.exit_code == 1 and "--plot writes .png or .html files" in bad.output
