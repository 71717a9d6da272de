"""Per-notebook state of the magic: which backend, which history file, which threads, the last result.

One `NotebookSession` belongs to one `RespondMagics` instance (one per kernel); nothing here is module-level.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from nbresponses import _default as default
from nbresponses._config import Secret

if TYPE_CHECKING:
    from nbresponses.client import Client
    from nbresponses.conversation import Conversation
    from nbresponses.pricing import PriceTable
    from nbresponses.pricing.budget import BudgetGuard
    from nbresponses.store import HistoryStore
    from nbresponses.transports.routing import ApiMode
    from nbresponses.types.response import Response

__all__ = ["OFFLINE_NOTICE", "NotebookSession", "notebook_key"]

OFFLINE_NOTICE = (
    f"{default.OFFLINE_NOTICE} Set OPENAI_API_KEY, run %respond login, or %config RespondMagics.base_url = '...' "
    "to use a real API."
)


def notebook_key(user_ns: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> str:
    """What identifies this notebook in the history: its path where the frontend tells it, else the kernel."""
    env = os.environ if environ is None else environ
    vscode = user_ns.get("__vsc_ipynb_file__")
    if isinstance(vscode, str) and vscode:
        return vscode
    for name in ("JPY_SESSION_NAME", "NBRESPONSES_NOTEBOOK"):
        if env.get(name):
            return env[name]
    try:
        from ipykernel import get_connection_file  # only inside a kernel

        return "kernel:" + Path(get_connection_file()).stem.removeprefix("kernel-")
    except Exception:  # not in a kernel (terminal IPython, tests): one key per process
        return f"ipython:{os.getpid()}"


class NotebookSession:
    """The backend, history and conversations of one notebook."""

    def __init__(self) -> None:
        self.login_key: Secret | None = None
        self.notebook: str | None = None
        self.last_response: Response | None = None
        self.offline_announced = False
        self.notices: list[str] = []
        self._budget_guard: BudgetGuard | None = None
        self._client: Client | None = None
        self._client_settings: tuple[Any, ...] | None = None
        self._store: HistoryStore | None = None
        self._store_path: str | None = None
        self._conversations: dict[str, Conversation] = {}
        self._fixed_client: Client | None = None
        self._routed: tuple[tuple[Any, ...], Client] | None = None  # the client for one API setting
        self.shown: dict[str, tuple[str, dict[str, str]]] = {}
        """Each cell's last final output in this kernel: cell id -> (display id, bundle), to mark it superseded."""
        self.offline_server: Any = None
        """The in-process offline server, when the offline backend is in use (its ``journal`` lists requests)."""

    def use_client(self, client: Client | None) -> None:
        """Send every turn through ``client`` (a scripted test backend, a proxy...); None goes back to settings."""
        self._fixed_client = client
        self._routed = None
        self._conversations.clear()

    @property
    def budget_guard(self) -> BudgetGuard:
        """Says each budget warning once per notebook session."""
        if self._budget_guard is None:
            from nbresponses.pricing.budget import BudgetGuard

            self._budget_guard = BudgetGuard()
        return self._budget_guard

    def uses_offline(self, base_url: str, environ: Mapping[str, str] | None = None) -> bool:
        """No key and no base URL anywhere: the offline backend answers."""
        return default.wants_offline(api_key=self.login_key, base_url=base_url, environ=environ)

    def client(
        self,
        *,
        base_url: str,
        timeout: float,
        connect_timeout: float,
        max_retries: int,
        cassette: str = "",
        api: str | None = None,
        history: HistoryStore | None = None,
        transport: str = "http",
        history_path: str = "",
    ) -> Client:
        """The client for the current settings (rebuilt when they change), or the one given to `use_client`.

        With ``api`` (``"auto"``, ``"responses"``, ``"chat"``) it sends to that API, auto mode remembering its
        choices in the ``history`` database; a ``"chat"`` client given to `use_client` stays one in auto mode.
        The offline backend keeps its state beside the history at ``history_path`` (so a restarted kernel
        continues its chains); ``transport="websocket"`` creates responses over one persistent connection.
        """
        base = self._base_client(base_url=base_url, timeout=timeout, connect_timeout=connect_timeout,
                                 max_retries=max_retries, cassette=cassette, transport=transport,
                                 history_path=history_path)  # fmt: skip
        if api is None:
            return base
        if base is self._fixed_client and api == "auto" and base.api == "chat":
            api = "chat"  # a client given to use_client keeps its bridge unless --api says otherwise
        key = (id(base), api, id(history))
        if self._routed is None or self._routed[0] != key:
            routes = None
            if history is not None:
                from nbresponses._api_routes import StoredRoutes

                routes = StoredRoutes(history)
            self._routed = (key, base.with_api(cast("ApiMode", api), routes=routes))
            self._conversations.clear()
        return self._routed[1]

    def _base_client(
        self,
        *,
        base_url: str,
        timeout: float,
        connect_timeout: float,
        max_retries: int,
        cassette: str,
        transport: str,
        history_path: str,
    ) -> Client:
        if self._fixed_client is not None:
            return self._fixed_client
        offline = self.uses_offline(base_url)
        settings = (base_url, timeout, connect_timeout, max_retries, self.login_key, offline, cassette, transport,
                    history_path)  # fmt: skip
        if self._client is not None and settings == self._client_settings:
            return self._client
        client: Client
        if cassette and (Path(cassette).exists() or not offline):
            from nbresponses.testing import cassette_client

            replaying = Path(cassette).exists()
            key = self.login_key.reveal() if self.login_key else None
            client = cassette_client(cassette, api_key=key, base_url=base_url or None, timeout=timeout)
            action = (
                "Replaying recorded answers from" if replaying else "Recording this notebook's API calls to"
            )
            self.notices.append(f"{action} {cassette} (no key is written to it).")
        elif offline:
            # A history that fell back to memory (its file unusable) keeps the offline state there too.
            memory = self._store is not None and self._store.in_memory and self._store_path == history_path
            self.offline_server = default.offline_server(history_path or None, in_memory=memory)
            client = default.offline_client(self.offline_server, timeout=timeout, transport=transport)
            if not self.offline_announced:
                self.offline_announced = True
                self.notices.append(OFFLINE_NOTICE)
        else:
            from nbresponses.client import Client

            client = Client(
                api_key=self.login_key.reveal() if self.login_key else None,
                base_url=base_url or None,
                timeout=timeout,
                connect_timeout=connect_timeout,
                max_retries=max_retries,
                transport="websocket" if transport == "websocket" else "http",
            )
        if self._client is not None and self._client is not client:
            self._client.close()  # its connections (a WebSocket among them) are not used again
        self._client, self._client_settings = client, settings
        self._conversations.clear()
        return client

    @property
    def history_store(self) -> HistoryStore | None:
        """The history store opened last (None before the first turn): a file, or memory if the file failed."""
        return self._store

    def store(self, path: str) -> HistoryStore:
        """The history store at ``path`` ('' = the default user-level file).

        A file that cannot be used (not SQLite, a folder, read-only...) is left as it is: the session keeps
        its history in memory and says so once, with what to do.
        """
        if self._store is None or path != self._store_path:
            from nbresponses.store import open_history

            if self._store is not None:
                self._store.close()
            keys = (self.login_key.reveal() if self.login_key else "", os.environ.get("OPENAI_API_KEY", ""))
            self._store, problem = open_history(Path(path) if path else None, secrets=keys)
            if problem:
                self.notices.append(
                    f"{problem} To keep the history, set %config RespondMagics.history_path = '...' "
                    "(or NBRESPONSES_HISTORY) to a file you can write."
                )
            self._store_path = path
            self._conversations.clear()
        return self._store

    def conversation(
        self, thread: str, *, client: Client, store: HistoryStore, prices: PriceTable | None
    ) -> Conversation:
        """The conversation of ``thread`` in this notebook."""
        from nbresponses.conversation import Conversation

        found = self._conversations.get(thread)
        if found is None or found.client is not client or found.store is not store:
            found = Conversation(client, store=store, notebook=self.notebook or "notebook", thread=thread)
            self._conversations[thread] = found
        found.prices = prices
        return found

    def close(self) -> None:
        """Release the client and the history file."""
        if self._client is not None:
            self._client.close()
        if self._store is not None:
            self._store.close()
        self._client = self._store = None
        self._conversations.clear()
