"""Smoke run of the serving-load and living-documentation sections."""

import pytest

from tests.helpers import needs_datasets

pytestmark = [pytest.mark.slow, needs_datasets]


def test_serving_and_living_sections(smoke):
    text, results = smoke("serving", "living")
    [served] = results["serving"]["rows"]
    assert served["errors"] == 0 and served["requests"] == 2 * 3 * 3 and served["p50_ms"] > 0  # three runs
    assert "Serving under load" in text
    living = results["living"]
    assert living["replay"]["followed_wrong"] == 0 and living["scale"]["moved"] == 300
    assert [n["night"] for n in living["replay"]["nights"]][1] == "unchanged night" and "## 8. Living" in text
