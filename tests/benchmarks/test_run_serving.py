"""Smoke run of the serving-load, living-documentation and page-identity sections."""

import pytest

from tests.helpers import needs_datasets

pytestmark = [pytest.mark.slow, pytest.mark.benchmark, needs_datasets]


def test_serving_living_and_identity_sections(smoke):
    text, results = smoke("serving", "living", "identity")
    one, default = results["serving"]["rows"]  # one server process, then the default settings
    assert (one["setup"], one["processes"], default["setup"]) == ("one process", 1, "default")
    for served in (one, default):
        assert (
            served["errors"] == 0 and served["requests"] == 2 * 3 * 3 and served["p50_ms"] > 0
        )  # three runs
        assert len(served["workers_rss_mb"]) == served["processes"] and len(served["per_run_rps"]) == 3
    assert "Serving under load" in text
    living = results["living"]
    assert living["replay"]["followed_wrong"] == 0 and living["scale"]["moved"] == 300
    nights = living["replay"]["nights"]
    assert [n["label"] for n in nights] == [
        "first build",
        "unchanged",
        "restructure",
    ] and "## 8. Living" in text
    assert (
        nights[0]["decision"] != "refused" and "plain search" in nights[0]["reason"]
    )  # 8 pages: few questions
    assert results["identity"]["template_family"]["wrong_follows"]["distinctive"] == 0
    assert "## 9. Page identity against git's renames" in text
