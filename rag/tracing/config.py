"""TracingConfig: the ``tracing:`` section of an agent config (docs/observability.md).

Off by default. On, every question becomes one OpenTelemetry trace sent over OTLP to the
collector a team already runs (Arize Phoenix, Langfuse, Jaeger, Grafana Tempo). Header values
(a Langfuse key pair, a bearer token) are read from the environment or a ZenML secret, like
every other key, so a config never holds them.

>>> TracingConfig().enabled, TracingConfig().capture_text
(False, False)
>>> TracingConfig.model_validate({"enabled": True, "headers": {"Authorization": {"env": "LANGFUSE_AUTH"}}}
...     ).headers["Authorization"].env
'LANGFUSE_AUTH'
>>> TracingConfig.model_validate({"headers": {"Authorization": "Basic abc"}})
Traceback (most recent call last):
...
pydantic_core._pydantic_core.ValidationError: 1 validation error for TracingConfig
headers.Authorization
  Input should be a valid dictionary or instance of HeaderValue ...
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

_ENV = r"^[A-Za-z_][A-Za-z0-9_]*$"
_SECRET = r"^[A-Za-z0-9_.-]+\.[A-Za-z0-9_-]+$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HeaderValue(_Strict):
    """Where one header's value lives: an environment variable or a ZenML secret ("name.key")."""

    env: str | None = Field(None, pattern=_ENV)
    secret: str | None = Field(None, pattern=_SECRET)

    @model_validator(mode="after")
    def _exactly_one(self) -> HeaderValue:
        if (self.env is None) == (self.secret is None):
            raise ValueError("give exactly one of env or secret")
        return self


class TracingConfig(_Strict):
    """Where traces go and what they may contain."""

    enabled: bool = False
    endpoint: str = "http://127.0.0.1:6006/v1/traces"  # Phoenix's OTLP/HTTP receiver
    protocol: Literal["http", "grpc"] = "http"
    headers: dict[str, HeaderValue] = {}
    service_name: str = Field("agent-factory", min_length=1, max_length=200)
    sample_ratio: float = Field(1.0, ge=0.0, le=1.0)  # of questions traced; a build is always traced
    # Question, answer and passage text in spans; off: only ids, scores, counts and timings leave.
    capture_text: bool = False
    # A link to one trace in the team's viewer; "{trace_id}" is replaced (the evaluation report uses it).
    trace_url: str | None = Field(None, pattern=r"\{trace_id\}")
    max_queue: int = Field(2048, ge=16, le=1_000_000)  # spans waiting to be sent; more are dropped, counted
    export_timeout_s: float = Field(3.0, gt=0, le=60)  # per batch sent, and the wait at exit
