"""Test session set-up (tests and notebooks alike): no test reaches a real API or writes to the user's history.

At the root so that ``pytest notebooks/NAME.ipynb`` alone gets it too.
"""

from __future__ import annotations

import os
import tempfile

import pytest

pytest_plugins = [
    "tests.magic_shell",  # the `ipython` fixture: a real InteractiveShell with the magic loaded
    "tests.nbval_updates",  # nbval applies display updates, as nbclient does when it saves a notebook
]

# Set at import, before any kernel (nbval, nbclient, jupyter_client) is started: kernels inherit the environment.
for _name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"):
    os.environ.pop(_name, None)
os.environ["NBRESPONSES_BACKEND"] = "offline"
os.environ["NBRESPONSES_HISTORY"] = os.path.join(
    tempfile.mkdtemp(prefix="nbresponses-tests-"), "history.sqlite"
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
