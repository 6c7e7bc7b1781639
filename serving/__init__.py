"""Serving: the production agent behind a ZenML deployment (docs/serving.md).

- ``service``: AgentService, the loaded agent; answers and follows promotions.
- ``openai_api``: ``/v1/chat/completions`` and ``/v1/models`` (OpenAI's wire format).
- ``feedback``: every answer and its thumbs up/down, durably in SQLite.
- ``limits``: body size and request-rate limits (ASGI middleware).
- ``app``: the deployment pipeline and its routes; ``deploy``: serve, stop, status.
- ``suggest``: golden-question candidates from disliked answers.

Its settings (ServeConfig, the ``serve:`` section) live with the other configs in ``factory``.
"""

from factory.bootstrap import bootstrap

bootstrap()  # ZenML's deployment server enters our code here: this package is an entry point
