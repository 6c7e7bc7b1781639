"""The application layer: what turns the libraries into versioned, released agents.

``config`` assembles an agent's settings from its YAML file (``rag`` and ``evaluation`` own
their parts; ``serve_config`` the ``serve:`` section); ``artifacts`` reads a version's stored
agent, index and records back; ``versions`` names and resolves versions; ``release`` decides
and applies a stage; ``history`` gathers metrics across versions; ``golden_refresh`` follows
moved pages in a golden set. It talks to ZenML's store but defines no step: ``pipelines`` and
``serving`` sit above it, ``cli`` on top.
"""

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
