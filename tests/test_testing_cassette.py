"""Cassettes: record through a transport with the key stripped, replay with no key and no network."""

from __future__ import annotations

import json
from pathlib import Path

import httpx2
import pytest

import nbresponses
from nbresponses.offline import OfflineServer
from nbresponses.store import scrub
from nbresponses.testing import (
    Cassette,
    CassetteError,
    CassetteMiss,
    InProcessTransport,
    RecordingTransport,
    cassette_client,
)

KEY = "sk-recording-secret-0123456789"


def record(path: Path) -> tuple[str, str]:
    transport = RecordingTransport(
        Cassette(path, secrets=(KEY,)), inner=InProcessTransport(OfflineServer(seed="rec"))
    )
    client = nbresponses.Client(
        api_key=KEY, base_url="https://api.example.test/v1", http_client=httpx2.Client(transport=transport)
    )
    first = client.responses.create(model="gpt-4.1", input=f"My key is {KEY}, hello")
    with client.responses.stream(model="gpt-4.1", input="stream me", previous_response_id=first.id) as stream:
        second = stream.get_final_response()
    return first.output_text, second.output_text


def test_recording_strips_the_key_everywhere(tmp_path: Path) -> None:
    path = tmp_path / "demo.cassette.json"
    record(path)
    text = path.read_text(encoding="utf-8")
    assert KEY not in text and "authorization" not in text.lower()
    interactions = json.loads(text)
    assert [i["request"]["path"] for i in interactions] == ["/v1/responses", "/v1/responses"]
    assert "event: response.completed" in interactions[1]["response"]["body"]


def test_replay_gives_the_same_answers_without_a_key(tmp_path: Path) -> None:
    path = tmp_path / "demo.cassette.json"
    original = record(path)
    first_body = json.loads(path.read_text())[0]["request"]["body"]
    client = cassette_client(path, base_url="https://api.example.test/v1")
    first = client.responses.create(**first_body)
    second_body = json.loads(path.read_text())[1]["request"]["body"]
    second_body.pop("stream")
    with client.responses.stream(**second_body) as stream:
        second = stream.get_final_response()
    assert first.output_text == scrub(original[0])  # the recorded answer quoted the key: it was scrubbed
    assert KEY not in first.output_text
    assert second.output_text == original[1]


def test_unrecorded_request_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "demo.cassette.json"
    record(path)
    client = cassette_client(path, mode="replay", base_url="https://api.example.test/v1")
    with pytest.raises(CassetteMiss, match="was not recorded"):
        client.responses.create(model="gpt-4.1", input="never recorded")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON"),
        ('["a", "b"]', "interaction 1 lacks a request"),
        ('{"request": {}}', r"is not a cassette \(a JSON list of interactions\)"),
        ('[{"request": {"method": "POST", "path": "/v1/responses"}, "response": {"status": "200", "body": ""}}]',
         "interaction 1 lacks"),
    ],
)  # fmt: skip
def test_a_file_that_is_not_a_cassette_is_one_clear_error(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "broken.cassette.json"
    path.write_text(content)
    with pytest.raises(CassetteError, match=message) as info:
        cassette_client(path)
    assert str(path) in str(info.value) and "delete it to record" in str(info.value)
    assert path.read_text() == content  # never overwritten
    with pytest.raises(CassetteError, match="Cannot read the cassette"):
        cassette_client(tmp_path, mode="replay")


def test_a_cassette_that_cannot_be_written_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    transport = RecordingTransport(
        Cassette(tmp_path / "file" / "c.json"), inner=InProcessTransport(OfflineServer())
    )
    client = nbresponses.Client(api_key=KEY, base_url="https://api.example.test/v1",
                                http_client=httpx2.Client(transport=transport))  # fmt: skip
    with pytest.raises(CassetteError, match="Cannot write the cassette"):
        client.responses.create(model="m", input="hi")
