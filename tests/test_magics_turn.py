"""Tests of nbresponses.magics._turn: a cell's request is decided once, so that ``%respond count`` counts exactly what
``%%respond`` sends, and a map uses the client and prices a turn would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from IPython.core.error import UsageError

from nbresponses import testing
from nbresponses.magics._options import parse_cell_options
from nbresponses.magics._run import TurnInterrupted
from nbresponses.magics._turn import cell_tools, prepare_turn, turn_client, turn_prices
from nbresponses.offline._png import png_bytes
from nbresponses.types.request import InputTokensParams
from tests.magic_shell import Shell


def _ping(host: str) -> str:
    """Ping a host."""
    return f"pong from {host}"


def test_count_sends_the_body_the_turn_sends(ipython: Shell, tmp_path: Path) -> None:
    backend = testing.OfflineBackend().script([testing.text("ok")])
    ipython.magics.session.use_client(backend.client())
    ipython.ns.update(ping=_ping, rows=[1, 2, 3])
    image = tmp_path / "pixel.png"
    image.write_bytes(png_bytes("a pixel", size=1))
    line = f"--tools ping --image {image} --instructions 'Be brief.' -m gpt-4.1-mini"
    ipython.run(f"%%respond count {line}\nCheck {{rows}} and ping them.")
    ipython.run(f"%%respond {line}\nCheck {{rows}} and ping them.")
    counted = next(e["body"] for e in backend.journal if e["path"].endswith("/input_tokens"))
    sent = backend.requests[-1]
    assert counted == {key: value for key, value in sent.items() if key in InputTokensParams.model_fields}
    assert counted["tools"][0]["name"] == "ping" and counted["instructions"] == "Be brief."
    assert counted["input"][0]["content"][1]["type"] == "input_image"


def test_prepare_turn_resolves_everything_before_sending(ipython: Shell) -> None:
    backend = testing.OfflineBackend()
    ipython.magics.session.use_client(backend.client())
    ipython.ns.update(ping=_ping, who="world")
    ipython.magics.thread = "analysis"
    prepared = prepare_turn(ipython.magics, parse_cell_options("--tools ping -m m1"), "hello {who}")
    assert list(prepared.tools) == ["ping"] and prepared.model == "m1" and prepared.thread == "analysis"
    assert prepared.content == [{"type": "input_text", "text": "hello world"}]
    assert prepared.conversation.thread == "analysis" and prepared.conversation.prices is prepared.prices
    assert prepared.store is ipython.magics.session.history_store
    assert backend.journal == []  # nothing was sent


def test_bad_input_is_one_usage_line_and_ctrl_c_in_a_value_is_an_interrupt(ipython: Shell) -> None:
    with pytest.raises(UsageError, match="no_such_file.png"):
        prepare_turn(ipython.magics, parse_cell_options("--image no_such_file.png"), "look")

    class Slow:
        def __repr__(self) -> str:
            raise KeyboardInterrupt

    ipython.ns["slow"] = Slow()
    with pytest.raises(TurnInterrupted, match="nothing was sent"):
        prepare_turn(ipython.magics, parse_cell_options(""), "look at {slow}")
    result, _ = ipython.run("%respond count look at {slow}")  # counting reads values the same way
    assert isinstance(result.error_in_exec, TurnInterrupted)


def test_cell_tools(ipython: Shell) -> None:
    ipython.ns["ping"] = _ping
    assert cell_tools(parse_cell_options(""), ipython.ns) == {}
    assert list(cell_tools(parse_cell_options("--tools ping"), ipython.ns)) == ["ping"]
    with pytest.raises(UsageError, match="nope"):
        cell_tools(parse_cell_options("--tools nope"), ipython.ns)


def test_turn_prices_are_free_offline_with_the_users_prices_over_them(ipython: Shell, tmp_path: Path) -> None:
    free = turn_prices(ipython.magics)
    assert free.estimate("gpt-4.1", input_tokens=1_000_000) == 0
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"my-model": {"input": 2.0, "output": 4.0}}))
    ipython.magics.prices = str(prices)
    assert turn_prices(ipython.magics).estimate("my-model", input_tokens=1_000_000) == pytest.approx(2.0)
    ipython.magics.prices = str(tmp_path / "missing.json")
    with pytest.raises(UsageError, match="cannot read the price file"):
        turn_prices(ipython.magics)


def test_turn_client_is_the_sessions_and_a_bad_cassette_is_a_usage_error(
    ipython: Shell, tmp_path: Path
) -> None:
    store = ipython.magics.session.store(ipython.magics.history_path)
    client = turn_client(ipython.magics, "responses", store)
    assert client is turn_client(ipython.magics, "responses", store)  # the same settings: the same client
    cassette = tmp_path / "broken.json"
    cassette.write_text("not a cassette")
    ipython.magics.cassette = str(cassette)
    with pytest.raises(UsageError, match="broken.json"):
        turn_client(ipython.magics, "responses", store)
