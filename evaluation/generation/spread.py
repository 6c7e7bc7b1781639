"""Choosing generated questions so they cover the docs tree: every top-level folder before any
folder twice, then each folder in proportion to the text its pages hold, pages drawn in a seeded
order weighted the same way, no page over ``per_page``, and no question that repeats another (or
one already in the golden set) in other words. Text, not pages, because people ask about guides
more than about generated reference pages: 83% of Ray's pages are one-paragraph API entries, 12%
of its users' questions point at one (benchmarks/RESULTS.md).

>>> from evaluation.generation.passages import SectionPassage
>>> def draft(doc, q):
...     return Draft(q, SectionPassage(doc, "T", ("T",), "", "text"), "offline/heading")
>>> drafts = [draft("d/api/a.md", "What is a?"), draft("d/api/a.md", "What is A"),
...           draft("d/api/b.md", "What is b?"), draft("d/guide/c.md", "What is c?")]
>>> sorted(d.question for d in spread(drafts, max_questions=3, per_page=2))
['What is a?', 'What is b?', 'What is c?']
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from evaluation.generation.passages import Draft


def normalized(question: str) -> str:
    """A question's words, lower-cased and sorted: two questions alike in this are duplicates."""
    return " ".join(sorted(set(re.findall(r"\w+", question.lower()))))


def spread(
    drafts: list[Draft],
    max_questions: int,
    per_page: int,
    known: set[str] = frozenset(),
    seed: int = 0,
    shares: dict[str, float] | None = None,
) -> list[Draft]:
    """At most `max_questions` drafts spread as the module docstring says; `known` holds
    :func:`normalized` questions that count as duplicates already; `shares` caps a maker's share
    of `max_questions` (its drafts past the cap are passed over)."""
    caps = {maker: math.ceil(share * max_questions) for maker, share in (shares or {}).items()}
    made: Counter[str] = Counter()

    def fresh(draft: Draft) -> bool:
        return normalized(draft.question) not in seen and made[draft.generated_by] < caps.get(
            draft.generated_by, max_questions
        )

    folders = _by_folder_and_page(drafts, random.Random(seed))
    weight = {folder: sum(page.weight for page in pages) for folder, pages in folders.items()}
    taken: Counter[str] = Counter()
    seen = set(known)
    chosen: list[Draft] = []
    while len(chosen) < max_questions and folders:
        folder = min(folders, key=lambda f: (taken[f] / weight[f], f))
        draft = _next(folders[folder], per_page, fresh)
        if draft is None:
            del folders[folder]
            continue
        seen.add(normalized(draft.question))
        made[draft.generated_by] += 1
        taken[folder] += 1
        chosen.append(draft)
    return chosen


def _by_folder_and_page(drafts: list[Draft], rng: random.Random) -> dict[str, deque[_Page]]:
    """folder -> its pages in a seeded random order, each page's drafts in the order they came."""
    pages: dict[str, dict[str, _Page]] = defaultdict(dict)
    for d in drafts:
        assert d.passage is not None  # refusals are mixed in after the spread
        pages[d.passage.folder].setdefault(d.passage.doc_id, _Page()).drafts.append(d)
    out = {}
    for folder, by_page in sorted(pages.items()):
        for page in by_page.values():  # a page's questions in a seeded order: every kind has a turn
            rng.shuffle(page.drafts)
        # Weighted order without replacement (Efraimidis-Spirakis): a page with more text comes sooner.
        order = sorted(sorted(by_page), key=lambda page: -(rng.random() ** (1 / by_page[page].weight)))
        out[folder] = deque(by_page[page] for page in order)
    return out


@dataclass
class _Page:
    drafts: deque[Draft] = field(default_factory=deque)
    given: int = 0  # questions chosen from it so far

    @property
    def weight(self) -> int:
        """Characters of text in the sections its questions come from."""
        return max(1, sum(len(p.prose) for p in {d.passage for d in self.drafts if d.passage}))


def _next(pages: deque[_Page], per_page: int, fresh: Callable[[Draft], bool]) -> Draft | None:
    """The next new question from the folder's pages in turn; a page leaves the turn when it
    has given `per_page` questions or has none left."""
    while pages:
        page = pages.popleft()
        while page.drafts:
            draft = page.drafts.popleft()
            if fresh(draft):
                page.given += 1
                if page.given < per_page and page.drafts:
                    pages.append(page)
                return draft
    return None
