"""Metrics across versions as a picture: a PNG, or a page with it inline."""

from datetime import datetime

import pytest

from factory.history import history_html, write_history
from factory.versions import VersionRow
from rag.errors import AgentFactoryError


def _rows() -> list[VersionRow]:
    return [VersionRow(version=str(n), number=n, stage=stage, created=datetime(2026, 12, n), documents=5,
                       chunks=9, scores={"hit_rate": 0.8 + n / 100, "mrr": 0.7}, decision=stage or "rejected")
            for n, stage in ((3, "production"), (2, "archived"), (1, ""))]  # fmt: skip


def test_png_and_html_are_written_and_name_each_version(tmp_path):
    png = write_history("docs", _rows(), {"hit_rate": 0.85}, tmp_path / "plots/h.png")
    assert png.read_bytes().startswith(b"\x89PNG") and png.stat().st_size > 5_000
    page = history_html("docs <agent>", _rows(), {"hit_rate": 0.85})
    assert "data:image/png;base64," in page and "docs &lt;agent&gt;" in page
    assert "v3: production" in page


def test_another_suffix_is_refused(tmp_path):
    with pytest.raises(AgentFactoryError, match=r"\.png or \.html"):
        write_history("docs", _rows(), {}, tmp_path / "h.gif")
