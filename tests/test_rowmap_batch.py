"""A map through the Batch API: submit once, report while it runs, collect when done, and refuse a backend
without one before anything is uploaded."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from nbresponses import Client, testing
from nbresponses.offline import Fault, ModelRequest, OfflineServer, Plan, default_model
from nbresponses.pricing import PriceTable
from nbresponses.rowmap import BatchUnsupportedError, MapJob, MapLog, cancel_batch, list_batches
from nbresponses.store import HistoryStore
from nbresponses.testing import offline_client
from tests.loopback import serve

FRAME = pd.DataFrame({"q": ["a", "b", "c", "a"]}, index=["w", "x", "y", "z"])
PRICES = PriceTable.from_json({"gpt-4.1-mini": {"input": 2.0, "output": 8.0}})


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    with HistoryStore(tmp_path / "h.sqlite") as opened:
        yield opened


def job(client: Any, store: HistoryStore, frame: pd.DataFrame = FRAME) -> MapJob:
    return MapJob("Q: {q}", frame, client=client, params={"model": "gpt-4.1-mini"}, prices=PRICES,
                  log=MapLog(store, "nb", cell_id="cell"))  # fmt: skip


def test_submit_then_report_then_collect(store: HistoryStore, tmp_path: Path) -> None:
    clock = Clock()
    server = OfflineServer(clock=clock, batch_seconds=10, database=tmp_path / "files.sqlite")
    client = offline_client(server)
    first = job(client, store).run_batch()
    assert first.batch.action == "submitted" and [r.status for r in first.rows] == ["pending"] * 4
    lines = [e for e in server.journal if e["path"].endswith("/files") and e["method"] == "POST"]
    assert len(lines) == 1  # one upload; the identical rows "a" share one request
    clock.now += 5
    running = job(client, store).run_batch()
    assert running.batch.action == "running" and running.batch.batch.request_counts.completed == 1
    assert running.batch.batch.id == first.batch.batch.id  # found again by its rows' keys, not resubmitted
    clock.now += 5
    # A new server on the same files (a kernel restart) still has the batch.
    restarted = offline_client(
        OfflineServer(clock=clock, batch_seconds=10, database=tmp_path / "files.sqlite")
    )
    done = job(restarted, store).run_batch()
    assert done.batch.action == "collected"
    assert [r.status for r in done.rows] == ["completed"] * 4
    assert [r.output_text.split("\n")[0] for r in done.rows] == [f"You asked: “Q: {q}”." for q in FRAME.q]
    assert done.rows[0].output_text == done.rows[3].output_text
    full = PRICES.cost("gpt-4.1-mini", {"input_tokens": done.rows[0].input_tokens,
                                        "output_tokens": done.rows[0].output_tokens})  # fmt: skip
    assert done.rows[0].cost_usd == pytest.approx(full / 2)  # the Batch API's half price
    after = job(restarted, store)
    assert after.to_send == [] and after.run_batch().progress.resumed == 4  # answers are in the history now
    record = MapLog(store, "nb").batches()[0]
    assert record.collected_at is not None and record.status == "completed" and record.cell_id == "cell"


def test_failed_lines_are_failed_rows(store: HistoryStore) -> None:
    def responder(request: ModelRequest) -> Plan | Fault:
        if "b" in request.prompt:
            return testing.http_error(400, code="invalid_value", message="Row b is bad.")
        return default_model(request)

    client = offline_client(OfflineServer(responder, batch_seconds=0))
    job(client, store).run_batch()
    done = job(client, store).run_batch()
    statuses = {r.index: (r.status, r.error) for r in done.rows}
    assert (
        statuses["x"][0] == "failed"
        and "Row b is bad." in statuses["x"][1]
        and "HTTP 400" in statuses["x"][1]
    )
    assert statuses["w"] == ("completed", None)
    resend = job(client, store)
    assert [r.body["input"] for r in resend.to_send] == ["Q: b"]  # only the failed row is sent again


def test_a_backend_without_the_batch_api_is_refused_before_uploading(store: HistoryStore) -> None:
    app = testing.LoadTestApp(latency=0)
    with serve(app) as url:
        with pytest.raises(BatchUnsupportedError) as raised:
            job(Client(base_url=url, api_key="sk-test"), store).run_batch()
    assert "has no Batch API (GET /batches answered HTTP 404)" in str(raised.value)
    assert "Nothing was sent" in str(raised.value) and app.stats.requests == 0
    assert MapLog(store, "nb").batches() == []


def test_a_batch_the_server_forgot_is_submitted_again(store: HistoryStore) -> None:
    job(offline_client(OfflineServer(batch_seconds=60)), store).run_batch()
    again = job(
        offline_client(OfflineServer(batch_seconds=60)), store
    ).run_batch()  # in memory: the new one has none
    assert again.batch.action == "submitted" and "unknown to the server" in again.batch.notes[0]
    assert [b.status for b in MapLog(store, "nb").batches()] == ["validating", "lost"]


def test_listing_and_cancelling(store: HistoryStore) -> None:
    client = offline_client(OfflineServer(batch_seconds=60))
    submitted = job(client, store).run_batch().batch.batch
    log = MapLog(store, "nb")
    listing = list_batches(client, log)
    assert [entry.batch.status for entry in listing] == ["in_progress"]
    cancelled = cancel_batch(client, log, submitted.id)
    assert cancelled.status == "cancelling" and log.batches()[0].status == "cancelling"
    done = job(client, store).run_batch()
    assert done.batch.action == "collected" and done.batch.batch.status == "cancelled"
    assert {r.status for r in done.rows} == {"not_sent"} and "run the map again" in done.batch.notes[0]
    assert job(client, store).run_batch().batch.action == "submitted"  # the rows go out in a new batch


def test_rows_added_after_submitting_are_not_in_the_batch(store: HistoryStore) -> None:
    client = offline_client(OfflineServer(batch_seconds=60))
    job(client, store).run_batch()
    bigger = pd.concat([FRAME, pd.DataFrame({"q": ["d"]}, index=["new"])])
    state = job(client, store, bigger).run_batch()
    assert state.rows[-1].status == "not_sent" and "not in batch" in state.batch.notes[-1]
    assert state.batch.action == "running"


def test_a_batch_completes_on_its_own_time(store: HistoryStore) -> None:
    client = offline_client(OfflineServer(batch_seconds=0.2))
    job(client, store).run_batch()
    time.sleep(0.3)  # the offline batch's configured duration (not a timing assertion)
    assert job(client, store).run_batch().batch.action == "collected"
