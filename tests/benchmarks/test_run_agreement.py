"""Smoke run of the golden-agreement section: generated questions against real ones, on 24 of Ray's pages."""

import pytest

from tests.helpers import needs_datasets

pytestmark = [pytest.mark.slow, pytest.mark.benchmark, needs_datasets]


def test_agreement_section(smoke):
    text, results = smoke("agreement")
    for a in results["agreement"].values():
        assert a["questions"]["real"] >= 10 and a["questions"]["generated"] >= 20
        assert len(a["rows"]) == 7 and {"hit@5", "mrr@10"} == set(a["agreement"]) == set(a["pairs"])
        for stat in a["agreement"].values():  # in [-1, 1], or None: every variant scored alike
            assert stat["tau"] is None or -1 <= stat["tau"] <= 1
        # 7 variants, 21 pairs; those the real questions tell apart split by what generated ones say
        for p in a["pairs"].values():
            assert p["pairs"] == 21 and p["same_separated"] + p["opposite_separated"] <= p["separated"]
    assert "do they rank search variants alike?" in text and "| plain dense |" in text
    assert "pairs told apart by real questions" in text
