"""ZenML wrappers around the ``rag`` and ``evaluation`` libraries: steps, pipelines, CLI."""

import logging
import os
import sys
from pathlib import Path

import rag
import rag.secrets

# Steps are imported as `pipelines.steps` wherever they run: the source root is our packages' parent.
os.environ.setdefault("ZENML_CUSTOM_SOURCE_ROOT", str(Path(__file__).resolve().parents[1]))
if "zenml.utils.source_utils" in sys.modules:  # zenml came first and read the variable already
    sys.modules["zenml.utils.source_utils"].set_custom_source_root(os.environ["ZENML_CUSTOM_SOURCE_ROOT"])

# faiss logs which CPU build it loads at INFO on every start; users need not see it.
logging.getLogger("faiss.loader").setLevel(logging.WARNING)


def _zenml_secret(name: str, key: str) -> str | None:
    """`api_key_secret: name.key` reads the ZenML secret `name` (imported only when used)."""
    from zenml.client import Client

    try:
        return Client().get_secret(name).secret_values.get(key)
    except KeyError:
        return None


rag.secrets.set_secret_lookup(_zenml_secret)
