"""A live chat deployment on 127.0.0.1 (ZenML's local deployer) over two real model versions."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from rag.tracing.config import TracingConfig
from tests.fakes import FakeSlack, OtlpReceiver
from tests.helpers import CORPUS, free_port, make_config, write_corpus, write_golden

# A page whose answer is a table, with markup a page must show as text, never run.
DASHBOARD = """# Dashboard settings

The dashboard reads these settings from dashboard.toml when it starts.

| setting | default | meaning |
| --- | --- | --- |
| `refresh_interval` | 30 s | how often the dashboard reloads its tiles |
| `max_tiles` | 48 | the most tiles one dashboard shows |
| `tile_style` | compact | <script>document.title = "pwned"</script> how tiles are drawn |
"""
# A page whose answer would ping a channel and tag a person if it were posted raw to Slack.
ANNOUNCEMENTS = """# Release announcements

Release announcements go to <!channel> and <@U0RELEASEMGR> in the releases channel & the mailing list.

```bash
release-tool announce --channel releases
```
"""


@dataclass
class Deployed:
    url: str
    key: str
    model: str
    versions: list[str]  # [production at start, the one promoted during the tests]
    name: str
    feedback: Path
    slack: FakeSlack
    signing_secret: str
    otlp: OtlpReceiver  # the deployment traces every answer here (text capture off)


TRACE_KEY = "Bearer af-PLANTED-otlp-5d2c81e7f4"  # the collector's header, from a ZenML secret


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory, otlp: OtlpReceiver) -> Iterator[Deployed]:
    from factory.release import promote_manually
    from factory.serve_config import ServeConfig
    from pipelines.agent_pipeline import run_build
    from serving import deploy

    root = tmp_path_factory.mktemp("serve")
    config = make_config(
        "serve_agent",
        write_corpus(root / "docs", CORPUS | {"dashboard.md": DASHBOARD, "announcements.md": ANNOUNCEMENTS}),
        write_golden(root / "golden.jsonl"),
    )
    first, second = run_build(config), run_build(config)
    promote_manually(config.name, first.version, "production", "serving tests start here")
    from zenml.client import Client

    slack, signing_secret = FakeSlack(), "test-signing-secret"
    Client().create_secret("test-slack", values={"bot_token": "xoxb-test", "signing_secret": signing_secret})
    serve_config = ServeConfig(
        deployment="test-chat", port=free_port(), reload_every_s=0.5, max_restarts=1, requests_per_minute=600, processes=2,
        feedback_path=root / "feedback.sqlite", slack_secret="test-slack", slack_api_url=slack.url,
    )  # fmt: skip
    Client().create_secret("test-otlp", values={"auth": TRACE_KEY})
    tracing = TracingConfig(
        enabled=True, endpoint=otlp.endpoint, headers={"Authorization": {"secret": "test-otlp.auth"}}
    )
    deploy.serve(config.name, serve_config, tracing=tracing)
    found = deploy.status(serve_config.deployment)
    try:
        yield Deployed(found.url, deploy.bearer_key(serve_config.deployment), config.name,
                       [str(first.version), str(second.version)], serve_config.deployment, root / "feedback.sqlite", slack, signing_secret,
                       otlp)  # fmt: skip
    finally:
        deploy.stop(serve_config.deployment)
        slack.close()
