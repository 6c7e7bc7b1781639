"""Test isolation for the whole run (tests/ and the doctests of rag/ and evaluation/).

State is isolated: ZenML's store, the Hugging Face cache, our own cache, the XDG folders other
tools write to (Chromium, matplotlib, ragas) and TMPDIR point into a session temp dir, removed
when the session ends.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

# Before anything imports zenml or huggingface: a private store and caches per session.
# xdist workers inherit the TMPDIR set below: theirs sit beside it, not inside (socket paths stay short).
os.environ.setdefault("AGENT_FACTORY_TESTS_TMP", tempfile.gettempdir())
_SESSION_DIR = Path(
    tempfile.mkdtemp(prefix="agent-factory-tests-", dir=os.environ["AGENT_FACTORY_TESTS_TMP"])
)
# Temporary files of tests, doctests, pytest's tmp_path and every subprocess go with the session too.
(_SESSION_DIR / "t").mkdir()
os.environ["TMPDIR"] = tempfile.tempdir = str(_SESSION_DIR / "t")
os.environ["ZENML_CONFIG_PATH"] = str(_SESSION_DIR / "zenml")
os.environ["HF_HOME"] = str(_SESSION_DIR / "hf")
os.environ["AGENT_FACTORY_CACHE_DIR"] = str(_SESSION_DIR / "cache")  # ONNX exports
# One export of the model for the run: xdist workers share the first session's (written atomically).
os.environ.setdefault("AGENT_FACTORY_TESTS_EXPORTS", str(_SESSION_DIR / "onnx"))
Path(os.environ["AGENT_FACTORY_TESTS_EXPORTS"]).mkdir(exist_ok=True)
(_SESSION_DIR / "cache").mkdir()
(_SESSION_DIR / "cache" / "onnx").symlink_to(os.environ["AGENT_FACTORY_TESTS_EXPORTS"])
os.environ["AGENT_FACTORY_DATA_DIR"] = str(_SESSION_DIR / "data")  # served answers and feedback
# Tools that keep caches and settings in the home folder (Chromium, matplotlib) keep them here.
os.environ["XDG_CONFIG_HOME"] = str(_SESSION_DIR / "config")
os.environ["XDG_CACHE_HOME"] = str(_SESSION_DIR / "xdg-cache")
os.environ["XDG_DATA_HOME"] = str(_SESSION_DIR / "xdg-data")  # ragas writes an id file there
os.environ["XDG_RUNTIME_DIR"] = str(_SESSION_DIR / "runtime")  # PostgreSQL tools ask platformdirs for it
(_SESSION_DIR / "runtime").mkdir(mode=0o700)
os.environ["MPLCONFIGDIR"] = str(_SESSION_DIR / "matplotlib")
# Machines here set PYTHONDONTWRITEBYTECODE: every CLI subprocess would compile this project again.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False
os.environ["AGENT_FACTORY_WARM"] = "0"  # no `ask` leaves a helper process behind (tests/cli/test_warm.py)
os.environ.setdefault("ZENML_LOGGING_VERBOSITY", "WARN")
# Steps resolve as `pipelines.steps` from this folder, also in xdist workers (whose __main__ has no file).
os.environ["ZENML_CUSTOM_SOURCE_ROOT"] = str(Path(__file__).resolve().parent)

from factory.bootstrap import bootstrap  # noqa: E402

bootstrap()  # as every program does first: offline defaults, old module paths


@pytest.hookimpl(trylast=True)  # after session fixtures are torn down (a server's data folder is in here)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The session's ZenML store, caches and temporary files go with it (runs leave nothing in /tmp)."""
    shutil.rmtree(_SESSION_DIR, ignore_errors=True)


BUILDS_AN_AGENT = ("build_local_agent(", "open_session(", "open_local_agent(", "run_build(")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Doctests that build or open an agent are slow (seconds of model loading): `-m "not slow"` skips them."""
    from _pytest.doctest import DoctestItem

    for item in items:
        if isinstance(item, DoctestItem) and any(s in (item.dtest.docstring or "") for s in BUILDS_AN_AGENT):
            item.add_marker(pytest.mark.slow)
    # Files with slow tests first: under `--dist loadfile` they start early and short files fill the end.
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_files)
