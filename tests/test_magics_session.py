"""The per-notebook session: notebook identity, backend choice."""

from __future__ import annotations

from nbresponses._config import Secret
from nbresponses.magics._session import NotebookSession, notebook_key


def test_notebook_key_prefers_the_frontends_path() -> None:
    assert notebook_key({"__vsc_ipynb_file__": "/w/a.ipynb"}, {}) == "/w/a.ipynb"
    assert notebook_key({}, {"JPY_SESSION_NAME": "/w/b.ipynb"}) == "/w/b.ipynb"
    assert notebook_key({}, {}).startswith(("kernel:", "ipython:"))


def test_offline_only_without_key_and_base_url() -> None:
    session = NotebookSession()
    assert session.uses_offline("", {})
    assert not session.uses_offline("", {"OPENAI_API_KEY": "sk-x"})
    assert not session.uses_offline("http://gw/v1", {})
    assert not session.uses_offline("", {"OPENAI_BASE_URL": "http://gw/v1"})
    assert session.uses_offline("http://gw/v1", {"NBRESPONSES_BACKEND": "offline"})
    session.login_key = Secret("sk-typed")
    assert not session.uses_offline("", {})
