"""Tests of nbresponses._secrets: one rule for what is a secret, used by errors, logs, the history and cassettes."""

from __future__ import annotations

import io
import logging

import pytest

from nbresponses import _secrets
from nbresponses._secrets import (
    REDACTED,
    RedactingFilter,
    Secret,
    carries_key,
    install_log_filter,
    known,
    redact,
    redact_bytes,
    redact_data,
    redact_json_text,
)

KEY = "sk-proj-" + "Zq8Xw2Lk9Vb4Nm7Rt1Yp3Hs6Jd0Fg5Ca"


@pytest.fixture(autouse=True)
def no_known_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_secrets, "_known", set())
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)


def test_key_shapes_and_given_secrets_are_redacted_from_text() -> None:
    assert redact(f"Incorrect API key provided: {KEY}.") == f"Incorrect API key provided: {REDACTED}."
    assert redact("Authorization: Bearer abcdefghijklmnopqrstuvwxyz") == f"Authorization: {REDACTED}"
    masked = "sk-proj-****************************************abcd"  # how OpenAI quotes a wrong key back
    assert redact(f"key {masked} refused") == f"key {REDACTED} refused"
    assert redact("azure key 3f9a8b7c6d5e4f30 here", ["3f9a8b7c6d5e4f30"]) == f"azure key {REDACTED} here"
    assert (
        redact("use sk-learn, a task-scheduler and Bearer tokens")
        == "use sk-learn, a task-scheduler and Bearer tokens"
    )


def test_a_secret_made_anywhere_is_redacted_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = Secret("gateway-key-0123456789")
    assert repr(secret) == str(secret) == "Secret('********')" and secret.reveal() == "gateway-key-0123456789"
    assert redact("sent gateway-key-0123456789") == f"sent {REDACTED}"
    monkeypatch.setenv("OPENAI_API_KEY", "env-key-abcdefghij")
    assert known() == ("gateway-key-0123456789", "env-key-abcdefghij")  # the longest first
    Secret("offline")  # a placeholder is too short to be a secret: ordinary words stay
    assert redact("the offline backend") == "the offline backend"


def test_a_secret_that_contains_another_is_replaced_whole() -> None:
    Secret("abcdefgh")
    Secret("abcdefgh-and-more")
    assert redact("x abcdefgh-and-more y") == f"x {REDACTED} y"


def test_data_redaction_blanks_credential_fields_and_keeps_encrypted_content() -> None:
    Secret("custom-secret-value")
    data = {
        "headers": {"Authorization": "Basic dXNlcjpwYXNz", "x-api-key": "anything", "accept": "json"},
        "input": [{"content": f"my key {KEY} and custom-secret-value"}],
        "encrypted_content": "sk-proj-OPAQUEOPAQUEOPAQUEOPAQUE",
        "empty": {"authorization": ""},
        "n": 1,
    }
    assert redact_data(data) == {
        "headers": {"Authorization": REDACTED, "x-api-key": REDACTED, "accept": "json"},
        "input": [{"content": f"my key {REDACTED} and {REDACTED}"}],
        "encrypted_content": "sk-proj-OPAQUEOPAQUEOPAQUEOPAQUE",
        "empty": {"authorization": ""},
        "n": 1,
    }
    text = '{"a": "plain text", "n": [1, 2]}'
    assert redact_json_text(text) is text  # nothing suspect: not parsed again
    assert KEY not in redact_json_text(f'{{"a": "{KEY}"}}')


def test_bytes_lose_known_secrets_only() -> None:
    Secret("echoed-gateway-key-42")
    body = b'{"text": "your key echoed-gateway-key-42 and an example sk-abcdefghijklmnopqrstuv"}'
    assert redact_bytes(body) == b'{"text": "your key [redacted] and an example sk-abcdefghijklmnopqrstuv"}'


@pytest.mark.parametrize(
    "line", [f"-m gpt-4.1 {KEY}", "--api-key xyz", "--api_key=xyz", "api_key = 1", "-m m known-secret-123456"]
)
def test_keys_on_a_magic_line_are_noticed(line: str) -> None:
    Secret("known-secret-123456")
    assert carries_key(line)


def test_ordinary_lines_carry_no_key() -> None:
    assert not carries_key("-m gpt-4.1 --thread sk-learn --temperature 0.2")


def test_the_log_filter_rewrites_records_that_carry_a_secret() -> None:
    Secret("echoed-in-a-header-0001")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("httpcore2.http11")
    old_level = logger.level
    logger.setLevel(logging.DEBUG)  # (setLevel: it also clears the logger's cached level checks)
    logger.addHandler(handler)
    install_log_filter()
    install_log_filter()  # idempotent
    try:
        assert sum(isinstance(f, RedactingFilter) for f in logger.filters) == 1
        logger.debug(
            "receive_response_headers.complete return_value=%r", [(b"x-echo", b"echoed-in-a-header-0001")]
        )
        logger.debug("plain %s", "record")
        try:
            raise ValueError(f"boom {KEY}")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    logged = stream.getvalue()
    assert "echoed-in-a-header-0001" not in logged and KEY not in logged
    assert "b'[redacted]'" in logged and "plain record" in logged and "ValueError: boom [redacted]" in logged


def test_the_filter_reaches_loggers_made_before_it_was_installed() -> None:
    late = logging.getLogger("httpcore2.some_new_module")
    install_log_filter()
    assert any(isinstance(f, RedactingFilter) for f in late.filters)
