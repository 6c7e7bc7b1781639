"""The real ZenML dashboard after two builds, as a reviewer uses it: the run page carries the
verdict and each version's stage now, and the report's preview shows the verdict and the
comparison in its first screen at 1280x800 (screenshots saved under test-artifacts/).

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
    """A separate ZenML store with two builds (the second over one more page), so the server never
    touches the session's store."""
    write_corpus(tmp_path / "corpus")
    write_golden(tmp_path / "golden.jsonl")
    (tmp_path / "agent.yaml").write_text(
        "name: dash_agent\nsources:\n  - {type: directory, path: corpus}\nevaluation:\n  golden_set: golden.jsonl\n"
    )
    env = os.environ | {"ZENML_CONFIG_PATH": str(tmp_path / "zenml")}
    for extra in ("", "# Widget colours\n\nWidgets come in blue and green.\n"):
        if extra:
            (tmp_path / "corpus" / "colours.md").write_text(extra)
        subprocess.run([BIN / "agent-factory", "build", "--config", tmp_path / "agent.yaml"], env=env,
                       check=True, capture_output=True, timeout=600)  # fmt: skip
    probe = (
        "import pipelines; from zenml.client import Client\n"
        "for n in (1, 2):\n"
        "    a = Client().get_model_version('dash_agent', n).get_artifact('evaluation_report')\n"
        "    print(a.producer_pipeline_run_id, a.id)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, check=True, capture_output=True, text=True, timeout=120
    )
    (first_run, _), (run_id, artifact_id) = (line.split() for line in out.stdout.split("\n")[-3:-1])
    return env, first_run, run_id, artifact_id


def test_dashboard_serves_the_report_and_renders_the_run(built_store):
    env, first_run, run_id, artifact_id = built_store
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
        # The run is the review page: the verdict, and the stage each version has now.
        meta = json.loads(_get(f"{base}/api/v1/runs/{run_id}?hydrate=true"))["metadata"]["run_metadata"]
        review = meta["review"]
        assert review["version"] == "dash_agent v2" and review["decision"].startswith(
            "production: score (primary)"
        )
        assert review["compared"]["score (primary)"]["compared_with"] == "production v1"
        assert meta["stage_now"] == "v2: production"
        first = json.loads(_get(f"{base}/api/v1/runs/{first_run}?hydrate=true"))["metadata"]["run_metadata"]
        assert first["stage_now"] == "v1: archived" and first["review"]["stage_when_decided"] == "production"
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
            page = browser.new_page(viewport={"width": 1280, "height": 800})
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
            page.get_by_role("tab", name="Metadata").click()
            page.get_by_text("review", exact=True).click()
            page.wait_for_timeout(500)
            page.screenshot(path=str(ARTIFACTS / "dashboard-run.png"))
            page.get_by_text("evaluation_report", exact=True).first.click()
            page.get_by_role("tab", name="Visualization").click()
            load = page.get_by_role("button", name="Load Preview")  # shown for larger artifacts only
            page.wait_for_selector("iframe, button:has-text('Load Preview')", timeout=15_000)
            if load.count():
                load.first.click()
            deadline = time.time() + 30
            while time.time() < deadline and not any(
                "decision: production" in (f.content() or "") for f in page.frames[1:]
            ):
                page.wait_for_timeout(500)
            page.screenshot(path=str(ARTIFACTS / "dashboard-report.png"))
            [frame] = [f for f in page.frames[1:] if "decision: production" in (f.content() or "")]
            for selector in (".verdict", "table"):  # the verdict and the comparison: no scrolling needed
                box = frame.locator(selector).first.bounding_box()
                assert box and box["y"] >= 0 and box["y"] + box["height"] <= 800, (selector, box)
            browser.close()
    finally:
        subprocess.run([BIN / "zenml", "logout", "--local"], env=env, capture_output=True, timeout=120)
