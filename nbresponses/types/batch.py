"""Models of the Files and Batch APIs: uploaded files, batches, and the lines of a batch's output file.

A batch runs many ``/v1/responses`` requests from an uploaded JSONL file (one request per line, each with a
``custom_id``) within a completion window, at a lower price; its results come back as output and error files
whose lines are `BatchOutputLine`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ._base import APIModel

__all__ = [
    "BATCH_FINAL_STATUSES",
    "Batch",
    "BatchError",
    "BatchErrors",
    "BatchList",
    "BatchOutputLine",
    "BatchOutputResponse",
    "BatchRequestCounts",
    "DeletedFile",
    "FileList",
    "FileObject",
]

BATCH_FINAL_STATUSES = frozenset({"completed", "failed", "expired", "cancelled"})
"""Statuses after which a batch changes no more (its output and error files, if any, are final)."""


class FileObject(APIModel):
    """An uploaded file (``POST /files``)."""

    id: str
    object: str | None = None
    bytes: int | None = None
    created_at: int | float | None = None
    expires_at: int | float | None = None
    filename: str | None = None
    purpose: str | None = None
    status: str | None = None


class FileList(APIModel):
    """A page of files (``GET /files``)."""

    object: str | None = None
    data: list[FileObject] = []
    first_id: str | None = None
    last_id: str | None = None
    has_more: bool | None = None

    # The openai SDK's pages iterate over their items; pydantic's own __iter__ yields (field, value) pairs.
    def __iter__(self) -> Iterator[FileObject]:  # type: ignore[override]
        """Iterate over the files of this page."""
        return iter(self.data)


class DeletedFile(APIModel):
    """The answer to ``DELETE /files/{id}``."""

    id: str | None = None
    object: str | None = None
    deleted: bool | None = None


class BatchRequestCounts(APIModel):
    """How many requests of a batch there are, and how many completed or failed so far."""

    total: int = 0
    completed: int = 0
    failed: int = 0


class BatchError(APIModel):
    """A problem with the batch as a whole (e.g. a malformed input line)."""

    code: str | None = None
    message: str | None = None
    param: str | None = None
    line: int | None = None


class BatchErrors(APIModel):
    """The ``errors`` of a batch."""

    object: str | None = None
    data: list[BatchError] = []


class Batch(APIModel):
    """A batch (``POST /batches``): its status, files, request counts and timestamps."""

    id: str
    object: str | None = None
    endpoint: str | None = None
    model: str | None = None
    errors: BatchErrors | None = None
    input_file_id: str | None = None
    completion_window: str | None = None
    status: str
    output_file_id: str | None = None
    error_file_id: str | None = None
    created_at: int | float | None = None
    in_progress_at: int | float | None = None
    expires_at: int | float | None = None
    finalizing_at: int | float | None = None
    completed_at: int | float | None = None
    failed_at: int | float | None = None
    expired_at: int | float | None = None
    cancelling_at: int | float | None = None
    cancelled_at: int | float | None = None
    request_counts: BatchRequestCounts | None = None
    usage: dict[str, Any] | None = None
    metadata: dict[str, str] | None = None

    @property
    def finished(self) -> bool:
        """Whether the batch is over (completed, failed, expired or cancelled)."""
        return self.status in BATCH_FINAL_STATUSES


class BatchList(APIModel):
    """A page of batches (``GET /batches``)."""

    object: str | None = None
    data: list[Batch] = []
    first_id: str | None = None
    last_id: str | None = None
    has_more: bool | None = None

    # The openai SDK's pages iterate over their items; pydantic's own __iter__ yields (field, value) pairs.
    def __iter__(self) -> Iterator[Batch]:  # type: ignore[override]
        """Iterate over the batches of this page."""
        return iter(self.data)


class BatchOutputResponse(APIModel):
    """The HTTP answer to one request of a batch."""

    status_code: int | None = None
    request_id: str | None = None
    body: dict[str, Any] | None = None


class BatchOutputLine(APIModel):
    """One line of a batch's output or error file."""

    id: str | None = None
    custom_id: str | None = None
    response: BatchOutputResponse | None = None
    error: dict[str, Any] | None = None
