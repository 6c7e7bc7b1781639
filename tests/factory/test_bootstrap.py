"""Importing a module of ours changes nothing; `bootstrap()` is where start-up happens."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Run in a fresh interpreter: this test process bootstrapped long ago (conftest.py).
PROBE = """
import json, logging, os, sys
before = (dict(os.environ), list(sys.meta_path), logging.getLogger("faiss.loader").level,
          [len(logging.getLogger(n).filters) for n in ("httpx", "httpcore", "urllib3")])
import rag, rag.offline, rag.secrets, rag.moved, rag.config, rag.agent.chat, rag.index.embeddings
import evaluation, evaluation.gate, evaluation.golden
import factory, factory.bootstrap, factory.config, factory.serve_config
after = (dict(os.environ), list(sys.meta_path), logging.getLogger("faiss.loader").level,
         [len(logging.getLogger(n).filters) for n in ("httpx", "httpcore", "urllib3")])
changed = sorted(k for k in set(before[0]) | set(after[0]) if before[0].get(k) != after[0].get(k))
from factory.bootstrap import bootstrap
bootstrap()
import rag.corpus, rag.ingest.corpus
ours = [type(h).__module__ for h in after[1] if h not in before[1] and type(h).__module__.split(".")[0] in
        ("rag", "evaluation", "factory", "pipelines", "serving", "cli")]  # third parties may add theirs (six)
print(json.dumps({"env": changed, "hooks": ours, "faiss": after[2] == before[2],
                  "filters": after[3] == before[3], "offline": os.environ.get("HF_HUB_OFFLINE"),
                  "moved": rag.corpus is rag.ingest.corpus,
                  "source_root": os.environ.get("ZENML_CUSTOM_SOURCE_ROOT")}))
"""


def test_imports_change_nothing_and_bootstrap_starts_up():
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HF_", "ZENML_CUSTOM", "RAGAS", "TRANSFORMERS"))
    }
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["env"] == [], f"importing set {seen['env']}"
    assert (seen["hooks"], seen["faiss"], seen["filters"]) == ([], True, True)
    assert seen["offline"] == "1" and seen["moved"] and seen["source_root"] == str(ROOT)
