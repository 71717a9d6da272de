"""%respond subcommands: threads, history, reset, fork, count, usage, tools, login, budget."""

from __future__ import annotations

import pytest

import nbresponses
from nbresponses import testing
from tests.magic_shell import Shell


def test_threads_and_history_tables(ipython: Shell) -> None:
    ipython.run("%%respond\nfirst", cell_id="a")
    ipython.run("%%respond --thread side\nother", cell_id="b")
    _, threads = ipython.run("%respond threads")
    table = ipython.markdown(threads)
    assert "| default | server | 1 |" in table and "| side | server | 1 |" in table
    _, history = ipython.run("%respond history side")
    assert "| b | other |" in ipython.markdown(history)


def test_reset_starts_afresh(ipython: Shell) -> None:
    backend = testing.OfflineBackend()
    ipython.magics.session.use_client(backend.client())
    ipython.run("%%respond\none")
    ipython.run("%respond reset")
    ipython.run("%%respond\ntwo")
    assert "previous_response_id" not in backend.requests[1]


def test_fork_from_a_response_id(ipython: Shell) -> None:
    backend = testing.OfflineBackend()
    ipython.magics.session.use_client(backend.client())
    ipython.run("%%respond\nroot")
    root = ipython.ns["_r"].id
    ipython.run("%%respond\nmain")
    ipython.run(f"%respond fork {root} --thread alt")
    ipython.run("%%respond --thread alt\nbranch")
    assert backend.requests[2]["previous_response_id"] == root
    result, _ = ipython.run("%respond fork resp_unknown --thread x")
    assert type(result.error_in_exec).__name__ == "UsageError"


def test_count_uses_the_input_tokens_endpoint(ipython: Shell) -> None:
    backend = testing.OfflineBackend()
    ipython.magics.session.use_client(backend.client())
    _, captured = ipython.run("%respond count How long is this prompt?")
    assert "input tokens for gpt-4.1" in captured.stdout
    assert backend.journal[-1]["path"].endswith("/responses/input_tokens") and backend.requests == []


def test_usage_dashboard_and_function(ipython: Shell) -> None:
    ipython.run("%%respond\none")
    ipython.run("%%respond -m o4-mini --reasoning low\ntwo")
    _, captured = ipython.run("%respond usage")
    dashboard = ipython.markdown(captured)
    assert "**2 turns**" in dashboard and "| gpt-4.1 | 1 |" in dashboard and "| o4-mini | 1 |" in dashboard
    frame = nbresponses.usage()
    assert list(frame["model"]) == ["gpt-4.1", "o4-mini"] and (frame["cost_usd"] == 0).all()


def test_tools_lists_decorated_functions(ipython: Shell) -> None:
    @nbresponses.tool(approve=True)
    def lookup(term: str) -> str:
        """Look a term up."""
        return term

    ipython.ns["lookup"] = lookup
    _, captured = ipython.run("%respond tools")
    assert "| lookup | Look a term up. | yes |" in ipython.markdown(captured)


