"""Every parser of user files: a clear AgentFactoryError or a result, never another exception.

Hypothesis drives the config, golden and import parsers with generated text (random and
structured: nesting, huge numbers, complex keys, odd encodings); the named cases are the
defects a hardening pass found (issue 31, point 6 and 7).
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evaluation.golden import load_golden
from evaluation.golden_import import read_rows
from factory.config import load_config
from rag.errors import AgentFactoryError

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
TEXT = st.one_of(
    st.text(max_size=300),
    st.binary(max_size=300).map(lambda b: b.decode("latin-1")),
    JSON.map(json.dumps),
    st.integers(1, 3000).map(lambda n: "[" * n + "]" * n),  # nesting past any recursion limit
    st.integers(1, 3000).map(lambda n: "a:\n" + "".join(" " * i + "- x:\n" for i in range(n))),
    st.integers(10, 6000).map(lambda n: "9" * n),  # an integer Python refuses to parse
    st.just("? [a, b]\n: c\n"),  # a YAML complex key
    st.just('{"question": "q", "question": "r"}'),
)
SETTINGS = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _never_crashes(parse, path: Path, text: str, binary: bool = False) -> None:
    path.write_bytes(text.encode("latin-1") if binary else text.encode("utf-8", "surrogatepass"))
    with contextlib.suppress(AgentFactoryError):  # a message naming the file: what a user should get
        parse(path)


@SETTINGS
@given(TEXT)
def test_the_config_parser_gives_an_error_or_a_config(tmp_path, text):
    _never_crashes(load_config, tmp_path / "agent.yaml", text)


@SETTINGS
@given(TEXT, st.sampled_from([lambda t: t, lambda t: t + "\n" + t]))
def test_the_golden_parser_gives_an_error_or_a_golden_set(tmp_path, text, shape):
    _never_crashes(load_golden, tmp_path / "golden.jsonl", shape(text))


@SETTINGS
@given(TEXT, st.sampled_from(["q.jsonl", "q.json", "q.csv"]), st.booleans())
def test_the_import_parser_gives_an_error_or_rows(tmp_path, text, name, latin1):
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        latin1 = False
    _never_crashes(read_rows, tmp_path / name, text, binary=latin1)


@pytest.mark.parametrize("parse", [load_config, load_golden, read_rows], ids=["config", "golden", "import"])
def test_no_parser_reads_a_device_or_waits_on_a_fifo(tmp_path, parse):
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    for path in (Path("/dev/zero"), fifo):
        with pytest.raises(AgentFactoryError, match="not a regular file"):
            parse(path)


def test_yaml_nested_past_the_limit_is_refused_while_parsing(tmp_path):
    path = tmp_path / "agent.yaml"
    path.write_text("a: " + "[" * 1000 + "]" * 1000 + "\n")
    with pytest.raises(AgentFactoryError, match="nested deeper than 50 levels"):
        load_config(path)


def test_a_utf8_csv_with_a_byte_order_mark_reads_its_question_column(tmp_path):
    path = tmp_path / "q.csv"
    path.write_bytes("question,url\nHow?,a.md\n".encode("utf-8-sig"))
    assert read_rows(path) == [(2, {"question": "How?", "url": "a.md"})]
