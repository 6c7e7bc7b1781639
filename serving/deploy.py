"""Deploy, stop and inspect the chat service with the active stack's ZenML deployer.

The same code serves on a laptop (the default stack's ``local`` deployer: a background
uvicorn server) and in the cloud (a stack with a ``docker``, Cloud Run or App Runner
deployer): the stack decides where, these settings decide what.

The bearer key is generated once per deployment name and kept as a ZenML secret
(``agent-factory-serve-<deployment>``), so a redeploy keeps the key clients already have.
"""

from __future__ import annotations

import contextlib
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import psutil
from pydantic import BaseModel
from zenml.client import Client
from zenml.config import DeploymentSettings
from zenml.config.deployment_settings import (
    AppExtensionSpec,
    CORSConfig,
    DeploymentDefaultEndpoints,
    EndpointMethod,
    EndpointSpec,
)

from factory.serve_config import ServeConfig, ServedAgent
from rag.errors import AgentFactoryError
from rag.index.onnx_encoder import cores
from rag.tracing.config import TracingConfig
from serving import app, balance, http_errors, supervisor
from serving.feedback import feedback_path


class ServeError(AgentFactoryError):
    """The service could not be deployed, found or stopped."""


class Status(BaseModel):
    deployment: str
    status: str
    url: str | None


def secret_name(deployment: str) -> str:
    return f"agent-factory-serve-{deployment}"


def bearer_key(deployment: str) -> str:
    """The deployment's key: read from its ZenML secret, or generated and stored there."""
    client = Client()
    name = secret_name(deployment)
    try:
        return str(client.get_secret(name).secret_values["key"])
    except KeyError:
        key = secrets.token_urlsafe(32)
        client.create_secret(name, values={"key": key})
        return key


def settings(model: str, config: ServeConfig, key: str, index_dir: Path | None = None,
             tracing: TracingConfig | None = None) -> dict[str, Any]:  # fmt: skip
    """The pipeline's deployer and deployment settings for `config`."""
    served = ServedAgent(model=model, feedback_path=feedback_path(config), index_dir=index_dir, serve=config,
                         tracing=tracing or TracingConfig())  # fmt: skip
    hook = {"served": served.model_dump(mode="json")}
    post, get = EndpointMethod.POST, EndpointMethod.GET
    endpoints = [
        EndpointSpec(path="/v1/chat/completions", method=post, handler=app.chat_completions),
        EndpointSpec(path="/v1/completions", method=post, handler=app.completions),
        EndpointSpec(path="/v1/models", method=get, handler=app.models),
        EndpointSpec(path="/v1/models/{model_id}", method=get, handler=app.model),
        EndpointSpec(path="/v1/feedback", method=post, handler=app.feedback),
        EndpointSpec(path="/slack/events", method=post, handler=app.slack_events, auth_required=False),
        EndpointSpec(path="/", method=get, handler=app.page, auth_required=False),
    ]
    cors = CORSConfig(allow_origins=config.cors_origins)  # ZenML's default is every origin; ours none
    deployment = DeploymentSettings(
        app_title=f"Agent Factory: {model}",
        startup_hook=app.startup,
        startup_hook_kwargs=hook,
        shutdown_hook=app.shutdown,
        custom_endpoints=endpoints,
        # ZenML's dashboard answers every unknown GET with the page, and its OpenAPI docs need no
        # key: both off, so an unknown route is a 404 in OpenAI's shape (serving/http_errors.py).
        include_default_endpoints=DeploymentDefaultEndpoints.API,
        app_kwargs={"openapi_url": None},
        app_extensions=[AppExtensionSpec(extension=http_errors.install)]
        + ([AppExtensionSpec(extension=balance.install)] if processes(config) > 1 else []),
        cors=cors,
        uvicorn_host=config.host,
        uvicorn_port=config.port,
        uvicorn_workers=processes(config),
        # uvicorn kills a worker silent for 5 s; one loading the agent on a busy machine can be
        uvicorn_kwargs={"timeout_worker_healthcheck": WORKER_SILENT_S},
    )
    deployer = {"auth_key": key, "port": config.port, "address": config.host, "allocate_port_if_busy": False}
    return {"deployer": deployer, "deployment": deployment}


