"""A map through the Batch API: submit once, then report on the batch or collect it on every later run.

Submitting uploads a JSONL file of ``/v1/responses`` requests (``custom_id`` = the row's key) and creates a
batch; the batch and its keys are recorded in the history. Running the same map again (the same cell, also
after a kernel restart, also a headless re-run of the notebook under another notebook key) finds that batch by
its keys and backend instead of submitting another: while it runs, its status
is reported; once it is over, its output and error files are read, answers are recorded like any map row (at
the batch price) and the batch is marked collected. A backend without the Batch API is found out before
anything is uploaded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nbresponses._exceptions import APIStatusError, NBResponsesError, NotFoundError
from nbresponses.types.batch import Batch, BatchOutputLine
from nbresponses.types.response import Response

from ._log import SavedRow
from ._outcome import RowOutcome
from ._template import MapInputError

if TYPE_CHECKING:
    from nbresponses.client import AsyncClient, Client

    from ._job import MapJob
    from ._log import BatchRecord, MapLog

__all__ = [
    "BATCH_PRICE_FACTOR",
    "MAX_BATCH_REQUESTS",
    "BatchListing",
    "BatchState",
    "BatchUnsupportedError",
    "batch_rows",
    "cancel_batch",
    "list_batches",
]

BATCH_PRICE_FACTOR = 0.5
"""Batch API requests cost half the standard price at OpenAI."""
MAX_BATCH_REQUESTS = 50_000
"""The most requests one batch file may hold (OpenAI's limit)."""
_NO_BATCH_STATUSES = frozenset({404, 405, 501})


class BatchUnsupportedError(MapInputError):
    """The backend has no Batch API: nothing was uploaded."""


@dataclass(frozen=True)
class BatchState:
    """What a batched map did this run, and the batch as the server last described it."""

    batch: Batch
    action: str
    """``submitted``, ``running`` (reported on), or ``collected``."""
    notes: tuple[str, ...] = ()


def request_lines(job: MapJob) -> bytes:
    """The JSONL input file of the rows still to send."""
    lines = (
        json.dumps(
            {"custom_id": r.key, "method": "POST", "url": "/v1/responses", "body": r.body}, ensure_ascii=False
        )
        for r in job.to_send
    )
    return ("\n".join(lines) + "\n").encode()


async def _check_batch_api(client: AsyncClient) -> None:
    try:
        await client.batches.list(limit=1)
    except APIStatusError as error:
        if error.status in _NO_BATCH_STATUSES or isinstance(error, NotFoundError):
            raise BatchUnsupportedError(
                f"{client.base_url} has no Batch API (GET /batches answered HTTP {error.status}): --batch needs "
                "one (OpenAI has it). Run without --batch to send the rows directly. Nothing was sent."
            ) from None
        raise


async def _submit(job: MapJob, client: AsyncClient, log: MapLog, base_url: str) -> BatchState:
    if len(job.to_send) > MAX_BATCH_REQUESTS:
        raise MapInputError(
            f"{len(job.to_send)} requests do not fit in one batch (at most {MAX_BATCH_REQUESTS:,}): split the table."
        )
    await _check_batch_api(client)
    uploaded = await client.files.create(file=("nbresponses-map.jsonl", request_lines(job)), purpose="batch")
    batch = await client.batches.create(input_file_id=uploaded.id, endpoint="/v1/responses",
                                        metadata={"created_by": "nbresponses map"})  # fmt: skip
    log.add_batch(batch.id, keys=[r.key for r in job.to_send], base_url=base_url, model=job.params.get("model"),
                  status=batch.status, input_file_id=uploaded.id, counts=_counts(batch))  # fmt: skip
    return BatchState(batch, "submitted")


def _counts(batch: Batch) -> dict[str, int]:
    counts = batch.request_counts
    return {"total": counts.total, "completed": counts.completed, "failed": counts.failed} if counts else {}


async def _read_lines(client: AsyncClient, file_id: str | None) -> list[BatchOutputLine]:
    if not file_id:
        return []
    content = await client.files.content(file_id)
    return [BatchOutputLine.model_validate_json(line) for line in content.splitlines() if line.strip()]


def _line_outcome(line: BatchOutputLine, job: MapJob) -> tuple[RowOutcome, Response | None]:
    answer = line.response
    if answer is not None and answer.status_code == 200 and answer.body is not None:
        response = Response.model_validate(answer.body)
        cost = None
        if job.prices is not None:
            cost = job.prices.cost(response.model or job.params.get("model"), response.usage)
            cost = cost * BATCH_PRICE_FACTOR if cost is not None else None
        return RowOutcome.answered(response, cost), response
    detail = (answer.body or {}).get("error") if answer is not None else None
    detail = detail or line.error or {}
    message = detail.get("message") if isinstance(detail, dict) else str(detail)
    status = f"HTTP {answer.status_code}, " if answer is not None and answer.status_code else ""
    code = detail.get("code") if isinstance(detail, dict) else None
    return RowOutcome("failed", error=f"{message or 'the request failed'} ({status}code={code})"), None


async def _collect(job: MapJob, client: AsyncClient, log: MapLog, batch: Batch) -> BatchState:
    lines = [
        *await _read_lines(client, batch.output_file_id),
        *await _read_lines(client, batch.error_file_id),
    ]
    carried = {r.key: r for r in job.to_send}
    saved = []
    progress = job.progress
    for line in lines:
        request = carried.get(line.custom_id or "")
        if request is None:
            continue
        outcome, response = _line_outcome(line, job)
        job.outcomes[request.key] = outcome
        weight = len(request.positions)
        if response is not None and outcome.has_answer:
            saved.append(
                SavedRow(request.key, response, outcome.cost_usd, request=request.body, batch_id=batch.id)
            )
            progress.done += weight
            progress.input_tokens += outcome.input_tokens or 0
            progress.output_tokens += outcome.output_tokens or 0
            if outcome.cost_usd is None:
                progress.unpriced += weight
            else:
                progress.cost_usd += outcome.cost_usd
        else:
            progress.failed += weight
    log.save(saved)
    log.update_batch(batch.id, status=batch.status, counts=_counts(batch), collected=True)
    notes = []
    left = [r for r in job.to_send if r.key not in job.outcomes]
    for request in left:
        job.outcomes[request.key] = RowOutcome("not_sent", error=f"not answered by batch {batch.id}")
        progress.not_sent += len(request.positions)
    if left:
        notes.append(f"{sum(len(r.positions) for r in left)} rows got no answer from this batch ({batch.status}): "
                     "run the map again to send them.")  # fmt: skip
    return BatchState(batch, "collected", tuple(notes))


async def batch_rows(job: MapJob, client: AsyncClient, log: MapLog, *, base_url: str) -> BatchState:
    """Submit the job's unanswered rows as a batch, or report on or collect the open batch carrying them."""
    notes: list[str] = []
    record = log.open_batch((r.key for r in job.to_send), base_url)
    if record is not None:
        try:
            batch = await client.batches.retrieve(record.batch_id)
        except NotFoundError:
            log.update_batch(record.batch_id, status="lost", collected=True)
            notes.append(
                f"Batch {record.batch_id} is unknown to the server now; the rows were submitted again."
            )
        else:
            if batch.finished:
                return await _collect(job, client, log, batch)
            log.update_batch(batch.id, status=batch.status, counts=_counts(batch))
            return _pending(job, BatchState(batch, "running"), record.keys)
    state = await _submit(job, client, log, base_url)
    return _pending(job, BatchState(state.batch, state.action, tuple(notes)), [r.key for r in job.to_send])


def _pending(job: MapJob, state: BatchState, keys: tuple[str, ...] | list[str]) -> BatchState:
    """Mark the rows the batch carries as pending (and the others, if any, as not sent)."""
    carried = set(keys)
    outside = sum(len(r.positions) for r in job.to_send if r.key not in carried)
    if outside:
        state = BatchState(state.batch, state.action, (*state.notes,
            f"{outside} rows are not in batch {state.batch.id} (the table or prompt changed since it was submitted): "
            "they are submitted once it is collected, or after %respond batches cancel."))  # fmt: skip
    for request in job.to_send:
        weight = len(request.positions)
        if request.key in carried:
            job.outcomes[request.key] = RowOutcome("pending", error=None)
            job.progress.pending += weight
        else:
            job.outcomes[request.key] = RowOutcome("not_sent", error=f"not in batch {state.batch.id}")
            job.progress.not_sent += weight
    return state


@dataclass(frozen=True)
class BatchListing:
    """A batch of the notebook as the history records it, with the server's latest word on it."""

    record: BatchRecord
    batch: Batch | None
    problem: str | None = None


def list_batches(client: Client, log: MapLog, *, limit: int = 20) -> list[BatchListing]:
    """The notebook's batches and the open batches of other notebooks on ``client``'s backend (a run of the same
    map here reports on them and collects them: a headless re-run has another notebook key), newest first;
    those not collected yet are asked about (and their status kept)."""
    listing = []
    for record in log.batches(limit=limit, open_at=client.base_url):
        if record.collected_at is not None:
            listing.append(BatchListing(record, None))
            continue
        try:
            batch = client.batches.retrieve(record.batch_id)
        except NBResponsesError as error:
            listing.append(BatchListing(record, None, str(error)))
            continue
        log.update_batch(batch.id, status=batch.status, counts=_counts(batch))
        listing.append(BatchListing(record, batch))
    return listing


def cancel_batch(client: Client, log: MapLog, batch_id: str) -> Batch:
    """Cancel a batch (any of this backend's, recorded or not); its record keeps the new status."""
    batch = client.batches.cancel(batch_id)
    if log.batch(batch_id) is not None:
        log.update_batch(batch.id, status=batch.status, counts=_counts(batch))
    return batch
