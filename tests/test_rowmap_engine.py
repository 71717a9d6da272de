"""Sending a map's rows: failures stay in their row, retries, early stops (a bad key, no quota, the budget),
interrupts that keep what was answered, and the history log."""

from __future__ import annotations

import asyncio
import json
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from nbresponses import testing
from nbresponses.offline import Fault, ModelRequest, OfflineServer, Plan
from nbresponses.pricing import PriceTable
from nbresponses.rowmap import MapBudget, MapJob, MapLog
from nbresponses.store import HistoryStore
from nbresponses.testing import offline_client
from tests.loopback import serve

FRAME = pd.DataFrame({"q": [f"q{i}" for i in range(12)]}, index=[f"r{i}" for i in range(12)])


def answer(text: str) -> Plan:
    return Plan(output=[testing.text(f"A: {text}")])


class Scripted:
    """A responder deciding by the prompt, counting attempts per prompt (thread-safe)."""

    def __init__(self, decide: Any) -> None:
        self.decide = decide
        self.attempts: Counter[str] = Counter()
        self.lock = threading.Lock()

    def __call__(self, request: ModelRequest) -> Plan | Fault:
        with self.lock:
            self.attempts[request.prompt] += 1
            attempt = self.attempts[request.prompt]
        return self.decide(request.prompt, attempt)


def job(responder: Any, *, frame: pd.DataFrame = FRAME, log: MapLog | None = None, **options: Any) -> MapJob:
    client = offline_client(OfflineServer(responder))
    return MapJob("{q}", frame, client=client, params={"model": "gpt-4.1-mini"}, log=log, **options)


def test_a_failing_row_keeps_its_error_and_the_others_are_answered() -> None:
    def decide(prompt: str, attempt: int) -> Plan | Fault:
        if prompt == "q3":
            return testing.http_error(400, code="invalid_value", message="That row is bad.")
        return answer(prompt)

    result = job(Scripted(decide), concurrency=4).run()
    rows = {row.index: row for row in result.rows}
    assert (
        rows["r3"].status == "failed" and "That row is bad. (HTTP 400, code=invalid_value" in rows["r3"].error
    )
    assert all(rows[f"r{i}"].output_text == f"A: q{i}" for i in range(12) if i != 3)
    assert result.progress.done == 11 and result.progress.failed == 1 and result.progress.stopped is None


def test_server_errors_are_retried() -> None:
    responder = Scripted(lambda p, n: testing.http_error(500) if n <= 2 and p in ("q1", "q2") else answer(p))
    result = job(responder, concurrency=3).run()
    assert {row.status for row in result.rows} == {"completed"}
    assert responder.attempts["q1"] == 3 and result.progress.retries == 4


def test_a_wrong_key_stops_the_map_after_three_identical_failures() -> None:
    responder = Scripted(
        lambda p, n: testing.http_error(401, code="invalid_api_key", message="Incorrect API key")
    )
    result = job(responder, concurrency=1).run()
    assert sum(responder.attempts.values()) == 3  # not twelve
    assert "the first 3 requests all failed" in (result.progress.stopped or "")
    assert Counter(row.status for row in result.rows) == {"failed": 3, "not_sent": 9}


def mock_client(handle: Any) -> Any:
    import httpx2

    from nbresponses import Client

    return Client(api_key="k", base_url="https://gw.example/v1",
                  http_client=httpx2.Client(transport=httpx2.MockTransport(handle)))  # fmt: skip


def test_a_server_that_cannot_be_reached_stops_the_map_within_its_first_attempts() -> None:
    import httpx2

    attempts: Counter[str] = Counter()

    def refuse(request: httpx2.Request) -> httpx2.Response:
        attempts[json.loads(request.read())["input"]] += 1
        raise httpx2.ConnectError("[Errno 111] Connection refused", request=request)

    mapped = MapJob("{q}", FRAME, client=mock_client(refuse), params={"model": "m"}, concurrency=4, retries=6)
    result = mapped.run()
    # Every attempt counts (not each row after its 6 retries): the third stops the map, at most the 4 in flight
    # were tried, none of them twice.
    tried = sum(attempts.values())
    assert 3 <= tried <= 4 and set(attempts.values()) == {1}
    stopped = result.progress.stopped or ""
    assert stopped.startswith("the first 3 attempts could not connect (check the base URL")
    assert "ConnectError talking to https://gw.example/v1: [Errno 111] Connection refused" in stopped
    assert Counter(row.status for row in result.rows) == {"failed": tried, "not_sent": 12 - tried}
    assert {row.error for row in result.rows if row.status == "not_sent"} == {stopped}
    assert result.progress.retries <= 2  # the retries started before the stop were cut short


def test_a_real_refused_port_stops_the_map() -> None:
    import socket

    from nbresponses import Client

    with socket.socket() as bound:  # bound, never listening: connections to it are refused
        bound.bind(("127.0.0.1", 0))
        client = Client(api_key="sk-x", base_url=f"http://127.0.0.1:{bound.getsockname()[1]}/v1")
        result = MapJob("{q}", FRAME, client=client, params={"model": "m"}, concurrency=8).run()
    assert "could not connect" in (result.progress.stopped or "")
    progress = result.progress
    assert 3 <= progress.failed <= 8 and progress.failed + progress.not_sent == 12 and progress.answered == 0


