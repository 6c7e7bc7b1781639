"""reference_match credits a reference the answer contains, whatever the answer's length (real MiniLM)."""

from evaluation.golden import GoldenQuestion, GoldenSet
from evaluation.metrics import score_offline
from evaluation.records import AnswerRecord

FILLER = (
    "Images are built by the image builder from a base image and a list of packages. "
    "Each build writes a manifest beside the image, and old images are kept for thirty days. "
    "The builder runs in its own account, so its credentials never reach the workloads. "
    "Regions are copied in parallel once the image passes its smoke tests. "
)
CASES = [  # (reference, the sentence that answers it, a wrong answer)
    ("AMIs support tags.", "Yes, AMIs support tags: set them with the `tags` field of the image.",
     "Delete the stack with `stack delete`; its volumes are removed after a day."),
    ("The default port is 7341.", "The server listens on port 7341 unless `serve.port` says otherwise.",
     "Logs rotate every night at midnight and are kept for a week."),
    ("Backups run every night at 02:00 and are kept for 14 days, in the bucket named by `backup.bucket`; "
     "a restore takes the newest backup unless `--at` names another.",
     "Backups run nightly at 02:00 and are kept 14 days in the `backup.bucket` bucket. A restore uses the "
     "newest backup; pass `--at` to choose another one.",
     "Dashboards show the last hour of metrics; a panel's query can be edited in place and saved as a copy."),
]  # fmt: skip


def _scores(embed_model, answers: dict[str, str]) -> dict[str, dict[str, float]]:
    questions = [GoldenQuestion(id=k, question="What does it say?", reference_answer=CASES[int(k.split("-")[1])][0],
                                reference_sources=["d.md"]) for k in answers]  # fmt: skip
    records = [AnswerRecord(id=k, question="?", answer=a, contexts=["c"], source_ids=["d.md"], tool_calls=[],
                            latency_s=0.0) for k, a in answers.items()]  # fmt: skip
    scores = score_offline(GoldenSet(name="g", content_hash="h", questions=questions), records, embed_model)
    return {m: scores[m].values for m in ("reference_match", "semantic_similarity")}


def test_a_long_correct_answer_outranks_a_wrong_one_on_short_and_long_references(embed_model):
    answers = {}
    for i, (_, right, wrong) in enumerate(CASES):
        answers[f"short-{i}"] = right
        answers[f"long-{i}"] = FILLER + right + " " + FILLER  # the same answer inside a section
        answers[f"wrong-{i}"] = wrong
    scores = _scores(embed_model, answers)
    ours, whole = scores["reference_match"], scores["semantic_similarity"]
    for i in range(len(CASES)):
        assert ours[f"long-{i}"] > ours[f"wrong-{i}"] + 0.1, (i, ours)
        assert abs(ours[f"long-{i}"] - ours[f"short-{i}"]) < 0.1, (i, ours)  # length barely matters
    for i in range(2):  # whole-answer similarity measures length: the same answer in a section loses half
        assert whole[f"long-{i}"] < whole[f"short-{i}"] - 0.2, (i, whole)


def test_an_empty_or_failed_answer_scores_zero(embed_model):
    scores = _scores(embed_model, {"empty-0": ""})
    assert scores["reference_match"]["empty-0"] == 0.0
