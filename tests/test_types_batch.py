"""Tests of nbresponses.types.batch: files, batches and the lines of a batch's output file, as the API sends them."""

from __future__ import annotations

import json

import pytest

from nbresponses.types.batch import (
    BATCH_FINAL_STATUSES,
    Batch,
    BatchList,
    BatchOutputLine,
    DeletedFile,
    FileList,
    FileObject,
)

BATCH = {
    "id": "batch_abc",
    "object": "batch",
    "endpoint": "/v1/responses",
    "errors": {"object": "list", "data": [{"code": "invalid_json", "message": "bad line", "line": 3}]},
    "input_file_id": "file-in",
    "completion_window": "24h",
    "status": "in_progress",
    "output_file_id": None,
    "created_at": 1711471533,
    "request_counts": {"total": 100, "completed": 95, "failed": 5},
    "metadata": {"notebook": "analysis"},
    "usage": {"input_tokens": 1200, "output_tokens": 300},
}


def test_a_batch_round_trips_with_its_counts_and_errors() -> None:
    batch = Batch.model_validate(BATCH)
    assert batch.request_counts is not None and batch.request_counts.failed == 5
    assert batch.errors is not None and batch.errors.data[0].line == 3
    assert batch.to_dict() == BATCH
    assert not batch.finished


@pytest.mark.parametrize("status", sorted(BATCH_FINAL_STATUSES))
def test_final_statuses_finish_a_batch(status: str) -> None:
    assert Batch.model_validate({**BATCH, "status": status}).finished


def test_a_gateways_fields_are_kept_and_missing_counts_are_none() -> None:
    batch = Batch.model_validate({"id": "b", "status": "validating", "gateway_region": "eu"})
    assert batch.request_counts is None and batch.model_extra == {"gateway_region": "eu"}
    page = BatchList.model_validate({"object": "list", "data": [BATCH], "has_more": False})
    assert page.data[0].id == "batch_abc" and [b.id for b in page] == ["batch_abc"]


def test_files() -> None:
    uploaded = FileObject.model_validate({"id": "file-1", "object": "file", "bytes": 120, "filename": "in.jsonl",
                                          "purpose": "batch", "created_at": 1, "status": "processed"})  # fmt: skip
    assert uploaded.bytes == 120 and uploaded.purpose == "batch"
    page = FileList.model_validate(
        {"object": "list", "data": [uploaded.to_dict()], "has_more": True, "last_id": "file-1"}
    )
    assert page.data[0] == uploaded and page.has_more
    assert list(page) == [uploaded]  # a page iterates over its files, as the openai SDK's pages do
    assert DeletedFile.model_validate({"id": "file-1", "object": "file", "deleted": True}).deleted


def test_output_lines_of_answers_and_errors() -> None:
    answered = BatchOutputLine.model_validate_json(json.dumps({
        "id": "batch_req_1", "custom_id": "row-1",
        "response": {"status_code": 200, "request_id": "req_1", "body": {"id": "resp_1", "output": []}},
        "error": None,
    }))  # fmt: skip
    assert answered.response is not None and answered.response.body == {"id": "resp_1", "output": []}
    failed = BatchOutputLine.model_validate(
        {"custom_id": "row-2", "error": {"code": "timeout", "message": "t"}}
    )
    assert failed.response is None and failed.error == {"code": "timeout", "message": "t"}
