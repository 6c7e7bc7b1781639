"""Resolving a question's page: an exact path beats a page-form match; `source` names a page too."""

from __future__ import annotations

import json

import pytest

from evaluation.golden_import import Resolver, Unresolved, import_rows, read_rows

SITE = [
    "ray/ray-air/api/serve.html",
    "ray/serve/index.html",
    "ray/data/transforming-data.html",
    "ray/index.html",
]


def test_an_exact_path_beats_a_suffix_match():
    resolver = Resolver(SITE)
    assert resolver.resolve("https://docs.ray.io/en/master/serve/index.html") == "ray/serve/index.html"
    assert (
        resolver.resolve("https://docs.ray.io/en/master/ray-air/api/serve.html")
        == "ray/ray-air/api/serve.html"
    )
    anchored = "https://docs.ray.io/en/master/data/transforming-data.html#configuring-batch-format"
    assert resolver.resolve(anchored) == "ray/data/transforming-data.html"


def test_an_index_page_alone_names_no_page():
    with pytest.raises(Unresolved):
        Resolver(SITE).resolve("https://docs.ray.io/en/master/tune/index.html")


def test_source_is_a_location_field(tmp_path):
    path = tmp_path / "eval.jsonl"
    path.write_text(
        json.dumps(
            {
                "question": "How do I serve a model?",
                "source": "https://docs.ray.io/en/master/serve/index.html",
            }
        )
        + "\n"
    )
    found, failed = import_rows(path, read_rows(path), Resolver(SITE), set())
    assert not failed and found[0].reference_sources == ["ray/serve/index.html"]
