"""Golden questions generated from the documents themselves, for a person to review.

A team adopting the factory usually has no golden set. ``agent-factory golden generate`` writes
candidates from the config's own documents; ``golden review`` (a terminal) or a text editor marks
each accepted or rejected; ``golden accept`` validates the accepted ones and appends them to the
golden set, where ``generated_by`` says how each was made. Nothing generated is used unreviewed.

- passages.py: the documents' sections, each a passage with its page, anchor and heading path;
- offline.py: questions that need no LLM (headings, definitions, API names, table rows);
- refusals.py: plausible questions these documents cannot answer;
- llm.py: questions an LLM writes from a passage, and a critic that drops those it does not answer;
- spread.py: a selection spread over the docs tree, no page over its share, no duplicates;
- generate.py: all of it from a config; candidates.py: the candidates file, review marks, accept;
- review.py: the terminal review loop.
"""
