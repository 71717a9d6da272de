"""Tests of nbresponses._genai_prices: prices read lazily from the genai-prices dataset, matched as it matches
model names, with a gateway prefix tried both ways, and a dataset that cannot be read meaning "unknown"."""

from __future__ import annotations

import threading
from decimal import Decimal
from types import SimpleNamespace

import pytest

from nbresponses.pricing._genai_prices import GenaiPrices, _float, genai_source


@pytest.fixture
def source() -> GenaiPrices:
    found = genai_source()
    assert found is not None  # genai-prices is a dependency
    return found


def test_the_source_is_shared_and_names_its_version(source: GenaiPrices) -> None:
    assert genai_source() is source and source.label.startswith("genai-prices ")


def test_prices_per_million_tokens_by_name_dated_name_and_gateway_prefix(source: GenaiPrices) -> None:
    base = source.price("gpt-4.1")
    assert base is not None and base[0] > 0 and base[1] > base[0]
    assert (
        source.price("gpt-4.1-2025-04-14")
        == base
        == source.price("openai/gpt-4.1")
        == source.price(" GPT-4.1 ")
    )
    assert source.price("no-such-model-anywhere") is None


def test_an_estimate_applies_the_price(source: GenaiPrices) -> None:
    price = source.price("gpt-4.1")
    assert price is not None
    cost = source.estimate("gpt-4.1", input_tokens=1_000_000, cached_tokens=0, output_tokens=1_000_000)
    assert cost == pytest.approx(price[0] + price[1])
    assert source.estimate("no-such-model-anywhere", input_tokens=1, cached_tokens=0, output_tokens=1) is None


def test_models_lists_token_priced_models(source: GenaiPrices) -> None:
    names = source.models()
    assert "gpt-4.1" in names and names == sorted(names) and all(name == name.lower() for name in names)


def test_a_dataset_that_cannot_be_read_prices_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    from genai_prices import data_snapshot

    def broken() -> None:
        raise RuntimeError("an incompatible release")

    monkeypatch.setattr(data_snapshot, "get_snapshot", broken)
    prices = GenaiPrices()
    assert prices.price("gpt-4.1") is None and prices.models() == []


def test_preload_reads_the_dataset_once_in_the_background(monkeypatch: pytest.MonkeyPatch) -> None:
    prices = GenaiPrices()
    started: list[threading.Thread] = []
    original = threading.Thread.start

    def start(thread: threading.Thread) -> None:
        started.append(thread)
        original(thread)

    monkeypatch.setattr(threading.Thread, "start", start)
    prices.preload()
    prices.preload()
    assert [t.name for t in started] == ["nbresponses-prices"]
    started[0].join(timeout=60)
    assert prices.price("gpt-4.1") is not None


def test_float_reads_plain_and_tiered_prices() -> None:
    assert _float(None) is None and _float(Decimal("1.25")) == 1.25
    assert _float(SimpleNamespace(base=Decimal("2"), tiers=[])) == 2.0
    assert _float("per image") is None
