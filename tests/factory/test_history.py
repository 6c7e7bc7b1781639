"""Scores across versions as a picture: a PNG, or a page with it inline; what is drawn is data."""

from datetime import datetime

import pytest

from evaluation.config import GateConfig
from factory.history import history_html, points, write_history
from factory.versions import VersionRow
from rag.errors import AgentFactoryError

GATE = GateConfig(thresholds={"hit_rate": 0.85})


def _rows() -> list[VersionRow]:
    """v1 refused, v2 production when built and archived since, v3 production now."""
    scores = {"hit_rate": 0.8, "mrr": 0.7, "semantic_similarity": 0.9}
    return [VersionRow(version=str(n), number=n, stage=stage, created=datetime(2026, 12, n), documents=5,
                       chunks=9, scores=scores | {"score": 0.6 + n / 100}, decision=decided)
            for n, stage, decided in ((3, "production", "production"), (2, "archived", "production"),
                                      (1, "", "rejected"))]  # fmt: skip


def test_what_is_drawn_is_the_primary_first_and_each_versions_stage_now():
    drawn = points(_rows(), GATE)
    metrics = list(dict.fromkeys(p.metric for p in drawn))
    assert metrics == ["score", "hit_rate", "mrr"]  # the primary first; not the ungated similarity
    primary = [(p.version, p.stage) for p in drawn if p.metric == "score"]
    assert primary == [(1, ""), (2, "archived"), (3, "production")]  # v2 is archived now, not production
    assert {p.threshold for p in drawn if p.metric == "hit_rate"} == {0.85}


def test_png_and_html_are_written_and_name_each_version(tmp_path):
    png = write_history("docs", _rows(), GATE, tmp_path / "plots/h.png")
    assert png.read_bytes().startswith(b"\x89PNG") and png.stat().st_size > 5_000
    page = history_html("docs <agent>", _rows(), GATE)
    assert "data:image/png;base64," in page and "docs &lt;agent&gt;" in page
    assert "<td>v2</td><td>archived</td><td>production</td><td>0.620</td>" in page


def test_another_suffix_is_refused(tmp_path):
    with pytest.raises(AgentFactoryError, match=r"\.png or \.html"):
        write_history("docs", _rows(), GATE, tmp_path / "h.gif")
