"""The application layer: what turns the libraries into versioned, released agents.

``config`` assembles an agent's settings from its YAML file (``rag`` and ``evaluation`` own
their parts; ``serve_config`` the ``serve:`` section); ``artifacts`` reads a version's stored
agent, index and records back; ``versions`` names and resolves versions; ``release`` decides
and applies a stage; ``history`` gathers metrics across versions; ``golden_refresh`` follows
moved pages in a golden set; ``bootstrap`` is what a program calls first (importing changes
nothing). It talks to ZenML's store but defines no step: ``pipelines`` and
``serving`` sit above it, ``cli`` on top.
"""
