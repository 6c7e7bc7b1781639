"""ZenML materializers for our artifacts — no pickle anywhere.

Pydantic records (AgentConfig, AgentSpec, Corpus, Chunks, CorpusFingerprint,
IndexManifest) use ZenML's built-in JSON PydanticMaterializer. The index is files:
the FAISS binary, JSON stores and our manifest, streamed through the artifact store
so the same code works on local disk, S3 or GCS.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, ClassVar

from zenml.enums import ArtifactType
from zenml.materializers.base_materializer import BaseMaterializer

from rag.index import MANIFEST, DocsIndex, DocsIndexError


class DocsIndexMaterializer(BaseMaterializer):
    """Saves a DocsIndex as its storage-context files; loading rebuilds the recorded embedder."""

    ASSOCIATED_TYPES: ClassVar[tuple[type[Any], ...]] = (DocsIndex,)
    ASSOCIATED_ARTIFACT_TYPE: ClassVar[ArtifactType] = ArtifactType.MODEL

    def save(self, data: DocsIndex) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            local = data.save(Path(tmp) / "index")
            # The manifest goes last: an upload cut short leaves no manifest, and loading refuses it.
            for path in sorted(local.iterdir(), key=lambda p: (p.name == MANIFEST, p.name)):
                with (
                    path.open("rb") as src,
                    self.artifact_store.open(os.path.join(self.uri, path.name), "wb") as dst,
                ):
                    shutil.copyfileobj(src, dst)

    def load(self, data_type: type[Any]) -> DocsIndex:
        with tempfile.TemporaryDirectory() as tmp:
            for name in self.artifact_store.listdir(self.uri):
                name = os.path.basename(str(name))
                with (
                    self.artifact_store.open(os.path.join(self.uri, name), "rb") as src,
                    open(Path(tmp) / name, "wb") as dst,
                ):
                    shutil.copyfileobj(src, dst)
            try:
                return DocsIndex.load(tmp)
            except DocsIndexError as exc:  # name the artifact, not the temporary copy
                raise DocsIndexError(str(exc).replace(tmp, self.uri)) from exc

    def extract_metadata(self, data: DocsIndex) -> dict[str, Any]:
        m = data.manifest
        return {
            "vectors": m.vectors,
            "documents": m.documents,
            "dimension": m.embedding.dimension,
            "index_type": m.index_type,
            "embedding": f"{m.embedding.provider}/{m.embedding.model}",
        }
