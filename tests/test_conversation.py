"""Pure parts of nbresponses.conversation: when to fall back to client state, and what each mode sends."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from nbresponses import _exceptions as exc
from nbresponses import testing
from nbresponses.client import Client
from nbresponses.conversation import Conversation, wants_client_state
from nbresponses.store import HistoryStore
from nbresponses.testing import offline_client


def _error(cls: type[exc.APIStatusError], status: int, message: str, **kw: str) -> exc.APIStatusError:
    return cls(message, status=status, **kw)


@pytest.mark.parametrize(
    ("error", "sent_previous", "expected"),
    [
        (_error(exc.BadRequestError, 400, "x", code="previous_response_not_found"), True, True),
        (_error(exc.BadRequestError, 400, "Unsupported parameter", param="previous_response_id"), True, True),
        (_error(exc.BadRequestError, 400, "Unknown parameter: 'store'."), False, True),
        (_error(exc.NotFoundError, 404, "Response with id 'resp_1' not found."), True, True),
        (_error(exc.NotFoundError, 404, "Response with id 'resp_1' not found."), False, False),
        (_error(exc.BadRequestError, 400, "Zero Data Retention organizations cannot store"), False, True),
        (_error(exc.RateLimitError, 429, "Rate limit reached", code="rate_limit_exceeded"), True, False),
        (_error(exc.BadRequestError, 400, "Invalid value for temperature", param="temperature"), True, False),
    ],
)
def test_wants_client_state(error: exc.APIStatusError, sent_previous: bool, expected: bool) -> None:
    assert wants_client_state(error, sent_previous_id=sent_previous) is expected


def test_non_status_errors_never_switch_state() -> None:
    assert not wants_client_state(exc.APIConnectionError("refused"), sent_previous_id=True)


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    with HistoryStore(tmp_path / "history.sqlite") as store:
        yield store


def _finished_turn(store: HistoryStore, parent: int | None, text: str, response_id: str) -> int:
    turn = store.begin_turn(
        "nb", "default", parent_id=parent, prompt=text, input_items=[{"role": "user", "content": text}]
    )
    output = [
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": f"re: {text}"}]}
    ]
    store.finish_turn(
        turn.id, status="completed", response={"id": response_id, "output": output, "model": "m"}
    )
    return turn.id


def test_server_mode_sends_previous_response_id_and_new_items_only(store: HistoryStore) -> None:
    chat = Conversation(
        Client(api_key="sk-test-1", base_url="http://x.invalid/v1"), store=store, notebook="nb"
    )
    first = _finished_turn(store, None, "one", "resp_1")
    body = chat.request_body([{"role": "user", "content": "two"}], store.get_turn(first), {"model": "m"})
    assert body == {
        "model": "m",
        "input": [{"role": "user", "content": "two"}],
        "previous_response_id": "resp_1",
    }


def test_a_server_side_conversation_carries_the_context_without_previous_response_id(
    store: HistoryStore,
) -> None:
    client = Client(api_key="sk-test-1", base_url="http://x.invalid/v1")
    for mode in ("server", "client"):
        chat = Conversation(client, store=store, notebook="nb", thread=f"conv-{mode}", mode=mode)  # type: ignore[arg-type]
        first = _finished_turn(store, None, "one", "resp_1")
        items = [{"role": "user", "content": "two"}]
        body = chat.request_body(items, store.get_turn(first), {"model": "m", "conversation": "conv_123"})
        assert body == {
            "model": "m",
            "conversation": "conv_123",
            "input": items,
        }  # the API refuses both at once


def test_client_mode_resends_the_active_path_with_store_false(store: HistoryStore) -> None:
    client = Client(api_key="sk-test-1", base_url="http://x.invalid/v1")
    chat = Conversation(client, store=store, notebook="nb", mode="client", model="o4-mini")
    first = _finished_turn(store, None, "one", "resp_1")
    second = _finished_turn(store, first, "two", "resp_2")
    body = chat.request_body([{"role": "user", "content": "three"}], store.get_turn(second), {})
    assert "previous_response_id" not in body
    assert body["store"] is False
    assert body["include"] == ["reasoning.encrypted_content"]
    texts = [item.get("content") for item in body["input"]]
    assert texts[0] == "one" and texts[2] == "two" and texts[4] == "three"
    assert body["input"][1]["content"][0]["text"] == "re: one"


# ----- against the offline backend -----


def test_server_state_chains_previous_response_ids(store: HistoryStore) -> None:
    backend = testing.OfflineBackend()
    chat = Conversation(backend.client(), store=store, notebook="nb", model="gpt-4.1")
    first = chat.send("My name is Ada.")
    second = chat.send("What is my name?")
    assert backend.requests[1]["previous_response_id"] == first.id
    assert "Your name is Ada" in second.output_text
    assert [t.response_id for t in chat.active_path()] == [first.id, second.id]


def test_rerun_of_a_cell_replaces_its_turn(store: HistoryStore) -> None:
    backend = testing.OfflineBackend()
    chat = Conversation(backend.client(), store=store, notebook="nb", model="m")
    a = chat.send("A", cell_id="a")
    chat.send("B", cell_id="b")
    chat.send("C", cell_id="c")
    new_b = chat.send("B again", cell_id="b")
    assert backend.requests[3]["previous_response_id"] == a.id
    assert [t.prompt for t in chat.active_path()] == ["A", "B again"]
    assert chat.send("C again", cell_id="c") and backend.requests[4]["previous_response_id"] == new_b.id


def test_client_state_sends_the_whole_active_path(store: HistoryStore) -> None:
    backend = testing.OfflineBackend()
    chat = Conversation(backend.client(), store=store, notebook="nb", mode="client", model="gpt-4.1")
    chat.send("My name is Lin.")
    chat.send("I like tea.")
    third = chat.send("What is my name?")
    body = backend.requests[2]
    assert "previous_response_id" not in body and body["store"] is False
    roles = [item.get("role") for item in body["input"]]
    assert roles == ["user", "assistant", "user", "assistant", "user"]
    assert "Your name is Lin" in third.output_text


def test_gateway_rejecting_previous_response_id_switches_to_client_state_once(store: HistoryStore) -> None:
    backend = testing.OfflineBackend().script(
        [
            testing.text("Hello Ada."),
            testing.http_error(
                400,
                code="unsupported_parameter",
                param="previous_response_id",
                message="Unsupported parameter: 'previous_response_id'.",
            ),  # fmt: skip
        ]
    )
    chat = Conversation(backend.client(max_retries=0), store=store, notebook="nb", model="m")
    chat.send("My name is Ada.")
    answer = chat.send("What is my name?")
    assert "Your name is Ada" in answer.output_text
    retried = backend.requests[2]
    assert "previous_response_id" not in retried and retried["store"] is False and len(retried["input"]) == 3
    assert len(chat.notices) == 1 and "resends its history" in chat.notices[0]
    assert chat.mode == "client"
    chat.send("And now?")
    assert "previous_response_id" not in backend.requests[3] and len(chat.notices) == 1


def test_failed_turn_is_logged_and_never_a_parent(store: HistoryStore) -> None:
    backend = testing.OfflineBackend().script(
        [testing.text("ok"), testing.disconnect(5, testing.text("a b c d e f"))]
    )
    chat = Conversation(backend.client(), store=store, notebook="nb", model="m")
    first = chat.send("one")
    with pytest.raises(exc.StreamError):
        chat.send("two")
    failed = chat.history()[-1]
    assert failed.status == "failed" and failed.error_type == "StreamError" and failed.response is not None
    chat.send("three")
    assert backend.requests[2]["previous_response_id"] == first.id


def test_interrupt_is_logged_as_interrupted_with_partial_output(store: HistoryStore) -> None:
    backend = testing.OfflineBackend()
    chat = Conversation(backend.client(), store=store, notebook="nb", model="m")

    def stop(event: object, accumulator: object) -> None:
        if getattr(event, "type", "") == "response.output_text.delta":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        chat.send("interrupt me please", on_event=stop)
    turn = chat.history()[-1]
    assert turn.status == "interrupted" and turn.response is not None
    assert chat.active_path() == []


def test_fork_and_reset(store: HistoryStore) -> None:
    backend = testing.OfflineBackend()
    chat = Conversation(backend.client(), store=store, notebook="nb", model="m")
    first = chat.send("root")
    chat.send("main line")
    side = chat.fork(first.id, "side")
    side.send("side line")
    assert backend.requests[2]["previous_response_id"] == first.id
    chat.reset()
    chat.send("fresh")
    assert "previous_response_id" not in backend.requests[3]


def test_store_false_moves_the_thread_to_client_state(store: HistoryStore) -> None:
    backend = testing.OfflineBackend()
    chat = Conversation(backend.client(), store=store, notebook="nb", model="m")
    chat.send("one", store=False)
    chat.send("two", store=False)
    assert chat.mode == "client" and len(backend.requests[1]["input"]) == 3


# ----- client state over a long thread: what is logged, what is read again -----


def _client_chat(
    store: HistoryStore, backend: testing.OfflineBackend, thread: str = "default"
) -> Conversation:
    return Conversation(backend.client(), store=store, notebook="nb", thread=thread, mode="client", model="m")


def test_client_state_logs_each_turn_s_own_items_only(store: HistoryStore) -> None:
    backend = testing.OfflineBackend()
    chat = _client_chat(store, backend)
    for n in range(6):
        chat.send(f"fact {n}", cell_id=f"c{n}")
    assert [len(body["input"]) for body in backend.requests] == [1, 3, 5, 7, 9, 11]  # the whole path, sent
    for n, turn in enumerate(chat.active_path()):
        # The row holds what this turn added, not the context again (that would grow with the thread's square).
        assert turn.request is not None and turn.request["input"] == [
            {"role": "user", "content": f"fact {n}"}
        ]
        assert turn.request["store"] is False and turn.request["model"] == "m"
        assert turn.input_items == turn.request["input"]
    sent = backend.requests[-1]["input"]
    assert store.context_items(chat.active_path()[-2].id) == sent[:-1]  # the context is rebuilt from the rows


def test_client_state_reads_the_path_from_the_history_once(
    store: HistoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = testing.OfflineBackend()
    chat = _client_chat(store, backend)
    whole_path_reads: list[int | None] = []
    read = store.context_items
    monkeypatch.setattr(
        store, "context_items", lambda turn_id: whole_path_reads.append(turn_id) or read(turn_id)
    )
    for n in range(8):
        chat.send(f"fact {n} with a key sk-proj-{n}AAAAAAAAAAAAAAAAAAAAAAAA", cell_id=f"c{n}")
    assert len(whole_path_reads) == 1  # for the second turn; later turns decode only the turn before
    assert len(backend.requests[-1]["input"]) == 15
    # A conversation with nothing cached (a restarted kernel) sends the same context, scrubbed the same way.
    parent = store.parent_for("nb", "default", "next")
    fresh = _client_chat(store, backend)
    items = [{"role": "user", "content": "next"}]
    expected = fresh.request_body(items, parent, {})["input"]
    assert chat.request_body(items, parent, {})["input"] == expected
    assert "[redacted]" in expected[0]["content"] and "sk-proj-0" not in str(expected)


def test_client_state_context_follows_reruns_forks_and_other_writers(store: HistoryStore) -> None:
    backend = testing.OfflineBackend()
    chat = _client_chat(store, backend)
    first = chat.send("A", cell_id="a")
    chat.send("B", cell_id="b")
    chat.send("C", cell_id="c")
    chat.send("B again", cell_id="b")  # replaces B and C: they leave the context
    assert [i["content"] for i in backend.requests[-1]["input"] if i.get("role") == "user"] == [
        "A",
        "B again",
    ]
    other = _client_chat(store, backend)  # another writer of the same thread (a second kernel)
    other.send("D", cell_id="d")
    chat.send("E", cell_id="e")
    users = [i["content"] for i in backend.requests[-1]["input"] if i.get("role") == "user"]
    assert users == ["A", "B again", "D", "E"]
    side = chat.fork(first.id, "side")
    side.send("side line")
    users = [i["content"] for i in backend.requests[-1]["input"] if i.get("role") == "user"]
    assert users == ["A", "side line"] and side.mode == "client"
    chat.send("F", cell_id="f")  # the main thread, unchanged by the fork
    users = [i["content"] for i in backend.requests[-1]["input"] if i.get("role") == "user"]
    assert users == ["A", "B again", "D", "E", "F"] and len(backend.requests[-1]["input"]) == 9


def test_scripts_get_a_thread_each_unless_named_and_the_magics_model(tmp_path: Path) -> None:
    from nbresponses.conversation import DEFAULT_MODEL
    from nbresponses.magics._magic import RespondMagics
    from nbresponses.offline import OfflineServer

    client = offline_client(OfflineServer())
    store = HistoryStore(tmp_path / "h.sqlite")
    one, two = Conversation(client, store=store), Conversation(client, store=store)
    assert one.thread != two.thread and one.thread.startswith("script-")
    one.send("My name is Ada.")
    assert "Your name is Ada" not in two.send("What is my name?").output_text  # not one thread
    named = Conversation(client, store=store, thread="shared")
    named.send("My name is Lin.")
    assert (
        "Your name is Lin"
        in Conversation(client, store=store, thread="shared").send("What is my name?").output_text
    )
    assert Conversation(client, store=store, notebook="nb").thread == "default"
    assert DEFAULT_MODEL == RespondMagics.model.default_value
    assert one.send("x").model == DEFAULT_MODEL  # the README's Conversation(client).send(...) needs no model


def test_a_turn_waits_for_another_process_on_its_thread_and_continues_after_it(
    store: HistoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess
    import sys
    import threading

    backend = testing.OfflineBackend()
    chat = Conversation(backend.client(), store=store, notebook="nb", model="m")
    chat.send("first", cell_id="a")
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:  # another kernel on the same notebook's thread is answering
        theirs = store.begin_turn("nb", parent_id=store.head_id("nb"), cell_id="a", prompt="theirs")
        with store._write() as conn:  # noqa: SLF001
            conn.execute(
                "UPDATE turns SET owner_pid = ?, owner_started = NULL WHERE id = ?", (other.pid, theirs.id)
            )
        said: list[str] = []
        waiting = threading.Event()

        def on_wait(message: str) -> None:
            said.append(message)
            waiting.set()

        chat.on_wait = on_wait
        result: list[object] = []
        worker = threading.Thread(target=lambda: result.append(chat.send("mine", cell_id="b")))
        worker.start()
        assert waiting.wait(timeout=30)  # it waits (a hang guard, not a timing assertion)
        assert len(backend.requests) == 1  # nothing sent while the other turn runs
        store.finish_turn(theirs.id, status="completed", response={"id": "resp_theirs", "output": []})
        worker.join(timeout=30)
    finally:
        other.kill()
        other.wait()
    assert len(said) == 1 and f"pid {other.pid}" in said[0] and "Ctrl-C" in said[0]
    # Mine continued from theirs (the offline server never saw their response, hence a retry resending items).
    assert backend.requests[1]["previous_response_id"] == "resp_theirs"
    assert [t.prompt for t in store.active_path("nb")] == ["first", "theirs", "mine"]


def test_a_head_that_moves_while_the_request_is_built_rebuilds_it(
    store: HistoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = testing.OfflineBackend()
    chat = Conversation(backend.client(), store=store, notebook="nb", model="m")
    first = chat.send("first", cell_id="a")
    begin = store.begin_turn
    moved: list[int] = []

    def sneaky_begin(*args: object, **kwargs: object) -> object:
        if not moved:  # another writer finishes a turn just before this one begins
            moved.append(0)
            other = begin("nb", parent_id=store.head_id("nb"), prompt="meanwhile")
            store.finish_turn(other.id, status="completed", response={"id": "resp_meanwhile", "output": []})
        return begin(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "begin_turn", sneaky_begin)
    chat.send("second", cell_id="b")
    assert backend.requests[1]["previous_response_id"] == "resp_meanwhile" != first.id


def test_a_turn_keeps_its_first_token_time_and_its_response(store: HistoryStore) -> None:
    backend = testing.OfflineBackend().script(
        [testing.text("hello there"), testing.incomplete(testing.text("cut"))]
    )
    chat = Conversation(backend.client(), store=store, notebook="nb", model="m")
    before = time.time()
    response = chat.send("hi")
    assert chat.last_response is response
    assert chat.first_token_at is not None and before <= chat.first_token_at <= time.time()
    assert chat.last_turn is not None and chat.last_turn.first_token_at == chat.first_token_at
    assert chat.last_turn.status == "completed"
    cut = chat.send("more", stream=False)  # no stream: no first token
    assert chat.first_token_at is None and chat.last_turn.first_token_at is None
    assert chat.last_response is cut and chat.last_turn.status == "incomplete"


def test_a_failed_or_interrupted_turn_keeps_its_partial_response(store: HistoryStore) -> None:
    backend = testing.OfflineBackend().script([testing.disconnect(5, testing.text("a b c d e f"))])
    chat = Conversation(backend.client(), store=store, notebook="nb", model="m")
    with pytest.raises(exc.StreamError) as broken:
        chat.send("one")
    assert chat.last_response is broken.value.response and chat.last_response is not None
    assert chat.history()[-1].response == chat.last_response.to_dict()  # the row holds the same JSON

    def stop(event: object, accumulator: object) -> None:
        if getattr(event, "type", "") == "response.output_text.delta":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        chat.send("interrupt me please", on_event=stop)
    assert chat.last_response is not None and chat.last_response.status == "in_progress"
    assert chat.first_token_at == chat.history()[-1].first_token_at is not None


def test_a_request_that_never_started_leaves_no_response_of_an_earlier_turn(store: HistoryStore) -> None:
    backend = testing.OfflineBackend().script([testing.text("ok"), testing.http_error(400, message="bad")])
    chat = Conversation(backend.client(), store=store, notebook="nb", model="m")
    chat.send("one")
    with pytest.raises(exc.BadRequestError):
        chat.send("two")
    assert chat.last_response is None and chat.first_token_at is None
