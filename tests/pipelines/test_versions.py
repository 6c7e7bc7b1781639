from __future__ import annotations

import pytest

from pipelines.artifacts import load_agent
from pipelines.release import promote_manually
from pipelines.versions import VersionNotFound, get_version, list_versions

pytestmark = pytest.mark.slow


def test_load_by_number_and_latest(first_build):
    session = load_agent("test_agent", first_build.version)
    assert "7341" in session.ask("Which TCP port does the widget server listen on?").answer
    assert get_version("test_agent", "latest").number >= int(first_build.version)


def test_promote_moves_stage_and_archives_previous_holder(first_build, pipeline_config):
    from pipelines.agent_pipeline import run_build

    second = run_build(pipeline_config)
    promote_manually("test_agent", first_build.version, "production", "first release")
    promote_manually("test_agent", second.version, "production", "manual override")
    assert get_version("test_agent", "production").name == second.version
    assert get_version("test_agent", first_build.version).stage == "archived"
    record = get_version("test_agent", second.version).run_metadata["promotion"]
    assert record["reason"] == "manual override" and record["previous"] == first_build.version
    assert load_agent("test_agent", "production").ask("Which TCP port does the server use?").sources


def test_versions_table_rows(first_build):
    rows = list_versions("test_agent")
    assert rows[0].number > rows[-1].number
    assert rows[-1].documents == 5


def test_missing_version_and_stage_are_clear_errors(first_build):
    with pytest.raises(VersionNotFound, match="has no version 999"):
        get_version("test_agent", 999)
    with pytest.raises(VersionNotFound, match="use a number or one of production"):
        get_version("test_agent", "prod")
    with pytest.raises(VersionNotFound, match="no model named 'nope'"):
        list_versions("nope")
