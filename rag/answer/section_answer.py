"""Section answers: the part of the best page that answers, whole, in order, with its code.

The extractive answerer (rag/answer/extractive.py, ``answer: section``) reads the docs tool's
passages (retrieved chunks widened to their section by rag/retrieval/section_window.py) and answers
the way a good search result does:

1. **Units**: a passage's heading path, its sentences and its fenced code blocks, whole. A
   question about a command or an output table is answered by code that no sentence
   paraphrases; "How do I install X?" is answered by the section headed "Installing X", whose
   sentences need not say so (while a page quoting that question as an example does).
2. **Scores**: a unit's cosine similarity to the question (computed by the answerer) plus
   ``LEXICAL_WEIGHT`` times the share of the names the question quotes or spells as
   identifiers (``iam-role``, ``'azure-implicit'``, ``MyClass``) that the unit holds, each
   weighted by its rarity among the units: exact names that dense vectors blur. Plain words
   get no such bonus: "embedded default" would pull an answer to any page that says it.
3. **Lead**: the search's top passage and its best unit, unless a unit elsewhere is better by
   more than a margin (the fused ranking finds the right page more often than one unit does).
4. **Answer**: the lead passage cut around that unit (rag/answer/excerpt.py, nearest code kept) to
   ``LEAD_SHARE`` of the budget, then the other retrieved sections of the same page, each cut
   around its best unit under its heading, while room is left.

Measured on ZenML's docs: benchmarks/RESULTS.md, "Offline answers".

>>> from rag.answer.passages import parse_observation
>>> page = "doc_id: d.md\\ntitle: Deploy\\nsection: Deploy > {}\\n\\n{}\\n\\n"
>>> passages = parse_observation(page.format("Register", "Register the deployer first.")
...                              + page.format("Run", "Deploy a model with:\\n\\n```\\nzenml deploy\\n```"))
>>> candidates = [(p, u) for p in passages for u in units(p)]
>>> [u.splitlines()[0] for _, u in candidates]
['Deploy > Register', 'Register the deployer first.', 'Deploy > Run', 'Deploy a model with:', '```']
>>> print(compose(candidates, np.array([0.3, 0.9, 0.2, 0.5, 0.4]), lead=1, budget=500))
Deploy > Register
<BLANKLINE>
Register the deployer first.
<BLANKLINE>
Run
<BLANKLINE>
Deploy a model with:
<BLANKLINE>
```
zenml deploy
```
"""

from __future__ import annotations

import math
import re

import numpy as np

from rag.answer.excerpt import excerpt, is_code
from rag.answer.passages import Passage, split_sentences, words
from rag.ingest.sections import blocks

# benchmarks/RESULTS.md: 0.25 to 1 alike on ZenML's docs; 0.1-0.2 too weak to move the anchor
LEXICAL_WEIGHT = 0.5
LEAD_SHARE = 0.8  # the lead section's part of the budget; the rest shows the page's other matches
MIN_PART = 200  # characters: a shorter cut of another section says too little to earn its heading

Candidate = tuple[Passage, str]
# Quoted text, then words joined by - _ . or /, then camelCase: names a dense vector blurs.
_NAME = re.compile(
    r"`([^`]+)`|(?<!\w)'([^']+)'(?!\w)|\"([^\"]+)\"|\b(\w+(?:[-_./]\w+)+)\b|\b([a-z]+[A-Z]\w*|[A-Z]\w*[a-z][A-Z]\w*)\b"
)


def units(passage: Passage) -> list[str]:
    """What an answer can be anchored on: the passage's heading path (written to say what the
    section answers; a match shows the section from its start), sentences and whole code blocks."""
    found = [
        u for b in blocks(passage.text.splitlines()) for u in ([b] if is_code(b) else split_sentences(b))
    ]
    return [passage.section, *found] if passage.section else found


def names(question: str) -> set[str]:
    """What the question names exactly: quoted text and identifier-shaped words, lower-cased.

    >>> sorted(names("Describe 'azure-implicit' with `zenml describe` or the CLI's use_ssl in MyClass's"))
    ['azure-implicit', 'myclass', 'use_ssl', 'zenml describe']
    """
    return {next(g for g in m.groups() if g).lower() for m in _NAME.finditer(question)}


def lexical_scores(question: str, texts: list[str]) -> np.ndarray:
    """Share of the names in the question (see `names`) each text holds, a name weighted by its
    rarity among `texts`; all zero when the question names nothing.

    >>> lexical_scores("Describe 'azure-implicit'", ["the azure-principal", "describe azure-implicit"])
    array([0., 1.])
    """
    lowered = [text.lower() for text in texts]
    held = {name: sum(name in text for text in lowered) for name in names(question)}
    weights = {name: math.log(1 + len(texts) / n) for name, n in held.items() if n}
    total = sum(weights.values())
    if not total:
        return np.zeros(len(texts))
    return np.array([sum(w for name, w in weights.items() if name in text) / total for text in lowered])


def lead(candidates: list[Candidate], scores: np.ndarray, margin: float) -> int:
    """The top passage's best unit, unless a unit elsewhere scores more than `margin` higher."""
    first = candidates[0][0]
    pick = max((i for i, (p, _) in enumerate(candidates) if p is first), key=lambda i: scores[i])
    return pick if scores[pick] >= scores.max() - margin else int(np.argmax(scores))


def compose(candidates: list[Candidate], scores: np.ndarray, lead: int, budget: int) -> str:
    """The answer's text: heading path, lead section, then the page's other retrieved sections."""
    passage, unit = candidates[lead]
    share = int(budget * LEAD_SHARE)
    body = _cut(passage, unit, share)
    for other in _distinct(p for p, _ in candidates):
        if other.text != passage.text and (other.doc_id, other.section) == (passage.doc_id, passage.section):
            text = "\n\n".join(blocks(other.text.splitlines()))
            if len(body) + 2 + len(text) > share:
                break
            body = f"{body}\n\n{text}"
    answer = f"{passage.section or passage.title or passage.doc_id}\n\n{body}"
    shown = {passage.section}
    for i in np.argsort(-scores, kind="stable"):
        other, unit = candidates[i]
        if other.doc_id != passage.doc_id or other.section in shown:
            continue
        shown.add(other.section)
        heading = " > ".join(other.section.split(" > ")[1:]) or other.section or other.title
        room = budget - len(answer) - len(heading) - 4
        if room < MIN_PART:
            break
        answer = f"{answer}\n\n{heading}\n\n{_cut(other, unit, room)}"
    return answer


def anchor(parts: list[str], unit: str) -> int:
    """Index of the block that is, or holds the first words of, `unit`; 0 if none does."""
    if unit in parts:
        return parts.index(unit)
    first_words = words(unit.split("\n", 1)[0])[:60]
    return next((i for i, part in enumerate(parts) if first_words in words(part)), 0)


def _cut(passage: Passage, unit: str, budget: int) -> str:
    parts = blocks(passage.text.splitlines())
    return "\n\n".join(excerpt(parts, anchor(parts, unit), budget))


def _distinct(passages) -> list[Passage]:
    # A passage is listed once per unit; identical texts (overlapping hits) once.
    seen: dict[str, Passage] = {}
    for p in passages:
        seen.setdefault(p.text, p)
    return list(seen.values())
