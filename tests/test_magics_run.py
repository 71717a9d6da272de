"""One %%respond turn (nbresponses/magics/_run.py): tool approval by input(), headless denial, Run all, and the
turn's lifecycle: whatever raises inside, the view, the history row and ``_r`` end in a final state."""

from __future__ import annotations

import builtins
import sqlite3
from typing import Any

import pytest

from nbresponses import testing
from nbresponses._exceptions import HistoryError
from nbresponses.magics._run import TurnFailed, TurnInterrupted, UnexpectedError
from nbresponses.store import HistoryStore
from nbresponses.store._file import history_error
from nbresponses.testing import offline_client
from tests.magic_shell import Shell


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Answers typed at input() prompts, in order (a test asserts they were all used)."""
    queued: list[str] = []

    def fake_input(prompt: str = "") -> str:
        assert "ping" in prompt, prompt
        return queued.pop(0)

    monkeypatch.setattr(builtins, "input", fake_input)
    return queued


def two_calls(ipython: Shell, tool: str = "ping") -> testing.OfflineBackend:
    ran: list[str] = []
    ipython.ns["ran"] = ran

    def ping(host: str) -> str:
        """Ping a host."""
        ran.append(host)
        return f"pong from {host}"

    ipython.ns[tool] = ping
    backend = testing.OfflineBackend().script([
        testing.reply(
            testing.function_call(tool, {"host": "a"}, call_id="call_a"),
            testing.function_call(tool, {"host": "b"}, call_id="call_b"),
        )
    ])  # fmt: skip
    ipython.magics.session.use_client(backend.client())
    return backend


def outputs_sent(backend: testing.OfflineBackend) -> dict[str, str]:
    return {
        i["call_id"]: i["output"] for i in backend.requests[1]["input"] if i["type"] == "function_call_output"
    }


def test_approve_asks_before_each_call_and_sends_a_denial_to_the_model(
    ipython: Shell, answers: list[str]
) -> None:
    backend = two_calls(ipython)
    answers += ["y", "n"]
    result, _ = ipython.run("%%respond --approve --no-parallel-tools --tools ping\nping a and b")
    assert result.success
    assert ipython.ns["ran"] == ["a"]
    sent = outputs_sent(backend)
    assert sent["call_a"] == "pong from a"
    assert "declined" in sent["call_b"] and "ping" in sent["call_b"]
    assert answers == []  # asked exactly twice


def test_run_all_approves_the_rest_of_the_cell(ipython: Shell, answers: list[str]) -> None:
    backend = two_calls(ipython)
    answers += ["a"]  # "all": the second call is not asked about
    ipython.run("%%respond --approve --tools ping\nping a and b")
    assert sorted(ipython.ns["ran"]) == ["a", "b"]
    assert set(outputs_sent(backend).values()) == {"pong from a", "pong from b"}


def test_a_decorated_tool_asks_without_the_option(ipython: Shell, answers: list[str]) -> None:
    import nbresponses

    backend = two_calls(ipython)
    ipython.ns["ping"] = nbresponses.tool(approve=True)(ipython.ns["ping"])
    answers += ["no", "yes"]
    ipython.run("%%respond --no-parallel-tools --tools ping\nping a and b")
    assert ipython.ns["ran"] == ["b"]
    assert "declined" in outputs_sent(backend)["call_a"]


def test_no_one_to_answer_means_denied_with_a_notice(ipython: Shell, monkeypatch: pytest.MonkeyPatch) -> None:
    import nbresponses.render as render

    backend = two_calls(ipython)
    monkeypatch.setattr(render, "interactive_frontend", lambda: False)  # a headless run (nbclient, CI)
    monkeypatch.setattr(builtins, "input", lambda prompt="": pytest.fail("input() must not be called"))
    result, captured = ipython.run("%%respond --approve --tools ping\nping a and b")
    assert result.success
    assert ipython.ns["ran"] == []
    for output in outputs_sent(backend).values():  # the model is not told that someone said no
        assert output == "Not run: ping needs the user's approval, and no one could be asked in this run."
    markdown = ipython.markdown(captured)
    assert "no one can answer" in markdown and "`ping` — not run" in markdown and "⛔ Not run" in markdown
    assert "done in" not in markdown


def test_without_approval_nothing_is_asked(ipython: Shell, monkeypatch: pytest.MonkeyPatch) -> None:
    two_calls(ipython)
    monkeypatch.setattr(builtins, "input", lambda prompt="": pytest.fail("input() must not be called"))
    ipython.run("%%respond --tools ping\nping a and b")
    assert sorted(ipython.ns["ran"]) == ["a", "b"]


def test_conversation_new_creates_one_and_says_its_id(ipython: Shell) -> None:
    result, captured = ipython.run("%%respond --conversation new\nMy name is Ada.")
    assert result.success
    first = ipython.ns["_r"]
    conversation_id = first.conversation.id
    assert conversation_id.startswith("conv_")
    assert f"--conversation {conversation_id}" in ipython.markdown(captured)
    ipython.run(f"%%respond --conversation {conversation_id}\nWhat is my name?")
    answer = ipython.ns["_r"]
    assert "Your name is Ada" in answer.output_text and answer.previous_response_id is None
    client = offline_client(ipython.magics.session.offline_server)
    assert len(client.conversations.items.list(conversation_id).data) == 4


# ----- the turn's lifecycle: whatever raises inside, the view, the row and _r end in a final state -----


@pytest.fixture
def outcomes(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every outcome a view is finished with."""
    from nbresponses.render import LiveView

    seen: list[Any] = []
    original = LiveView.finish

    def finish(self: LiveView, outcome: Any) -> None:
        seen.append(outcome)
        original(self, outcome)

    monkeypatch.setattr(LiveView, "finish", finish)
    return seen


