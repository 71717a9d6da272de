"""Before a turn: ``--template NAME`` (``RespondMagics.templates``), model aliases (``RespondMagics.aliases``), and
``{In[N]}`` / ``{Out[N]}`` / ``{_}`` in prompts, read as the user reads them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from nbresponses import testing
from nbresponses.magics._options import RespondOptions
from nbresponses.magics._prepare import Template, resolve_model
from nbresponses.offline import create_app
from tests.kernel_client import kernel
from tests.loopback import serve
from tests.magic_shell import Shell


def sent_text(request: dict[str, Any]) -> str:
    content = request["input"][-1]["content"] if isinstance(request["input"], list) else request["input"]
    return content if isinstance(content, str) else "".join(p.get("text", "") for p in content)


def scripted(ipython: Shell, count: int = 3) -> testing.OfflineBackend:
    backend = testing.OfflineBackend().script([testing.text(f"answer {i}") for i in range(count)])
    ipython.magics.session.use_client(backend.client())
    return backend


# ----- aliases -----


def test_aliases_resolve_through_chains_and_stop_at_cycles() -> None:
    aliases = {"mini": "gpt-4.1-mini", "fast": "mini", "a": "b", "b": "a", "empty": ""}
    assert resolve_model("mini", aliases) == "gpt-4.1-mini"
    assert resolve_model("fast", aliases) == "gpt-4.1-mini"
    assert resolve_model("gpt-4o", aliases) == "gpt-4o"
    assert resolve_model("a", aliases) in ("a", "b")  # a cycle ends, it does not hang
    assert resolve_model("empty", aliases) == "empty"


def test_aliases_work_with_m_and_as_the_default_model(ipython: Shell) -> None:
    backend = scripted(ipython)
    ipython.run("%%respond -m mini\nq1", cell_id="a")
    assert backend.requests[-1]["model"] == "gpt-4.1-mini"
    ipython.magics.aliases = {**ipython.magics.aliases, "house": "gpt-4o"}
    ipython.magics.model = "house"
    ipython.run("%respond q2", cell_id="b")
    assert backend.requests[-1]["model"] == "gpt-4o"
    _, captured = ipython.run("%respond config", cell_id="c")
    assert "house → gpt-4o" in ipython.markdown(captured) and "mini → gpt-4.1-mini" in ipython.markdown(
        captured
    )


# ----- templates -----


def test_a_template_fills_the_cell_into_its_prompt_and_brings_its_settings(ipython: Shell) -> None:
    backend = scripted(ipython)
    ipython.magics.templates = {
        "review": {
            "instructions": "You review Python code.",
            "prompt": "Review this:\n\n{input}\n\nBe brief.",
            "model": "nano",
        },  # fmt: skip
        "plain": "Translate to French: {input}",
        "suffix": "Summarize the text below.",
    }
    ipython.run("%%respond --template review\nprint('hi')", cell_id="a")
    request = backend.requests[-1]
    assert sent_text(request) == "Review this:\n\nprint('hi')\n\nBe brief."
    assert request["instructions"] == "You review Python code." and request["model"] == "gpt-4.1-nano"
    ipython.run("%%respond --template review -m gpt-4o -i 'Be harsh.'\nx = 1", cell_id="b")
    assert backend.requests[-1]["model"] == "gpt-4o" and backend.requests[-1]["instructions"] == "Be harsh."
    ipython.run("%respond --template plain good morning", cell_id="c")
    assert sent_text(backend.requests[-1]) == "Translate to French: good morning"


def test_a_template_without_input_gets_the_cell_after_it(ipython: Shell) -> None:
    backend = scripted(ipython)
    ipython.magics.templates = {"suffix": "Summarize the text below."}
    ipython.run("%%respond --template suffix\nLong text.", cell_id="a")
    assert sent_text(backend.requests[-1]) == "Summarize the text below.\n\nLong text."
    assert Template("t", prompt="Only this.").fill("") == "Only this."


def test_a_template_may_set_the_format(ipython: Shell, monkeypatch: pytest.MonkeyPatch) -> None:
    backend = testing.OfflineBackend().script([testing.text("```python\nprint(2)\n```")])
    ipython.magics.session.use_client(backend.client())
    cells: list[str] = []
    monkeypatch.setattr(ipython.shell, "set_next_input", lambda text, replace=False: cells.append(text))
    ipython.magics.templates = {"coder": {"prompt": "Write Python: {input}", "format": "code"}}
    ipython.run("%%respond --template coder\nprint two", cell_id="a")
    assert cells == ["print(2)"] and "code only" in backend.requests[-1]["instructions"]


@pytest.mark.parametrize(
    ("templates", "line", "message"),
    [
        ({"review": "x {input}"}, "--template reveiw", "No template named 'reveiw'. Did you mean 'review'?"),
        ({}, "--template x", "Templates: none yet"),
        ({"t": {"prompt": "x", "sytem": "y"}}, "--template t", "unknown keys sytem"),
        ({"t": {"prompt": 3}}, "--template t", "['prompt'] must be text"),
        ({"t": {"format": "yaml"}}, "--template t", "must be one of code, markdown, json, text"),
        ({"t": 5}, "--template t", "must be a prompt"),
    ],
)
def test_template_mistakes_are_one_clear_line_and_send_nothing(
    ipython: Shell, templates: dict[str, Any], line: str, message: str
) -> None:
    backend = scripted(ipython)
    ipython.magics.templates = templates
    result, _ = ipython.run(f"%%respond {line}\nq", cell_id="a")
    assert not result.success and message in str(result.error_in_exec)
    assert backend.requests == []


def test_templates_are_listed(ipython: Shell) -> None:
    _, captured = ipython.run("%respond templates")
    assert "No templates yet" in captured.stdout
    ipython.magics.templates = {"review": {"instructions": "You review code.", "prompt": "Review: {input}",
                                           "description": "a code review"}}  # fmt: skip
    _, captured = ipython.run("%respond templates")
    table = ipython.markdown(captured)
    assert "`review`" in table and "a code review" in table and "You review code." in table
    assert "Review: {input}" in table


def test_templates_followed_by_words_is_a_prompt(ipython: Shell) -> None:
    backend = scripted(ipython)
    ipython.run("%respond templates for a cover letter?", cell_id="a")
    assert sent_text(backend.requests[-1]) == "templates for a cover letter?"


def test_count_uses_the_template_and_the_alias(ipython: Shell) -> None:
    ipython.magics.templates = {"long": "Please consider carefully: {input}"}
    _, captured = ipython.run("%respond count --template long -m mini hello")
    assert "input tokens for gpt-4.1-mini" in captured.stdout


def test_options_object_is_not_changed_in_place() -> None:
    options = RespondOptions(template="x")
    assert options.model is None  # prepare() returns a copy; the parsed options stay as typed


# ----- In, Out and _ -----


def test_in_out_and_underscore_read_as_the_user_reads_them(ipython: Shell) -> None:
    backend = scripted(ipython)
    ipython.run(
        "import pandas as pd\nframe = pd.DataFrame({'city': ['Paris', 'Lyon'], 'n': [1, 2]})"
    )  # In[1]
    ipython.run("frame")  # In[2]: Out[2] is the DataFrame
    ipython.run("6 * 7")  # In[3]: _ is 42
    ipython.run("%%respond\nWhat does {In[1]} do? It gave {Out[2]}. The answer is {_}.", cell_id="a")
    sent = sent_text(backend.requests[-1])
    assert (
        "What does import pandas as pd\nframe = pd.DataFrame({'city': ['Paris', 'Lyon'], 'n': [1, 2]}) do?"
        in sent
    )
    assert "| Paris |" in sent and "| Lyon |" in sent  # Out[2] as a Markdown table, as {frame} would be
    assert sent.rstrip().endswith("The answer is 42.")
    ipython.run("%%respond\nExplain {In[4]} and {_3}", cell_id="b")  # the %%respond cell, as typed
    sent = sent_text(backend.requests[-1])
    assert (
        "%%respond\nWhat does {In[1]} do?" in sent
        and "run_cell_magic" not in sent
        and sent.rstrip().endswith("and 42")
    )


def test_history_names_in_a_kernel(tmp_path: Path) -> None:
    backend = testing.OfflineBackend().script([testing.text("ok"), testing.text("ok")])
    env = {"NBRESPONSES_BACKEND": "", "NBRESPONSES_HISTORY": str(tmp_path / "h.sqlite")}
    with serve(create_app(backend.server)) as base_url, kernel(**env) as k:
        k.execute(f"%load_ext nbresponses\n%config RespondMagics.base_url = {base_url!r}")  # In[1]
        k.execute("numbers = [3, 1, 2]\nsorted(numbers)")  # In[2], Out[2]
        k.execute("%config RespondMagics.templates = {'why': 'Why does this work? {input}'}")  # In[3]
        outputs = k.execute("%%respond --template why -m nano\n{In[2]} gives {Out[2]}, last {_}", cell_id="c")
        assert not [o for o in outputs if o["msg_type"] == "error"], outputs
        request = backend.requests[-1]
        assert request["model"] == "gpt-4.1-nano"
        assert sent_text(request) == (
            "Why does this work? numbers = [3, 1, 2]\nsorted(numbers) gives [\n  1,\n  2,\n  3\n], last [\n  1,\n  2,\n  3\n]"
        )
