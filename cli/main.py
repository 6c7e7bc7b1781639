"""The ``agent-factory`` command line: the group (cli/base.py) with every command family registered.

One module per family, as ZenML's own CLI: ``build`` (build, eval, preflight, index), ``check``
(a pull request's release check), ``versions`` (versions, promote, approve, reject, compare, diff,
dashboard), ``ask`` (ask, chat), ``tune`` (search settings), ``sources``, ``golden`` (generate, review, accept, import, suggest,
refresh), ``serve``
(serve, feedback). A command parses its options, calls one library function and prints.
"""

from cli import ask, build, check, golden, serve, sources, tune, versions  # noqa: F401  (each registers its commands)
from cli.base import main

if __name__ == "__main__":
    main()