def _store(ipython: Shell) -> HistoryStore:
    store = ipython.magics.session.history_store
    assert store is not None
    return store


def _fail_once(
    monkeypatch: pytest.MonkeyPatch, name: str, error: BaseException, *, times: int = 1
) -> list[int]:
    """Make ``HistoryStore.<name>`` raise ``error`` for its next ``times`` calls; returns the calls made."""
    original = getattr(HistoryStore, name)
    calls: list[int] = []

    def failing(self: HistoryStore, *args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) <= times:
            raise error
        return original(self, *args, **kwargs)

    monkeypatch.setattr(HistoryStore, name, failing)
    return calls


def test_a_history_write_failing_mid_turn_ends_in_an_error_state_and_keeps_the_answer(
    ipython: Shell, outcomes: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    ipython.run("%%respond\nfirst", cell_id="a")
    head = _store(ipython).active_path(ipython.magics.session.notebook or "")[-1]
    full = history_error("/x/history.sqlite", "written", sqlite3.OperationalError("database or disk is full"))
    _fail_once(monkeypatch, "finish_turn", full)  # the answer arrives, then logging it fails
    result, captured = ipython.run("%%respond\nsecond", cell_id="b")
    failure = result.error_in_exec
    assert isinstance(failure, TurnFailed) and isinstance(failure.error, HistoryError)
    assert failure._render_traceback_() == [  # one line instead of a traceback
        "\x1b[31m%%respond stopped: HistoryError. The message is shown above.\x1b[0m"
    ]
    outcome = outcomes[-1]
    assert outcome.status == "error" and outcome.error is failure.error
    assert outcome.response is not None and "second" in outcome.response.output_text  # the answer is kept
    markdown = ipython.markdown(captured)
    assert "cannot be written: database or disk is full" in markdown and "“second”" in markdown
    assert "streaming…" not in markdown.rsplit("<sub>", 1)[-1]  # the last state shown is final
    assert ipython.ns["_r"] is outcome.response  # nothing lost: the answer is in _r
    rows = _store(ipython).history(ipython.magics.session.notebook or "")
    assert rows[-1].status == "failed" and rows[-1].error_type == "HistoryError"  # the row was closed
    # The thread is intact: the next turn continues from the last turn that was logged.
    result, _ = ipython.run("%%respond\nthird", cell_id="c")
    assert result.success
    assert _store(ipython).active_path(ipython.magics.session.notebook or "")[-2].id == head.id


def test_a_history_that_cannot_be_written_before_sending_sends_nothing(
    ipython: Shell, outcomes: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = testing.OfflineBackend()
    ipython.magics.session.use_client(backend.client())
    ipython.run("%%respond\nfirst", cell_id="a")
    assert "_r" in ipython.ns
    _fail_once(
        monkeypatch,
        "begin_turn",
        history_error("/x/h.sqlite", "written", "attempt to write a readonly database"),
    )
    result, captured = ipython.run("%%respond\nsecond", cell_id="b")
    assert isinstance(result.error_in_exec, TurnFailed)
    assert len(backend.requests) == 1  # only the first turn's request
    assert outcomes[-1].status == "error" and outcomes[-1].response is None
    assert "_r" not in ipython.ns  # no answer: _r does not name the first cell's
    assert [
        t.prompt.strip() for t in _store(ipython).history(ipython.magics.session.notebook or "") if t.prompt
    ] == ["first"]


def test_an_unexpected_exception_inside_a_turn_is_one_line_and_closes_the_row(
    ipython: Shell, outcomes: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: object, event: object, snapshot: object) -> None:
        if getattr(event, "type", "") == "response.output_text.delta":
            raise RuntimeError("a bug in a view")

    monkeypatch.setattr("nbresponses.render._display.MarkdownView.on_event", broken)
    result, captured = ipython.run("%%respond\nhello", cell_id="a")
    failure = result.error_in_exec
    assert isinstance(failure, TurnFailed) and isinstance(failure.error, UnexpectedError)
    assert str(failure.error) == "RuntimeError: a bug in a view" and "%tb" in failure.error.hint
    assert failure.__cause__ is failure.error.error  # %tb shows where it came from
    assert outcomes[-1].status == "error"
    assert "Traceback" not in captured.stdout + captured.stderr
    row = _store(ipython).history(ipython.magics.session.notebook or "")[-1]
    assert row.status == "failed" and row.error_type == "RuntimeError"


def test_a_view_that_cannot_show_the_final_state_falls_back_to_text(
    ipython: Shell, monkeypatch: pytest.MonkeyPatch
) -> None:
    def cannot(self: object, outcome: object, items: object) -> None:
        raise ValueError("the frontend went away")

    monkeypatch.setattr("nbresponses.render._display.MarkdownView._final", cannot)
    result, captured = ipython.run("%%respond\nhello there", cell_id="a")
    assert result.success
    assert "“hello there”" in captured.stdout  # the answer, as plain text
    assert ipython.ns["_r"].status == "completed"


def test_a_history_that_stays_unwritable_says_the_row_is_open(
    ipython: Shell, outcomes: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    _fail_once(
        monkeypatch, "finish_turn", history_error("/x/h.sqlite", "written", "disk I/O error"), times=99
    )
    result, captured = ipython.run("%%respond\nhello", cell_id="a")
    assert isinstance(result.error_in_exec, TurnFailed)
    assert "stays open" in ipython.markdown(captured) and outcomes[-1].status == "error"
    assert _store(ipython).history(ipython.magics.session.notebook or "")[-1].status == "in_progress"


def test_any_exception_from_the_history_still_ends_the_turn_and_never_lands_on_another_row(
    ipython: Shell, outcomes: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Not a HistoryError: a bug, or a raw sqlite3 error, raised by every write that closes a row.
    finish_turn = HistoryStore.finish_turn
    _fail_once(monkeypatch, "finish_turn", TypeError("a bug in the history"), times=99)
    result, captured = ipython.run("%%respond\nsecond", cell_id="b")
    failure = result.error_in_exec
    assert isinstance(failure, TurnFailed) and isinstance(failure.error, UnexpectedError)
    assert outcomes[-1].status == "error" and "second" in outcomes[-1].response.output_text  # answer kept
    assert "stays open" in ipython.markdown(captured)
    assert "streaming…" not in ipython.markdown(captured).rsplit("<sub>", 1)[-1]
    assert ipython.ns["_r"] is outcomes[-1].response
    rows = _store(ipython).history(ipython.magics.session.notebook or "")
    assert [(r.prompt.strip(), r.status) for r in rows] == [("second", "in_progress")]
    # The next cell's own failure (before anything is sent) is not written onto the row left open.
    monkeypatch.setattr(HistoryStore, "finish_turn", finish_turn)
    _fail_once(monkeypatch, "begin_turn", sqlite3.OperationalError("database is locked"))
    result, _ = ipython.run("%%respond\nthird", cell_id="c")
    assert isinstance(result.error_in_exec, TurnFailed) and outcomes[-1].status == "error"
    rows = _store(ipython).history(ipython.magics.session.notebook or "")
    assert [(r.prompt.strip(), r.status, r.error_type) for r in rows] == [("second", "in_progress", None)]


def test_ctrl_c_while_a_value_is_read_sends_nothing(ipython: Shell, monkeypatch: pytest.MonkeyPatch) -> None:
    backend = testing.OfflineBackend()
    ipython.magics.session.use_client(backend.client())

    class Slow:
        def __repr__(self) -> str:
            raise KeyboardInterrupt  # what Ctrl-C does to a repr that never returns

    ipython.ns["slow"] = Slow()
    result, _ = ipython.run("%%respond\nlook at {slow}", cell_id="a")
    interrupted = result.error_in_exec
    assert isinstance(interrupted, TurnInterrupted)
    assert interrupted._render_traceback_() == [
        "\x1b[33mInterrupted while reading {slow} (it did not return); nothing was sent.\x1b[0m"
    ]
    assert backend.requests == []


# ----- a bridged turn and the thread's state (the lead's repro: a failed --api chat turn switched it for good) -----


def _thread_mode(ipython: Shell, thread: str = "default") -> str:
    return _store(ipython).thread_mode(ipython.magics.session.notebook or "", thread)


def test_a_failed_bridged_turn_leaves_the_thread_in_server_state_and_says_nothing(ipython: Shell) -> None:
    backend = testing.OfflineBackend()
    ipython.magics.session.use_client(backend.client(max_retries=0))
    ipython.run("%respond My name is Grace", cell_id="a")
    ipython.run("%respond What is my name", cell_id="b")
    head = _store(ipython).head_id(ipython.magics.session.notebook or "", "default")
    backend.script([testing.http_error(404, message="Invalid URL (POST /v1/chat/completions)")])
    result, failed = ipython.run("%respond --api chat hi", cell_id="c")
    error = result.error_in_exec
    assert isinstance(error, TurnFailed) and getattr(error.error, "status", None) == 404
    shown = ipython.markdown(failed)
    assert "Chat Completions bridge" not in shown and "resends" not in shown
    assert _thread_mode(ipython) == "server"
    assert _store(ipython).head_id(ipython.magics.session.notebook or "", "default") == head
    _, again = ipython.run("%respond What is my name again", cell_id="d")
    assert "Your name is Grace" in ipython.ns["_r"].output_text
    sent = backend.requests[-1]  # still chained by id on /responses: nothing is resent
    assert sent["previous_response_id"] == ipython.ns["_r"].previous_response_id and len(sent["input"]) == 1
    assert _thread_mode(ipython) == "server" and "Note" not in ipython.markdown(again)


def test_a_bridged_answer_switches_the_thread_once_with_the_notice_after_it(ipython: Shell) -> None:
    # no key: the offline backend answers /chat/completions too
    ipython.run("%respond My name is Grace", cell_id="a")
    _, bridged = ipython.run("%respond --api chat hi", cell_id="b")
    shown = ipython.markdown(bridged)
    assert shown.count("Chat Completions bridge") == 1 and "resends its history" in shown
    assert shown.index("hi") < shown.index("Chat Completions bridge")  # said after the answer, not before
    assert _thread_mode(ipython) == "client"
    _, later = ipython.run("%respond --api chat What is my name", cell_id="c")
    assert "Your name is Grace" in ipython.ns["_r"].output_text and "bridge" not in ipython.markdown(later)


# ----- what the turn shows comes from the conversation: its timing, and its last response, final or partial -----


def test_an_interrupted_stream_shows_the_conversations_partial_response_without_reading_the_history(
    ipython: Shell, outcomes: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from nbresponses.store import TurnRecord

    seen: list[str] = []

    def interrupting(self: object, event: Any, snapshot: object) -> None:
        if event.type == "response.output_text.delta":
            seen.append(event.delta)
            if len(seen) == 3:
                raise KeyboardInterrupt

    def unread(self: TurnRecord) -> None:
        raise AssertionError("the partial response was read back from the history")

    monkeypatch.setattr("nbresponses.render._display.MarkdownView.on_event", interrupting)
    monkeypatch.setattr(TurnRecord, "response", property(unread))
    result, _ = ipython.run("%%respond\nTell me a long story about the sea.", cell_id="a")
    assert isinstance(result.error_in_exec, TurnInterrupted)
    conversation = ipython.magics.session._conversations["default"]  # noqa: SLF001  (the turn's conversation)
    partial = outcomes[-1].response
    assert outcomes[-1].status == "interrupted" and partial is conversation.last_response is ipython.ns["_r"]
    assert partial.output_text == "".join(seen)
    assert outcomes[-1].stats.ttft_s is not None  # the conversation's first-token time, up to the interrupt
    assert conversation.first_token_at is not None and conversation.last_turn.status == "interrupted"


def test_ctrl_c_in_a_tool_shows_the_rounds_response_counted_once(ipython: Shell, outcomes: list[Any]) -> None:
    def ping(host: str) -> str:
        """Ping a host."""
        raise KeyboardInterrupt

    ipython.ns["ping"] = ping
    backend = testing.OfflineBackend().script([testing.function_call("ping", {"host": "a"}, call_id="c")])
    ipython.magics.session.use_client(backend.client())
    result, _ = ipython.run("%%respond --tools ping\nping a", cell_id="a")
    assert isinstance(result.error_in_exec, TurnInterrupted)
    outcome = outcomes[-1]
    assert outcome.status == "interrupted" and outcome.response.function_calls[0].call_id == "c"
    assert outcome.stats.requests == 1  # one request was sent: its usage is not added twice
    assert outcome.stats.input_tokens == outcome.response.usage.input_tokens
    assert len(backend.requests) == 1
