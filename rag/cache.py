"""Where Agent Factory keeps what it can make again (ONNX exports, recalled lookups, warm helpers).

Light on purpose (no third-party imports): a fresh `agent-factory ask` reads it before deciding
whether to import anything heavy.

>>> cache_dir().is_absolute()
True
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """``$AGENT_FACTORY_CACHE_DIR``, else ``$XDG_CACHE_HOME/agent-factory``."""
    if explicit := os.environ.get("AGENT_FACTORY_CACHE_DIR"):
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(xdg) / "agent-factory"
