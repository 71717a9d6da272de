"""`MapJob`: planned before anything is sent, then run from sync code, from a running event loop, or batched."""

from __future__ import annotations

import asyncio

import pandas as pd
import pytest

from nbresponses import testing
from nbresponses.rowmap import MapInputError, MapJob, RowOutcome

FRAME = pd.DataFrame({"q": ["a", "b", "c"]})


def test_bad_settings_are_refused_before_anything_is_sent() -> None:
    backend = testing.OfflineBackend()
    client = backend.client()
    with pytest.raises(MapInputError, match="concurrency"):
        MapJob("{q}", FRAME, client=client, params={"model": "m"}, concurrency=0)
    with pytest.raises(MapInputError, match="needs a model"):
        MapJob("{q}", FRAME, client=client, params={})
    with pytest.raises(MapInputError, match="template is empty"):
        MapJob("  ", FRAME, client=client, params={"model": "m"})
    with pytest.raises(MapInputError, match="needs the history"):
        MapJob("{q}", FRAME, client=client, params={"model": "m"}).run_batch()
    assert backend.journal == []


def test_an_async_client_maps_from_a_running_event_loop() -> None:
    backend = testing.OfflineBackend()

    async def main() -> list[str]:
        job = MapJob("Say {q}", FRAME, client=backend.async_client(), params={"model": "m"}, concurrency=2)
        result = await job.arun()
        return [row.status for row in result.rows]

    assert asyncio.run(main()) == ["completed"] * 3
    assert [b["input"] for b in backend.requests] == ["Say a", "Say b", "Say c"]


def test_nothing_to_send_finishes_at_once() -> None:
    backend = testing.OfflineBackend()
    job = MapJob("{q}", FRAME, client=backend.client(), params={"model": "m"})
    job.outcomes = {key: RowOutcome("completed", output_text="x", resumed=True) for key in job.keys}
    job.to_send = []
    result = job.run()
    assert result.progress.finished is not None and [r.output_text for r in result.rows] == ["x"] * 3
    assert backend.journal == []
