"""Benchmarks: each module is a program (``python -m benchmarks.<name>``), so the package starts up."""

from factory.bootstrap import bootstrap

bootstrap()  # offline defaults, as the CLI: a benchmark never reaches for the network
