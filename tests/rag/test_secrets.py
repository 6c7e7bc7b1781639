"""Credentials never reach a log line or a message: URLs and text are redacted."""

import logging

from rag.secrets import SecretFilter, has_credentials, redact_text


def test_passwords_tokens_and_credential_parameters_are_hidden_in_any_text():
    text = "cloning https://bob:hunter2@git.example.com/r.git failed; see https://x.io/a?api_key=k&page=2"
    assert redact_text(text) == (
        "cloning https://bob:***@git.example.com/r.git failed; see https://x.io/a?api_key=***&page=2"
    )
    assert has_credentials("https://ghp_abc@github.com/o/r.git") and not has_credentials(
        "https://github.com/o/r"
    )


def test_the_log_filter_redacts_urls_in_messages_and_their_arguments():
    record = logging.LogRecord(
        "httpx", logging.INFO, __file__, 1, "HTTP Request: GET %s", ("https://u:pw@h.io/",), None
    )
    assert SecretFilter().filter(record)
    assert "pw" not in record.getMessage() and "***" in record.getMessage()
