"""`golden refresh` says when there is nothing to follow through (the pipeline test covers a real refresh)."""

import pytest

from factory.golden_refresh import RefreshError, refresh_golden
from tests.helpers import make_config, write_corpus, write_golden


def test_a_store_without_the_agents_model_says_so_instead_of_listing_nothing_as_followed(tmp_path):
    config = make_config(
        "never_built", write_corpus(tmp_path / "docs"), write_golden(tmp_path / "golden.jsonl")
    )
    with pytest.raises(
        RefreshError, match="model 'never_built' has no version in this ZenML store .*agent-factory build"
    ):
        refresh_golden(config)
