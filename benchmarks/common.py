"""Shared helpers: percentiles, peak memory, machine description."""

from __future__ import annotations

import os
import platform
import resource
from importlib.metadata import version

import numpy as np


def percentiles(values: list[float]) -> tuple[float, float]:
    return float(np.percentile(values, 50)), float(np.percentile(values, 95))


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> dict[str, str]:
    libs = ["faiss-cpu", "torch", "sentence-transformers", "llama-index-core", "zenml", "ragas"]
    return {
        "python": platform.python_version(),
        "cpu": platform.processor() or platform.machine(),
        "cores": str(os.cpu_count()),
        "memory_gb": f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f}",
        **{lib: version(lib) for lib in libs},
    }
