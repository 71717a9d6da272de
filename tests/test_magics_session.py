"""The per-notebook session: notebook identity, backend choice."""

from __future__ import annotations

from pathlib import Path

import pytest

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


def test_a_history_file_that_cannot_be_used_is_memory_for_the_session_and_said_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "NBRESPONSES_BACKEND"):
        monkeypatch.delenv(name, raising=False)  # the offline backend
    broken = tmp_path / "notes.sqlite"
    broken.write_text("my notes, not a database")
    session = NotebookSession()
    store = session.store(str(broken))
    assert store.in_memory and session.history_store is store
    assert session.store(str(broken)) is store  # the same store for the session: said once
    (note,) = session.notices
    assert note.startswith(f"The history file {broken} cannot be used: it is not an SQLite database.")
    assert "RespondMagics.history_path" in note
    assert broken.read_text() == "my notes, not a database"
    # The offline backend's state follows the history into memory: no state file is made beside the user's file.
    session.client(base_url="", timeout=10, connect_timeout=5, max_retries=0, history_path=str(broken))
    assert session.offline_server is not None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.sqlite"]
    session.close()
