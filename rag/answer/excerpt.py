"""excerpt: a section's blocks cut to a length budget the way a reader wants them.

A section answer (rag/answer/extractive.py) shows the block that best matches the question
with its neighbours, in order. When the whole section does not fit, a plain window around
that block often stops just before the command or snippet the prose introduces ("Register
it with:"), so the nearest fenced code block is kept first (after the anchor, else before),
with the paragraph that leads into it; neighbours fill what is left of the budget. Blocks
left out between two kept ones show as one "…" line, so the order stays readable.

>>> blocks = ["Intro.", "Install the extra first.", "Long aside. " * 20, "Then run:", "```\\nzenml up\\n```", "Done."]
>>> print("\\n\\n".join(excerpt(blocks, anchor=1, budget=120)))
Intro.
<BLANKLINE>
Install the extra first.
<BLANKLINE>
…
<BLANKLINE>
Then run:
<BLANKLINE>
```
zenml up
```
<BLANKLINE>
Done.
"""

from __future__ import annotations

from rag.ingest.sections import FENCES

ELIDED = "…"


def is_code(block: str) -> bool:
    """A fenced block with at least one line inside (a stray fence left by odd Markdown is not)."""
    return block.startswith(FENCES) and block.strip().count("\n") >= 2


def is_table(block: str) -> bool:
    """A Markdown table as the chunker keeps it: every line a row."""
    return all(line.startswith("|") for line in block.splitlines())


def excerpt(blocks: list[str], anchor: int, budget: int) -> list[str]:
    """`blocks` in order: all if they fit, else `anchor`, the nearest code block and its lead-in,
    then neighbours of the anchor (after first), within `budget` characters; gaps become "…"."""
    if _size(blocks) <= budget:
        return list(blocks)
    texts = list(blocks)
    texts[anchor] = _cut(texts[anchor], budget)
    chosen = {anchor}
    for i in _code_first(texts, anchor):
        _take(texts, chosen, i, budget, cut=is_code(texts[i]))
    for i in _outward(anchor, len(texts)):
        # the code right after what is shown is cut rather than skipped (output tables, long listings)
        _take(texts, chosen, i, budget, cut=is_code(texts[i]) and i == max(chosen) + 1)
    return _with_gaps(texts, sorted(chosen))


def _take(texts: list[str], chosen: set[int], i: int, budget: int, cut: bool) -> None:
    """Adds block `i` if it fits; a code block with `cut` keeps its first lines that fit."""
    if i in chosen or (texts[i].startswith(FENCES) and not is_code(texts[i])):
        return
    room = budget - _size([texts[j] for j in chosen]) - 2
    if len(texts[i]) <= room:
        chosen.add(i)
    elif cut and is_code(shorter := _cut(texts[i], room)):
        texts[i] = shorter
        chosen.add(i)


def _code_first(blocks: list[str], anchor: int) -> list[int]:
    """The nearest code block after the anchor (else before) preceded by its lead-in paragraph."""
    if is_code(blocks[anchor]):
        return []
    after = [i for i in range(anchor + 1, len(blocks)) if is_code(blocks[i])]
    before = [i for i in range(anchor - 1, -1, -1) if is_code(blocks[i])]
    if not (after or before):
        return []
    code = (after or before)[0]
    lead = code - 1
    return [code, lead] if lead != anchor and lead >= 0 and not is_code(blocks[lead]) else [code]


def _outward(anchor: int, n: int) -> list[int]:
    order = []
    for step in range(1, n):
        order += [i for i in (anchor + step, anchor - step) if 0 <= i < n]
    return order


def _with_gaps(blocks: list[str], kept: list[int]) -> list[str]:
    out: list[str] = []
    for previous, i in zip([None, *kept], kept, strict=False):
        if previous is not None and i > previous + 1:
            out.append(ELIDED)
        out.append(blocks[i])
    return out


def _cut(block: str, budget: int) -> str:
    """A block within `budget`: code by whole lines with its fence closed, prose by characters."""
    if len(block) <= budget:
        return block
    if is_table(block):  # whole rows under the header, never half a row
        lines = block.splitlines()
        kept = lines[:2]
        for line in lines[2:]:
            if sum(len(x) + 1 for x in kept) + len(line) > budget:
                break
            kept.append(line)
        return "\n".join(kept)
    if not is_code(block):
        head = block[: budget - 1]
        if (
            not block[budget - 1 : budget].isspace() and " " in head
        ):  # never half a word ("--logits_all Fal…")
            head = head.rsplit(" ", 1)[0]
        return head.rstrip() + ELIDED
    lines, fence = block.splitlines(), block[:3]
    kept = []
    for line in lines[:-1]:
        if sum(len(x) + 1 for x in kept) + len(line) + len(fence) + 1 > budget:
            break
        kept.append(line)
    return "\n".join([*kept, fence])


def _size(blocks: list[str]) -> int:
    # Gaps cost one "…" block each; counting them as separators is close enough for a budget.
    return sum(len(b) for b in blocks) + 2 * max(len(blocks) - 1, 0)
