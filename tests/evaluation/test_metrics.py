from evaluation.golden import load_golden
from evaluation.metrics import is_refusal, score_offline
from evaluation.records import AnswerRecord
from tests.helpers import write_golden


def record(qid: str, answer: str, sources: list[str], contexts: list[str] | None = None) -> AnswerRecord:
    return AnswerRecord(id=qid, question="q", answer=answer, contexts=contexts or ["some retrieved text"],
                        source_ids=sources, tool_calls=[], latency_s=0.1)  # fmt: skip


def test_is_refusal():
    assert is_refusal("I don't know: the documentation I searched does not answer this.")
    assert not is_refusal("The server listens on port 7341.")
    quoted = "Providers > LLM providers\n\n" + "The extractive answerer ranks sentences. " * 5
    assert not is_refusal(quoted + 'Below its threshold it answers "I don\'t know".')  # quoting the docs


def test_offline_scores_are_exact_on_hand_made_answers(tmp_path, embed_model):
    questions = [
        {"id": "a", "question": "Port?", "reference_answer": "Port 7341.", "reference_sources": ["docs/ports.rst"], "must_include": ["7341", "TCP"]},
        {"id": "b", "question": "Colour?", "reference_answer": "Ultramarine blue.", "reference_sources": ["docs/colors.md"], "must_include": ["ultramarine"]},
        {"id": "c", "question": "Weather?", "expect_refusal": True},
    ]  # fmt: skip
    golden = load_golden(write_golden(tmp_path / "g.jsonl", questions))
    records = [
        record("a", "The server listens on TCP port 7341.", ["docs/colors.md", "docs/ports.rst"]),
        record("b", "I don't know.", ["docs/backups.md"]),
        record("c", "It will rain.", ["docs/backups.md"]),
    ]
    scores = score_offline(golden, records, embed_model)
    assert scores["hit_rate"].values == {"a": 1.0, "b": 0.0}
    assert scores["mrr"].values == {"a": 0.5, "b": 0.0}
    assert scores["must_include"].values == {"a": 1.0, "b": 0.0}
    assert scores["refusal_accuracy"].values == {"a": 1.0, "b": 0.0, "c": 0.0}
    assert scores["id_context_recall"].values == {"a": 1.0, "b": 0.0}
    assert scores["id_context_precision"].values == {"a": 0.5, "b": 0.0}
    sim = scores["semantic_similarity"].values
    assert sim["a"] > sim["b"] and all(m.nan_rate == 0 for m in scores.values())


def test_passage_sized_reference_contexts_are_matched_against_whole_chunks(tmp_path, embed_model):
    """A scraped passage is never string-similar to one sentence: it is compared with whole chunks."""
    passage = (
        "Backups of the widget database are written every night at 02:00 to the folder "
        "/var/backups/widgets. Each backup is kept for fourteen days. Older backups are removed "
        "by the nightly job, and a restore takes the newest backup unless another is named. "
        "Backups are compressed with zstd and checked after writing; a failed check is reported."
    )
    questions = [{"id": "a", "question": "Backups?", "reference_sources": ["docs/backups.md"],
                  "reference_contexts": [passage]}]  # fmt: skip
    golden = load_golden(write_golden(tmp_path / "g.jsonl", questions))
    scores = score_offline(golden, [record("a", "At 02:00.", ["docs/backups.md"], [passage])], embed_model)
    assert scores["nonllm_context_recall"].values == {"a": 1.0}  # sentence by sentence it was 0.0


def test_metrics_without_golden_data_are_not_computed(tmp_path, embed_model):
    golden = load_golden(
        write_golden(
            tmp_path / "g.jsonl", [{"id": "a", "question": "Port?", "reference_sources": ["docs/ports.rst"]}]
        )
    )
    scores = score_offline(golden, [record("a", "Port 7341.", ["docs/ports.rst"])], embed_model)
    assert (
        "must_include" not in scores
        and "semantic_similarity" not in scores
        and "nonllm_context_recall" not in scores
    )
    assert scores["hit_rate"].values == {"a": 1.0}
