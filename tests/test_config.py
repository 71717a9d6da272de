"""Tests of nbresponses._config: precedence of settings and a key that never shows."""

from __future__ import annotations

import httpx2
import pytest

from nbresponses import Client
from nbresponses._config import DEFAULT_BASE_URL, Secret, Timeouts, resolve_config
from nbresponses._exceptions import ConfigurationError

KEY = "sk-test-MARKER-0123456789abcdef"


def resolve(environ: dict[str, str] | None = None, **kwargs: object) -> object:
    options: dict[str, object] = {
        "api_key": None,
        "base_url": None,
        "organization": None,
        "project": None,
        "timeout": None,
        "connect_timeout": None,
        "max_retries": None,
        "default_headers": None,
    }
    options.update(kwargs)
    return resolve_config(environ=environ or {}, **options)  # type: ignore[arg-type]


def test_keyword_beats_environment_beats_default() -> None:
    env = {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": "https://gw.example/v1/", "OPENAI_ORG_ID": "org-1"}
    config = resolve(env)
    assert config.base_url == "https://gw.example/v1"  # type: ignore[attr-defined]
    assert config.organization == "org-1"  # type: ignore[attr-defined]
    config = resolve(env, base_url="https://other.example/v1", api_key="sk-other-key-123456")
    assert config.base_url == "https://other.example/v1"  # type: ignore[attr-defined]
    assert config.headers()["Authorization"] == "Bearer sk-other-key-123456"  # type: ignore[attr-defined]
    assert resolve({"OPENAI_API_KEY": KEY}).base_url == DEFAULT_BASE_URL  # type: ignore[attr-defined]


def test_headers_carry_org_project_and_extras() -> None:
    config = resolve({"OPENAI_API_KEY": KEY, "OPENAI_PROJECT_ID": "proj_9"}, default_headers={"X-Trace": "1"})
    headers = config.headers()  # type: ignore[attr-defined]
    assert headers["OpenAI-Project"] == "proj_9"
    assert headers["X-Trace"] == "1"
    assert headers["User-Agent"].startswith("nbresponses/")


def test_no_key_for_openai_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError, match="OPENAI_API_KEY"):
        resolve({})


def test_gateway_without_key_sends_no_authorization() -> None:
    config = resolve({}, base_url="http://127.0.0.1:9/v1")
    assert "Authorization" not in config.headers()  # type: ignore[attr-defined]


def test_bad_base_url_and_retries_are_rejected() -> None:
    with pytest.raises(ConfigurationError, match="http"):
        resolve({}, base_url="api.example.com/v1")
    with pytest.raises(ConfigurationError, match="max_retries"):
        resolve({"OPENAI_API_KEY": KEY}, max_retries=-1)


def test_timeouts() -> None:
    config = resolve({"OPENAI_API_KEY": KEY}, timeout=30, connect_timeout=2)
    assert config.timeout.read == 30 and config.timeout.connect == 2  # type: ignore[attr-defined]
    custom = httpx2.Timeout(5.0, connect=1.0)
    assert resolve({"OPENAI_API_KEY": KEY}, timeout=custom).timeout == Timeouts(
        read=5, connect=1, write=5, pool=5
    )
    # The client hands httpx2 the same timeouts it was given.
    client = Client(api_key=KEY, timeout=custom)
    assert client.timeout == custom
    client.close()


def test_key_never_in_repr() -> None:
    config = resolve({"OPENAI_API_KEY": KEY})
    assert KEY not in repr(config)
    assert KEY not in str(config)
    assert KEY not in repr(Secret(KEY)) and KEY not in str(Secret(KEY))
