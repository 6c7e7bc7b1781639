"""Smoke run of the tracing-cost section (its own file: another worker runs it beside the serving one)."""

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.benchmark]


def test_tracing_section(smoke):
    text, results = smoke("tracing")
    [traced] = results["tracing"]  # two deployments, one traced to a collector process: every span arrived
    assert traced["errors"] == 0 and traced["requests_each"] == 2 * 2 and traced["spans_per_request"] >= 10
    assert traced["p50_on_ms"] > 0 and traced["p50_off_ms"] > 0
    assert "Tracing's cost" in text and "| 2 | 4 | 0 |" in text
