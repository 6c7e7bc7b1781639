from rag.ingest.corpus import fingerprint
from rag.ingest.sources.base import make_document


def test_fingerprint_changes_exactly_with_content():
    a = [make_document("docs", "a.md", "A", "alpha"), make_document("docs", "b.md", "B", "beta")]
    same = [make_document("docs", "b.md", "B", "beta"), make_document("docs", "a.md", "A", "alpha")]
    changed = [make_document("docs", "a.md", "A", "alpha!"), make_document("docs", "b.md", "B", "beta")]
    assert fingerprint(a, []).content_hash == fingerprint(same, []).content_hash  # order does not matter
    assert fingerprint(a, []).content_hash != fingerprint(changed, []).content_hash
    assert fingerprint(a, []).model_dump() | {"content_hash": ""} == {
        "documents": 2, "chunks": 0, "characters": 9, "sources": ["docs"], "content_hash": ""}  # fmt: skip
