"""ZenML materializers for our artifacts — no pickle anywhere.

Pydantic records (AgentConfig, AgentSpec, Corpus, Chunks, CorpusFingerprint,
IndexManifest) use ZenML's built-in JSON PydanticMaterializer. The index is files:
the FAISS binary, the SQLite node store, BM25 arrays and our manifest, streamed through the
artifact store so the same code works on local disk, S3 or GCS. A loaded index reads its files
on demand, so they must stay on local disk: a local artifact store's folder is opened where it
is (artifacts never change), a remote one is copied once into the cache folder.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, ClassVar

from zenml.enums import ArtifactType
from zenml.materializers.base_materializer import BaseMaterializer

from rag.cache import cache_dir
from rag.index.docs_index import DocsIndex
from rag.index.manifest import MANIFEST, DocsIndexError


class DocsIndexMaterializer(BaseMaterializer):
    """Saves a DocsIndex as its storage-context files; loading rebuilds the recorded embedder."""

    ASSOCIATED_TYPES: ClassVar[tuple[type[Any], ...]] = (DocsIndex,)
    ASSOCIATED_ARTIFACT_TYPE: ClassVar[ArtifactType] = ArtifactType.MODEL

    def save(self, data: DocsIndex) -> None:
        # The manifest goes last: an upload cut short leaves no manifest, and loading refuses it.
        for path in sorted(data.index_files(), key=lambda p: (p.name == MANIFEST, p.name)):
            with (
                path.open("rb") as src,
                self.artifact_store.open(os.path.join(self.uri, path.name), "wb") as dst,
            ):
                shutil.copyfileobj(src, dst)

    def load(self, data_type: type[Any]) -> DocsIndex:
        folder = Path(self.uri) if os.path.isdir(self.uri) else self._local_copy()
        try:
            return DocsIndex.load(folder)
        except DocsIndexError as exc:  # name the artifact, not the local copy
            raise DocsIndexError(str(exc).replace(str(folder), self.uri)) from exc

    def _local_copy(self) -> Path:
        """The artifact's files in the cache folder, copied on first use (complete, or not there)."""
        target = cache_dir() / "indexes" / hashlib.sha256(self.uri.encode()).hexdigest()[:24]
        if (target / MANIFEST).is_file():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
        for name in self.artifact_store.listdir(self.uri):
            name = os.path.basename(str(name))
            with (
                self.artifact_store.open(os.path.join(self.uri, name), "rb") as src,
                open(tmp / name, "wb") as dst,
            ):
                shutil.copyfileobj(src, dst)
        try:
            tmp.rename(target)
        except OSError:  # another process finished the same copy first
            shutil.rmtree(tmp, ignore_errors=True)
        return target

    def extract_metadata(self, data: DocsIndex) -> dict[str, Any]:
        m = data.manifest
        return {
            "vectors": m.vectors,
            "documents": m.documents,
            "dimension": m.embedding.dimension,
            "index_type": m.index_type,
            "embedding": f"{m.embedding.provider}/{m.embedding.model}",
        }
