"""ZenML steps and pipelines around the libraries: ``steps``, ``agent_pipeline``, ``materializers``.

``provenance`` records the code and library versions a build ran with. Everything a step
calls lives below: ``rag`` and ``evaluation`` (the libraries) and ``factory`` (configs,
artifacts, versions, release).
"""

import factory  # noqa: F401  (ZenML's source root, secrets from ZenML, quiet faiss)
from rag import moved

# Where modules went when the application layer moved out (stored runs name the old paths).
moved.register({
    "pipelines.config": "factory.config",
    "pipelines.artifacts": "factory.artifacts",
    "pipelines.versions": "factory.versions",
    "pipelines.release": "factory.release",
    "pipelines.history": "factory.history",
    "pipelines.golden_refresh": "factory.golden_refresh",
    "pipelines.display": "cli.display",
    "pipelines.cli": "cli.main",
})  # fmt: skip