WORKER_SILENT_S = 120  # how long a worker may not answer uvicorn's ping before it is replaced


def processes(config: ServeConfig) -> int:
    """How many server processes answer: `serve.processes`, else one per CPU core this process may
    use (Python answers one question at a time per process; a process per core uses them all)."""
    if config.processes:
        return config.processes
    return min(8, cores())


def serve(model: str, config: ServeConfig, index_dir: Path | None = None, timeout_s: int = 120,
          tracing: TracingConfig | None = None) -> Status:  # fmt: skip
    """Deploy (or redeploy) the chat service; returns once it answers ``/health``."""
    key = bearer_key(config.deployment)
    pipeline = app.chat_service.with_options(settings=settings(model, config, key, index_dir, tracing))
    _stop_supervisor(config.deployment)  # a redeploy must not race a restart of the old server
    try:
        deployed = pipeline.deploy(deployment_name=config.deployment, timeout=timeout_s)
    except Exception as exc:
        raise ServeError(f"deploying {config.deployment} failed: {exc}") from exc
    _start_supervisor(config)
    return Status(deployment=config.deployment, status=str(deployed.status), url=deployed.url)


def status(deployment: str) -> Status:
    """What the service is doing now: its process and ``/health`` checked, not the stored state."""
    client = Client()
    try:
        found = client.get_deployment(deployment)
    except KeyError:
        raise ServeError(f"no deployment named {deployment}; start it with `agent-factory serve`") from None
    with contextlib.suppress(Exception):  # a deployer that cannot refresh: what it last reported
        found = client.refresh_deployment(deployment)
    return Status(deployment=deployment, status=_observed(found.deployment_metadata or {}, found.url),
                  url=found.url)  # fmt: skip


def _observed(metadata: dict[str, Any], url: str | None) -> str:
    pid = metadata.get("pid")
    if pid and not supervisor.alive(int(pid)):
        return "stopped (the process exited)"
    if not url:
        return "stopped (no address)"
    try:
        httpx.get(f"{url}/health", timeout=5).raise_for_status()
    except httpx.HTTPError as exc:
        return f"not answering ({type(exc).__name__} on {url}/health)"
    return "running"


def _start_supervisor(config: ServeConfig) -> None:
    """``serve.restart: on-failure`` on the local deployer: a watcher restarts a server that died
    (serving/supervisor.py). Other deployers restart containers themselves."""
    deployer = Client().active_stack.deployer
    if config.restart != "on-failure" or deployer is None or deployer.flavor != "local":
        return
    path = supervisor.pid_file(config.deployment)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.with_suffix(".log").open("a") as log:
        watcher = subprocess.Popen(
            [sys.executable, "-m", "serving.supervisor", config.deployment, str(config.max_restarts)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    path.write_text(str(watcher.pid))  # here, not in the watcher: a `--stop` right after must find it


def _stop_supervisor(deployment: str, timeout_s: float = 10) -> None:
    path = supervisor.pid_file(deployment)
    with contextlib.suppress(FileNotFoundError, ValueError, psutil.Error):
        watcher = psutil.Process(int(path.read_text()))
        if any("serving.supervisor" in part for part in watcher.cmdline()):  # not a reused pid
            watcher.terminate()
            watcher.wait(timeout_s)
    path.unlink(missing_ok=True)


def stop(deployment: str, timeout_s: int = 60) -> bool:
    """Stop the service (its shutdown hook runs) and forget the deployment; the key is kept.

    False when there was nothing to stop: stopping twice is not an error.
    """
    _stop_supervisor(deployment)  # first, or it would restart what is being stopped
    client = Client()
    try:
        client.get_deployment(deployment)
    except KeyError:
        return False
    client.deprovision_deployment(deployment, timeout=timeout_s)
    client.delete_deployment(deployment)
    return True
