"""Signing pages: what a page is, compactly (content hash, MinHash of its shingles and of its
distinctive shingles), so the next build can recognise it after a rename or an edit.

A page's *distinctive* shingles are those no other page of its corpus has (rag/ingest/corpus_diff.py
compares only those): boilerplate shared with other pages is no evidence of identity.

>>> signed = signatures({"a.md": "Shared footer text for every page here. Alpha is special.",
...                      "b.md": "Shared footer text for every page here. Beta differs."})
>>> [(p.doc_id, p.shingles, p.distinct) for p in signed.pages]
[('a.md', 6, 3), ('b.md', 5, 2)]
"""

from __future__ import annotations

import hashlib
import re
import zlib

import numpy as np

from rag.ingest.corpus_diff import PERMUTATIONS, PageSignature, PageSignatures

SHINGLE_WORDS = 5
_WORD = re.compile(r"\w+")
_RNG = np.random.default_rng(20261203)  # fixed: signatures must compare across builds and machines
_MASKS = _RNG.integers(1, 2**63, size=PERMUTATIONS, dtype=np.uint64)
_MULTS = _RNG.integers(1, 2**63, size=PERMUTATIONS, dtype=np.uint64) | np.uint64(1)


def signature(doc_id: str, text: str, content_hash: str | None = None) -> PageSignature:
    """One page's signature, alone (no distinctive text: see :func:`sign_pages`)."""
    shingles = _shingles(text)
    return PageSignature(doc_id=doc_id, content_hash=content_hash or _sha(text), shingles=len(shingles),
                         minhash=_minhash(shingles))  # fmt: skip


def sign_pages(pages: list[tuple[str, str, str | None]]) -> PageSignatures:
    """Signatures of a whole corpus, (id, text, content hash or None) per page, each with the MinHash
    of its distinctive shingles: those no other page of the corpus has."""
    shingled = [(doc_id, text, content_hash, _shingles(text)) for doc_id, text, content_hash in pages]
    everything = np.concatenate([s for *_, s in shingled]) if shingled else np.array([], dtype=np.uint64)
    values, counts = np.unique(everything, return_counts=True)
    common = values[counts > 1]
    signed = []
    for doc_id, text, content_hash, shingles in sorted(shingled, key=lambda row: row[0]):
        own = shingles[~np.isin(shingles, common, assume_unique=True)]
        signed.append(PageSignature(
            doc_id=doc_id, content_hash=content_hash or _sha(text), shingles=len(shingles),
            minhash=_minhash(shingles), distinct=len(own), distinct_minhash=_minhash(own) if len(own) else [],
        ))  # fmt: skip
    return PageSignatures(pages=signed)


def signatures(texts: dict[str, str]) -> PageSignatures:
    """Signatures of pages given as {id: text} (tests and tools; builds sign Documents)."""
    return sign_pages([(i, t, None) for i, t in texts.items()])


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _shingles(text: str) -> np.ndarray:
    """The page's unique 5-word shingle hashes (its words' when it is shorter)."""
    words = _WORD.findall(text.lower())
    hashes = np.fromiter((zlib.crc32(w.encode()) for w in words), dtype=np.uint64, count=len(words))
    if len(hashes) < SHINGLE_WORDS:
        return np.unique(hashes) if len(hashes) else np.array([0], dtype=np.uint64)
    mixed = np.zeros(len(hashes) - SHINGLE_WORDS + 1, dtype=np.uint64)
    for offset in range(SHINGLE_WORDS):  # a shingle's hash mixes its words' hashes in order
        mixed = mixed * np.uint64(1_000_003) + hashes[offset : offset + len(mixed)]
    return np.unique(mixed)


def _minhash(shingles: np.ndarray) -> list[int]:
    with np.errstate(over="ignore"):  # multiplication modulo 2**64 is the point
        permuted = ((shingles[None, :] ^ _MASKS[:, None]) * _MULTS[:, None]) >> np.uint64(32)
    return permuted.min(axis=1).astype(np.uint32).tolist()
