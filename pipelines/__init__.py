"""ZenML steps and pipelines around the libraries: ``steps``, ``agent_pipeline``, ``materializers``.

``provenance`` records the code and library versions a build ran with. Everything a step
calls lives below: ``rag`` and ``evaluation`` (the libraries) and ``factory`` (configs,
artifacts, versions, release).
"""

from factory.bootstrap import bootstrap

bootstrap()  # ZenML enters our code here (steps, materializers): this package is an entry point
