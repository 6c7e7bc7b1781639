"""The README tells the truth about the documentation and the pipeline."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_documentation_list_names_every_page():
    readme = (ROOT / "README.md").read_text()
    listed = set(
        re.findall(r"\]\(docs/([\w-]+\.md)\)", readme.split("## Documentation", 1)[1].split("##", 1)[0])
    )
    assert listed == {p.name for p in (ROOT / "docs").glob("*.md")}


def test_every_pipeline_step_is_named_in_the_readme_and_building_md():
    from pipelines import gate_steps, steps

    names = {n for m in (steps, gate_steps) for n, obj in vars(m).items() if hasattr(obj, "entrypoint")}
    text = (ROOT / "README.md").read_text() + (ROOT / "docs" / "building.md").read_text()
    assert names and not {n for n in names if f"`{n}" not in text and f"{n}`" not in text}
