"""The offline server's Batch API: checking the input file, completing after a configured delay, cancelling."""

from __future__ import annotations

import json
from pathlib import Path

import openai
import pytest

from nbresponses import BadRequestError, NotFoundError
from nbresponses.offline import OfflineServer, create_app
from nbresponses.testing import offline_client
from tests.loopback import serve


class Clock:
    def __init__(self) -> None:
        self.now = 5_000_000.0

    def __call__(self) -> float:
        return self.now


def jsonl(*lines: object) -> bytes:
    return "".join(json.dumps(line) + "\n" for line in lines).encode()


def request(custom_id: str, text: str) -> dict[str, object]:
    return {"custom_id": custom_id, "method": "POST", "url": "/v1/responses",
            "body": {"model": "gpt-4.1-mini", "input": text}}  # fmt: skip


def test_a_batch_goes_from_validating_to_completed_over_its_delay() -> None:
    clock = Clock()
    client = offline_client(OfflineServer(clock=clock, batch_seconds=10))
    file = client.files.create(
        file=jsonl(*(request(f"r{i}", f"hello {i}") for i in range(4))), purpose="batch"
    )
    batch = client.batches.create(input_file_id=file.id, metadata={"k": "v"})
    assert batch.status == "validating" and batch.request_counts.total == 4 and batch.metadata == {"k": "v"}
    assert batch.model == "gpt-4.1-mini" and batch.endpoint == "/v1/responses"
    clock.now += 5
    halfway = client.batches.retrieve(batch.id)
    assert halfway.status == "in_progress" and halfway.request_counts.completed == 2 and not halfway.finished
    clock.now += 5
    done = client.batches.retrieve(batch.id)
    assert done.status == "completed" and done.finished and done.request_counts.completed == 4
    assert done.error_file_id is None and done.usage["total_tokens"] > 0
    lines = [json.loads(line) for line in client.files.content(done.output_file_id).splitlines()]
    assert [line["custom_id"] for line in lines] == ["r0", "r1", "r2", "r3"]
    assert lines[1]["response"]["status_code"] == 200 and "hello 1" in json.dumps(
        lines[1]["response"]["body"]
    )
    assert client.batches.list(limit=1).data[0].id == batch.id


def test_a_bad_input_file_fails_the_batch_with_its_errors() -> None:
    client = offline_client(OfflineServer())
    content = jsonl(request("a", "x"), request("a", "y"), {"custom_id": "b", "method": "GET", "url": "/v1/x",
                                                           "body": {}}) + b"not json\n"  # fmt: skip
    batch = client.batches.create(input_file_id=client.files.create(file=content, purpose="batch").id)
    assert batch.status == "failed" and batch.finished
    assert [(e.code, e.line) for e in batch.errors.data] == [("duplicate_custom_id", 2), ("invalid_url", 3),
                                                            ("invalid_json_line", 4)]  # fmt: skip


def test_requests_that_fail_go_to_the_error_file() -> None:
    client = offline_client(OfflineServer(batch_seconds=0))
    content = jsonl(request("ok", "x"), {**request("bad", "y"), "body": {"input": "no model"}})
    batch = client.batches.create(input_file_id=client.files.create(file=content, purpose="batch").id)
    done = client.batches.retrieve(batch.id)
    assert done.request_counts.completed == 1 and done.request_counts.failed == 1
    error = json.loads(client.files.content(done.error_file_id))
    assert error["custom_id"] == "bad" and error["response"]["status_code"] == 400


def test_cancelling_keeps_what_was_answered() -> None:
    clock = Clock()
    client = offline_client(OfflineServer(clock=clock, batch_seconds=10))
    file = client.files.create(file=jsonl(*(request(f"r{i}", "x") for i in range(4))), purpose="batch")
    batch = client.batches.create(input_file_id=file.id)
    clock.now += 5
    assert client.batches.cancel(batch.id).status == "cancelling"
    cancelled = client.batches.retrieve(batch.id)
    assert cancelled.status == "cancelled" and cancelled.request_counts.completed == 2
    assert len(client.files.content(cancelled.output_file_id).splitlines()) == 2
    with pytest.raises(BadRequestError, match="Cannot cancel a batch with status 'cancelled'"):
        client.batches.cancel(batch.id)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"endpoint": "/v1/chat/completions"}, "batches /v1/responses only"),
        ({"completion_window": "1h"}, "24h"),
        ({"input_file_id": "file-nope"}, "No such File"),
    ],
)
def test_what_the_service_refuses_is_refused(change: dict[str, str], message: str) -> None:
    client = offline_client(OfflineServer())
    file = client.files.create(file=jsonl(request("a", "x")), purpose="batch")
    payload = {"input_file_id": file.id, "endpoint": "/v1/responses", "completion_window": "24h", **change}
    with pytest.raises((BadRequestError, NotFoundError), match=message):
        client.batches.create(**payload)


def test_batches_outlive_the_server_in_a_file(tmp_path: Path) -> None:
    path = tmp_path / "files.sqlite"
    first = offline_client(OfflineServer(database=path, batch_seconds=0))
    batch = first.batches.create(
        input_file_id=first.files.create(file=jsonl(request("a", "x")), purpose="batch").id
    )
    again = offline_client(OfflineServer(database=path, batch_seconds=0)).batches.retrieve(batch.id)
    assert again.status == "completed" and again.output_file_id


def test_the_official_sdk_runs_a_batch_over_http() -> None:
    with serve(create_app(OfflineServer(batch_seconds=0))) as url:
        client = openai.OpenAI(base_url=url, api_key="sk-offline")
        file = client.files.create(file=("in.jsonl", jsonl(request("a", "hi"))), purpose="batch")
        batch = client.batches.create(
            input_file_id=file.id, endpoint="/v1/responses", completion_window="24h"
        )
        done = client.batches.retrieve(batch.id)
        assert done.status == "completed" and done.request_counts.completed == 1
        line = json.loads(client.files.content(done.output_file_id).read())
        assert line["custom_id"] == "a" and line["response"]["body"]["object"] == "response"
