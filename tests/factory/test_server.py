"""A real ZenML server on 127.0.0.1 with a service account: production built by one process,
checked by another with a fresh home folder and only ZenML's variables (docs/ci.md)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from factory.server import StoreUnavailable, check_store
from tests.fakes import JsonPeer
from tests.helpers import free_port, run_cli, share_exports, write_corpus, write_golden

ROOT = Path(__file__).resolve().parents[2]
ADMIN = {"ZENML_STORE_USERNAME": "admin", "ZENML_STORE_PASSWORD": "admin-password-for-tests"}

# Run by the administrator once: a service account's key and a stack on a folder both sides reach.
SETUP = """
import json, sys
from zenml.client import Client
from zenml.enums import StackComponentType as T
client = Client()
client.create_service_account(name="ci")
key = client.create_api_key(service_account_name_id_or_prefix="ci", name="ci").key
client.create_stack_component("shared", flavor="local", component_type=T.ARTIFACT_STORE,
                              configuration={"path": sys.argv[1]})
stack = client.create_stack("shared", components={T.ARTIFACT_STORE: "shared", T.ORCHESTRATOR: "default",
                                                  T.DEPLOYER: "default"})
print(json.dumps({"key": key, "stack": str(stack.id)}))
"""


def _clean_env(home: Path, **variables: str) -> dict[str, str]:
    """What a CI runner has: a PATH, a fresh home folder and the variables it is given, with the
    model's ONNX export restored into its cache as docs/ci.md's workflow caches it (the first run
    of the session exports it; a fresh export is tested in tests/rag/index/test_onnx_encoder.py)."""
    share_exports(home / ".cache" / "agent-factory")
    return {"PATH": os.environ["PATH"], "HOME": str(home), "ZENML_ANALYTICS_OPT_IN": "false", **variables}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    root = tmp_path_factory.mktemp("zenml-server")
    port = free_port()
    env = _clean_env(root / "server-home", ZENML_CONFIG_PATH=str(root / "server-config"),
                     ZENML_STORE_URL=f"sqlite:///{root / 'zenml.db'}", ZENML_SERVER="true",
                     ZENML_SERVER_AUTH_SCHEME="OAUTH2_PASSWORD_BEARER", ZENML_SERVER_AUTO_ACTIVATE="true",
                     ZENML_DEFAULT_USER_NAME=ADMIN["ZENML_STORE_USERNAME"],
                     ZENML_DEFAULT_USER_PASSWORD=ADMIN["ZENML_STORE_PASSWORD"],
                     ZENML_SERVER_JWT_SECRET_KEY="a-test-secret-0123456789abcdef",
                     ZENML_LOCAL_STORES_PATH=str(root / "stores"))  # fmt: skip
    log = (root / "server.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "uvicorn", "zenml.zen_server.zen_server_api:app",
                                "--host", "127.0.0.1", "--port", str(port)], env=env, stdout=log, stderr=log)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, root / "server.log")
        admin = _clean_env(root / "admin-home", ZENML_STORE_URL=url, **ADMIN)
        (root / "setup.py").write_text(SETUP)  # a file: ZenML resolves sources from the main module's
        done = subprocess.run([sys.executable, str(root / "setup.py"), str(root / "shared-artifacts")], env=admin,
                              capture_output=True, text=True, timeout=120, cwd=root)  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        made = json.loads(done.stdout.strip().splitlines()[-1])
        yield {
            "ZENML_STORE_URL": url,
            "ZENML_STORE_API_KEY": made["key"],
            "ZENML_ACTIVE_STACK_ID": made["stack"],
        }
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_healthy(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()[-2000:]
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"the ZenML server did not start: {log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A team's repository: docs, golden questions and configs/default.yaml (found from the cwd)."""
    repo = tmp_path_factory.mktemp("repo")
    write_corpus(repo / "docs")
    write_golden(repo / "golden.jsonl")
    (repo / "configs").mkdir()
    (repo / "configs/default.yaml").write_text(
        "name: team_agent\nsources:\n  - type: directory\n    name: docs\n"
        "    path: ../docs\nevaluation:\n  golden_set: ../golden.jsonl\n"
        f"serve:\n  deployment: team-chat\n  port: {free_port()}\n"
        "  restart: 'no'\n  processes: 1\n"
    )  # one process: tests/serving covers more than one
    return repo


@pytest.mark.slow
def test_a_ci_process_checks_against_production_built_elsewhere(server, repository, tmp_path):
    built = run_cli("build", cwd=repository, env=_clean_env(tmp_path / "nightly-home", **server))
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    version = re.search(r"built team_agent version (\d+)", built.stdout).group(1)

    script = _workflow_steps("Check the agent", "Verdict", repository)
    outputs, summary = tmp_path / "github-output", tmp_path / "step-summary.md"
    env = _clean_env(
        tmp_path / "ci-home", **server, GITHUB_OUTPUT=str(outputs), GITHUB_STEP_SUMMARY=str(summary)
    )
    done = subprocess.run(["bash", "-e", "-c", script], cwd=repository, env=env, capture_output=True,
                          text=True, timeout=900)  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "code=0" in outputs.read_text() and "the agent would be promoted" in done.stdout
    text = summary.read_text()
    assert text.startswith(
        f"<!-- agent-factory check summary -->\n## ✅ team_agent: would be promoted: not worse than production v{version}"
    )
    assert f"against team_agent v{version}" in text
    assert f"[The report in the dashboard]({server['ZENML_STORE_URL']}/projects/default/runs/" in text
    assert (repository / "agent-check.html").read_text().lstrip().lower().startswith(("<!doctype", "<html"))

    elsewhere = _clean_env(tmp_path / "laptop-home", **server)  # a teammate reads the same production
    listed = run_cli("versions", cwd=repository, env=elsewhere)
    assert listed.returncode == 0 and re.search(rf"\b{version}\b.*production", listed.stdout), listed.stdout
    asked = run_cli("ask", "Which TCP port does the widget server listen on?", cwd=repository, env=elsewhere)
    assert asked.returncode == 0 and "7341" in asked.stdout, asked.stdout + asked.stderr[-2000:]
    _serve_and_ask(repository, elsewhere)


