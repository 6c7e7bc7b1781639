"""One error family: every problem a user can fix is an :class:`AgentFactoryError`.

The CLI prints these as one clean ``error: ...`` line and exits 1; any other exception is
a bug and keeps its traceback. Each module defines its own subclass next to the code that
raises it (``ConfigError``, ``SourceError``, ``GoldenError``, ...), all rooted here.

>>> from rag.errors import AgentFactoryError
>>> from rag.settings_file import ConfigError
>>> issubclass(ConfigError, AgentFactoryError), issubclass(AgentFactoryError, ValueError)
(True, False)
"""


class AgentFactoryError(Exception):
    """A problem with the user's input or environment; the message says what and where."""
