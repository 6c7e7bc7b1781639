"""rag/ingest/sections.py: blocks of a Markdown page."""

from __future__ import annotations

from rag.ingest.sections import blocks, parse

LIST_ITEM_FENCE = """* The integration installed. If you haven't done so, run

    ```shell
    zenml integration install kubernetes
      --yes
    ```
* [Docker](https://www.docker.com) installed and running.
"""


def test_a_fence_inside_a_list_item_is_code_and_the_next_item_is_clean_prose():
    parts = blocks(LIST_ITEM_FENCE.splitlines())
    assert parts[1] == "```shell\nzenml integration install kubernetes\n  --yes\n```"
    assert "https://" not in parts[2] and "Docker installed and running." in parts[2]


def test_a_heading_inside_an_indented_fence_is_not_a_section():
    page = "# Page\n\n*   Example:\n\n    ```markdown\n    # not a heading\n    ```\n\n## Real\n\nText.\n"
    _, sections = parse(page, "p.md", "Page")
    assert [s.path for s in sections] == [["Page"], ["Page", "Real"]]
