"""The real ZenML dashboard: the report visualization over the server API, and a screenshot
of the run page in headless Chromium (saved under test-artifacts/).

Needs Debian's chromium and the playwright package (`.ci/run` installs both); elsewhere the
test skips, except under CI where a missing browser is a failure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import free_port, write_corpus, write_golden

pytestmark = pytest.mark.slow
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
BIN = Path(sys.executable).parent


def _get(url: str, method: str = "GET", body: dict | None = None) -> bytes:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read()


@pytest.fixture()
def built_store(tmp_path):
    """A separate ZenML store with one build, so the server never touches the session's store."""
    write_corpus(tmp_path / "corpus")
    write_golden(tmp_path / "golden.jsonl")
    (tmp_path / "agent.yaml").write_text(
        "name: dash_agent\nsources:\n  - {type: directory, path: corpus}\nevaluation:\n  golden_set: golden.jsonl\n"
    )
    env = os.environ | {"ZENML_CONFIG_PATH": str(tmp_path / "zenml")}
    subprocess.run(
        [BIN / "agent-factory", "build", "--config", tmp_path / "agent.yaml"],
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    probe = (
        "import pipelines; from zenml.client import Client; mv = Client().get_model_version('dash_agent', 1);"
        "a = mv.get_artifact('evaluation_report'); print(a.producer_pipeline_run_id, a.id)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, check=True, capture_output=True, text=True, timeout=120
    )
    run_id, artifact_id = out.stdout.split()[-2:]
    return env, run_id, artifact_id


def test_dashboard_serves_the_report_and_renders_the_run(built_store):
    env, run_id, artifact_id = built_store
    have_browser = Path(CHROMIUM).exists()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        have_browser = False
    if not have_browser and not os.environ.get("CI"):
        pytest.skip("chromium or playwright not installed")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    subprocess.run(
        [BIN / "zenml", "login", "--local", "--port", str(port)],
        env=env,
        check=True,
        capture_output=True,
        timeout=180,
    )
    try:
        assert _get(f"{base}/health").decode().strip('"') == "ok"
        visual = json.loads(_get(f"{base}/api/v1/artifact_versions/{artifact_id}/visualize?index=0"))
        assert visual["type"] == "html" and "decision: production" in visual["value"]
        # A fresh local server shows an onboarding survey instead of the run; skip it.
        _get(
            f"{base}/api/v1/current-user",
            "PUT",
            {"email_opted_in": False, "user_metadata": {"finished_onboarding_survey": True}},
        )
        ARTIFACTS.mkdir(exist_ok=True)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                                                        "--disable-component-update", "--disable-sync", "--no-first-run"])  # fmt: skip
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            # Only loopback: the dashboard reaches for avatars and changelogs elsewhere.
            page.route(
                "**/*",
                lambda route: (
                    route.continue_()
                    if route.request.url.startswith((base, "data:", "blob:"))
                    else route.abort()
                ),
            )
            page.goto(f"{base}/projects/default/runs/{run_id}")
            page.wait_for_selector(".react-flow__node", timeout=60_000)
            page.screenshot(path=str(ARTIFACTS / "dashboard-run.png"))
            page.get_by_text("evaluation_report", exact=True).first.click()
            page.get_by_role("tab", name="Visualization").click()
            load = page.get_by_role("button", name="Load Preview")
            load.first.click(timeout=15_000)
            deadline = time.time() + 30
            while time.time() < deadline and not any(
                "decision: production" in (f.content() or "") for f in page.frames[1:]
            ):
                page.wait_for_timeout(500)
            page.screenshot(path=str(ARTIFACTS / "dashboard-report.png"))
            assert any("decision: production" in f.content() for f in page.frames[1:]), "report not rendered"
            browser.close()
    finally:
        subprocess.run([BIN / "zenml", "logout", "--local"], env=env, capture_output=True, timeout=120)
