import os
import subprocess
import sys


def test_import_sets_offline_defaults_without_overriding_the_user():
    code = "import os, rag; print(os.environ['RAGAS_DO_NOT_TRACK'], os.environ['ZENML_ANALYTICS_OPT_IN'], os.environ['HF_HUB_OFFLINE'], os.path.isdir(os.environ['TIKTOKEN_CACHE_DIR']))"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("RAGAS_DO_NOT_TRACK", "ZENML_ANALYTICS_OPT_IN", "HF_HUB_OFFLINE", "TIKTOKEN_CACHE_DIR")
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["true", "false", "1", "True"]
    env["HF_HUB_OFFLINE"] = "0"  # a user's own choice wins
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out[2] == "0"
