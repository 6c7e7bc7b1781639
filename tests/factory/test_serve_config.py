"""The serve: section: safe defaults and refusals that name the field."""

import pytest
from pydantic import ValidationError

from factory.serve_config import ServeConfig


def test_defaults_are_local_keyed_and_restarting():
    config = ServeConfig()
    assert (config.host, config.port, config.cors_origins) == ("127.0.0.1", 8080, [])
    assert (config.restart, config.max_restarts, config.version) == ("on-failure", 3, "production")


@pytest.mark.parametrize(("field", "value"), [("deployment", "Agent Chat!"), ("port", 70000),
                                               ("restart", "always"), ("requests_per_minute", 0)])  # fmt: skip
def test_bad_values_are_refused_naming_the_field(field, value):
    with pytest.raises(ValidationError, match=field):
        ServeConfig.model_validate({field: value})
