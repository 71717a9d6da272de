"""One %%respond turn (nbresponses/magics/_run.py): tool approval by input(), headless denial, Run all."""

from __future__ import annotations

import builtins

import pytest

from nbresponses import testing
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
    client = ipython.magics.session.offline_server.client()
    assert len(client.conversations.items.list(conversation_id).data) == 4
