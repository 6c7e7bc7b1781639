"""What a client may ask of ``/v1/chat/completions`` and ``/v1/completions``: every field OpenAI
defines is honoured or refused with a 400 naming it (docs/serving.md has the table).

Honoured: ``messages``/``prompt``, ``stream``, ``stream_options.include_usage``, ``max_tokens``
and ``max_completion_tokens`` (the answer is cut, ``finish_reason: "length"``), ``stop``, ``model``
(the served model's name, else 404 ``model_not_found``). Accepted with no effect, because the
answer is deterministic and text: ``temperature``, ``top_p``, ``seed``, the penalties, ``user``,
``metadata``, ``store``, ``tools`` the model may leave unused. Refused: ``n`` > 1, a required or
named ``tool_choice``, ``response_format`` other than text, ``logprobs``, audio, unknown fields.

>>> ChatRequest.model_validate({"messages": [{"role": "user", "content": "Hi?"}]}).turn().question
'Hi?'
>>> parse_chat(b'{"messages": [{"role": "user", "content": "Hi"}], "n": 2}', 50)
Traceback (most recent call last):
...
serving.openai_api.ApiError: n: one answer per request; n must be 1, not 2
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from serving.openai_api import ApiError
from serving.service import Turn


class ContentPart(BaseModel):
    type: str
    text: str = ""


class Message(BaseModel):
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):  # parts are separate texts: keep them apart
            return "\n".join(part.text for part in self.content if part.type == "text")
        return self.content or ""


class StreamOptions(BaseModel):
    include_usage: bool = False
    include_obfuscation: bool = False


class _Common(BaseModel):
    """The fields both endpoints share."""

    model_config = ConfigDict(extra="forbid")  # OpenAI refuses unknown fields, and so do we

    model: str = ""
    stream: bool = False
    stream_options: StreamOptions | None = None
    max_tokens: int | None = Field(None, ge=1)
    stop: str | list[str] | None = Field(None, max_length=4)
    n: int = 1
    temperature: float | None = Field(None, ge=0, le=2)
    top_p: float | None = Field(None, ge=0, le=1)
    presence_penalty: float | None = Field(None, ge=-2, le=2)
    frequency_penalty: float | None = Field(None, ge=-2, le=2)
    seed: int | None = None
    user: str | None = None
    logprobs: Any = None
    logit_bias: dict[str, float] | None = None

    @property
    def stops(self) -> list[str]:
        return [self.stop] if isinstance(self.stop, str) else list(self.stop or [])

    @property
    def include_usage(self) -> bool:
        return bool(self.stream_options and self.stream_options.include_usage)

    def refusals(self) -> None:
        """An ApiError for the first field asked for that this service cannot give."""
        if self.n != 1:
            raise _refused("n", f"one answer per request; n must be 1, not {self.n}")
        if self.logprobs not in (None, False, 0):
            raise _refused("logprobs", "the extractive answerer has no token probabilities")
        if self.logit_bias:
            raise _refused("logit_bias", "the extractive answerer has no token probabilities")


class ChatRequest(_Common):
    messages: list[Message] = Field(min_length=1)
    max_completion_tokens: int | None = Field(None, ge=1)
    top_logprobs: int | None = None
    tools: list[dict[str, Any]] | None = None
    tool_choice: str | dict[str, Any] | None = None
    parallel_tool_calls: bool | None = None
    functions: list[dict[str, Any]] | None = None
    function_call: str | dict[str, Any] | None = None
    response_format: dict[str, Any] | None = None
    modalities: list[str] | None = None
    audio: dict[str, Any] | None = None
    metadata: dict[str, str] | None = None
    store: bool | None = None
    service_tier: str | None = None
    reasoning_effort: str | None = None
    verbosity: str | None = None
    prediction: dict[str, Any] | None = None
    prompt_cache_key: str | None = None
    safety_identifier: str | None = None
    web_search_options: dict[str, Any] | None = None

    @property
    def limit(self) -> int | None:
        return self.max_completion_tokens or self.max_tokens

    def refusals(self) -> None:
        super().refusals()
        for field, choice in (("tool_choice", self.tool_choice), ("function_call", self.function_call)):
            if choice not in (None, "none", "auto"):
                raise _refused(field, f"the agent calls no client tools, so {choice!r} cannot be met")
        if (self.response_format or {}).get("type", "text") != "text":
            kind = self.response_format["type"]  # type: ignore[index]
            raise _refused("response_format", f"the extractive answerer writes text, not {kind}")
        if self.top_logprobs:
            raise _refused("top_logprobs", "the extractive answerer has no token probabilities")
        if self.audio or (self.modalities and set(self.modalities) != {"text"}):
            raise _refused("modalities", "answers are text only")
        if self.web_search_options is not None:
            raise _refused("web_search_options", "the agent answers from its documentation, not the web")

    def turn(self) -> Turn:
        talk = [m for m in self.messages if m.role in ("user", "assistant")]
        if not talk or talk[-1].role != "user":
            raise ApiError(400, "the last user or assistant message must be from the user", "no_question",
                           param="messages")  # fmt: skip
        return Turn(question=talk[-1].text(), history=[(m.role, m.text()) for m in talk[:-1]])


class CompletionRequest(_Common):
    """The legacy ``/v1/completions``: the prompt is the question."""

    prompt: str | list[str]
    echo: bool = False
    best_of: int | None = None
    suffix: str | None = None

    @property
    def limit(self) -> int | None:
        return self.max_tokens

    def refusals(self) -> None:
        super().refusals()
        if isinstance(self.prompt, list) and len(self.prompt) != 1:
            raise _refused("prompt", f"one prompt per request, not {len(self.prompt)}")
        if (self.best_of or 1) != 1:
            raise _refused("best_of", "one answer per request; best_of must be 1")
        if self.echo or self.suffix:
            raise _refused(
                "echo" if self.echo else "suffix", "the answer is not a continuation of the prompt"
            )

    def turn(self) -> Turn:
        return Turn(question=self.prompt if isinstance(self.prompt, str) else self.prompt[0])


def _refused(field: str, why: str) -> ApiError:
    return ApiError(400, f"{field}: {why}", "unsupported_parameter", param=field)


def parse_chat(body: bytes, max_messages: int) -> ChatRequest:
    """The chat request, or an ApiError naming the field that is wrong or refused."""
    request = _parse(ChatRequest, body)
    if len(request.messages) > max_messages:
        raise ApiError(400, f"messages: {len(request.messages)} messages; the limit is {max_messages}",
                       "too_many_messages", param="messages")  # fmt: skip
    request.refusals()
    return request


def parse_completion(body: bytes) -> CompletionRequest:
    request = _parse(CompletionRequest, body)
    request.refusals()
    return request


R = TypeVar("R", bound=_Common)


def _parse(kind: type[R], body: bytes) -> R:
    try:
        return kind.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        message = (
            "unknown field (OpenAI defines no such parameter)"
            if first["type"] == "extra_forbidden"
            else first["msg"]
        )
        raise ApiError(400, f"{where}: {message}", "invalid_request", param=where) from None
