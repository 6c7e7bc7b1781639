"""The feedback store: every served answer kept, one rating per answer, exports people can open."""

import csv
import json
import threading

import pytest

from serving.feedback import AnswerRecord, FeedbackError, FeedbackStore, export_rows


def _answer(question: str) -> AnswerRecord:
    return AnswerRecord(
        question=question, answer="a", sources=["docs/a.md"], model="m", version="2", channel="web"
    )


def test_a_later_rating_replaces_the_earlier_and_lists_filter_by_rating(tmp_path):
    store = FeedbackStore(tmp_path / "f.sqlite")
    first, second = store.record(_answer("one?")), store.record(_answer("two?"))
    store.rate(first, 1, channel="slack")
    store.rate(first, -1, "wrong page", "slack")  # the same (anonymous) voice changed its mind
    store.rate(second, 1)
    down = store.list(rating=-1)
    assert [(r.question, r.comment, r.rated_on) for r in down] == [("one?", "wrong page", "slack")]
    assert {r.question for r in store.list()} == {"one?", "two?"}


def test_each_person_has_one_vote_and_taking_it_back_undoes_it(tmp_path):
    """A 👍 then B 👎 is a tie, not B's verdict; A voting again replaces A's vote; a removed
    reaction takes back only that vote."""
    store = FeedbackStore(tmp_path / "f.sqlite")
    answer = store.record(_answer("q?"))
    store.rate(answer, 1, channel="slack", voter="slack:A")
    store.rate(answer, -1, channel="slack", voter="slack:B")
    [row] = store.list()
    assert (row.rating, row.up, row.down) == (0, 1, 1)
    store.rate(answer, -1, channel="slack", voter="slack:A")
    assert [(r.rating, r.up, r.down) for r in store.list(rating=-1)] == [(-1, 0, 2)]
    store.unrate(answer, "slack:B", 1)  # B never gave 👍: nothing to take back
    store.unrate(answer, "slack:A", -1)
    store.unrate(answer, "slack:B", -1)
    [row] = store.list()
    assert (row.rating, row.up, row.down) == (None, 0, 0)


def test_bad_ratings_and_unknown_answers_are_refused(tmp_path):
    store = FeedbackStore(tmp_path / "f.sqlite")
    with pytest.raises(FeedbackError, match="rating must be 1 or -1, not 0"):
        store.rate(store.record(_answer("q?")), 0)
    with pytest.raises(FeedbackError, match="no answer with id 'nope'"):
        store.rate("nope", 1)


def test_answers_from_many_threads_are_all_kept_and_survive_a_reopen(tmp_path):
    store = FeedbackStore(tmp_path / "f.sqlite")
    threads = [threading.Thread(target=lambda i=i: store.record(_answer(f"q{i}?"))) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store.close()
    assert len(FeedbackStore(tmp_path / "f.sqlite").list()) == 20


def test_exports_as_jsonl_or_csv_into_a_new_folder(tmp_path):
    store = FeedbackStore(tmp_path / "f.sqlite")
    store.rate(store.record(_answer('with "quotes", commas')), -1)
    export_rows(store.list(), tmp_path / "out/all.jsonl")
    export_rows(store.list(), tmp_path / "out/all.csv")
    assert json.loads((tmp_path / "out/all.jsonl").read_text())["question"] == 'with "quotes", commas'
    rows = list(csv.DictReader((tmp_path / "out/all.csv").open()))
    assert rows[0]["question"] == 'with "quotes", commas' and rows[0]["sources"] == "docs/a.md"
