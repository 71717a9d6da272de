"""The API key, set to a marker, appears nowhere: not in an executed notebook, its errors, reprs, the history, the
cassettes or DEBUG log records, even when a server echoes it back in headers and bodies."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from nbresponses.offline import OfflineServer, create_app
from tests.loopback import serve

MARKER = "sk-MARKER0key0that0must0never0show0up"


def test_marker_key_appears_nowhere(tmp_path: Path) -> None:
    history = tmp_path / "history.sqlite"
    cells = [
        "%load_ext nbresponses",
        "%%respond\nHello over real HTTP",
        "%respond config",
        "import nbresponses\nclient = nbresponses.Client()\nprint(repr(client), client)",
        "try:\n    client.responses.retrieve('resp_missing')\nexcept nbresponses.APIError as e:\n    print(str(e), repr(e), e.hint)",
        "%%respond --thread other -m gpt-4.1\nanother turn {client}",
        "print(_r.model_dump_json())",
    ]
    with serve(create_app(OfflineServer())) as base_url:
        env = {k: v for k, v in os.environ.items() if k != "NBRESPONSES_BACKEND"}
        env.update(OPENAI_API_KEY=MARKER, OPENAI_BASE_URL=base_url, NBRESPONSES_HISTORY=str(history))
        notebook = new_notebook(cells=[new_code_cell(c) for c in cells])
        client = NotebookClient(notebook, kernel_name="python3", timeout=60, allow_errors=False)
        client.km = client.create_kernel_manager()
        client.start_new_kernel(env=env)
        client.start_new_kernel_client()
        try:
            client.execute(cleanup_kc=False, reset_kc=False)
        finally:
            client._cleanup_kernel()  # noqa: SLF001
    path = tmp_path / "executed.ipynb"
    nbformat.write(notebook, path)
    saved = path.read_text(encoding="utf-8")
    assert (
        "Hello over real HTTP" in saved and "not found" in saved
    )  # the cells really ran and talked to the API
    assert MARKER not in saved
    for file in tmp_path.glob("history.sqlite*"):
        assert MARKER.encode() not in file.read_bytes(), file.name


def echoing(app: Any) -> Any:
    """Wrap an ASGI app so that it echoes the caller's key back, as a careless gateway might: in response
    headers, in the answer text (for the word ECHO-KEY), and in a 401 error body (for a prompt with FAIL-ECHO)."""

    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        auth = dict(scope["headers"]).get(b"authorization", b"")
        key = auth.removeprefix(b"Bearer ")
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        echo = [(b"x-echo-authorization", auth), (b"x-request-id", key)]
        if b"FAIL-ECHO" in body:
            error = {"error": {"message": f"Incorrect API key provided: {key.decode()}", "type": "invalid_request_error",
                               "code": "invalid_api_key", "param": None}}  # fmt: skip
            await send({"type": "http.response.start", "status": 401,
                        "headers": [(b"content-type", b"application/json"), *echo]})  # fmt: skip
            await send({"type": "http.response.body", "body": json.dumps(error).encode()})
            return

        async def replay() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send_echoing(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *echo]}
            elif message["type"] == "http.response.body":
                message = {**message, "body": message.get("body", b"").replace(b"ECHO-KEY", key)}
            await send(message)

        await app(scope, replay, send_echoing)

    return wrapped


def test_a_key_the_server_echoes_appears_in_no_log_record_history_cassette_or_output(tmp_path: Path) -> None:
    history, log, cassette = (
        tmp_path / "history.sqlite",
        tmp_path / "debug.log",
        tmp_path / "calls.cassette.json",
    )
    cells = [
        f"import logging\nlogging.basicConfig(filename={str(log)!r}, level=logging.DEBUG, force=True)",
        "%load_ext nbresponses",
        "%%respond\nPlease repeat ECHO-KEY back to me.",
        "%%respond\nFAIL-ECHO: this one is refused",
        "print(_r.model_dump_json() if '_r' in dir() else 'no _r')",
        f"%config RespondMagics.cassette = {str(cassette)!r}",
        "%%respond --thread taped\nRecord ECHO-KEY on tape.",
        "%config RespondMagics.cassette = ''",
        "import nbresponses\nclient = nbresponses.Client()\n"
        "print(client.responses.create(model='gpt-4.1', input='say ECHO-KEY').output_text)\n"
        "with client.responses.stream(model='gpt-4.1', input='stream ECHO-KEY') as events:\n"
        "    print(events.get_final_response().output_text)",
        "try:\n    client.responses.create(model='gpt-4.1', input='FAIL-ECHO')\n"
        "except nbresponses.APIError as e:\n    print(str(e), repr(e), e.hint, e.body)",
        "%respond history",
        "%respond config",
        "logging.getLogger('nbresponses').debug('a record that quotes the key: %s', __import__('os').environ['OPENAI_API_KEY'])",
    ]
    with serve(echoing(create_app(OfflineServer()))) as base_url:
        env = {k: v for k, v in os.environ.items() if k != "NBRESPONSES_BACKEND"}
        env.update(OPENAI_API_KEY=MARKER, OPENAI_BASE_URL=base_url, NBRESPONSES_HISTORY=str(history))
        notebook = new_notebook(cells=[new_code_cell(c) for c in cells])
        client = NotebookClient(notebook, kernel_name="python3", timeout=60, allow_errors=True)
        client.km = client.create_kernel_manager()
        client.start_new_kernel(env=env)
        client.start_new_kernel_client()
        try:
            client.execute(cleanup_kc=False, reset_kc=False)
        finally:
            client._cleanup_kernel()  # noqa: SLF001
    path = tmp_path / "executed.ipynb"
    nbformat.write(notebook, path)
    saved = path.read_text(encoding="utf-8")
    if os.environ.get("NBR_KEEP"):
        import shutil

        shutil.copytree(tmp_path, os.environ["NBR_KEEP"], dirs_exist_ok=True)
    errors = [o for cell in notebook.cells for o in cell.get("outputs", []) if o.output_type == "error"]
    assert [e.ename for e in errors] == ["TurnFailed"]  # only the refused turn; everything else ran
    assert saved.count("[redacted]") >= 4  # the echoes really came back (answers, error, request ids)
    assert "Incorrect API key provided: [redacted]" in saved
    logged = log.read_text(encoding="utf-8")
    assert "receive_response_headers.complete" in logged and "x-echo-authorization" in logged  # DEBUG ran
    assert "a record that quotes the key: [redacted]" in logged
    assert "[redacted]" in cassette.read_text(encoding="utf-8")  # the recorded answer quoted the key
    for name, text in [
        ("notebook", saved),
        ("log", logged),
        ("cassette", cassette.read_text(encoding="utf-8")),
    ]:
        assert MARKER not in text, name
        assert MARKER[3:20] not in text, name  # not even a part of it
    for file in tmp_path.glob("history.sqlite*"):
        assert MARKER.encode() not in file.read_bytes(), file.name
