"""Ingest: documents in, chunks out.

``sources`` read the outside world (a directory, a git repository, a website, a Slack export;
one module per type with its settings model, plugins through the SOURCES registry) into
LlamaIndex Documents; ``text`` cleans what they read and ``html_page`` turns a published
page's main content into Markdown; ``sections`` splits text by its headings, ``chunking``
cuts sections into chunks; ``corpus`` fingerprints what was read, ``corpus_diff`` and
``lineage`` recognise pages that moved between builds.
"""
