"""default_client: the configured API, or the offline backend when nothing is configured."""

from __future__ import annotations

import pytest

import nbresponses


def test_offline_without_key(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("NBRESPONSES_BACKEND", raising=False)
    client = nbresponses.default_client()
    assert client.base_url.startswith("http://offline.nbresponses.invalid")
    assert "offline backend" in capsys.readouterr().err
    assert "Hello" in client.responses.create(model="m", input="Hello").output_text


def test_real_client_with_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NBRESPONSES_BACKEND", raising=False)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-default-client-test")
    assert nbresponses.default_client().base_url == "https://api.openai.com/v1"


def test_forced_offline_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-default-client-test")
    monkeypatch.setenv("NBRESPONSES_BACKEND", "offline")
    assert "offline" in nbresponses.default_client().base_url
