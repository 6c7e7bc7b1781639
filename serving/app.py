"""The chat service as a ZenML deployment: its pipeline, start-up hook and HTTP routes.

ZenML's deployer serves the ``chat_service`` pipeline as a FastAPI app (docs/serving.md). The
start-up hook loads the agent once per server; the routes below are custom endpoints that
answer from it directly, without running the pipeline (no stored run per question):

- ``POST /v1/chat/completions``, ``GET /v1/models``: OpenAI's API (serving/openai_api.py)
- ``POST /v1/feedback``: thumbs up/down on an answer id (serving/feedback.py)
- ``POST /slack/events``: Slack's Events API, when ``serve.slack_secret`` is set (serving/slack.py)
- ``/``: the web chat page (serving/ui/index.html); ``/health``: ZenML's, open to all

ZenML's own ``POST /invoke`` runs the pipeline (one question, one stored run) and stays
available for batch use. Every route but ``/health``, the page and Slack's (Slack signs its
requests instead) needs the deployment's bearer key.
"""

from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from pydantic import ValidationError
from zenml import pipeline, step

from factory.serve_config import ServedAgent
from rag.agent.chat import QuestionError
from rag.tracing.setup import start as start_tracing
from serving import process
from serving.feedback import AnswerRecord, Channel, FeedbackError, FeedbackStore, Rating
from serving.limits import RateLimiter, read_body
from serving.openai_api import ApiError, Kind, response, sse
from serving.openai_request import ChatRequest, CompletionRequest, parse_chat, parse_completion
from serving.service import AgentService, Answered, Turn
from serving.tokens import AnswerCut, count_tokens

log = logging.getLogger(__name__)
UI_DIR = Path(__file__).parent / "ui"

_STATE: dict[str, Any] = {}  # what the start-up hook loaded; one server process, one service


def startup(app_runner: Any = None, served: dict[str, Any] | None = None) -> None:
    """Load the agent, open the feedback store, set the limits (`served`: a ServedAgent as JSON)."""
    process.bound_malloc_arenas()
    process.exit_with_parent(ready=lambda: "service" in _STATE)
    agent = ServedAgent.model_validate(served or {})
    config = agent.serve
    _STATE["tracing"] = start_tracing(agent.tracing)  # before the agent loads: LlamaIndex is instrumented
    if agent.index_dir:
        service = AgentService.from_folder(agent.index_dir, workers=config.workers)
    else:
        service = AgentService.for_version(agent.model, config.version, config.reload_every_s, config.workers)
    service.share_vectors(shared_file(agent, "vectors"))
    service.warm()
    store = FeedbackStore(agent.feedback_path)
    if config.slack_secret:
        from serving import slack

        token, signing = slack.credentials(config.slack_secret)
        _STATE["slack"] = slack.build(service, store, agent, token, signing)
        _STATE["slack_signing"] = signing
    limiter = RateLimiter(config.requests_per_minute, shared_file(agent, "limits"))
    _STATE.update(service=service, store=store, limiter=limiter, served=agent)
    log.info("serving %s version %s", agent.model, service.loaded.version)


def shared_file(agent: ServedAgent, what: str) -> Path:
    """A file all the deployment's processes share (rate limits, sentence vectors), beside the feedback store."""
    return agent.feedback_path.with_name(f"{agent.serve.deployment}-{what}.sqlite")


def shutdown(app_runner: Any = None, **_: Any) -> None:
    if service := _STATE.pop("service", None):
        service.close()
    for name in ("store", "limiter"):
        if opened := _STATE.pop(name, None):
            opened.close()
    if tracing := _STATE.pop("tracing", None):
        tracing.stop()


def state() -> tuple[AgentService, FeedbackStore, ServedAgent]:
    if "service" not in _STATE:
        raise ApiError(503, "the agent is still loading", "not_ready", "server_error")
    return _STATE["service"], _STATE["store"], _STATE["served"]


async def _guarded(request: Request, handler: Any) -> Response:
    """Run a route: rate limit first; ApiError and QuestionError become OpenAI-shaped JSON errors."""
    try:
        if limiter := _STATE.get("limiter"):
            limiter.check(request)
        return await handler(request)
    except ApiError as exc:
        headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
        return JSONResponse(exc.body(), status_code=exc.status, headers=headers)
    except QuestionError as exc:
        return JSONResponse(ApiError(400, str(exc), "invalid_question", param="messages").body(), 400)


def _channel(request: Request) -> Channel:
    return "web" if request.headers.get("x-agent-factory-client") == "web" else "api"


def _check_model(name: str, served: ServedAgent) -> None:
    """`model` names the served model (empty: the served one, as the page sends)."""
    if name and name != served.model:
        raise ApiError(404, f"model: this service serves {served.model!r}, not {name!r}",
                       "model_not_found", param="model")  # fmt: skip


