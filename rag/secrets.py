"""API keys: read when a client is built, from the environment or a secret store; never stored.

A config names where its key lives (``api_key_env`` or ``api_key_secret``); the value is
looked up here, handed to the client and kept nowhere else, so no config, metadata,
artifact or log line holds it. ``pipelines`` plugs in ZenML's secret store.

>>> import os
>>> from rag.config import LLMConfig
>>> os.environ["DOCTEST_KEY"] = "sk-doctest"
>>> api_key(LLMConfig(provider="openai", api_key_env="DOCTEST_KEY"), "llm")
'sk-doctest'
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from rag.errors import AgentFactoryError

SecretLookup = Callable[[str, str], str | None]
# Names that hold credentials, in settings, headers and URL query strings.
SECRET_NAME = re.compile(
    r"api[_-]?key|secret|passw(or)?d|^pwd$|passphrase|bearer|authori[sz]ation|credential|signature|^sig$"
    r"|(^|[_-])token($|[_-])|(^|[_-])auth($|[_-])|(^|[_-])key$|cookie|^pat$",  # access_token, x-functions-key,
    re.IGNORECASE,  # Ocp-Apim-Subscription-Key, private_key, key; not max_tokens or keywords
)
# Values that are credentials whatever their key is called: "Bearer ...", "Basic ...", "sk-...".
SECRET_VALUE = re.compile(r"^\s*(bearer|basic|token)\s+\S{8,}|\bsk-[A-Za-z0-9_-]{16,}", re.IGNORECASE)
_URL = re.compile(r"[a-z][a-z0-9+.-]*://[^\s'\"<>]+", re.IGNORECASE)
HIDDEN = "***"
_lookup: SecretLookup | None = None


class KeyLocation(Protocol):
    """Where a key lives: what an endpoint's settings (rag.config.EndpointConfig) say of it."""

    api_key_env: str
    api_key_secret: str | None


class MissingKeyError(AgentFactoryError):
    """No API key where the config says it lives."""


def set_secret_lookup(lookup: SecretLookup | None) -> None:
    """Install the function that reads ``(secret_name, key)`` from a secret store."""
    global _lookup
    _lookup = lookup


def api_key(config: KeyLocation, where: str, required: bool = True) -> str | None:
    """The key for `config`; `where` ("llm", "evaluation.judge.llm") names the field in errors."""
    if config.api_key_secret:
        return read_secret(config.api_key_secret, f"{where}.api_key_secret", f"{where}.api_key_env")
    value = os.environ.get(config.api_key_env)
    if not value and required:
        raise MissingKeyError(f"{where}.api_key_env: environment variable {config.api_key_env} is not set")
    return value or None


def read_secret(name_and_key: str, where: str, instead: str) -> str:
    """The value of a "secret_name.key" reference from the secret store; `where` names the setting."""
    name, _, key = name_and_key.rpartition(".")
    if _lookup is None:
        raise MissingKeyError(
            f"{where}: no secret store here (run through `agent-factory`), or use {instead}"
        )
    value = _lookup(name, key)
    if not value:
        raise MissingKeyError(f"{where}: secret {name!r} has no value for {key!r}")
    return value


def secret_keys(value: Any, path: str = "") -> list[str]:
    """Dotted paths of every key or value, at any depth, that holds a credential.

    >>> secret_keys({"headers": [["Authorization", "x"]], "extra_body": {"key": "x"}, "h": {"X": "Bearer abcdefghij"}})
    ['headers[0]', 'extra_body.key', 'h.X']
    """
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            found += [where] if SECRET_NAME.search(str(key)) else secret_keys(item, where)
        return found
    if isinstance(value, list | tuple):
        if len(value) == 2 and isinstance(value[0], str) and SECRET_NAME.search(value[0]):
            return [path]  # a header as a [name, value] pair
        return [p for i, item in enumerate(value) for p in secret_keys(item, f"{path}[{i}]")]
    return [path] if isinstance(value, str) and SECRET_VALUE.search(value) else []


def redact_url(url: str) -> str:
    """The URL without a password in its userinfo or credential-like query parameters.

    >>> redact_url("https://alice:s3cr3t@git.example.com/repo.git?ref=main&access_token=abc")
    'https://alice:***@git.example.com/repo.git?ref=main&access_token=***'
    >>> redact_url("https://ghp_TOKEN@github.com/o/r.git"), redact_url("ssh://git@github.com/o/r.git")
    ('https://***@github.com/o/r.git', 'ssh://git@github.com/o/r.git')
    """
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password:
        netloc = f"{parts.username}:{HIDDEN}@{netloc.rpartition('@')[2]}"
    elif parts.username and parts.scheme in ("http", "https"):  # a token as the user name (git accepts it)
        netloc = f"{HIDDEN}@{netloc.rpartition('@')[2]}"
    query = parts.query
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(SECRET_NAME.search(k) for k, _ in pairs):
        query = urlencode([(k, HIDDEN if SECRET_NAME.search(k) else v) for k, v in pairs], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def redact_text(text: str) -> str:
    """Every URL in `text` redacted (error messages, command lines, log lines)."""
    return _URL.sub(lambda m: redact_url(m.group(0)), text)


_PAIR = re.compile(
    r"([A-Za-z0-9_.-]+)=([^&\s'\"),;]+?)(?=[&\s'\"),;]|:\s|:$|$)"
)  # name=value in a form body or a log line
MIN_SECRET = 6  # characters: shorter environment values are not hunted in text (too many false hits)


def redact_secrets(text: str, environ: dict[str, str] | None = None) -> str:
    """`text` safe to print: URL credentials, ``password=...``-like pairs, and the value of every
    environment variable whose name says it holds a secret (ZENML_STORE_API_KEY, OPENAI_API_KEY...).

    >>> redact_secrets("refused (grant_type=zenml-api-key&password=ZENKEY1) at http://u:p@h/x?api_key=q",
    ...                {"ZENML_STORE_API_KEY": "ZENKEY1"})
    'refused (grant_type=zenml-api-key&password=***) at http://u:***@h/x?api_key=***'
    """
    env = os.environ if environ is None else environ
    text = redact_text(text)
    text = _PAIR.sub(
        lambda m: f"{m.group(1)}={HIDDEN}" if SECRET_NAME.search(m.group(1)) else m.group(0), text
    )
    for name, value in env.items():
        if SECRET_NAME.search(name) and len(value) >= MIN_SECRET:
            text = text.replace(value, HIDDEN)
    return text


class SecretFilter(logging.Filter):
    """Every record a handler emits, redacted with :func:`redact_secrets` (installed by start-up)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if (clean := redact_secrets(message)) != message:
            record.msg, record.args = clean, ()
        return True


def redact_all_logs() -> None:
    """:class:`SecretFilter` on every handler of the root logger (once each)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, SecretFilter) for f in handler.filters):
            handler.addFilter(SecretFilter())


def has_credentials(url: str) -> bool:
    """Whether a URL carries a password or a credential-like query parameter."""
    return redact_url(url) != url


def redact_http_logs() -> None:
    """Install :class:`SecretFilter` on the HTTP client loggers (once): httpx logs full URLs."""
    for name in ("httpx", "httpcore", "urllib3"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, SecretFilter) for f in logger.filters):
            logger.addFilter(SecretFilter())
