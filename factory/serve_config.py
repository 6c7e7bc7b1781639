"""ServeConfig: the ``serve:`` section of an agent config (docs/serving.md).

Safe by default: bound to 127.0.0.1, a bearer key on every route but ``/health``, CORS off,
bounded bodies, questions and request rates.

>>> ServeConfig().host, ServeConfig().cors_origins, ServeConfig(port=9000).port
('127.0.0.1', [], 9000)
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from rag.tracing.config import TracingConfig


class ServeConfig(BaseModel):
    """How `agent-factory serve` deploys the chat service."""

    model_config = ConfigDict(extra="forbid")

    deployment: str = Field("agent-factory-chat", pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    version: str = "production"  # a stage follows promotions; a number pins one version
    host: str = "127.0.0.1"  # 0.0.0.0 exposes the service to the network
    port: int = Field(8080, ge=1, le=65535)
    cors_origins: list[str] = []  # e.g. ["https://docs.example.com"]; empty: no CORS headers
    max_body_bytes: int = Field(65_536, ge=1024)
    max_messages: int = Field(50, ge=1)  # per chat request (the conversation so far)
    requests_per_minute: int = Field(2400, ge=1)  # per bearer key: a team shares one (serving/limits.py)
    restart: Literal["on-failure", "no"] = "on-failure"  # the local deployer: restart a server that died
    max_restarts: int = Field(3, ge=0, le=100)  # then it stays stopped: a crash at start-up is not looped
    reload_every_s: float = Field(10.0, gt=0)  # how often a stage is re-checked for a new version
    workers: int = Field(4, ge=1, le=64)  # answers computed at once in each process; more wait their turn
    processes: int | None = Field(None, ge=1, le=64)  # server processes; None: one per CPU core (at most 8)
    feedback_path: Path | None = None  # default: $AGENT_FACTORY_DATA_DIR/<deployment>-feedback.sqlite
    slack_secret: str | None = None  # a ZenML secret with bot_token and signing_secret: Slack on
    slack_api_url: str = "https://slack.com/api/"  # Slack's Web API (tests point it at a local fake)
    slack_allow_bots: list[str] = []  # bot ids whose mentions are answered; others are ignored (no loops)


class ServedAgent(BaseModel):
    """What one server process loads at start-up (serving/app.py): the model and how it is served.

    ZenML hands it to the start-up hook as JSON; this is its one typed form on both sides.
    """

    model_config = ConfigDict(extra="forbid")

    model: str
    feedback_path: Path
    index_dir: Path | None = None  # `serve --index`: a local index folder instead of a version
    serve: ServeConfig = ServeConfig()
    tracing: TracingConfig = TracingConfig()