def test_connection_failures_after_an_answer_are_retried_not_fatal() -> None:
    import httpx2

    attempts: Counter[str] = Counter()

    def flaky(request: httpx2.Request) -> httpx2.Response:
        prompt = json.loads(request.read())["input"]
        attempts[prompt] += 1
        if prompt != "q0" and attempts[prompt] == 1:
            raise httpx2.ConnectError("connection refused", request=request)
        return httpx2.Response(200, json=load_response(prompt))

    frame = FRAME.head(5)
    result = MapJob("{q}", frame, client=mock_client(flaky), params={"model": "m"}, concurrency=1).run()
    assert [row.status for row in result.rows] == ["completed"] * 5 and result.progress.stopped is None
    assert result.progress.retries == 4


def test_read_timeouts_of_the_first_requests_are_retried_not_fatal() -> None:
    import httpx2

    attempts: Counter[str] = Counter()

    def slow_once(request: httpx2.Request) -> httpx2.Response:
        prompt = json.loads(request.read())["input"]
        attempts[prompt] += 1
        if attempts[prompt] == 1:
            raise httpx2.ReadTimeout("timed out", request=request)
        return httpx2.Response(200, json=load_response(prompt))

    frame = FRAME.head(4)
    result = MapJob("{q}", frame, client=mock_client(slow_once), params={"model": "m"}, concurrency=4).run()
    assert [row.status for row in result.rows] == ["completed"] * 4 and result.progress.stopped is None
    assert set(attempts.values()) == {2}


def test_no_quota_stops_the_map_at_once() -> None:
    responder = Scripted(lambda p, n: testing.http_error(429, code="insufficient_quota", message="No quota."))
    result = job(responder, concurrency=1).run()
    assert sum(responder.attempts.values()) == 1
    assert "out of quota" in (result.progress.stopped or "")


def test_the_budget_stops_sending_new_rows() -> None:
    prices = PriceTable.from_json({"gpt-4.1-mini": {"input": 1_000_000.0, "output": 1_000_000.0}})
    responder = Scripted(lambda p, n: answer(p))
    result = job(responder, concurrency=1, prices=prices, budget=MapBudget(50.0)).run()
    sent = sum(responder.attempts.values())
    assert 1 <= sent < 12 and result.progress.not_sent == 12 - sent
    assert "budget reached" in (result.progress.stopped or "")
    assert {row.status for row in result.rows} == {"completed", "not_sent"}


def test_the_budget_stop_line_says_the_final_spend_with_rows_in_flight() -> None:
    from nbresponses import Client
    from nbresponses.pricing.usage_stats import format_cost

    prices = PriceTable.from_json({"m": {"input": 1_000_000.0, "output": 1_000_000.0}})
    app = testing.LoadTestApp(latency=0.05)
    frame = pd.DataFrame({"q": [f"q{i}" for i in range(30)]})
    with serve(app) as url:
        client = Client(base_url=url, api_key="sk-test")
        result = MapJob("{q}", frame, client=client, params={"model": "m"}, concurrency=4, prices=prices,
                        budget=MapBudget(30.0)).run()  # fmt: skip
    progress = result.progress
    # The line and the summary's cost agree: rows in flight at the stop finish after it and count.
    assert progress.stopped is not None and progress.stopped.startswith(
        f"budget reached: the estimated spend is {format_cost(progress.cost_usd)} of the $30.00 budget"
    )
    assert progress.cost_text() == format_cost(progress.cost_usd) and 0 < progress.not_sent < 30
    if progress.cost_usd > 30.0:
        assert progress.stopped.endswith(
            "(rows already in flight when it was reached were answered after the stop)"
        )


def test_the_budget_stop_line_counts_the_notebooks_earlier_spend() -> None:
    prices = PriceTable.from_json({"gpt-4.1-mini": {"input": 1_000_000.0, "output": 1_000_000.0}})
    result = job(Scripted(lambda p, n: answer(p)), concurrency=1, prices=prices,
                 budget=MapBudget(50.0, spent_before=20.0)).run()  # fmt: skip
    progress = result.progress
    assert progress.stopped == (
        f"budget reached: the notebook's estimated spend is ${20 + progress.cost_usd:.2f} "
        f"(${progress.cost_usd:.2f} of it this map's) of the $50.00 budget"
    )


