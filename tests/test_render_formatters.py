"""Tests of nbresponses.render._formatters: a `Response` displays through IPython's formatters once loaded."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from IPython.core.interactiveshell import InteractiveShell

from nbresponses.render import register_display, response_html, unregister_display
from nbresponses.types.response import Response


def answer(text: str) -> Response:
    return Response.model_validate({
        "id": "resp_1", "object": "response", "status": "completed", "model": "gpt-4.1",
        "output": [{"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
                    "content": [{"type": "output_text", "text": text, "annotations": []}]}],
    })  # fmt: skip


@pytest.fixture
def shell() -> Iterator[InteractiveShell]:
    InteractiveShell.clear_instance()
    yield InteractiveShell.instance()
    InteractiveShell.clear_instance()


def test_a_registered_response_shows_itself_as_safe_html_markdown_and_text(shell: InteractiveShell) -> None:
    response = answer("<b>bold?</b> **bold**")
    plain, _ = shell.display_formatter.format(response)
    assert set(plain) == {"text/plain"}  # the types know nothing of the display
    register_display(shell)
    bundle, _ = shell.display_formatter.format(response)
    assert bundle["text/html"] == response_html(response)
    assert "&lt;b&gt;bold?&lt;/b&gt; <strong>bold</strong>" in bundle["text/html"]
    assert "**bold**" in bundle["text/markdown"] and bundle["text/plain"].startswith("Response(")
    register_display(shell)  # twice is once
    unregister_display(shell)
    again, _ = shell.display_formatter.format(response)
    assert set(again) == {"text/plain"}


def test_load_ext_registers_the_display_and_unload_removes_it(shell: InteractiveShell) -> None:
    shell.run_line_magic("load_ext", "nbresponses")
    assert "text/html" in shell.display_formatter.format(answer("hi"))[0]
    shell.run_line_magic("unload_ext", "nbresponses")
    assert "text/html" not in shell.display_formatter.format(answer("hi"))[0]
