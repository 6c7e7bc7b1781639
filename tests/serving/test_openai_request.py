"""serving/openai_request.py: every OpenAI field honoured or refused naming it."""

import json

import pytest

from serving.openai_api import ApiError
from serving.openai_request import parse_chat, parse_completion

USER = [{"role": "user", "content": "Which port?"}]


def chat(**fields) -> bytes:
    return json.dumps({"messages": USER} | fields).encode()


@pytest.mark.parametrize(
    ("fields", "param"),
    [
        ({"n": 3}, "n"),
        ({"tool_choice": "required", "tools": [{"type": "function"}]}, "tool_choice"),
        ({"tool_choice": {"type": "function", "function": {"name": "f"}}}, "tool_choice"),
        ({"function_call": {"name": "f"}}, "function_call"),
        ({"response_format": {"type": "json_schema", "json_schema": {}}}, "response_format"),
        ({"temperature": 2.5}, "temperature"),
        ({"top_p": -1}, "top_p"),
        ({"max_tokens": 0}, "max_tokens"),
        ({"logprobs": True}, "logprobs"),
        ({"logit_bias": {"50256": -100}}, "logit_bias"),
        ({"modalities": ["text", "audio"]}, "modalities"),
        ({"stop": ["a", "b", "c", "d", "e"]}, "stop"),
        ({"frobnicate": True}, "frobnicate"),
    ],
)
def test_a_field_that_cannot_be_honoured_is_refused_by_name(fields, param):
    with pytest.raises(ApiError) as refused:
        parse_chat(chat(**fields), max_messages=50)
    assert (
        refused.value.status == 400 and refused.value.param == param and str(refused.value).startswith(param)
    )


def test_what_can_be_honoured_or_has_no_effect_is_accepted():
    asked = parse_chat(chat(model="docs", temperature=0, top_p=1, seed=7, user="u", n=1, stop="\n\n",
                            tools=[{"type": "function"}], tool_choice="auto", response_format={"type": "text"},
                            max_completion_tokens=5, stream=True, stream_options={"include_usage": True}),
                       max_messages=50)  # fmt: skip
    assert (asked.limit, asked.stops, asked.include_usage) == (5, ["\n\n"], True)


def test_text_parts_are_kept_apart_and_the_legacy_prompt_is_the_question():
    parts = [
        {"type": "text", "text": "How do I"},
        {"type": "image_url"},
        {"type": "text", "text": "serve it?"},
    ]
    turn = parse_chat(json.dumps({"messages": [{"role": "user", "content": parts}]}).encode(), 50).turn()
    assert turn.question == "How do I\nserve it?"
    assert parse_completion(b'{"prompt": ["Which port?"], "max_tokens": 3}').turn().question == "Which port?"
    with pytest.raises(ApiError, match="^prompt: one prompt per request"):
        parse_completion(b'{"prompt": ["a", "b"]}')
