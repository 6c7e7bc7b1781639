"""Smoke run of the retrieval-quality, published-HTML and offline-answer sections."""

import pytest

from benchmarks.answers import MODES
from tests.helpers import needs_datasets

pytestmark = [pytest.mark.slow, pytest.mark.benchmark, needs_datasets]


def test_quality_sections(smoke):
    text, results = smoke("quality", "html", "answers", "tuned")
    quality = results["quality"]["rows"]
    assert quality[0]["mrr_diff_ci"] == [0.0, 0.0] and all(0 <= row["hit@5"] <= 1 for row in quality)
    assert "Retrieval quality on documentation nobody here wrote" in text
    for name in ("ray", "zenml"):
        html = results["html"][name]
        assert html["documents"] == 8 and html["rows"][0]["mrr_diff_ci"] == [0.0, 0.0]
        assert all(0 <= row["chrome_chunks"] <= 1 for row in html["rows"])
    assert "Published HTML read as a person reads it" in text and "**ray**" in text
    modes = [(row["mode"], row["section_window"]) for row in results["answers"]["rows"]]
    assert modes == MODES and "Offline answers: sentences vs sections" in text
    for name in ("ray", "zenml"):
        tuned = results["tuned"][name]
        assert tuned["result"]["questions"]["tune"] >= 10 and set(tuned["held_out"]) == {
            "plain",
            "default",
            "tuned",
        }
    assert "**ray**: 24 pages" in text and "Search settings per corpus" in text
