from __future__ import annotations

import pytest

from factory.artifacts import load_agent
from factory.release import ReleaseError, promote_manually
from factory.versions import VersionNotFound, get_version, list_versions
from tests.helpers import make_config

pytestmark = pytest.mark.slow


def test_load_by_number_and_latest(first_build):
    with load_agent("test_agent", first_build.version) as session:
        assert "7341" in session.ask("Which TCP port does the widget server listen on?").answer
    assert get_version("test_agent", "latest").number >= int(first_build.version)


@pytest.fixture(scope="module")
def two_builds(pipeline_corpus, golden_path):
    """Two versions of a model of this module's own (the session's test_agent stays untouched)."""
    from pipelines.agent_pipeline import run_build

    config = make_config("promote_agent", pipeline_corpus, golden_path)
    return run_build(config), run_build(config)


def test_promote_moves_stage_and_archives_previous_holder(two_builds):
    first, second = two_builds
    promote_manually("promote_agent", first.version, "production", "first release")
    promote_manually("promote_agent", second.version, "production", "manual override")
    assert get_version("promote_agent", "production").name == second.version
    assert get_version("promote_agent", first.version).stage == "archived"
    record = get_version("promote_agent", second.version).run_metadata["promotion"]
    assert record["reason"] == "manual override" and record["previous"] == first.version
    with load_agent("promote_agent", "production") as session:
        assert session.ask("Which TCP port does the server use?").sources


def test_a_version_without_an_agent_cannot_be_promoted():
    from zenml.client import Client

    Client().create_model(name="agentless")
    Client().create_model_version(model_name_or_id="agentless")  # as a build that failed in ingest
    with pytest.raises(ReleaseError, match="version 1 has no complete agent"):
        promote_manually("agentless", 1, "production", "by mistake")
    assert get_version("agentless", 1).stage is None


def test_versions_table_rows(two_builds):
    rows = list_versions("promote_agent")
    assert rows[0].number > rows[-1].number
    assert rows[-1].documents == 5


def test_missing_version_and_stage_are_clear_errors(first_build):
    with pytest.raises(VersionNotFound, match="has no version 999"):
        get_version("test_agent", 999)
    with pytest.raises(VersionNotFound, match="use a number or one of production"):
        get_version("test_agent", "prod")
    with pytest.raises(VersionNotFound, match="no model named 'nope'"):
        list_versions("nope")


def test_a_check_candidate_is_listed_by_what_it_would_have_been():
    from factory.versions import _decided

    assert _decided({"stage": "production"}, checked=True) == "would be production"
    assert _decided({"stage": None}, checked=True) == "would not be promoted"
    assert _decided({"stage": None}) == "rejected"
