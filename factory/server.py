"""A shared ZenML server, checked before anything runs against it.

A CI job connects with ZenML's own variables and nothing else (docs/ci.md): ``ZENML_STORE_URL``
(the server), ``ZENML_STORE_API_KEY`` (a service account's key) and ``ZENML_ACTIVE_STACK_ID`` (a
stack whose artifact store every machine reaches: :func:`check_stack`). ZenML's own client retries a
dead server for minutes; :func:`check_store` answers in seconds and names the variable at
fault. A local store (no variable, or a ``sqlite://`` / ``mysql://`` URL) is not checked.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when a server is checked: every command on a local store starts faster
    import httpx

from rag.errors import AgentFactoryError

URL_VAR, KEY_VAR, STACK_VAR = "ZENML_STORE_URL", "ZENML_STORE_API_KEY", "ZENML_ACTIVE_STACK_ID"
TIMEOUT_S = 5.0
ATTEMPTS = 2  # one retry: a server restarting answers within seconds, a dead one never


class StoreUnavailable(AgentFactoryError):
    """The ZenML server named in the environment cannot be reached or refuses the key."""


def check_store(environ: dict[str, str] | None = None) -> str | None:
    """The server URL after checking it answers and accepts the key; None for a local store."""
    env = os.environ if environ is None else environ
    url = env.get(URL_VAR, "").rstrip("/")
    if not url.startswith(("http://", "https://")):
        return None
    _get(f"{url}/health", f"{URL_VAR}={url}: the ZenML server does not answer")
    key = env.get(KEY_VAR) or ""
    if not key and not env.get("ZENML_STORE_PASSWORD"):
        raise StoreUnavailable(f"{URL_VAR} is set but {KEY_VAR} is not: a CI job logs in with a service "
                               "account's API key (`zenml service-account create NAME` prints one)")  # fmt: skip
    if key:
        login = {"grant_type": "zenml-api-key", "password": key}
        reply = _post(f"{url}/api/v1/login", login, f"{URL_VAR}={url}: the login did not answer")
        if reply.status_code in (401, 403):
            raise StoreUnavailable(f"{KEY_VAR}: the server at {url} refused the key ({_detail(reply)})")
        if reply.status_code >= 400:
            raise StoreUnavailable(
                f"{URL_VAR}={url}: login answered HTTP {reply.status_code} ({_detail(reply)})"
            )
    return url


def check_stack() -> None:
    """Refuse a server stack whose artifacts stay in this machine's home folder.

    The default stack's local artifact store lives under each client's own config folder:
    a version built on one machine cannot be read on another (a CI runner, a teammate).
    """
    from zenml.client import Client
    from zenml.config.global_config import GlobalConfiguration

    store = Client().active_stack_model.components
    artifact = store[next(t for t in store if t.value == "artifact_store")][0]
    path = artifact.configuration.get("path") or ""
    if artifact.flavor_name == "local" and (
        not path or path.startswith(GlobalConfiguration().local_stores_path)
    ):
        raise StoreUnavailable(
            f"the active stack's artifact store {artifact.name!r} keeps artifacts in this machine's home "
            f"({GlobalConfiguration().local_stores_path}): other machines cannot read them. Register a stack whose "
            f"artifact store every machine reaches (S3, GCS, Azure, a shared folder) and set {STACK_VAR} "
            "to its id (docs/ci.md)"
        )


def _get(url: str, failure: str) -> httpx.Response:
    return _send("GET", url, None, failure)


def _post(url: str, data: dict[str, str], failure: str) -> httpx.Response:
    return _send("POST", url, data, failure)


def _send(method: str, url: str, data: dict[str, str] | None, failure: str) -> httpx.Response:
    import httpx

    error: Exception | None = None
    for _ in range(ATTEMPTS):
        try:
            reply = httpx.request(method, url, data=data, timeout=TIMEOUT_S)
        except httpx.HTTPError as exc:
            error = exc
            continue
        if method == "GET" and reply.status_code != 200:
            raise StoreUnavailable(f"{failure} (HTTP {reply.status_code} from {url})")
        return reply
    raise StoreUnavailable(f"{failure} ({type(error).__name__}: {error})")


def _detail(reply: httpx.Response) -> str:
    try:
        detail = reply.json().get("detail")
    except ValueError:
        detail = None
    return str(detail[-1] if isinstance(detail, list) and detail else detail or reply.text[:200])
