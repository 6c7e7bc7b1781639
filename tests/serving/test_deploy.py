"""serving/deploy.py: the deployment's settings (the live deployment: test_deployment.py)."""

import os

from factory.serve_config import ServeConfig
from serving import deploy


def test_a_server_process_per_core_by_default_or_as_many_as_configured(tmp_path):
    cores = len(os.sched_getaffinity(0))
    assert deploy.processes(ServeConfig()) == min(8, cores)
    assert deploy.processes(ServeConfig(processes=3)) == 3
    chosen = deploy.settings(
        "docs_agent", ServeConfig(processes=3, feedback_path=tmp_path / "f.sqlite"), "key"
    )
    assert chosen["deployment"].uvicorn_workers == 3
    assert deploy.settings("docs_agent", ServeConfig(feedback_path=tmp_path / "f.sqlite"), "key")[
        "deployment"
    ].uvicorn_workers == min(8, cores)
