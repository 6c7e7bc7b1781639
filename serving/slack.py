"""The Slack adapter: the served agent answers mentions and direct messages in their thread.

Built on slack-bolt (Events API over HTTP at ``POST /slack/events``; Bolt verifies every
request's Slack signature, so the route needs no bearer key). Answers go through the same
:class:`~serving.service.AgentService` as the API and are stored the same way; a 👍 or 👎
reaction on an answer becomes its feedback. Credentials come from a ZenML secret named by
``serve.slack_secret`` holding ``bot_token`` and ``signing_secret`` (docs/serving.md has the
Slack app setup).

>>> question_of("<@U0BOT> How do I install it?")
'How do I install it?'
>>> for_slack("Say <!channel> & ping <@U0RELEASEMGR> at https://<your host>/slack/events")
'Say &lt;!channel&gt; &amp; ping &lt;@U0RELEASEMGR&gt; at https://&lt;your host&gt;/slack/events'
>>> signed(b"{}", "abc", "v0=00", "secret", now=0)
False
>>> RATINGS["+1"], RATINGS["-1"]
(1, -1)
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from typing import Any

from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from serving.feedback import AnswerRecord, FeedbackStore
from serving.service import AgentService, Answered, Turn

RATINGS = {"+1": 1, "thumbsup": 1, "-1": -1, "thumbsdown": -1}
_MENTION = re.compile(r"<@[A-Z0-9]+>")
MAX_SKEW_S = 300  # Slack's own rule: a request signed more than five minutes ago is a replay


def for_slack(text: str) -> str:
    """`text` inert in Slack: ``&``, ``<`` and ``>`` escaped, so nothing from a document or a question
    can ping a channel (``<!channel>``), mention a person (``<@U...>``) or make a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def signed(body: bytes, timestamp: str, signature: str, secret: str, now: float | None = None) -> bool:
    """Slack's request signature (v0 HMAC-SHA256 of ``v0:<timestamp>:<body>``), with a numeric
    timestamp within five minutes of `now`."""
    if not timestamp.isdigit() or abs((time.time() if now is None else now) - int(timestamp)) > MAX_SKEW_S:
        return False
    digest = hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"v0={digest}", signature)


def question_of(text: str) -> str:
    """The message without its @-mentions."""
    return " ".join(_MENTION.sub(" ", text).split())


def credentials(secret_name: str) -> tuple[str, str]:
    """(bot token, signing secret) from the ZenML secret `secret_name`."""
    from zenml.client import Client

    values = Client().get_secret(secret_name).secret_values
    return str(values["bot_token"]), str(values["signing_secret"])


def build(
    service: AgentService, store: FeedbackStore, model: str, token: str, signing_secret: str, api_url: str
) -> AsyncSlackRequestHandler:
    """A request handler for ``/slack/events`` answering with `service`."""
    app = AsyncApp(
        client=AsyncWebClient(token=token, base_url=api_url), signing_secret=signing_secret,
        raise_error_for_unhandled_request=False,
    )  # fmt: skip

    async def answer(event: dict[str, Any], say: Any) -> None:
        question = question_of(event.get("text", ""))
        if not question or event.get("bot_id") or event.get("subtype") == "bot_message":
            return  # another bot's mention: two bots would answer each other forever
        thread = event.get("thread_ts") or event["ts"]
        try:
            service.check(question)
            done = [e async for e in service.answer(Turn(question=question)) if isinstance(e, Answered)][-1]
        except Exception as exc:  # the person sees why, in the thread
            await say(text=for_slack(f"Sorry, I could not answer: {exc}"), thread_ts=thread)
            return
        posted = await say(text=for_slack(done.answer), thread_ts=thread)
        sources = list(dict.fromkeys(s.doc_id for s in done.sources))
        record = AnswerRecord(question=question, answer=done.answer, sources=sources, model=model,
                              version=done.version, channel="slack")  # fmt: skip
        store.link(f"slack:{event['channel']}:{posted['ts']}", store.record(record))

    @app.event("app_mention")
    async def mentioned(event: dict[str, Any], say: Any) -> None:
        await answer(event, say)

    @app.event("message")
    async def direct(event: dict[str, Any], say: Any) -> None:
        if event.get("channel_type") == "im" and not event.get("subtype") and not event.get("bot_id"):
            await answer(event, say)

    @app.event("reaction_added")
    async def reacted(event: dict[str, Any]) -> None:
        item = event.get("item", {})
        rating = RATINGS.get(event.get("reaction", "").split("::")[0])
        answer_id = store.linked(f"slack:{item.get('channel')}:{item.get('ts')}")
        if rating and answer_id:
            store.rate(answer_id, rating, channel="slack")

    return AsyncSlackRequestHandler(app)
