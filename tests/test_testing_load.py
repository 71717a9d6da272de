"""`testing.LoadTestApp`: latency, answers that echo the input, 429s, rate-limit windows and its counters."""

from __future__ import annotations

import asyncio
import json

import httpx2

from nbresponses import testing
from tests.loopback import serve


async def post(client: httpx2.AsyncClient, url: str, text: str) -> httpx2.Response:
    return await client.post(url + "/responses", json={"model": "m", "input": text})


def test_answers_echo_the_input_and_the_server_counts_in_flight() -> None:
    app = testing.LoadTestApp(latency=0.05)
    with serve(app) as url:

        async def main() -> list[httpx2.Response]:
            async with httpx2.AsyncClient() as client:
                return await asyncio.gather(*(post(client, url, f"t{i}") for i in range(6)))

        answers = asyncio.run(main())
        stats = httpx2.get(url + "/stats").json()
    texts = [a.json()["output"][0]["content"][0]["text"] for a in answers]
    assert texts == [f"Answer: t{i}" for i in range(6)]
    assert app.stats.peak_in_flight == 6 and app.stats.rounds == 1 and stats["requests"] == 6
    assert answers[0].json()["usage"]["total_tokens"] > 0


def test_scripted_429s_and_early_retries_are_counted() -> None:
    app = testing.LoadTestApp(latency=0, rate_limit_at={1}, retry_after_ms=60_000)
    with serve(app) as url:
        first = httpx2.post(url + "/responses", json={"input": "same"})
        retry = httpx2.post(url + "/responses", json={"input": "same"})  # long before the 60 s were over
    assert first.status_code == 429 and first.headers["retry-after-ms"] == "60000"
    assert retry.status_code == 200 and app.stats.early == 1 and app.stats.rate_limited == 1


def test_a_request_window_sends_openai_headers_and_429s_beyond_it() -> None:
    app = testing.LoadTestApp(latency=0, requests_per_window=2, window=60)
    with serve(app) as url:
        answers = [httpx2.post(url + "/responses", json={"input": str(i)}) for i in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert [a.headers["x-ratelimit-remaining-requests"] for a in answers] == ["1", "0", "0"]
    assert answers[0].headers["x-ratelimit-reset-requests"].endswith("ms") and app.stats.over_budget == 1
    app.reset()
    assert app.stats.requests == 0 and json.loads(json.dumps(app.stats.to_dict()))["requests"] == 0


def test_other_paths_are_not_found() -> None:
    with serve(testing.LoadTestApp()) as url:
        assert httpx2.get(url + "/batches").status_code == 404


def test_serve_runs_it_on_loopback() -> None:
    app = testing.LoadTestApp(latency=0)
    with app.serve() as url:
        assert url.startswith("http://127.0.0.1:") and url.endswith("/v1")
        assert httpx2.post(url + "/responses", json={"input": "x"}).status_code == 200
    assert app.stats.requests == 1
