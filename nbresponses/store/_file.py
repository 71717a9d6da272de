"""Where the SQLite history file lives, and opening it without ever harming it: the file is the user's.

Every way a path can be unusable (a folder, no permission, a read-only file or folder, a file that is not SQLite,
another program's database, a newer schema) becomes one `HistoryError` naming the file, raised before anything is
written. Nothing here repairs, truncates or replaces a file.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Mapping
from pathlib import Path

from nbresponses._exceptions import HistoryError

__all__ = ["SQLITE_HEADER", "connect", "default_history_path", "history_error"]

SQLITE_HEADER = b"SQLite format 3\x00"
_WAL_RETRY_S = 10.0


def default_history_path(environ: Mapping[str, str] | None = None) -> Path:
    """Where the history lives: ``$NBRESPONSES_HISTORY``, else the platform's user data directory.

    The directory is platformdirs' ``user_data_path("nbresponses")``: ``$XDG_DATA_HOME/nbresponses``
    (``~/.local/share/nbresponses``) on Linux, ``~/Library/Application Support/nbresponses`` on macOS,
    ``%LOCALAPPDATA%\\nbresponses`` on Windows; the file is ``history.sqlite3`` in it."""
    env = os.environ if environ is None else environ
    if env.get("NBRESPONSES_HISTORY"):
        return Path(env["NBRESPONSES_HISTORY"]).expanduser()
    import platformdirs  # here: `import nbresponses` stays cheap

    return platformdirs.user_data_path("nbresponses", appauthor=False) / "history.sqlite3"


def history_error(path: object, action: str, error: BaseException | str) -> HistoryError:
    """The one-line error for ``path`` that could not be ``action`` ("opened", "written", …) because of ``error``."""
    reason = (
        error
        if isinstance(error, str)
        else (getattr(error, "strerror", None) or str(error) or type(error).__name__)
    )
    where = "The in-memory history" if str(path) == ":memory:" else f"The history file {path}"
    return HistoryError(f"{where} cannot be {action}: {reason}.", path=path)


def _check_file(path: Path) -> None:
    if path.is_dir():
        raise history_error(path, "used", "it is a folder, not a file")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as error:
        raise history_error(path, "created", error) from None
    if not path.exists():
        try:  # prompts are private: the file is made user-only (SQLite gives -wal and -shm the same mode)
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        except OSError as error:
            raise history_error(path, "created", error) from None
        return
    if not os.access(path, os.R_OK):
        raise history_error(path, "read", "permission denied")
    if not os.access(path, os.W_OK):
        raise history_error(path, "written", "it is read-only")
    try:
        with open(path, "rb") as file:
            header = file.read(len(SQLITE_HEADER))
    except OSError as error:
        raise history_error(path, "read", error) from None
    if header and header != SQLITE_HEADER:
        raise history_error(path, "used", "it is not an SQLite database")


def _check_schema(conn: sqlite3.Connection, path: Path, schema_version: int, tables: frozenset[str]) -> None:
    """Refuse, before anything is written, a file of a newer version or another program's database."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > schema_version:
        raise HistoryError(
            f"The history file {path} was written by a newer nbresponses (schema {version}); "
            "upgrade nbresponses to use it.",
            path=path,
        )
    if version == 0:
        sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        foreign = sorted(name for (name,) in conn.execute(sql) if name not in tables)
        if foreign:  # never add our tables to another program's database
            raise HistoryError(
                f"The history file {path} is another program's SQLite database (tables {', '.join(foreign[:3])}).",
                path=path,
            )


def connect(
    path: Path, *, busy_timeout: float, schema_version: int, tables: frozenset[str]
) -> sqlite3.Connection:
    """A connection to the history at ``path`` (``:memory:`` for none) in WAL mode, or `HistoryError`.

    The file is only written to once it is known to be a history of ``schema_version`` or older (or empty):
    its ``tables`` only.
    """
    memory = str(path) == ":memory:"
    if not memory:
        _check_file(path)
    try:
        conn = sqlite3.connect(str(path), timeout=busy_timeout, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as error:
        raise history_error(path, "opened", error) from None
    try:
        _check_schema(conn, path, schema_version, tables)
    except sqlite3.Error as error:
        conn.close()
        raise history_error(path, "read", error) from None
    except HistoryError:
        conn.close()
        raise
    try:
        deadline = time.monotonic() + _WAL_RETRY_S
        while (
            True
        ):  # unlike writes, the switch to WAL does not wait for a busy file: retry while it is locked
            try:
                conn.execute("PRAGMA journal_mode = WAL")
                break
            except sqlite3.OperationalError as error:
                busy = "locked" in str(error) or "busy" in str(error)
                if not busy or time.monotonic() > deadline:
                    raise
                time.sleep(0.025)
        conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.Error as error:
        conn.close()
        raise history_error(path, "opened", error) from None
    return conn
