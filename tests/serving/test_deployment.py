"""The chat service deployed by ZenML's local deployer on 127.0.0.1, driven by real clients.

The official ``openai`` client, plain HTTP, headless Chromium; promotion during traffic; the
server killed mid-stream. Tests run in file order; the kill is last.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import httpx
import openai
import psutil
import pytest

from serving.feedback import FeedbackStore
from tests.helpers import ARTIFACTS, chromium_page

pytestmark = pytest.mark.slow
LIMIT = 600  # serve.requests_per_minute in tests/serving/conftest.py (a per-deployment override)
PROCESSES = 2  # serve.processes in tests/serving/conftest.py
QUESTION = "Which TCP port does the widget server listen on?"


def client(deployed, key: str | None = None, address: str | None = None) -> openai.OpenAI:
    """The official client; from another loopback `address` when given (rate limits are per client)."""
    http = httpx.Client(transport=httpx.HTTPTransport(local_address=address)) if address else None
    return openai.OpenAI(base_url=f"{deployed.url}/v1", api_key=key or deployed.key, max_retries=0, timeout=30,
                         http_client=http)  # fmt: skip


def server_processes(pid: int) -> list[psutil.Process]:
    """The server process and its workers (uvicorn spawns them; multiprocessing's resource tracker is
    left out)."""
    server = psutil.Process(pid)
    return [server, *(p for p in server.children() if "spawn_main" in " ".join(p.cmdline()))]


def store(deployed) -> FeedbackStore:
    return FeedbackStore(deployed.feedback)


def test_openai_client_gets_an_answer_with_sources_and_version(deployed):
    reply = client(deployed).chat.completions.create(
        model=deployed.model, messages=[{"role": "user", "content": QUESTION}]
    )
    assert "7341" in reply.choices[0].message.content
    extra = reply.model_extra["agent_factory"]
    assert extra["version"] == deployed.versions[0]
    assert extra["sources"][0]["doc_id"] == "docs/ports.rst"
    assert store(deployed).list()[0].question == QUESTION  # every answer is recorded with its id
    vectors = sqlite3.connect(Path(deployed.feedback).with_name("test-chat-vectors.sqlite"))
    assert vectors.execute("select count(*) from vectors").fetchone()[0] > 0  # shared by the processes


def test_openai_client_streams_and_follow_ups_use_the_messages_sent(deployed):
    messages = [
        {"role": "user", "content": QUESTION},
        {"role": "assistant", "content": "Port 7341 by default."},
        {"role": "user", "content": "How can I change it?"},
    ]
    chunks = list(
        client(deployed).chat.completions.create(model=deployed.model, messages=messages, stream=True)
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert len(chunks) > 3 and "WIDGET_PORT" in text  # streamed in pieces; "it" resolved from history
    assert chunks[-1].model_extra["agent_factory"]["answer_id"]


def test_models_lists_the_served_model_and_version(deployed):
    listed = client(deployed).models.list().data
    assert [(m.id, m.model_extra["version"]) for m in listed] == [(deployed.model, deployed.versions[0])]


def test_every_route_but_health_and_the_page_needs_the_key_and_errors_are_openai_shaped(deployed):
    assert httpx.get(f"{deployed.url}/health").status_code == 200
    assert httpx.get(f"{deployed.url}/").headers["content-type"].startswith("text/html")
    for key in (None, "wrong-key"):
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        for method, path in (("GET", "/v1/models"), ("GET", "/v1/models/x"), ("POST", "/v1/chat/completions"),
                             ("POST", "/v1/completions"), ("POST", "/v1/feedback")):  # fmt: skip
            answer = httpx.request(method, deployed.url + path, headers=headers, json={})
            assert answer.status_code == 401, path
            assert (
                answer.json()["error"]["code"] == "invalid_api_key"
                and "Bearer" in answer.json()["error"]["message"]
            )
    with pytest.raises(openai.AuthenticationError):
        client(deployed, key="wrong-key").models.list()
    auth = {"Authorization": f"Bearer {deployed.key}"}
    for path in ("/docs", "/openapi.json", "/redoc", "/v1/engines", "/anything/else"):
        missing = httpx.get(deployed.url + path, headers=auth)
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found", path
    wrong_method = httpx.delete(f"{deployed.url}/v1/models", headers=auth)
    assert wrong_method.status_code == 405 and wrong_method.json()["error"]["code"] == "method_not_allowed"


def test_model_by_id_and_unknown_models_are_openai_errors(deployed):
    assert client(deployed).models.retrieve(deployed.model).id == deployed.model
    with pytest.raises(openai.NotFoundError) as missing:
        client(deployed).models.retrieve("gpt-4o")
    assert missing.value.code == "model_not_found"
    with pytest.raises(openai.NotFoundError) as other:
        client(deployed).chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": QUESTION}]
        )
    assert other.value.code == "model_not_found" and "serve_agent" in other.value.message


@pytest.mark.parametrize(
    ("field", "extra"),
    [
        ("n", {"n": 2}),
        ("tool_choice", {"tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}],
                         "tool_choice": "required"}),
        ("response_format", {"response_format": {"type": "json_object"}}),
        ("temperature", {"temperature": 5}),
        ("logprobs", {"logprobs": True}),
        ("frobnicate", {"frobnicate": 1}),
    ],
)  # fmt: skip
def test_fields_the_service_cannot_honour_are_refused_naming_the_field(deployed, field, extra):
    with pytest.raises(openai.BadRequestError) as refused:
        client(deployed).chat.completions.create(
            model=deployed.model, messages=[{"role": "user", "content": QUESTION}], extra_body=extra
        )
    assert refused.value.param == field and refused.value.body["message"].startswith(field)


def test_max_tokens_stop_usage_and_ids_are_honoured(deployed):
    ask = client(deployed).chat.completions
    messages = [{"role": "user", "content": QUESTION}]
    full = ask.create(model=deployed.model, messages=messages)
    assert full.choices[0].finish_reason == "stop" and full.usage.prompt_tokens == 10
    assert (
        full.usage.completion_tokens > 5
        and full.id == f"chatcmpl-{full.model_extra['agent_factory']['answer_id']}"
    )
    short = ask.create(model=deployed.model, messages=messages, max_tokens=5)
    assert short.choices[0].finish_reason == "length" and short.usage.completion_tokens == 5
    assert full.choices[0].message.content.startswith(short.choices[0].message.content)
    stopped = ask.create(model=deployed.model, messages=messages, stop=["7341"])
    assert stopped.choices[0].message.content == full.choices[0].message.content.split("7341")[0]
    chunks = list(ask.create(model=deployed.model, messages=messages, stream=True, max_completion_tokens=4,
                             stream_options={"include_usage": True}))  # fmt: skip
    assert chunks[-1].usage.completion_tokens == 4 and not chunks[-1].choices
    assert "length" in [c.choices[0].finish_reason for c in chunks if c.choices]
    assert {c.id for c in chunks} == {f"chatcmpl-{chunks[-2].model_extra['agent_factory']['answer_id']}"}


def test_legacy_completions_and_multi_part_messages(deployed):
    done = client(deployed).completions.create(model=deployed.model, prompt=QUESTION)
    assert "7341" in done.choices[0].text and done.object == "text_completion"
    streamed = "".join(c.choices[0].text for c in client(deployed).completions.create(
        model=deployed.model, prompt=QUESTION, stream=True) if c.choices)  # fmt: skip
    assert "7341" in streamed
    parts = [
        {"type": "text", "text": "Which TCP port does"},
        {"type": "text", "text": "the widget server use?"},
    ]
    client(deployed).chat.completions.create(
        model=deployed.model, messages=[{"role": "user", "content": parts}]
    )
    assert store(deployed).list()[0].question == "Which TCP port does\nthe widget server use?"


def test_cors_is_off_by_default(deployed):
    preflight = httpx.options(f"{deployed.url}/v1/chat/completions",
                              headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST"})  # fmt: skip
    asked = httpx.get(f"{deployed.url}/v1/models", headers={"Origin": "https://elsewhere.example",
                                                              "Authorization": f"Bearer {deployed.key}"})  # fmt: skip
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in asked.headers


def test_bad_requests_get_clear_4xx(deployed):
    auth = {"Authorization": f"Bearer {deployed.key}"}
    url = f"{deployed.url}/v1/chat/completions"
    big = httpx.post(url, headers=auth, content=b"x" * 70_000)
    assert big.status_code == 413 and "max_body_bytes" in big.json()["error"]["message"]
    long = httpx.post(url, headers=auth, json={"messages": [{"role": "user", "content": "why " * 2000}]})
    assert long.status_code == 400 and "max_question_chars" in long.json()["error"]["message"]
    wrong = httpx.post(url, headers=auth, json={"messages": [{"role": "robot", "content": "hi"}]})
    assert wrong.status_code == 400 and wrong.json()["error"]["message"].startswith("messages.0.role")


def test_langchain_chat_openai_answers_and_json_mode_is_refused_clearly(deployed):
    from langchain_openai import ChatOpenAI

    chat = ChatOpenAI(
        base_url=f"{deployed.url}/v1", api_key=deployed.key, model=deployed.model, max_retries=0
    )
    assert "7341" in chat.invoke(QUESTION).content
    assert "7341" in "".join(part.content for part in chat.stream(QUESTION))
    with pytest.raises(openai.BadRequestError, match="response_format: the extractive answerer writes text"):
        chat.with_structured_output(None, method="json_mode").invoke(QUESTION)


def test_llama_index_openai_like_in_its_default_completion_mode(deployed):
    from llama_index.llms.openai_like import OpenAILike

    llm = OpenAILike(model=deployed.model, api_base=f"{deployed.url}/v1", api_key=deployed.key, max_retries=0)
    assert "7341" in llm.complete(QUESTION).text
    assert "7341" in "".join(part.delta for part in llm.stream_complete(QUESTION))


def test_simonw_llm_cli_answers_and_logs_token_counts(deployed, tmp_path):
    (tmp_path / "extra-openai-models.yaml").write_text(
        f"- model_id: docs\n  model_name: {deployed.model}\n  api_base: {deployed.url}/v1\n  api_key_name: docs\n"
    )
    env = os.environ | {"LLM_USER_PATH": str(tmp_path)}
    llm = [sys.executable, "-m", "llm"]
    answer = subprocess.run([*llm, "-m", "docs", "--key", deployed.key, QUESTION], env=env,
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert answer.returncode == 0 and "7341" in answer.stdout, answer.stderr
    logged = json.loads(subprocess.run([*llm, "logs", "--json", "-n", "1"], env=env, capture_output=True,
                                       text=True, timeout=60, check=True).stdout)  # fmt: skip
    assert logged[0]["input_tokens"] == 10 and logged[0]["output_tokens"] > 5


def test_feedback_through_the_api_is_stored(deployed):
    reply = client(deployed).chat.completions.create(
        model=deployed.model, messages=[{"role": "user", "content": QUESTION}]
    )
    answer_id = reply.model_extra["agent_factory"]["answer_id"]
    sent = httpx.post(f"{deployed.url}/v1/feedback", headers={"Authorization": f"Bearer {deployed.key}"},
                      json={"answer_id": answer_id, "rating": 1, "comment": "spot on"})  # fmt: skip
    assert sent.status_code == 200
    row = next(r for r in store(deployed).list() if r.id == answer_id)
    assert (row.rating, row.comment, row.version) == (1, "spot on", deployed.versions[0])
    unknown = httpx.post(f"{deployed.url}/v1/feedback", headers={"Authorization": f"Bearer {deployed.key}"},
                         json={"answer_id": "nope", "rating": -1})  # fmt: skip
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "answer_not_found"
    bad = httpx.post(f"{deployed.url}/v1/feedback", headers={"Authorization": f"Bearer {deployed.key}"},
                     json={"answer_id": answer_id, "rating": 5})  # fmt: skip
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "rating"


def test_a_served_answer_is_one_trace_whose_id_reaches_the_client_the_feedback_and_golden_suggest(deployed):
    """Issue 47: the deployment traces to a real OTLP receiver (tests/fakes.py), text capture off."""
    from serving.suggest import candidates
    from tests.serving.conftest import TRACE_KEY

    question = "What is the default theme colour of the dashboard?"
    reply = client(deployed).chat.completions.create(
        model=deployed.model, messages=[{"role": "user", "content": question}]
    )
    extra = reply.model_extra["agent_factory"]
    trace_id = extra["trace_id"]
    assert len(trace_id) == 32 and int(trace_id, 16)
    spans = _wait_for(lambda: [s for s in deployed.otlp.trace(trace_id) if s["name"] == "question"])
    attributes = spans[0]["attributes"]
    assert (
        attributes["agent_factory.version"] == extra["version"]
        and attributes["agent_factory.channel"] == "api"
    )
    assert attributes["agent_factory.pages"][0] == extra["sources"][0]["doc_id"]
    assert {"dense search", "fusion", "extractive answer"} <= {
        s["name"] for s in deployed.otlp.trace(trace_id)
    }
    sent = b"".join(deployed.otlp.raw)
    assert question.encode() not in sent and reply.choices[0].message.content[:40].encode() not in sent
    assert TRACE_KEY in {h.get("Authorization") for h in deployed.otlp.headers}  # the collector's key, sent
    assert TRACE_KEY.split()[1].encode() not in sent  # and in no span
    httpx.post(f"{deployed.url}/v1/feedback", headers={"Authorization": f"Bearer {deployed.key}"},
               json={"answer_id": extra["answer_id"], "rating": -1, "comment": "wrong colour"})  # fmt: skip
    row = next(r for r in store(deployed).list() if r.id == extra["answer_id"])
    assert row.trace_id == trace_id
    assert candidates([row], known=set())[0]["trace_id"] == trace_id  # `golden suggest` keeps it


def _wait_for(found, timeout_s: float = 60.0):
    """Spans leave the server in batches (every few seconds): poll the receiver until they arrive."""
    deadline = time.monotonic() + timeout_s
    while not (result := found()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert result, "the served answer's trace never reached the receiver"
    return result


def test_web_page_streams_an_answer_shows_sources_and_stores_a_thumbs_down(deployed):
    with chromium_page(700) as page:
        page.goto(f"{deployed.url}/#key={deployed.key}")
        page.fill("#question", "When are backups of the widget database written?")
        page.press("#question", "Enter")
        page.wait_for_selector(".feedback", timeout=30_000)
        assert "02:00" in page.inner_text(".answer")
        assert page.inner_text(
            ".sources .source"
        ).strip()  # a name per source document (a link when published)
        page.fill(".comment", "I wanted the folder too")
        page.click("button.down")
        page.wait_for_selector(".state.stored", timeout=10_000)
        page.screenshot(path=str(ARTIFACTS / "chat-page.png"), full_page=True)
        shown_trace = page.inner_text(".trace")  # the deployment traces: the page shows the answer's trace id
    row = store(deployed).list(rating=-1)[0]
    assert (row.channel, row.rated_on, row.comment) == ("web", "web", "I wanted the folder too")
    assert "02:00" in row.answer and shown_trace == f"trace {row.trace_id}" and len(row.trace_id) == 32


def test_web_page_renders_a_table_answer_as_a_table_and_document_markup_as_text(deployed):
    with chromium_page(800) as page:
        page.goto(deployed.url)
        page.fill("#question", "Which settings does the dashboard read from dashboard.toml?")
        page.press("#question", "Enter")
        page.wait_for_selector(".answer .error", timeout=10_000)  # no key yet: told where to put it
        assert "API key" in page.inner_text(".answer .error") and "…" not in page.inner_text(".answer")
        page.fill("#key", deployed.key)
        page.fill("#question", "Which settings does the dashboard read from dashboard.toml?")
        page.press("#question", "Enter")
        page.wait_for_selector(".feedback", timeout=30_000)
        answer = page.locator(".turn").last.locator(".answer")
        assert answer.locator("table th").all_inner_texts() == ["setting", "default", "meaning"]
        assert "refresh_interval" in answer.locator("table td code").all_inner_texts()
        assert "Dashboard settings" in answer.locator(".where").inner_text()
        assert "`" not in answer.inner_text() and "<script>" in answer.inner_text()  # shown, not run
        assert page.title() != "pwned" and answer.locator("script").count() == 0
        page.screenshot(path=str(ARTIFACTS / "chat-page-table.png"), full_page=True)


def _signed(deployed, payload: dict | str, secret: str | None = None, form: bool = False) -> httpx.Response:
    body = payload if isinstance(payload, str) else json.dumps(payload)
    ts = str(int(time.time()))
    digest = hmac.new(
        (secret or deployed.signing_secret).encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256
    )
    headers = {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest.hexdigest()}",
               "Content-Type": "application/x-www-form-urlencoded" if form else "application/json"}  # fmt: skip
    return httpx.post(f"{deployed.url}/slack/events", content=body, headers=headers)


def _event(event: dict) -> dict:
    return {"type": "event_callback", "team_id": "T0TEAM", "api_app_id": "A0APP", "event_id": f"Ev{time.time_ns()}",
            "event_time": int(time.time()), "authorizations": [{"user_id": "U0BOT", "is_bot": True}], "event": event}  # fmt: skip


def _reply(deployed, channel: str, ts: str, question: str) -> dict:
    """Mention the bot in `channel` and wait for its reply (Block Kit as posted to Slack's API)."""
    before = len(deployed.slack.posted)
    mention = {
        "type": "app_mention",
        "user": "U1",
        "text": f"<@U0BOT> {question}",
        "channel": channel,
        "ts": ts,
    }
    assert _signed(deployed, _event(mention)).status_code == 200
    deadline = time.monotonic() + 30
    while len(deployed.slack.posted) == before and time.monotonic() < deadline:
        time.sleep(0.1)
    [posted] = deployed.slack.posted[before:]
    assert posted["channel"] == channel and posted["thread_ts"] == ts
    blocks = posted["blocks"]
    return posted | {"blocks": json.loads(blocks) if isinstance(blocks, str) else blocks}


def _slack_texts(posted: dict) -> str:
    texts = [posted["text"]]
    for block in posted["blocks"]:
        texts += [block["text"]["text"]] if "text" in block else []
        texts += [e["text"] for e in block.get("elements", []) if e["type"] == "mrkdwn"]
    return "\n".join(texts)


def _react(deployed, kind: str, user: str, reaction: str, posted: dict) -> None:
    event = {"type": kind, "user": user, "reaction": reaction,
             "item": {"type": "message", "channel": posted["channel"], "ts": posted["ts"]}}  # fmt: skip
    assert _signed(deployed, _event(event)).status_code == 200  # removals too: a 404 makes Slack retry


def _votes(deployed, answer_id: str, expected: tuple) -> None:
    deadline = time.monotonic() + 10
    while (found := [(r.rating, r.up, r.down) for r in store(deployed).list() if r.id == answer_id]) != [
        expected
    ]:
        assert time.monotonic() < deadline, f"votes {found}, expected {expected}"
        time.sleep(0.1)


def test_slack_mention_is_answered_in_its_thread_and_people_vote_once_each(deployed):
    assert _signed(deployed, {"type": "url_verification", "challenge": "abc"}).json()["challenge"] == "abc"
    forged = _signed(
        deployed, _event({"type": "app_mention", "text": "hi", "channel": "C1", "ts": "1.0"}), "wrong"
    )
    assert forged.status_code == 401
    posted = _reply(deployed, "C1", "1700000000.000100", QUESTION)
    assert "7341" in _slack_texts(posted)
    buttons = posted["blocks"][-1]
    assert [b["action_id"] for b in buttons["elements"]] == ["vote_up", "vote_down"]
    answer_id = buttons["elements"][0]["value"]
    _react(deployed, "reaction_added", "U1", "-1", posted)
    _react(deployed, "reaction_added", "U2", "+1", posted)
    _votes(deployed, answer_id, (0, 1, 1))  # A 👎 and B 👍: a tie, not the last word
    _react(deployed, "reaction_removed", "U2", "+1", posted)
    _votes(deployed, answer_id, (-1, 0, 1))  # B took theirs back
    click = {"type": "block_actions", "user": {"id": "U3"}, "team": {"id": "T0TEAM"}, "api_app_id": "A0APP",
             "container": {"type": "message", "channel_id": "C1", "message_ts": posted["ts"]},
             "actions": [{"action_id": "vote_down", "block_id": "feedback", "value": answer_id, "type": "button"}]}  # fmt: skip
    body = urllib.parse.urlencode({"payload": json.dumps(click)})
    assert _signed(deployed, body, form=True).status_code == 200
    _votes(deployed, answer_id, (-1, 0, 2))
    row = next(r for r in store(deployed).list() if r.id == answer_id)  # traced from the Slack channel too
    roots = _wait_for(lambda: [s for s in deployed.otlp.trace(row.trace_id) if s["name"] == "question"])
    assert roots[0]["attributes"]["agent_factory.channel"] == "slack"
    row = next(r for r in store(deployed).list() if r.id == answer_id)
    assert (row.channel, row.rated_on, row.question) == ("slack", "slack", QUESTION)


def test_slack_replies_render_tables_and_code_and_never_ping(deployed):
    table = _reply(
        deployed, "C4", "1700000004.000100", "Which settings does the dashboard read from dashboard.toml?"
    )
    text = _slack_texts(table)
    assert (
        "```\nsetting          | default | meaning\nrefresh_interval | 30 s    |" in text
    )  # aligned, no backticks
    assert "&lt;script&gt;" in text and "<script>" not in text
    ping = _reply(deployed, "C5", "1700000005.000100", "Where do release announcements go?")
    text = _slack_texts(ping)
    assert "&lt;!channel&gt; and &lt;@U0RELEASEMGR&gt;" in text and "&amp; the mailing list" in text
    assert "<!" not in text and "<@" not in text  # nothing pings, nothing tags
    assert "```\nrelease-tool announce --channel releases\n```" in text  # no `bash` line


def test_slack_requests_are_checked_before_they_are_read_and_answered_once(deployed):
    """Redelivered events get one reply; bots are ignored; a huge unsigned body is refused before it
    is read; bad timestamps and malformed JSON are 4xx with a short JSON body, never 500."""
    before = len(deployed.slack.posted)
    mention = _event({"type": "app_mention", "user": "U2", "text": f"<@U0BOT> {QUESTION}", "channel": "C2",
                      "ts": "1700000001.000100"})  # fmt: skip
    for _ in range(3):  # Slack redelivers when an acknowledgement is slow (X-Slack-Retry-Num)
        assert _signed(deployed, mention).status_code == 200
    bot = _event({"type": "app_mention", "user": "U3", "bot_id": "B0OTHER", "text": f"<@U0BOT> {QUESTION}",
                  "channel": "C2", "ts": "1700000002.000100"})  # fmt: skip
    assert _signed(deployed, bot).status_code == 200
    deadline = time.monotonic() + 60
    while len(deployed.slack.posted) == before and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(2)  # a second reply, if any, would have been posted by now
    replies = [p for p in deployed.slack.posted[before:] if p["channel"] == "C2"]
    assert [p["thread_ts"] for p in replies] == ["1700000001.000100"]  # once, and not to the bot

    def huge():  # 20 MB, unsigned, streamed: refused on its declared size
        for _ in range(20):
            yield b"x" * (1 << 20)

    from zenml.client import Client

    log_file = Path(Client().get_deployment(deployed.name).deployment_metadata["log_file"])
    logged_before = log_file.stat().st_size
    refused = httpx.post(f"{deployed.url}/slack/events", content=huge(),
                         headers={"Content-Length": str(20 << 20)}, timeout=60)  # fmt: skip
    assert refused.status_code == 413 and len(refused.content) < 1000
    with log_file.open("rb") as log:  # what the server logged about it: no body, no line over 1 KB
        log.seek(logged_before)
        assert max((len(line) for line in log.read().splitlines()), default=0) < 1024
    body = json.dumps(_event({"type": "app_mention", "text": "hi", "channel": "C1", "ts": "1.0"}))
    stale = httpx.post(f"{deployed.url}/slack/events", content=body, headers={
        "X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=00", "Content-Type": "application/json"})  # fmt: skip
    assert stale.status_code == 401 and stale.json()["error"]["code"] == "invalid_signature"
    ts = str(int(time.time()))
    garbage = b"{not json"
    digest = hmac.new(
        deployed.signing_secret.encode(), f"v0:{ts}:".encode() + garbage, hashlib.sha256
    ).hexdigest()
    malformed = httpx.post(f"{deployed.url}/slack/events", content=garbage, headers={
        "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}", "Content-Type": "application/json"})  # fmt: skip
    assert malformed.status_code == 400 and malformed.json()["error"]["code"] == "invalid_json"


def test_promotion_during_traffic_drops_nothing_and_switches_version(deployed):
    from factory.release import promote_manually

    seen: list[str] = []
    failures: list[BaseException] = []
    stop = threading.Event()

    def traffic() -> None:
        ask = client(deployed, address="127.0.0.3")  # its own rate-limit window
        while not stop.is_set():
            time.sleep(0.05)
            try:
                reply = ask.chat.completions.create(
                    model="", messages=[{"role": "user", "content": QUESTION}]
                )
                seen.append(reply.model_extra["agent_factory"]["version"])
            except Exception as exc:  # any failed request fails the test
                failures.append(exc)

    threads = [threading.Thread(target=traffic) for _ in range(3)]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    promote_manually(deployed.model, deployed.versions[1], "production", "promoted under traffic")
    deadline = time.monotonic() + 60  # each server process follows on its own, within reload_every_s
    while not (len(seen) > 20 and set(seen[-20:]) == {deployed.versions[1]}) and time.monotonic() < deadline:
        time.sleep(0.2)
    stop.set()
    for thread in threads:
        thread.join()
    assert not failures, failures[:3]
    first_new = seen.index(deployed.versions[1])
    assert seen[:first_new] and set(seen[:first_new]) == {deployed.versions[0]}
    assert set(seen[-20:]) == {deployed.versions[1]}  # 20 answers in a row: every process switched


def test_the_rate_limit_counts_the_key_not_the_address(deployed):
    """Last but the kill: it spends the key's whole minute (tokens come back at 10 a second)."""
    auth = {"Authorization": f"Bearer {deployed.key}"}
    with httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2")) as other:
        codes: list[int] = []
        while 429 not in codes and len(codes) < 3 * LIMIT:
            codes.append(other.get(f"{deployed.url}/v1/models", headers=auth).status_code)
    assert codes[-1] == 429 and codes.count(200) > LIMIT // 2  # earlier tests spent some of the minute
    with httpx.Client() as same_key:  # another address: 20 at once outrun the refill of 10 a second
        answers = [same_key.get(f"{deployed.url}/v1/models", headers=auth) for _ in range(20)]
    refused = next(answer for answer in answers if answer.status_code == 429)
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.json()["error"]["code"] == "rate_limit_exceeded"
    time.sleep(1.0)  # ten requests' worth for the next test


def test_server_killed_mid_stream_gives_the_client_an_error_not_a_hang(deployed):
    from zenml.client import Client

    pid = Client().get_deployment(deployed.name).deployment_metadata["pid"]
    outcome: dict[str, object] = {}

    def ask() -> None:
        try:
            stream = (
                client(deployed)
                .with_options(max_retries=0)
                .chat.completions.create(
                    model="", messages=[{"role": "user", "content": QUESTION}], stream=True
                )
            )
            outcome["chunks"] = len(list(stream))
        except (openai.APIError, httpx.HTTPError) as exc:
            outcome["error"] = exc

    processes = server_processes(pid)
    assert len(processes) == 1 + PROCESSES  # uvicorn's process and its workers
    for process in processes:  # the kernel still takes the connection; the server answers nothing
        process.suspend()
    asking = threading.Thread(target=ask, daemon=True)
    asking.start()
    asking.join(timeout=1.0)  # the request is sent and waits (or, on a slow machine, is about to be)
    for process in processes:
        process.kill()
    asking.join(timeout=300)  # a hang guard only: the error comes as soon as the socket closes
    assert not asking.is_alive() and "error" in outcome, outcome


def test_a_dead_server_is_restarted_once_then_left_stopped_and_stop_twice_is_fine(deployed):
    """serve.max_restarts is 1 here: the kill above is restarted, a second kill is not."""
    from zenml.client import Client

    from serving import deploy

    killed = Client().get_deployment(deployed.name).deployment_metadata["pid"]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        now = Client().get_deployment(deployed.name).deployment_metadata.get("pid")
        if now != killed and deploy.status(deployed.name).status == "running":
            break
        time.sleep(1)
    assert deploy.status(deployed.name).status == "running", "the watcher restarted the server"
    reply = client(deployed).chat.completions.create(
        model="", messages=[{"role": "user", "content": QUESTION}]
    )
    assert "7341" in reply.choices[0].message.content
    server, *workers = server_processes(Client().get_deployment(deployed.name).deployment_metadata["pid"])
    server.kill()  # its workers alone: they must not keep the port
    time.sleep(8)  # four of the watcher's checks: it must not restart a second time
    assert deploy.status(deployed.name).status == "stopped (the process exited)"
    assert workers and not any(worker.is_running() for worker in workers), "workers outlived their server"
    assert deploy.stop(deployed.name) is True and deploy.stop(deployed.name) is False