async def _answer(request: Request, kind: Kind, asked: ChatRequest | CompletionRequest) -> Response:
    """Answer a parsed request: whole, or streamed as server-sent events."""
    service, store, served = state()
    _check_model(asked.model, served)
    answer_id, model, channel = uuid.uuid4().hex, served.model, _channel(request)
    turn = asked.turn().model_copy(update={"channel": channel})
    service.check(turn.question)  # a 400 before streaming starts, not an error event after
    cut = AnswerCut(asked.limit, asked.stops)
    prompt_tokens = count_tokens("\n".join([*(text for _, text in turn.history), turn.question]))

    def stored(answered: Answered, visible: str) -> None:
        store.record(AnswerRecord(question=turn.question, answer=visible, model=model, channel=channel,
                                  sources=list(dict.fromkeys(s.doc_id for s in answered.sources)),
                                  version=answered.version, trace_id=answered.trace_id),
                     answer_id=answer_id)  # fmt: skip

    if asked.stream:
        usage = prompt_tokens if asked.include_usage else None
        events = sse(service.answer(turn), kind, cut, answer_id, model, usage, stored)
        return StreamingResponse(
            events, media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )
    async for event in service.answer(turn):
        if isinstance(event, Answered):
            body = response(kind, event, cut, answer_id, model, prompt_tokens)
            stored(event, cut.visible)
            return JSONResponse(body)
    raise ApiError(500, "the agent gave no answer", "agent_error", "server_error")


async def _chat_completions(request: Request) -> Response:
    _service, _store, served = state()
    body = await read_body(request, served.serve.max_body_bytes)
    return await _answer(request, "chat", parse_chat(body, served.serve.max_messages))


async def _completions(request: Request) -> Response:
    _service, _store, served = state()
    return await _answer(
        request, "text", parse_completion(await read_body(request, served.serve.max_body_bytes))
    )


def _model(served: ServedAgent, service: AgentService) -> dict[str, Any]:
    return {"id": served.model, "object": "model", "created": 0, "owned_by": "agent-factory",
            "version": service.loaded.version}  # fmt: skip


async def _models(request: Request) -> Response:
    service, _store, served = state()
    return JSONResponse({"object": "list", "data": [_model(served, service)]})


async def _model_by_id(request: Request) -> Response:
    service, _store, served = state()
    _check_model(request.path_params.get("model_id", ""), served)
    return JSONResponse(_model(served, service))


async def _feedback(request: Request) -> Response:
    _service, store, served = state()
    body = await read_body(request, served.serve.max_body_bytes)
    try:
        rating = Rating.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "body"
        raise ApiError(400, f"{field}: {first['msg']}", "invalid_feedback", param=field) from None
    try:
        store.rate(rating.answer_id, rating.rating, rating.comment, _channel(request))
    except FeedbackError as exc:
        raise ApiError(404, str(exc), "answer_not_found", param="answer_id") from None
    return JSONResponse({"stored": True, "answer_id": rating.answer_id})


# The routes ZenML registers (top-level functions: ZenML stores them by import path).
async def chat_completions(request: Request) -> Response:
    return await _guarded(request, _chat_completions)


async def completions(request: Request) -> Response:
    return await _guarded(request, _completions)


async def models(request: Request) -> Response:
    return await _guarded(request, _models)


async def model(request: Request) -> Response:
    return await _guarded(request, _model_by_id)


async def feedback(request: Request) -> Response:
    return await _guarded(request, _feedback)


async def page(request: Request) -> Response:
    """The chat page; it asks for the key itself."""
    return FileResponse(UI_DIR / "index.html", headers={"Cache-Control": "no-cache"})


async def slack_events(request: Request) -> Response:
    """Slack's Events API, checked before anything is parsed: the body's size (413, before it is
    read), Slack's signature with a numeric timestamp within five minutes (401), JSON (400); nothing
    logs a request body. A redelivered event (its event_id seen before, by any worker) is
    acknowledged, not answered again. Then Bolt answers (URL verification, mentions, reactions)."""
    if "slack" not in _STATE:
        return JSONResponse(
            ApiError(404, "Slack is not configured (serve.slack_secret)", "no_slack").body(), 404
        )
    from serving.slack import signed

    _service, store, served = state()
    try:
        body = await read_body(request, served.serve.max_body_bytes)
    except ApiError as exc:
        return JSONResponse(exc.body(), status_code=exc.status)
    stamp, signature = (
        request.headers.get(h, "") for h in ("x-slack-request-timestamp", "x-slack-signature")
    )
    if not signed(body, stamp, signature, _STATE["slack_signing"]):
        return JSONResponse(
            ApiError(401, "invalid Slack signature or timestamp", "invalid_signature").body(), 401
        )
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            payload = json.loads(body)
        except ValueError:
            return JSONResponse(ApiError(400, "the body is not JSON", "invalid_json").body(), 400)
        event_id = payload.get("event_id") if isinstance(payload, dict) else None
        if event_id and not store.first_delivery(f"slack:{event_id}"):
            return JSONResponse({"ok": True})  # Slack retried: answered once already

    async def replay() -> dict[str, Any]:  # Bolt reads the body again; it was read above
        return {"type": "http.request", "body": body, "more_body": False}

    return await _STATE["slack"].handle(Request(request.scope, receive=replay))


@step(enable_cache=False)
def answer(question: str) -> str:
    """ZenML's ``/invoke``: one question through the pipeline (a stored run per call)."""
    import asyncio

    async def run() -> str:
        service, _store, _settings = state()
        async for event in service.answer(Turn(question=question)):
            if isinstance(event, Answered):
                return json.dumps(event.model_dump(mode="json"))
        return ""

    return asyncio.run(run())


@pipeline(enable_cache=False)
def chat_service(question: str = "What is this documentation about?") -> str:
    """The deployed pipeline; chat goes through the custom endpoints, not through it."""
    return answer(question)
