"""A scripted documentation history: a docs folder that changes night by night, with the truth.

Pages are long enough to be recognised (a few paragraphs of their own words around the fact a
golden question asks about), as real pages are. The history, applied to a folder or a git
repository one night at a time:

0. the first build;
1. an unchanged night;
2. a restructure: every page moves into a new folder (two with small edits), ``about.html`` is
   deleted, ``install.md`` splits into two pages, a new page is added;
3. an unchanged night;
4. an edit to one page.

``FOLLOWS`` is where each original page is after night 2 (``None``: deleted).
"""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

from tests.helpers import CORPUS

_SYLLABLES = ["ka", "lo", "mi", "ter", "von", "qua", "ris", "del", "pan", "gor", "su", "fey", "bel", "nox"]


def _filler(seed: str, sentences: int = 18) -> str:
    """Paragraphs of words only this page uses (seeded by its name)."""
    rng = random.Random(seed)
    words = ["".join(rng.choices(_SYLLABLES, k=rng.randint(2, 4))) for _ in range(150)]
    lines = [" ".join(rng.choices(words, k=rng.randint(8, 14))).capitalize() + "." for _ in range(sentences)]
    return "\n\n".join(" ".join(lines[i : i + 3]) for i in range(0, len(lines), 3))


def _page(name: str, fact: str) -> str:
    return f"{fact.rstrip()}\n\n{_filler(name)}\n"


NIGHT0 = {name: _page(name, text) for name, text in CORPUS.items() if not name.endswith(".html")}
NIGHT0["about.html"] = CORPUS["about.html"].replace("</p>", " " + _filler("about.html", 9) + "</p>")

# night 2: where each page went
FOLLOWS: dict[str, list[str] | None] = {
    "install.md": ["install/setup.md", "install/requirements.md"],  # split
    "colors.md": ["guide/appearance/colors.md"],  # moved
    "backups.md": ["operations/backups.md"],  # moved, edited
    "ports.rst": ["reference/network-ports.rst"],  # renamed, edited
    "about.html": None,  # deleted
}


def night2() -> dict[str, str]:
    head, _, tail = NIGHT0["install.md"].partition("\n\n")
    paragraphs = tail.split("\n\n")
    pages = {
        "install/setup.md": head + "\n\n" + "\n\n".join(paragraphs[:3]) + "\n",
        "install/requirements.md": "# Requirements\n\nThe setup needs Python 3.11 or newer.\n\n"
        + "\n\n".join(paragraphs[3:])
        + "\n",
        "guide/appearance/colors.md": NIGHT0["colors.md"],
        "operations/backups.md": NIGHT0["backups.md"].replace("Each backup", "Every backup"),
        "reference/network-ports.rst": NIGHT0["ports.rst"] + "\nThe admin port is documented elsewhere.\n",
        "guide/troubleshooting.md": "# Troubleshooting\n\n" + _filler("troubleshooting") + "\n",
    }
    return pages


def night4() -> dict[str, str]:
    pages = night2()
    pages["guide/troubleshooting.md"] += "\nRestart the widget server when the dashboard stays blank.\n"
    return pages


NIGHTS = [NIGHT0, NIGHT0, night2(), night2(), night4()]


def write_night(root: Path, pages: dict[str, str]) -> None:
    """Make `root` hold exactly `pages` (a docs checkout as it is that night)."""
    for child in root.iterdir() if root.exists() else []:
        if child.name != ".git":
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    for name, text in pages.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


def commit_night(repo: Path, pages: dict[str, str], night: int) -> None:
    """The night's pages as a commit of the repository at `repo` (created on night 0)."""
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    if not (repo / ".git").exists():
        repo.mkdir(parents=True, exist_ok=True)
        subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    write_night(repo, pages)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", f"night {night}"], check=True)
