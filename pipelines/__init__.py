"""ZenML wrappers around the ``rag`` and ``evaluation`` libraries: steps, pipelines, CLI."""

import rag  # noqa: F401  (applies the offline defaults before zenml is imported)
