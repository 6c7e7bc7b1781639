"""Offline-by-default switches, applied at start-up by ``factory.bootstrap.bootstrap()``.

Every switch uses ``os.environ.setdefault`` so a user who *wants* telemetry or a
hub download can still opt in by setting the variable themselves.

>>> apply_offline_defaults()
>>> import os; os.environ["RAGAS_DO_NOT_TRACK"]
'true'
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

# Values measured in shared/STACK.md; RAGAS wants the string "true", not "1".
_SWITCHES = {
    "RAGAS_DO_NOT_TRACK": "true",
    "ZENML_ANALYTICS_OPT_IN": "false",
    "ZENML_AUTO_OPEN_DASHBOARD": "false",
    "ZENML_ENABLE_REPO_INIT_WARNINGS": "false",
    "HF_HUB_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
    "ANONYMIZED_TELEMETRY": "false",
    "ORT_DISABLE_TELEMETRY": "1",  # onnxruntime otherwise queues events in ~/.cache/Microsoft to send later
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",  # a weight-loading bar on every start is noise
}


def _llama_index_static() -> Path | None:
    """Folder where llama-index-core ships its tiktoken and nltk caches (found without importing it)."""
    try:
        spec = importlib.util.find_spec("llama_index.core")
    except ModuleNotFoundError:
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "_static"


def apply_offline_defaults() -> None:
    """Set telemetry-off and offline defaults; never overrides what the user set."""
    for key, value in _SWITCHES.items():
        os.environ.setdefault(key, value)
    if not sys.stdout.isatty():  # a log file or a pipe gets text, not terminal colour codes
        os.environ.setdefault("ZENML_LOGGING_COLORS_DISABLED", "true")
    static = _llama_index_static()
    if static is not None:
        os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(static / "tiktoken_cache"))
        os.environ.setdefault("NLTK_DATA", str(static / "nltk_cache"))
