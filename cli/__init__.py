"""The ``agent-factory`` command line, one module per command family (see cli/main.py).

The top layer: it may import every package below (``pipelines``, ``serving``, ``factory``,
``evaluation``, ``rag``); none imports it.
"""
