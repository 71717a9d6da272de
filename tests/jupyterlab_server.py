"""Start JupyterLab (or Notebook 7) on 127.0.0.1 in a subprocess, isolated from the user's Jupyter and IPython set-up.

The server, and the kernels it starts, get their own config, data, runtime and IPython directories, the offline
backend and a private history file; the venv's own ``share/jupyter`` (JupyterLab's assets, the ipywidgets
lab extension, the ``python3`` kernel spec) is still found because it lives under ``sys.prefix``.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2

from tests.processes import stop

# Variables that would point Jupyter or IPython at the user's files, or the kernel at a real API.
_DROPPED = (
    "JUPYTER_PATH",
    "JUPYTER_CONFIG_PATH",
    "JUPYTER_PLATFORM_DIRS",
    "JUPYTER_NO_CONFIG",
    "JUPYTERLAB_DIR",
    "JUPYTERLAB_SETTINGS_DIR",
    "JUPYTERLAB_WORKSPACES_DIR",
    "PYTHONSTARTUP",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
)


@dataclass(frozen=True)
class LabServer:
    """A running JupyterLab: where it listens, its token and its log file."""

    url: str
    token: str
    root: Path
    log: Path
    app: str = "lab"
    """``lab`` (JupyterLab) or ``notebook`` (Notebook 7)."""

    def lab_url(self, notebook: str) -> str:
        """The address that opens ``notebook`` (relative to the root dir) in the app, logged in."""
        if self.app == "notebook":
            return f"{self.url}/notebooks/{notebook}?token={self.token}"
        return f"{self.url}/lab/tree/{notebook}?token={self.token}"

    def set_theme(self, theme: str) -> None:
        """Switch the app's theme (``JupyterLab Light`` or ``JupyterLab Dark``); a reloaded page shows it."""
        reply = self.api(
            "PUT", "/lab/api/settings/@jupyterlab/apputils-extension:themes",
            json={"raw": json.dumps({"theme": theme})},
        )  # fmt: skip
        assert reply.status_code in (200, 204), reply.text

    def api(self, method: str, path: str, **kwargs: Any) -> httpx2.Response:
        """Call the server's REST API with the token."""
        with httpx2.Client(timeout=30, headers={"Authorization": f"token {self.token}"}) as http:
            return http.request(method, f"{self.url}{path}", **kwargs)

    def kernels(self) -> list[dict[str, Any]]:
        """The running kernels (``execution_state``, ``connections``, ...); empty while they cannot be listed.

        jupyter_server answers 500 to this while a kernel is starting (its ``last_activity`` is not set yet).
        """
        reply = self.api("GET", "/api/kernels")
        if reply.status_code != 200:
            return []
        kernels: list[dict[str, Any]] = reply.json()
        return kernels

    def log_tail(self, chars: int = 4000) -> str:
        """The end of the server's log (for failure messages)."""
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


# User settings of the fresh JupyterLab: no "get the news?" toast over the notebook, no update check, and every
# cell attached to the DOM (no windowing), so what the test looks for does not depend on the viewport.
_LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def lab_environment(state: Path) -> dict[str, str]:
    """The server's environment: the test process's, with every user-level directory moved under ``state``."""
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED}
    for name, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                      ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython")):  # fmt: skip
        (state / sub).mkdir(parents=True, exist_ok=True)
        env[name] = str(state / sub)
    for plugin, values in _LAB_SETTINGS.items():
        settings = state / "config" / "lab" / "user-settings" / f"{plugin}.jupyterlab-settings"
        settings.parent.mkdir(parents=True, exist_ok=True)
        settings.write_text(json.dumps(values))
    env["JUPYTER_PREFER_ENV_PATH"] = "1"  # the venv's share/jupyter before any user-level one
    env["NBRESPONSES_BACKEND"] = "offline"
    env["NBRESPONSES_HISTORY"] = str(state / "history.sqlite")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _wait_ready(process: subprocess.Popen[bytes], server: LabServer, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with {process.returncode}:\n{server.log_tail()}")
        with contextlib.suppress(httpx2.HTTPError):
            if server.api("GET", "/api/status").status_code == 200:
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"jupyter lab did not answer within {timeout:.0f} s:\n{server.log_tail()}")
        time.sleep(0.2)


def _shut_down(process: subprocess.Popen[bytes], server: LabServer) -> None:
    # Kernels run in their own sessions, so killing the server would orphan them: stop them through the API.
    with contextlib.suppress(httpx2.HTTPError, ValueError):
        for kernel in server.kernels():
            server.api("DELETE", f"/api/kernels/{kernel['id']}")
        server.api("POST", "/api/shutdown")
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        stop(process)


@contextlib.contextmanager
def jupyterlab_server(
    root: Path, *, state: Path, timeout: float = 90, app: str = "lab"
) -> Iterator[LabServer]:
    """Run ``jupyter lab`` (or ``jupyter notebook``) serving ``root``; yield it once its API answers; always stop
    it and its kernels.

    Args:
        root: the directory the app serves (the notebooks under test).
        state: an empty directory for the server's config, data, runtime, IPython dir, history and log.
        timeout: how long the server may take to start.
        app: ``lab`` for JupyterLab, ``notebook`` for Notebook 7.
    """
    port = _free_port()
    token = secrets.token_hex(24)
    env = lab_environment(state)
    log = state / "jupyterlab.log"
    command = [
        sys.executable, "-m", "jupyterlab" if app == "lab" else "notebook",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}",
        f"--IdentityProvider.token={token}",
        "--ServerApp.allow_root=True",  # CI runs as root
        "--ServerApp.terminals_enabled=False",
    ]  # fmt: skip
    if app == "lab":
        command += [
            "--LabApp.extension_manager=readonly",  # no package index queried for extensions
            "--LabApp.news_url=None",  # no announcements fetched, no news pop-up over the notebook
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ]
    server = LabServer(url=f"http://127.0.0.1:{port}", token=token, root=root, log=log, app=app)
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            command, cwd=root, env=env, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT
        )
        try:
            _wait_ready(process, server, timeout=timeout)
            yield server
        finally:
            _shut_down(process, server)
    assert process.returncode is not None, "jupyter lab is still running"
