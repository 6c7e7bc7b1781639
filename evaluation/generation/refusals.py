"""Refusal questions: plausible for these docs, answered by none of them.

Each pairs a page title of the corpus with a technology the corpus never names (checked on
its whole text), so a good agent says it does not know. Labelled ``offline/refusal``.

>>> from evaluation.generation.passages import SectionPassage
>>> passages = [SectionPassage("docs/serve.md", "Model serving", ("Model serving",), "", "Serve with Docker.")]
>>> [d.question for d in refusal_drafts(passages, "serve with docker.", count=1)]
['How do I use Model serving with Lotus Notes?']
"""

from __future__ import annotations

import random
import re

from evaluation.generation.offline import clean_heading, verb_base
from evaluation.generation.passages import Draft, SectionPassage

_NAME = re.compile(
    r"^[A-Z][\w&.+]*(?: [A-Za-z][\w&.+]*){0,3}$"
)  # a title that names a thing: "Model serving"

# A title that asks something ("What can be configured") names nothing to pair with a technology.
_ASKS = re.compile(r"(?i)^(?:what|how|why|when|which|where|who|can|does|do|is|are)\b")
FOREIGN = (
    "Lotus Notes", "COBOL", "Microsoft Access", "Visual Basic 6", "Adobe Flash", "Silverlight",
    "Windows Phone", "Symbian", "ColdFusion", "FoxPro", "Delphi 7", "Fortran 77", "IBM AS/400",
    "Palm OS", "BlackBerry OS", "Internet Explorer 6", "Sybase ASE", "Novell NetWare",
)  # fmt: skip
TEMPLATES = (
    "How do I use {title} with {foreign}?",
    "Does {title} support {foreign}?",
    "Can I run {title} on {foreign}?",
    "What is the recommended way to connect {title} to {foreign}?",
)


def refusal_drafts(
    passages: list[SectionPassage], corpus_text: str, count: int, seed: int = 0
) -> list[Draft]:
    """`count` refusal questions; `corpus_text` is every document's text, lower-cased."""
    foreign = [f for f in FOREIGN if not re.search(rf"(?<!\w){re.escape(f.lower())}(?!\w)", corpus_text)]
    names = {clean_heading(p.title) for p in passages}
    titles = sorted(
        n for n in names if _NAME.match(n) and not _ASKS.match(n) and not verb_base(n.split()[0].lower())
    )
    if not foreign or not titles or count <= 0:
        return []
    rng = random.Random(seed)
    picked = rng.sample(titles, min(count, len(titles)))
    return [
        Draft(TEMPLATES[i % len(TEMPLATES)].format(title=title, foreign=foreign[i % len(foreign)]), None,
              "offline/refusal")
        for i, title in enumerate(picked)
    ]  # fmt: skip