def _serve_and_ask(repository: Path, env: dict[str, str]) -> None:
    """`serve` deploys the production read from the server; its API answers; `--stop` ends it."""
    served = run_cli("serve", cwd=repository, env=env)
    try:
        assert served.returncode == 0, served.stdout[-2000:] + served.stderr[-2000:]
        url = re.search(r"OpenAI API: (\S+)", served.stdout).group(1)
        key = re.search(r"key:\s+(\S+)", served.stdout).group(1)
        body = {
            "model": "team_agent",
            "messages": [{"role": "user", "content": "Which TCP port is the default?"}],
        }
        reply = httpx.post(
            f"{url}/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=60
        )
        assert reply.status_code == 200 and "7341" in reply.json()["choices"][0]["message"]["content"], (
            reply.text
        )
    finally:
        assert run_cli("serve", "--stop", cwd=repository, env=env).returncode == 0


def _workflow_steps(first: str, last: str, repository: Path) -> str:
    """The `run:` steps of docs/ci.md's GitHub workflow from `first` to `last`, as one script,
    with the step output the Verdict reads and `.venv` pointing at this environment."""
    block = re.search(r"```yaml\n(name: agent check.*?)```", (ROOT / "docs/ci.md").read_text(), re.S).group(1)
    steps = yaml.safe_load(block)["jobs"]["check"]["steps"]
    names = [s.get("name") for s in steps]
    chosen = steps[names.index(first) : names.index(last) + 1]
    venv = repository / ".venv"
    if not venv.exists():
        venv.symlink_to(Path(sys.executable).parent.parent)
    # Steps that talk to GitHub (gh pr comment) or are actions (`uses:`) have no local stand-in.
    script = "\n".join(f"(\n{s['run']})" for s in chosen if "run" in s and "gh pr" not in s["run"])
    return script.replace("${{ steps.check.outputs.code }}", '$(sed -n "s/^code=//p" "$GITHUB_OUTPUT")')


@pytest.mark.slow
def test_a_refused_key_an_unreachable_server_and_an_unshared_stack_fail_in_seconds(
    server, repository, tmp_path
):
    cases = {
        "ZENML_STORE_API_KEY: the server at": server | {"ZENML_STORE_API_KEY": "ZENKEY_not-a-key"},
        "ZENML_STORE_URL=http://127.0.0.1:": server | {"ZENML_STORE_URL": f"http://127.0.0.1:{free_port()}"},
        "set ZENML_ACTIVE_STACK_ID to its id": {
            k: v for k, v in server.items() if k != "ZENML_ACTIVE_STACK_ID"
        },
    }
    for i, (message, variables) in enumerate(cases.items()):
        started = time.monotonic()
        done = run_cli(
            "check", cwd=repository, env=_clean_env(tmp_path / f"home-{i}", **variables), timeout=120
        )
        assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
        assert message in done.stderr and "Traceback" not in done.stderr
        assert time.monotonic() - started < 60  # seconds, where ZenML's own retries take minutes


def test_a_local_store_is_not_checked_and_a_dead_server_is_named():
    assert check_store({}) is None and check_store({"ZENML_STORE_URL": "sqlite:////tmp/zenml.db"}) is None
    with pytest.raises(
        StoreUnavailable, match=r"ZENML_STORE_URL=http://127.0.0.1:\d+: the ZenML server does not answer"
    ):
        check_store({"ZENML_STORE_URL": f"http://127.0.0.1:{free_port()}", "ZENML_STORE_API_KEY": "k"})


def _reflecting(method: str, path: str, body: bytes) -> tuple[int, dict]:
    """A misbehaving ZenML server (a JsonPeer): healthy, and its login refuses the key by echoing
    the whole form body back (what the hardening pass found a real proxy doing)."""
    if method == "GET":
        return 200, {"status": "ok"}
    return 401, {"detail": f"invalid key {body.decode()}"}


def test_no_password_key_or_token_is_ever_echoed(tmp_path):
    dead = f"http://admin:URLPASS9@127.0.0.1:{free_port()}"
    shown = run_cli(
        "versions", env=_clean_env(tmp_path / "a", ZENML_STORE_URL=dead, ZENML_STORE_API_KEY="KEYVALUE77")
    )
    assert shown.returncode == 1 and "URLPASS9" not in shown.stdout + shown.stderr
    assert "http://admin:***@127.0.0.1" in shown.stderr
    query = run_cli("versions", env=_clean_env(tmp_path / "b", ZENML_STORE_URL=f"{dead}/?api_key=QUERYKEY5",
                                               ZENML_STORE_API_KEY="KEYVALUE77"))  # fmt: skip
    assert query.returncode == 1 and "QUERYKEY5" not in query.stdout + query.stderr
    fake = JsonPeer(_reflecting)
    try:
        refused = run_cli("versions", env=_clean_env(tmp_path / "c", ZENML_STORE_URL=fake.base,
                                                     ZENML_STORE_API_KEY="THEKEY-0123456789"))  # fmt: skip
    finally:
        fake.close()
    assert refused.returncode == 1 and "refused the key" in refused.stderr
    assert "THEKEY-0123456789" not in refused.stdout + refused.stderr and "password=***" in refused.stderr
