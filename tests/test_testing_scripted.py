"""Tests of nbresponses.testing._scripted: `OfflineBackend` answers from its script in order, then with its
fallback model, and keeps a journal of what it received."""

from __future__ import annotations

import asyncio

from nbresponses import testing
from nbresponses.offline import ModelRequest, Plan


def test_scripted_answers_first_then_the_fallback() -> None:
    def fallback(request: ModelRequest) -> Plan:
        return testing.reply(testing.text(f"fallback for {request.prompt}"))

    backend = testing.OfflineBackend(fallback=fallback).script([testing.text("one")])
    backend.script([lambda request: testing.text(f"you said {request.prompt}")])
    assert backend.pending == 2
    client = backend.client()
    answers = [client.responses.create(model="m", input=prompt).output_text for prompt in ("a", "b", "c")]
    assert answers == ["one", "you said b", "fallback for c"] and backend.pending == 0


def test_the_journal_and_the_requests() -> None:
    backend = testing.OfflineBackend()
    client = backend.client()
    first = client.responses.create(model="m", input="hello")
    client.responses.retrieve(first.id)
    assert [entry["method"] for entry in backend.journal] == ["POST", "GET"]
    assert backend.requests == [{"model": "m", "input": "hello"}]  # only the creations


def test_sync_and_async_clients_and_the_transport_share_the_script() -> None:
    backend = testing.OfflineBackend(seed="s").script([testing.text("sync"), testing.text("async")])
    assert backend.client().responses.create(model="m", input="x").output_text == "sync"

    async def main() -> str:
        async with backend.async_client() as client:
            return (await client.responses.create(model="m", input="y")).output_text

    assert asyncio.run(main()) == "async"
    assert backend.transport() is not None and len(backend.requests) == 2
