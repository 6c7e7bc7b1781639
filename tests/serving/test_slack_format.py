"""Answers as Slack shows them: code without its language line, tables aligned, links made on
purpose, citations linked, nothing that pings, and long answers within Slack's limits."""

from rag.agent.chat import SourceRef
from serving.slack_format import BLOCKS_PER_MESSAGE, SECTION_CHARS, messages

ANSWER = """## Install

Run this, then see [the guide](https://docs.example.com/guide?a=1&b=2) [1]:

```bash
pip install agent-factory  # <!channel> stays text
```

| key | default |
|-----|---------|
| port | 8080 |
| host | 127.0.0.1 |

Ask <@U0RELEASEMGR> & **everyone** at https://<your host>/slack/events [2]

Sources:
[1] docs/install.md <https://docs.example.com/install#setup>
[2] docs/serving.md"""

SOURCES = [
    SourceRef(doc_id="docs/install.md", title="Install <b>", url="https://docs.example.com/install#setup",
              section="Install > Setup", node_id="n1", score=0.9, text="..."),
    SourceRef(doc_id="docs/serving.md", title="Serving", node_id="n2", score=0.8, text="..."),
]  # fmt: skip


def _texts(blocks: list[dict]) -> list[str]:
    out = []
    for block in blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        for element in block.get("elements", []):
            out.append(element["text"]["text"] if element["type"] == "button" else element["text"])
    return out


def test_an_answer_renders_as_blocks_slack_reads_well():
    [message] = messages(ANSWER, SOURCES, "answer-1")
    blocks = message["blocks"]
    kinds = [b["type"] for b in blocks]
    assert kinds[0] == "context" and blocks[0]["elements"][0]["text"] == "Install &gt; Setup"
    assert kinds[-2:] == ["context", "actions"]
    text = "\n".join(_texts(blocks))
    assert "*Install*" in text  # a heading in bold
    assert "<https://docs.example.com/guide?a=1&amp;b=2|the guide>" in text
    assert "<https://docs.example.com/install#setup|[1]>" in text  # a citation links to its page
    assert "[2]" in text and "|[2]>" not in text  # an unpublished source is named, not linked
    assert "```\npip install agent-factory  # &lt;!channel&gt; stays text\n```" in text  # no `bash` line
    assert "```\nkey  | default\nport | 8080\nhost | 127.0.0.1\n```" in text
    assert "&lt;@U0RELEASEMGR&gt; &amp; *everyone* at https://&lt;your host&gt;/slack/events" in text
    assert "<https://docs.example.com/install#setup|[1] Install &lt;b&gt;>" in text  # the sources line
    [up, down] = blocks[-1]["elements"]
    assert (up["action_id"], up["value"], down["action_id"]) == ("vote_up", "answer-1", "vote_down")
    assert "Sources:" not in message["text"] and "<!channel>" not in message["text"]


def test_nothing_from_a_document_can_ping_mention_or_link():
    hostile = "Hi <!channel> <!here|here> <@U0X> <#C0X> <https://evil.example|click> [x](javascript:alert(1)) & more"
    [message] = messages(hostile, [], "a")
    posted = [message["text"], *_texts(message["blocks"])]
    for text in posted:
        assert "<" not in text and ">" not in text  # all escaped: no ping, mention, channel or link
    assert "&lt;!channel&gt;" in posted[0] and "&amp; more" in posted[0]


def test_long_answers_are_split_within_slacks_limits_and_code_stays_closed():
    code = "```\n" + "\n".join(f"line {i} " + "x" * 60 for i in range(200)) + "\n```"
    prose = "\n\n".join(f"Paragraph {i}. " + "word " * 40 for i in range(120))
    out = messages(code + "\n\n" + prose, [], "a")
    assert len(out) > 1 and all(len(m["blocks"]) <= BLOCKS_PER_MESSAGE for m in out)
    sections = [b["text"]["text"] for m in out for b in m["blocks"] if b["type"] == "section"]
    assert all(len(s) <= SECTION_CHARS for s in sections)
    pieces = [s for s in sections if s.startswith("```")]
    assert len(pieces) >= 5 and all(s.endswith("\n```") for s in pieces)
    assert "line 199 " in "".join(pieces) and "Paragraph 119." in "".join(sections)
    assert out[-1]["blocks"][-1]["type"] == "actions"
