"""Token estimates for answerers without a tokenizer of their own (the offline extractive one).

One token per word (a run of letters, digits or underscores) or punctuation mark. GPT tokenizers
count about 1.3 per English word, so this is an estimate, never a bill. LlamaIndex's default
(tiktoken's cl100k) takes about a second to load, a quarter of a cold `ask`, to count tokens
the extractive answerer never spends.

>>> words_and_marks("Run `zenml up`, then serve.")
['Run', '`', 'zenml', 'up', '`', ',', 'then', 'serve', '.']
"""

from __future__ import annotations

import re

TOKEN = re.compile(r"\w+|[^\w\s]")


def words_and_marks(text: str) -> list[str]:
    return TOKEN.findall(text)
