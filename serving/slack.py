"""The Slack adapter: the served agent answers mentions and direct messages in their thread.

Built on slack-bolt (Events API over HTTP at ``POST /slack/events``; Bolt verifies every
request's Slack signature, so the route needs no bearer key). Answers go through the same
:class:`~serving.service.AgentService` as the API and are stored the same way; a 👍 or 👎
reaction on an answer becomes its feedback. Credentials come from a ZenML secret named by
``serve.slack_secret`` holding ``bot_token`` and ``signing_secret`` (docs/serving.md has the
Slack app setup). Answers are posted as Block Kit (serving/slack_format.py) with 👍/👎 buttons;
each person has one vote, by button or reaction, and removing the reaction takes it back.
Other bots are ignored unless ``serve.slack_allow_bots`` lists them.

>>> question_of("<@U0BOT> How do I install it?")
'How do I install it?'
>>> escape("Say <!channel> & ping <@U0RELEASEMGR> at https://<your host>/slack/events")
'Say &lt;!channel&gt; &amp; ping &lt;@U0RELEASEMGR&gt; at https://&lt;your host&gt;/slack/events'
>>> signed(b"{}", "abc", "v0=00", "secret", now=0)
False
>>> RATINGS["+1"], RATINGS["-1"]
(1, -1)
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import re
import time
from typing import Any

from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from factory.serve_config import ServedAgent
from serving.feedback import AnswerRecord, FeedbackError, FeedbackStore
from serving.service import AgentService, Answered, Turn
from serving.slack_format import VOTES, escape, messages

RATINGS = {"+1": 1, "thumbsup": 1, "-1": -1, "thumbsdown": -1}
_MENTION = re.compile(r"<@[A-Z0-9]+>")
MAX_SKEW_S = 300  # Slack's own rule: a request signed more than five minutes ago is a replay


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


def build(service: AgentService, store: FeedbackStore, served: ServedAgent, token: str, signing_secret: str) -> AsyncSlackRequestHandler:  # fmt: skip
    """A request handler for ``/slack/events`` answering with `service`."""
    app = AsyncApp(
        client=AsyncWebClient(token=token, base_url=served.serve.slack_api_url),
        signing_secret=signing_secret, raise_error_for_unhandled_request=False,
    )  # fmt: skip
    bots = set(served.serve.slack_allow_bots)

    async def answer(event: dict[str, Any], say: Any) -> None:
        question = question_of(event.get("text", ""))
        bot = event.get("bot_id") or event.get("subtype") == "bot_message"
        if not question or (bot and event.get("bot_id") not in bots):
            return  # another bot's mention: two bots would answer each other forever
        thread = event.get("thread_ts") or event["ts"]
        try:
            service.check(question)
            done = [
                e
                async for e in service.answer(Turn(question=question, channel="slack"))
                if isinstance(e, Answered)
            ][-1]
        except Exception as exc:  # the person sees why, in the thread
            await say(text=escape(f"Sorry, I could not answer: {exc}"), thread_ts=thread)
            return
        sources = list(dict.fromkeys(s.doc_id for s in done.sources))
        record = AnswerRecord(question=question, answer=done.answer, sources=sources, model=served.model,
                              version=done.version, channel="slack", trace_id=done.trace_id)  # fmt: skip
        answer_id = store.record(record)  # first: the buttons carry its id
        for message in messages(done.answer, done.sources, answer_id):
            posted = await say(text=message["text"], blocks=message["blocks"], thread_ts=thread,
                               unfurl_links=False, unfurl_media=False)  # fmt: skip
            store.link(f"slack:{event['channel']}:{posted['ts']}", answer_id)

    def reaction(event: dict[str, Any]) -> tuple[str, int, str] | None:
        """(answer id, rating, voter) of a 👍/👎 reaction on one of our answers."""
        item = event.get("item", {})
        rating = RATINGS.get(event.get("reaction", "").split("::")[0])
        answer_id = store.linked(f"slack:{item.get('channel')}:{item.get('ts')}")
        return (answer_id, rating, f"slack:{event.get('user', '')}") if rating and answer_id else None

    @app.event("app_mention")
    async def mentioned(event: dict[str, Any], say: Any) -> None:
        await answer(event, say)

    @app.event("message")
    async def direct(event: dict[str, Any], say: Any) -> None:
        if event.get("channel_type") == "im" and event.get("subtype") in (None, "bot_message"):
            await answer(event, say)

    @app.event("reaction_added")
    async def reacted(event: dict[str, Any]) -> None:
        if found := reaction(event):
            answer_id, rating, voter = found
            store.rate(answer_id, rating, channel="slack", voter=voter)

    @app.event("reaction_removed")
    async def unreacted(event: dict[str, Any]) -> None:
        if found := reaction(event):
            answer_id, rating, voter = found
            store.unrate(answer_id, voter, rating)

    @app.action(re.compile("^vote_(up|down)$"))
    async def voted(ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        with contextlib.suppress(FeedbackError):  # an answer from a store since deleted: nothing to count
            store.rate(action["value"], VOTES[action["action_id"]], channel="slack",
                       voter=f"slack:{body.get('user', {}).get('id', '')}")  # fmt: skip

    @app.event(re.compile(".*"))
    async def ignored() -> None:
        """Any other event is acknowledged: Slack retries a 404, and we would be asked again."""

    return AsyncSlackRequestHandler(app)