def test_login_keeps_the_key_out_of_everything(ipython: Shell, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("getpass.getpass", lambda prompt: "sk-typed-secret-000111222")
    _, captured = ipython.run("%respond login http://gateway.example.invalid/v1")
    assert "sk-typed" not in captured.stdout
    assert ipython.magics.base_url == "http://gateway.example.invalid/v1"
    assert repr(ipython.magics.session.login_key) == "Secret('********')"
    _, config = ipython.run("%respond config")
    assert "set (by %respond login)" in ipython.markdown(config) and "sk-typed" not in ipython.markdown(
        config
    )
    ipython.run("%respond logout")
    assert ipython.magics.session.login_key is None


@pytest.mark.parametrize(
    "line",
    [
        "%respond login gwkey-ABCDEFGH12345678",
        "%respond login sk-proj-abcdefghijklmnop0123",
        "%respond login http://x.example ZZkey99",
    ],
)
def test_login_refuses_anything_but_a_url_and_keeps_it_out_of_the_settings(
    ipython: Shell, monkeypatch: pytest.MonkeyPatch, line: str
) -> None:
    asked: list[str] = []
    monkeypatch.setattr("getpass.getpass", lambda prompt: asked.append(prompt) or "sk-typed-secret-000111222")
    result, captured = ipython.run(line)
    error = result.error_in_exec
    assert type(error).__name__ == "UsageError" and asked == []  # refused before the hidden prompt
    word = line.rsplit(maxsplit=1)[-1]
    assert word not in str(error) and word not in captured.stdout  # never echoed
    assert ipython.magics.base_url in (None, "") and ipython.magics.session.login_key is None


def test_login_where_no_key_can_be_typed_is_one_line(ipython: Shell, monkeypatch: pytest.MonkeyPatch) -> None:
    from IPython.core.error import StdinNotImplementedError

    def no_stdin(prompt: str) -> str:
        raise StdinNotImplementedError(
            "raw_input was called, but this frontend does not support input requests."
        )

    monkeypatch.setattr("getpass.getpass", no_stdin)
    result, _ = ipython.run("%respond login http://gateway.example.invalid/v1")
    error = result.error_in_exec
    assert type(error).__name__ == "UsageError" and "OPENAI_API_KEY" in str(error)
    assert ipython.magics.base_url != "http://gateway.example.invalid/v1"  # nothing changed


def test_budget_stops_sending_and_warns_at_80_percent(ipython: Shell) -> None:
    backend = testing.OfflineBackend()
    ipython.magics.session.use_client(backend.client())
    ipython.magics.session.notebook = "budget-nb"
    store = ipython.magics.session.store("")
    turn = store.begin_turn("budget-nb", "earlier-thread", parent_id=None, prompt="spent")
    store.finish_turn(
        turn.id, status="completed", response={"id": "resp_x", "model": "gpt-4.1"}, cost_usd=0.9
    )
    _, captured = ipython.run("%%respond --budget 1\nstill allowed")
    assert "over 80%" in ipython.markdown(captured) and len(backend.requests) == 1
    result, _ = ipython.run("%%respond --budget 0.5\nnot sent")
    assert "Budget reached" in str(result.error_in_exec) and len(backend.requests) == 1


def test_question_mark_prompts_reach_the_magic(ipython: Shell) -> None:
    ipython.run("%respond What is a notebook?")
    assert "What is a notebook?" in ipython.ns["_r"].output_text


def test_count_cell_counts_the_cell_with_the_threads_context(ipython: Shell) -> None:
    backend = testing.OfflineBackend()
    ipython.magics.session.use_client(backend.client())
    ipython.run("%%respond\nMy name is Ada and I like long explanations of compilers.")
    _, alone = ipython.run("%%respond count --new\nWhat is my name?")
    _, in_thread = ipython.run("%%respond count\nWhat is my name?")
    counts = [int(out.stdout.split()[0]) for out in (alone, in_thread)]
    assert counts[1] > counts[0]  # the thread's earlier turn is part of what would be sent
    counted = [e for e in backend.journal if e["path"].endswith("/input_tokens")]
    assert counted[-1]["body"]["previous_response_id"] == ipython.ns["_r"].id
    assert len(backend.requests) == 1  # counting sent nothing to the model


def test_usage_of_every_notebook_and_bad_arguments(ipython: Shell) -> None:
    store = ipython.magics.session.store("")
    for notebook in ("other.ipynb", "third.ipynb"):
        turn = store.begin_turn(notebook, "default", parent_id=None, prompt="x")
        store.finish_turn(
            turn.id, status="completed", response={"id": f"resp_{notebook}", "model": "gpt-4.1"}
        )
    ipython.run("%%respond\nhere")
    _, mine = ipython.run("%respond usage")
    _, every = ipython.run("%respond usage --all")
    assert "**1 turn**" in ipython.markdown(mine)
    assert "**3 turns**" in ipython.markdown(every) and "By notebook" in ipython.markdown(every)
    result, _ = ipython.run("%respond usage a b")
    assert "Usage: %respond usage" in str(result.error_in_exec)


def test_the_80_percent_warning_is_shown_once(ipython: Shell) -> None:
    ipython.magics.session.notebook = "warn-nb"
    store = ipython.magics.session.store("")
    turn = store.begin_turn("warn-nb", "earlier", parent_id=None, prompt="spent")
    store.finish_turn(
        turn.id, status="completed", response={"id": "resp_w", "model": "gpt-4.1"}, cost_usd=0.85
    )
    _, first = ipython.run("%%respond --budget 1\none")
    _, second = ipython.run("%%respond --budget 1\ntwo")
    assert "over 80%" in ipython.markdown(first) and "over 80%" not in ipython.markdown(second)


def test_the_budget_stops_a_tool_loop_between_rounds(ipython: Shell) -> None:
    ipython.magics.prices = {"priced-model": {"input": 1_000_000.0, "output": 1_000_000.0}}  # $1 a token
    ipython.ns["ping"] = lambda: "pong"
    backend = testing.OfflineBackend().script(
        [testing.function_call("ping", {}, call_id=f"c{i}") for i in range(5)]
    )
    ipython.magics.session.use_client(backend.client())
    result, captured = ipython.run("%%respond -m priced-model --budget 1 --tools ping\nping")
    assert type(result.error_in_exec).__name__ == "TurnFailed"
    assert "Budget reached during the tool loop" in ipython.markdown(captured)
    assert "Traceback" not in captured.stdout + captured.stderr
    assert len(backend.requests) == 1  # the first request spent the budget: no tool outputs were sent


def test_bad_prices_are_a_usage_error(ipython: Shell) -> None:
    ipython.magics.prices = {"m": {"input": -1}}
    result, _ = ipython.run("%%respond\nhi")
    assert type(result.error_in_exec).__name__ == "UsageError"
    assert "RespondMagics.prices" in str(result.error_in_exec)
