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
    assert "| lookup | Look a term up. | True |" in ipython.markdown(captured)


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