def test_answers_are_logged_and_a_second_run_sends_nothing(tmp_path: Path) -> None:
    responder = Scripted(lambda p, n: answer(p))
    with HistoryStore(tmp_path / "h.sqlite") as store:
        log = MapLog(store, "nb", cell_id="c1")
        first = job(responder, log=log, concurrency=4).run()
        assert first.progress.done == 12
        second = job(responder, log=log)
        assert second.to_send == [] and second.progress.resumed == 12
        result = second.run()
        assert all(row.resumed and row.output_text == f"A: q{i}" for i, row in enumerate(result.rows))
        assert sum(responder.attempts.values()) == 12
        usage = store.usage_rows("nb")
        assert len(usage) == 12 and {u.thread for u in usage} == {"map"} and all(u.turn_id < 0 for u in usage)
        fresh = job(responder, log=log, fresh=True)
        assert len(fresh.to_send) == 12


class HeldApp:
    """Answers q0 and q1 at once and holds every other request until the test is over."""

    def __init__(self) -> None:
        self.done = threading.Event()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if not body:  # the client went away
            return
        prompt = json.loads(body)["input"]
        while prompt not in ("q0", "q1") and not self.done.is_set():
            await asyncio.sleep(0.01)
        data = json.dumps(load_response(prompt)).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": data})


def load_response(prompt: str) -> dict[str, Any]:
    return {
        "id": f"resp_{prompt}",
        "object": "response",
        "status": "completed",
        "model": "m",
        "output": [{**testing.text(f"A: {prompt}"), "id": f"msg_{prompt}"}],
        "usage": {"input_tokens": 1, "output_tokens": 2, "total_tokens": 3},
    }


def test_cancelling_keeps_the_answered_rows_and_records_them(tmp_path: Path) -> None:
    from nbresponses import Client

    app = HeldApp()
    with serve(app) as url, HistoryStore(tmp_path / "h.sqlite") as store:
        log = MapLog(store, "nb")
        client = Client(base_url=url, api_key="sk-test")
        mapped = MapJob("{q}", FRAME, client=client, params={"model": "m"}, log=log, concurrency=3)

        async def run_and_cancel() -> None:
            task = asyncio.ensure_future(mapped.arun())
            while mapped.progress.done < 2:
                await asyncio.sleep(0.01)
            task.cancel()
            await task

        try:
            asyncio.run(run_and_cancel())
        finally:
            app.done.set()
        result = mapped.result()
        assert result.progress.interrupted
        statuses = [row.status for row in result.rows]
        assert statuses[:2] == ["completed", "completed"]
        assert Counter(statuses[2:]) == {"interrupted": 3, "not_sent": 7}  # q2, q3, q4 held in the 3 slots
        assert [row.output_text for row in result.rows[:2]] == ["A: q0", "A: q1"]
        assert set(log.answered(mapped.keys)) == {mapped.keys[0], mapped.keys[1]}


def test_never_more_requests_in_flight_than_the_concurrency_and_429s_wait() -> None:
    app = testing.LoadTestApp(latency=0.05, rate_limit_at={3, 9}, retry_after_ms=100)
    frame = pd.DataFrame({"q": [f"q{i}" for i in range(30)]})
    with serve(app) as url:
        from nbresponses import Client

        client = Client(base_url=url, api_key="sk-test")
        result = MapJob("{q}", frame, client=client, params={"model": "m"}, concurrency=5).run()
    assert app.stats.peak_in_flight <= 5 and app.stats.rate_limited == 2 and app.stats.early == 0
    assert [row.output_text for row in result.rows] == [f"Answer: q{i}" for i in range(30)]
    assert result.progress.rate_limited == 2 and result.progress.retries == 2


def test_a_response_that_failed_is_a_failed_row() -> None:
    responder = Scripted(lambda p, n: testing.failed("server_error", "Boom.") if p == "q0" else answer(p))
    result = job(responder).run()
    assert result.rows[0].status == "failed" and "Boom." in (result.rows[0].error or "")
    assert result.rows[1].status == "completed" and result.progress.failed == 1


def test_an_unexpected_exception_is_its_rows_error() -> None:
    import httpx2

    from nbresponses import Client

    def handle(request: httpx2.Request) -> httpx2.Response:
        prompt = json.loads(request.read())["input"]
        if prompt == "q3":
            raise RuntimeError("the transport broke")
        return httpx2.Response(200, json=load_response(prompt))

    client = Client(
        api_key="k",
        base_url="https://gw.example/v1",
        http_client=httpx2.Client(transport=httpx2.MockTransport(handle)),
    )
    result = MapJob("{q}", FRAME, client=client, params={"model": "m"}, concurrency=4).run()
    rows = {row.index: row for row in result.rows}
    assert rows["r3"].status == "failed" and rows["r3"].error == "RuntimeError: the transport broke"
    assert sum(row.status == "completed" for row in result.rows) == 11


def test_a_history_that_cannot_be_written_loses_no_answer(tmp_path: Path) -> None:
    responder = Scripted(lambda p, n: answer(p))
    with HistoryStore(tmp_path / "h.sqlite") as store:
        log = MapLog(store, "nb")

        def broken(rows: Any) -> int:
            raise OSError("disk full")

        log.save = broken  # type: ignore[method-assign]
        result = job(responder, log=log, concurrency=3).run()
    assert [row.status for row in result.rows] == ["completed"] * 12
    assert result.progress.log_error == "OSError: disk full"
