"""The offline server's SQLite state: shared by processes, chains rebuilt from deltas, deletes that keep children."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nbresponses.offline import OfflineServer, OfflineState, state_path
from nbresponses.offline._state import StoredResponse
from nbresponses.testing import offline_client


def test_state_path_is_beside_the_history() -> None:
    assert state_path(Path("/x/history.sqlite3")) == Path("/x/history.offline.sqlite3")
    assert state_path("/x/h") == Path("/x/h.offline.sqlite3")


def test_two_servers_on_one_file_share_responses_and_chains(tmp_path: Path) -> None:
    database = tmp_path / "offline.sqlite3"
    first = offline_client(OfflineServer(database=database))
    one = first.responses.create(model="m", input="My name is Grace.")
    second = offline_client(OfflineServer(database=database))  # another kernel, after a restart
    assert second.responses.retrieve(one.id).output_text == one.output_text
    two = second.responses.create(model="m", input="What is my name?", previous_response_id=one.id)
    assert "Your name is Grace" in two.output_text
    assert [i.content[0].text for i in second.responses.input_items.list(two.id).data] == ["What is my name?"]  # type: ignore[union-attr]
    assert one.id != two.id


def test_ids_differ_between_processes_sharing_a_file(tmp_path: Path) -> None:
    database = tmp_path / "offline.sqlite3"
    ids = {
        offline_client(OfflineServer(database=database)).responses.create(model="m", input="x").id
        for _ in range(3)
    }
    assert len(ids) == 3
    assert OfflineServer().new_id("resp") == OfflineServer().new_id("resp")  # in memory: reproducible


def test_retrieve_from_another_process(tmp_path: Path) -> None:
    database = tmp_path / "offline.sqlite3"
    made = offline_client(OfflineServer(database=database)).responses.create(model="m", input="made here")
    code = (
        "import sys; from nbresponses.offline import OfflineServer; from nbresponses.testing import offline_client; "
        f"print(offline_client(OfflineServer(database=sys.argv[1])).responses.retrieve({made.id!r}).output_text)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(database)], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == made.output_text


def test_store_false_is_never_written(tmp_path: Path) -> None:
    server = OfflineServer(database=tmp_path / "o.sqlite3")
    client = offline_client(server)
    client.responses.create(model="m", input="secret words", store=False)
    assert server.state.count() == 0
    assert b"secret words" not in (tmp_path / "o.sqlite3").read_bytes()


def test_context_is_stored_as_deltas_and_survives_deleting_a_middle_turn(tmp_path: Path) -> None:
    server = OfflineServer(database=tmp_path / "o.sqlite3")
    client = offline_client(server)
    ids = []
    previous = None
    for text in ("My name is Ada.", "I like graphs.", "I write compilers.", "What is my name?"):
        previous = client.responses.create(model="m", input=text, previous_response_id=previous).id
        ids.append(previous)
    full = server.state.context(ids[3])
    assert full is not None
    deltas = server.state._rows("SELECT delta_json FROM responses")
    # Each item is written once (its response's delta), not once per later turn: linear, not quadratic.
    assert sum(len(json.loads(text)) for (text,) in deltas) == len(full)
    client.responses.delete(ids[1])
    fresh = OfflineState(tmp_path / "o.sqlite3")  # no cache: rebuilt from the file
    assert fresh.context(ids[3]) == full and fresh.context(ids[1]) is None
    answer = client.responses.create(
        model="m", input="What did I tell you first?", previous_response_id=ids[3]
    )
    assert "My name is Ada." in answer.output_text


def test_background_status_steps_are_persisted(tmp_path: Path) -> None:
    database = tmp_path / "o.sqlite3"
    created = offline_client(OfflineServer(database=database)).responses.create(
        model="m", input="job", background=True
    )
    assert created.status == "queued"
    assert (
        offline_client(OfflineServer(database=database)).responses.retrieve(created.id).status
        == "in_progress"
    )
    assert (
        offline_client(OfflineServer(database=database)).responses.retrieve(created.id).status == "completed"
    )


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    import contextlib
    import sqlite3

    path = tmp_path / "o.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as db:  # sqlite3's own "with" commits but does not close
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(sqlite3.DatabaseError, match="newer"):
        OfflineState(path)


def test_put_without_a_stored_parent_keeps_the_whole_context() -> None:
    state = OfflineState()
    stored = StoredResponse(id="resp_1", response={}, final={}, initial={}, input_items=[])
    state.put(stored, [{"type": "message", "id": "a"}], parent="resp_gone", delta=[])
    assert state.context("resp_1") == [{"type": "message", "id": "a"}]
