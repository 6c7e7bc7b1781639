"""rag/ingest/text.py: what a reader sees of Markdown prose."""

from __future__ import annotations

from rag.ingest.text import plain_markdown

CARDS = (
    '<table data-view="cards"><thead><tr><th></th><th data-hidden data-card-target></th></tr></thead><tbody>'
    '<tr><td><span data-tag="emoji">🔶</span> <mark style="color:purple;"><strong>AWS Service Connector</strong>'
    '</mark></td><td>Connect ZenML to AWS.</td><td><a href="./aws-service-connector.md">./aws-service-connector.md'
    "</a></td></tr><tr><td><mark><strong>GCP Service Connector</strong></mark></td><td>Connect ZenML to GCP.</td>"
    '<td><a href="./gcp.md">./gcp.md</a></td></tr></tbody></table>'
)


def test_a_gitbook_card_table_reads_as_one_line_per_card_without_tags_or_targets():
    text = plain_markdown(CARDS)
    assert "<" not in text and ".md" not in text
    assert text.split("\n\n") == [
        "🔶 AWS Service Connector Connect ZenML to AWS.",
        "GCP Service Connector Connect ZenML to GCP.",
    ]


def test_placeholders_in_angle_brackets_are_prose_and_stay():
    text = "Replace <your GCP project ID> and <entity>."
    assert plain_markdown(text) == text
