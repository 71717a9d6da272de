"""Auto mode's memory in the history database: which API each model answered on, per base URL.

`StoredRoutes` is the `RouteMemory` the notebook magic gives its client, so that a model a gateway refused on
``/v1/responses`` goes straight to the Chat Completions bridge next time, also after a kernel restart. The
``api_routes`` table is created by the history's schema migration 1 → 2 (`nbresponses.store`).
"""

from __future__ import annotations

from .store import HistoryStore

__all__ = ["StoredRoutes"]

_UPSERT = """INSERT INTO api_routes (base_url, model, api, updated_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (base_url, model) DO UPDATE SET api = excluded.api, updated_at = excluded.updated_at"""


class StoredRoutes:
    """A `RouteMemory` kept in a `HistoryStore`'s SQLite file (shared by every notebook and kernel)."""

    def __init__(self, store: HistoryStore) -> None:
        self.store = store

    def api_route(self, base_url: str, model: str) -> str | None:
        """The API (``"responses"`` or ``"chat"``) ``model`` answered on at ``base_url``, if known."""
        rows = self.store._read(
            "SELECT api FROM api_routes WHERE base_url = ? AND model = ?", (base_url, model)
        )
        return str(rows[0][0]) if rows else None

    def set_api_route(self, base_url: str, model: str, api: str) -> None:
        """Remember that ``model`` answers on ``api`` at ``base_url``."""
        if api not in ("responses", "chat"):
            raise ValueError(f"api must be 'responses' or 'chat', not {api!r}.")
        with self.store._write() as conn:
            conn.execute(_UPSERT, (base_url, model, api, self.store._clock()))

    def routes(self, base_url: str) -> dict[str, str]:
        """Model -> API of every model remembered at ``base_url``."""
        rows = self.store._read(
            "SELECT model, api FROM api_routes WHERE base_url = ? ORDER BY model", (base_url,)
        )
        return {str(model): str(api) for model, api in rows}

    def forget(self, base_url: str, model: str) -> None:
        """Forget what ``model`` answered on (auto mode tries ``/v1/responses`` again)."""
        with self.store._write() as conn:
            conn.execute("DELETE FROM api_routes WHERE base_url = ? AND model = ?", (base_url, model))
