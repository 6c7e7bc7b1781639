"""serving/tokens.py: estimated token counts, and answers cut by max_tokens and stop sequences."""

from hypothesis import given
from hypothesis import strategies as st

from serving.tokens import AnswerCut, count_tokens


def _cut(deltas: list[str], **limits) -> tuple[str, str | None]:
    cut = AnswerCut(**limits)
    text = "".join(cut.feed(d) for d in deltas) + cut.flush()
    assert text == cut.visible
    return text, cut.finish_reason


def test_words_and_punctuation_count_as_tokens():
    assert count_tokens("") == 0 and count_tokens("Set WIDGET_PORT=8080.") == 5


def test_max_tokens_cuts_after_the_last_whole_token_even_when_it_arrives_in_pieces():
    assert _cut(["Run wid", "getctl set", "up now"], max_tokens=2) == ("Run widgetctl", "length")
    assert _cut(["one two"], max_tokens=2) == ("one two", "stop")  # exactly enough: not cut


def test_a_stop_sequence_split_across_deltas_is_never_shown():
    text, reason = _cut(
        ["Port 73", "41 by def", "ault.\n\nSour", "ces:\n[1] docs/ports.rst"], stop=["\n\nSources:"]
    )
    assert (text, reason) == ("Port 7341 by default.", "stop")


def test_the_earlier_of_stop_and_max_tokens_wins():
    assert _cut(["a b c d e"], max_tokens=4, stop=["c"]) == ("a b ", "stop")
    assert _cut(["a b c d e"], max_tokens=2, stop=["e"]) == ("a b", "length")


@given(st.text(max_size=200), st.lists(st.integers(1, 20), max_size=30), st.integers(1, 30))
def test_what_is_shown_is_a_prefix_of_the_answer_within_the_limit(answer, sizes, max_tokens):
    deltas, start = [], 0
    for size in sizes:
        deltas.append(answer[start : start + size])
        start += size
    deltas.append(answer[start:])
    text, reason = _cut(deltas, max_tokens=max_tokens, stop=["STOP"])
    assert answer.startswith(text) and "STOP" not in text and count_tokens(text) <= max_tokens
    assert reason in ("stop", "length") and (reason == "length" or text == answer.split("STOP")[0])
