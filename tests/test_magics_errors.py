"""``%respond fix`` / ``%respond explain [CELL]``: the failing cell's source and its error, the traceback trimmed to
the user's frames, sent as one turn; the fix comes back as a new cell."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from nbresponses import testing
from nbresponses.magics._errors import CellErrors, explain_prompt, fix_prompt, format_user_traceback
from nbresponses.offline import create_app
from tests.kernel_client import kernel
from tests.loopback import serve
from tests.magic_shell import Shell


def sent_text(request: dict[str, Any]) -> str:
    """The text of the last user message of a request."""
    items = request["input"] if isinstance(request["input"], list) else [{"content": request["input"]}]
    content = items[-1]["content"]
    return content if isinstance(content, str) else "".join(p.get("text", "") for p in content)


def scripted(ipython: Shell, *replies: Any) -> testing.OfflineBackend:
    backend = testing.OfflineBackend().script(list(replies))
    ipython.magics.session.use_client(backend.client())
    return backend


@pytest.fixture
def next_inputs(ipython: Shell, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    monkeypatch.setattr(ipython.shell, "set_next_input", lambda text, replace=False: calls.append(text))
    return calls


def raised(code: str, namespace: dict[str, Any] | None = None) -> BaseException:
    try:
        exec(compile(code, "/home/me/project/helpers.py", "exec"), namespace or {})
    except Exception as error:
        return error
    raise AssertionError("did not raise")


def test_traceback_keeps_user_frames_and_the_library_frame_that_raised() -> None:
    error = raised("import json\ndef load(text):\n    return json.loads(text)\nload('{bad')")
    text = format_user_traceback(error, cell_name=lambda f: None)
    lines = text.splitlines()
    assert lines[0].startswith("Traceback (most recent call last;") and "library frame" in lines[0]
    assert 'File "/home/me/project/helpers.py", line 4, in <module>' in text
    assert 'File "/home/me/project/helpers.py", line 3, in load' in text
    assert "json/decoder.py" in text and "(library)" in text  # the innermost, where it was raised
    assert text.count("(library)") == 1  # json/__init__.py's frame in between is left out
    assert lines[-1].startswith("json.decoder.JSONDecodeError: Expecting property name")


def test_cells_are_named_and_a_cause_is_said() -> None:
    error = raised("try:\n    {}['k']\nexcept KeyError as e:\n    raise ValueError('no k') from e")
    text = format_user_traceback(error, cell_name=lambda f: "In[7]" if f.endswith("helpers.py") else None)
    assert text.splitlines()[0] == "(raised while handling KeyError: 'k')"
    assert "Cell In[7], line 4, in <module>" in text and text.endswith("ValueError: no k")


def test_the_log_keeps_text_only_and_skips_stopped_turns() -> None:
    log = CellErrors()

    class Info:
        raw_cell = "1/0"

    class Result:
        info = Info()
        execution_count = 3
        error_before_exec = None
        error_in_exec: BaseException | None = raised("1/0")

    log.record(Result(), cell_name=lambda f: "In[3]")
    assert log.last() == log.get(3) and log.get(3) is not None
    assert log.get(3).summary == "ZeroDivisionError: division by zero" and log.get(3).source == "1/0"
    assert not any(isinstance(v, BaseException) for v in vars(log.get(3)).values())

    class Stopped(Result):
        execution_count = 4
        error_in_exec = KeyboardInterrupt()

    log.record(Stopped(), cell_name=lambda f: None)
    assert log.last() is not None and log.last().execution_count == 3


def test_prompts_carry_the_cell_and_the_error() -> None:
    log = CellErrors()

    class Result:
        class info:  # noqa: N801
            raw_cell = "x = {'a': 1}\nx['b']"

        execution_count = 5
        error_before_exec = None
        error_in_exec = raised("x = {'a': 1}\nx['b']")

    log.record(Result(), cell_name=lambda f: "In[5]")
    error = log.get(5)
    assert error is not None
    fix = fix_prompt(error)
    assert "In[5]" in fix and "```python\nx = {'a': 1}\nx['b']\n```" in fix and "KeyError: 'b'" in fix
    assert "whole corrected cell" in fix
    assert "Explain this error" in explain_prompt(error)
    assert "Explain what this" in explain_prompt(None, number=2, source="print(1)")


def test_fix_sends_the_failing_cell_and_its_error_and_offers_the_fix(
    ipython: Shell, next_inputs: list[str]
) -> None:
    backend = scripted(ipython, testing.text("```python\ntotal = sum([1, 2])\nprint(total)\n```"))
    ipython.run("numbers = [1, 2]", cell_id="a")
    failing, _ = ipython.run("total = sum(numbers) + 'x'\nprint(total)", cell_id="b")
    assert not failing.success
    result, captured = ipython.run("%respond fix", cell_id="c")
    assert result.success
    sent = sent_text(backend.requests[-1])
    assert "total = sum(numbers) + 'x'\nprint(total)" in sent
    assert "TypeError: unsupported operand type(s) for +: 'int' and 'str'" in sent
    assert "Cell In[2], line 1, in <module>" in sent
    assert "interactiveshell.py" not in sent  # IPython's own frames are left out
    assert "code only" in backend.requests[-1]["instructions"]
    assert next_inputs == ["total = sum([1, 2])\nprint(total)"]
    assert "is in a new cell below" in ipython.markdown(captured)


def test_fix_and_explain_a_named_cell(ipython: Shell, next_inputs: list[str]) -> None:
    backend = scripted(ipython, testing.text("It divides by zero."), testing.text("It prints one."),
                       testing.text("```python\nprint(1 / 1)\n```"))  # fmt: skip
    ipython.run("print(1)", cell_id="a")  # In[1]
    ipython.run("1 / 0", cell_id="b")  # In[2]
    ipython.run("[][1]", cell_id="c")  # In[3]: the last error
    ipython.run("%respond explain In[2]", cell_id="d")
    assert "ZeroDivisionError" in sent_text(backend.requests[-1]) and "IndexError" not in sent_text(
        backend.requests[-1]
    )
    assert next_inputs == []  # explain answers in prose
    ipython.run("%respond explain 1", cell_id="e")
    assert "Explain what this Jupyter notebook cell does" in sent_text(backend.requests[-1])
    assert "print(1)" in sent_text(backend.requests[-1])
    ipython.run("%respond fix [2] -m mini", cell_id="f")
    assert backend.requests[-1]["model"] == "gpt-4.1-mini" and "1 / 0" in sent_text(backend.requests[-1])
    assert next_inputs == ["print(1 / 1)"]


def test_braces_in_the_failing_cell_are_sent_as_typed(ipython: Shell) -> None:
    backend = scripted(ipython, testing.text("```python\nx\n```"))
    ipython.run("import pandas as pd\ndf = pd.DataFrame({'a': [1]})", cell_id="a")
    ipython.run("f'{df}' + 1", cell_id="b")
    ipython.run("%respond fix", cell_id="c")
    assert "f'{df}' + 1" in sent_text(backend.requests[-1])  # not the DataFrame as a table


def test_nothing_to_fix_is_a_usage_error_and_sends_nothing(ipython: Shell) -> None:
    backend = scripted(ipython, testing.text("never"))
    result, captured = ipython.run("%respond fix", cell_id="a")
    assert not result.success and "nothing to fix" in str(result.error_in_exec)
    result, _ = ipython.run("%respond explain", cell_id="b")
    assert not result.success and "%respond explain 5" in str(result.error_in_exec)
    result, _ = ipython.run("%respond explain 99", cell_id="c")
    assert not result.success and "no cell In[99]" in str(result.error_in_exec)
    assert backend.requests == []


def test_explain_followed_by_words_is_a_prompt(ipython: Shell) -> None:
    backend = scripted(ipython, testing.text("A join combines tables."))
    result, _ = ipython.run("%respond explain how a SQL join works", cell_id="a")
    assert result.success and sent_text(backend.requests[-1]) == "explain how a SQL join works"


def test_a_failed_turn_is_not_an_error_to_fix(ipython: Shell) -> None:
    backend = scripted(ipython, testing.http_error(400, message="bad request"), testing.text("never"))
    failed, _ = ipython.run("%%respond\nq", cell_id="a")
    assert not failed.success
    assert ipython.magics.cell_errors.last() is None
    assert len(backend.requests) == 1


def test_fix_in_a_kernel_against_a_loopback_server(tmp_path: Path) -> None:
    backend = testing.OfflineBackend().script(
        [testing.text("```python\nimport json\njson.loads('{\"a\": 1}')\n```")]
    )
    env = {"NBRESPONSES_BACKEND": "", "NBRESPONSES_HISTORY": str(tmp_path / "h.sqlite")}
    with serve(create_app(backend.server)) as base_url, kernel(**env) as k:
        k.execute(f"%load_ext nbresponses\n%config RespondMagics.base_url = {base_url!r}", cell_id="setup")
        k.execute("import json\ndef load(text):\n    return json.loads(text)", cell_id="helpers")
        errors = [o for o in k.execute("load('{bad')", cell_id="failing") if o["msg_type"] == "error"]
        assert errors and errors[0]["ename"] == "JSONDecodeError"
        outputs = k.execute("%respond fix", cell_id="fix", allow_stdin=True)  # as JupyterLab sends it
        payloads = [p["text"] for p in k.reply().get("payload", []) if p.get("source") == "set_next_input"]
        assert payloads == ["import json\njson.loads('{\"a\": 1}')"], outputs
        sent = sent_text(backend.requests[-1])
        assert "load('{bad')" in sent and "JSONDecodeError: Expecting property name" in sent
        assert "Cell In[3], line 1, in <module>" in sent and "Cell In[2], line 3, in load" in sent
        assert sent.count("(library)") == 1 and "json/decoder.py" in sent
        last = k.value("get_ipython().magics_manager.registry['RespondMagics'].cell_errors.last().summary")
        assert last.startswith("JSONDecodeError")  # the %respond fix cell is not an error of its own
        k.execute("%respond explain 3", cell_id="explain")
        assert not [p for p in k.reply().get("payload", []) if p.get("source") == "set_next_input"]  # prose
        assert "Explain this error" in sent_text(backend.requests[-1]) and "load('{bad')" in sent_text(
            backend.requests[-1]
        )
        k.execute("%respond?")
        pages = [p for p in k.reply().get("payload", []) if p.get("source") == "page"]
        help_text = pages[0]["data"]["text/plain"] if pages else ""
        assert "--format code|markdown|json|text" in help_text and "fix [OPTIONS] [CELL]" in help_text
