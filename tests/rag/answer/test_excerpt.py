"""rag/answer/excerpt.py: a section cut to a budget keeps its nearest code, in order, gaps marked."""

from __future__ import annotations

from rag.answer.excerpt import ELIDED, excerpt, is_code

ASIDE = "A long aside about something else entirely. " * 10
CODE = "```bash\nzenml secret create openai --api_key=$KEY\n```"


def test_a_section_that_fits_is_returned_whole():
    blocks = ["Intro.", "Run:", CODE, "Done."]
    assert excerpt(blocks, anchor=0, budget=1000) == blocks


def test_the_code_after_the_anchor_comes_with_its_lead_in_and_a_gap_marker():
    blocks = ["Create a secret for OpenAI.", ASIDE, ASIDE, "Use the CLI:", CODE, ASIDE]
    shown = excerpt(blocks, anchor=0, budget=200)
    assert shown == ["Create a secret for OpenAI.", ELIDED, "Use the CLI:", CODE]


def test_without_code_after_the_anchor_the_nearest_code_before_is_kept():
    blocks = ["Run:", CODE, ASIDE, "The secret is now stored.", ASIDE]
    shown = excerpt(blocks, anchor=3, budget=150)
    assert CODE in shown and shown.index(CODE) < shown.index("The secret is now stored.")


def test_a_long_code_block_keeps_its_first_lines_and_a_closed_fence():
    long_code = "```python\n" + "\n".join(f"step_{i} = run({i})" for i in range(200)) + "\n```"
    shown = excerpt(["Define the steps:", long_code], anchor=0, budget=300)
    code = shown[1]
    assert code.startswith("```python\nstep_0 = run(0)") and code.endswith("\n```")
    assert len("\n\n".join(shown)) <= 300


def test_a_stray_fence_is_not_code():
    assert not is_code("```")
    assert is_code(CODE)
    blocks = ["Intro to the tool.", ASIDE, "```", "Later."]
    assert "```" not in excerpt(blocks, anchor=0, budget=100)


def test_an_anchor_longer_than_the_budget_is_cut():
    shown = excerpt([ASIDE * 3, "Other."], anchor=0, budget=100)
    assert len(shown[0]) <= 100 and shown[0].endswith(ELIDED)


def test_prose_is_cut_at_a_word_never_inside_one():
    text = "Pass `--logits_all False` to the server when it starts, and `--n_ctx 4096` for long pages."
    for budget in range(20, len(text)):
        shown = excerpt([text, "Other."], anchor=0, budget=budget)[0]
        kept = shown.removesuffix(ELIDED)
        assert text.startswith(kept) and text[len(kept)] == " ", (budget, shown)  # a whole word, then the cut


def test_a_table_cut_to_the_budget_keeps_its_header_and_whole_rows():
    table = "| name | value |\n| --- | --- |\n" + "\n".join(f"| row{i} | {'x' * 30} |" for i in range(20))
    [shown] = excerpt([table], anchor=0, budget=200)
    lines = shown.splitlines()
    assert lines[:2] == ["| name | value |", "| --- | --- |"] and len(shown) <= 200
    assert all(line.startswith("| row") and line.endswith(" |") for line in lines[2:]) and len(lines) > 3
