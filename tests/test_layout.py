"""The house rules of docs/architecture.md, checked: imports go one way up, modules stay small."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["rag", "evaluation", "factory", "pipelines", "serving", "cli"]  # each may import those before it
BESIDE = {("serving", "pipelines"), ("pipelines", "serving")}  # same floor: neither imports the other
RAG_ROLES = ["ingest", "index", "retrieval", "answer", "agent"]  # inside rag/, the data's order
MAX_LINES = 300

# Modules only a larger test can reach (a live deployment, a pipeline run), with the test file
# that exercises them; every other module has its mirror, tests/<path>/test_<name>.py, or
# doctests beside its code. An entry for a module that gets its mirror is an error: delete it.
TESTED_THROUGH = {
    "rag/answer/remote.py": "tests/pipelines/test_llama_cpp.py",  # a real llama_cpp.server
    "rag/index/faiss_store.py": "tests/rag/index/test_docs_index.py",  # flat, HNSW, IVF round trips
    "evaluation/records.py": "tests/evaluation/test_gate.py",  # the records the gate decides on
    "factory/artifacts.py": "tests/pipelines/test_faults.py",  # lost and damaged artifacts
    "factory/release.py": "tests/pipelines/test_gate_pipeline.py",  # stages moved by the gate
    "factory/compare.py": "tests/pipelines/test_gate_pipeline.py",  # production re-scored, how far behind
    "pipelines/gate_steps.py": "tests/pipelines/test_gate_pipeline.py",
    "pipelines/steps.py": "tests/pipelines/test_agent_pipeline.py",
    "pipelines/tracing.py": "tests/pipelines/test_agent_pipeline.py",  # a build traced to a real receiver
    "pipelines/materializers.py": "tests/pipelines/test_faults.py",  # a disk full while saving
    "serving/app.py": "tests/serving/test_deployment.py",  # every route through real clients
    "serving/http_errors.py": "tests/serving/test_deployment.py",  # 401/404/405 in OpenAI's shape
    "serving/supervisor.py": "tests/serving/test_deployment.py",  # killed, restarted once, then left
    "cli/display.py": "tests/cli/test_versions.py",  # the versions table and compare rows
    "cli/main.py": "tests/cli/test_base.py",  # registers the families
    "cli/tune.py": "tests/factory/test_tune.py",
    "cli/warm_process.py": "tests/cli/test_warm.py",  # the helper, run as `ask` runs it  # the command over the same index as the library
}


def _modules() -> dict[str, Path]:
    found = {}
    for package in LAYERS:
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            found[name] = path
    return found


def _imports(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the project modules it imports (at any depth; a parent package is not an edge)."""
    edges: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                children = [f"{node.module}.{alias.name}" for alias in node.names]
                targets = [c for c in children if c in modules]
                targets += [node.module] if len(targets) < len(children) else []
            edges[name] |= {t for t in targets if t in modules and t != name and not name.startswith(t + ".")}
    return edges


def _cycle(edges: dict[str, set[str]]) -> list[str]:
    """One import cycle, or []."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return []

    for start in sorted(edges):
        if start not in state and (found := visit(start)):
            return found
    return []


def _role(module: str) -> int | None:
    parts = module.split(".")
    return (
        RAG_ROLES.index(parts[1]) if parts[0] == "rag" and len(parts) > 1 and parts[1] in RAG_ROLES else None
    )


def test_no_module_imports_one_that_imports_it_back():
    assert _cycle(_imports(_modules())) == []


def test_packages_import_only_the_layers_below():
    wrong = []
    for module, targets in _imports(_modules()).items():
        here = module.split(".")[0]
        for target in targets:
            there = target.split(".")[0]
            if (here, there) in BESIDE or LAYERS.index(there) > LAYERS.index(here):
                wrong.append(f"{module} -> {target}")
    assert wrong == []


def test_rag_role_folders_import_only_folders_earlier_in_the_flow_and_the_core_imports_none():
    wrong = []
    for module, targets in _imports(_modules()).items():
        if not module.startswith("rag"):
            continue
        for target in targets:
            mine, theirs = _role(module), _role(target)
            if theirs is not None and (mine is None or theirs > mine):
                wrong.append(f"{module} -> {target}")
    assert wrong == []


def test_no_module_is_over_300_lines():
    long = {str(p.relative_to(ROOT)): n for p in _modules().values()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}  # fmt: skip
    assert long == {}


def test_tests_mirror_the_tree():
    """tests/rag/index/test_lexical.py tests rag/index/lexical.py: a newcomer finds a module's tests by its path."""
    untested, stale = [], []
    for path in _modules().values():
        if path.name == "__init__.py":
            continue
        module = path.relative_to(ROOT).as_posix()
        mirror = ROOT / "tests" / path.relative_to(ROOT).parent / f"test_{path.name}"
        has_doctest = ">>> " in path.read_text(encoding="utf-8")
        if module in TESTED_THROUGH and (mirror.exists() or not (ROOT / TESTED_THROUGH[module]).exists()):
            stale.append(module)
        elif not (mirror.exists() or has_doctest or module in TESTED_THROUGH):
            untested.append(module)
    assert untested == [] and stale == []
