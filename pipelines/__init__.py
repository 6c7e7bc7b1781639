"""ZenML wrappers around the ``rag`` and ``evaluation`` libraries: steps, pipelines, CLI."""

import logging
import os
from pathlib import Path

import rag  # noqa: F401  (applies the offline defaults before zenml is imported)

# Steps are imported as `pipelines.steps` wherever they run: the source root is our packages' parent.
os.environ.setdefault("ZENML_CUSTOM_SOURCE_ROOT", str(Path(__file__).resolve().parents[1]))

# faiss logs which CPU build it loads at INFO on every start; users need not see it.
logging.getLogger("faiss.loader").setLevel(logging.WARNING)
