"""Tests of nbresponses.pricing: cost arithmetic per tier, unknown models, dated names, overrides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nbresponses.pricing import ModelPrice, PriceTable, base_model_name, default_prices


def test_cost_with_cached_and_reasoning_tokens() -> None:
    price = ModelPrice(input=2.0, cached_input=0.5, output=8.0)
    # 1M input of which 400k cached, 100k output (reasoning tokens are inside output_tokens)
    cost = price.cost(input_tokens=1_000_000, cached_tokens=400_000, output_tokens=100_000)
    assert cost == pytest.approx(0.6 * 2.0 + 0.4 * 0.5 + 0.1 * 8.0)


def test_cached_price_missing_means_input_price() -> None:
    assert ModelPrice(input=20.0, output=80.0).cost(input_tokens=10, cached_tokens=10) == pytest.approx(
        20 * 10 / 1e6
    )


def test_cached_cannot_exceed_input() -> None:
    price = ModelPrice(input=1.0, cached_input=0.0, output=0.0)
    assert price.cost(input_tokens=100, cached_tokens=500) == 0.0


@pytest.mark.parametrize(
    ("name", "base"),
    [
        ("gpt-4.1-2025-04-14", "gpt-4.1"),
        ("o3-mini-2025-01-31", "o3-mini"),
        ("openai/gpt-4o", "gpt-4o"),
        ("GPT-5", "gpt-5"),
        ("gpt-4o-mini", "gpt-4o-mini"),
    ],
)
def test_base_model_names(name: str, base: str) -> None:
    assert base_model_name(name) == base


def test_shipped_table_prices_seed_models_and_current_ones() -> None:
    table = default_prices()
    assert table.as_of
    for model in ("gpt-4.1", "gpt-4.1-mini", "o3", "o3-pro", "o4-mini", "gpt-4o", "gpt-5", "gpt-5-mini"):
        assert model in table, model
    usage = {
        "input_tokens": 19,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": 10,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 29,
    }
    assert table.cost("gpt-4.1-2025-04-14", usage) == pytest.approx((19 * 2.0 + 10 * 8.0) / 1e6)


def test_unknown_model_cost_is_none_not_zero() -> None:
    table = default_prices()
    assert table.cost("my-gateway-model", {"input_tokens": 5, "output_tokens": 5}) is None
    assert table.cost(None, {"input_tokens": 5}) is None
    assert table.cost("gpt-4.1", None) is None


def test_overrides_and_files(tmp_path: Path) -> None:
    table = default_prices().merged({"my-gateway-model": {"input": 1.0, "output": 2.0}})
    assert table.cost("my-gateway-model", {"input_tokens": 1_000_000, "output_tokens": 0}) == pytest.approx(
        1.0
    )
    path = tmp_path / "prices.json"
    path.write_text(json.dumps({"as_of": "2026-01-01", "models": {"x": {"input": 3, "output": 4}}}))
    loaded = PriceTable.from_json(path)
    assert loaded.as_of == "2026-01-01" and len(loaded) == 1
    assert loaded.price("x") == ModelPrice(input=3.0, output=4.0)
