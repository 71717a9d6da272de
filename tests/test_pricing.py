"""Tests of nbresponses.pricing: cost arithmetic per tier, unknown models, dated names, overrides, the table."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from nbresponses.pricing import ModelPrice, PriceTable, base_model_name, default_prices, shipped_prices
from nbresponses.types.response import ResponseUsage

SHIPPED: dict[str, Any] = json.loads(
    resources.files("nbresponses").joinpath("data/prices.json").read_text(encoding="utf-8")
)


def usage(inputs: int, cached: int, outputs: int, reasoning: int = 0) -> dict[str, Any]:
    """A Responses API usage block: cached is part of input, reasoning part of output."""
    return {
        "input_tokens": inputs,
        "input_tokens_details": {"cached_tokens": cached},
        "output_tokens": outputs,
        "output_tokens_details": {"reasoning_tokens": reasoning},
        "total_tokens": inputs + outputs,
    }


def test_cost_with_cached_and_reasoning_tokens() -> None:
    price = ModelPrice(input=2.0, cached_input=0.5, output=8.0)
    # 1M input of which 400k cached, 100k output (reasoning tokens are inside output_tokens)
    cost = price.cost(input_tokens=1_000_000, cached_tokens=400_000, output_tokens=100_000)
    assert cost == pytest.approx(0.6 * 2.0 + 0.4 * 0.5 + 0.1 * 8.0)


@pytest.mark.parametrize("model", sorted(SHIPPED["models"]))
def test_each_tier_of_each_shipped_model(model: str) -> None:
    rates = SHIPPED["models"][model]
    cached_rate = rates["input"] if rates["cached_input"] is None else rates["cached_input"]
    table = default_prices()
    # one tier at a time: uncached input, cached input, output (reasoning inside it), then all together
    assert table.cost(model, usage(1_000_000, 0, 0)) == pytest.approx(rates["input"])
    assert table.cost(model, usage(1_000_000, 1_000_000, 0)) == pytest.approx(cached_rate)
    assert table.cost(model, usage(0, 0, 1_000_000, reasoning=900_000)) == pytest.approx(rates["output"])
    mixed = table.cost(model, usage(3_000, 1_000, 500, reasoning=200))
    expected = (2_000 * rates["input"] + 1_000 * cached_rate + 500 * rates["output"]) / 1e6
    assert mixed == pytest.approx(expected)


def test_reasoning_tokens_are_billed_once_as_output() -> None:
    table = default_prices()
    plain = table.cost("o3", usage(100, 0, 1_000, reasoning=0))
    thinking = table.cost("o3", usage(100, 0, 1_000, reasoning=800))
    assert plain == thinking == pytest.approx((100 * 2.0 + 1_000 * 8.0) / 1e6)


def test_cached_price_missing_means_input_price() -> None:
    assert ModelPrice(input=20.0, output=80.0).cost(input_tokens=10, cached_tokens=10) == pytest.approx(
        20 * 10 / 1e6
    )
    assert default_prices().cost("o3-pro", usage(10, 10, 0)) == pytest.approx(20 * 10 / 1e6)


def test_counts_out_of_range_are_clamped() -> None:
    price = ModelPrice(input=1.0, cached_input=0.0, output=2.0)
    assert price.cost(input_tokens=100, cached_tokens=500) == 0.0  # cached cannot exceed input
    assert price.cost(input_tokens=-5, cached_tokens=-5, output_tokens=-5) == 0.0


def test_cost_reads_a_typed_usage_object() -> None:
    typed = ResponseUsage.model_validate(usage(19, 0, 10))
    assert default_prices().cost("gpt-4.1", typed) == pytest.approx((19 * 2.0 + 10 * 8.0) / 1e6)


@pytest.mark.parametrize(
    ("name", "base"),
    [
        ("gpt-4.1-2025-04-14", "gpt-4.1"),
        ("o3-mini-2025-01-31", "o3-mini"),
        ("gpt-4-0613", "gpt-4"),
        ("openai/gpt-4o", "gpt-4o"),
        ("OpenAI/GPT-4.1-2025-04-14", "gpt-4.1"),
        (" GPT-5 ", "gpt-5"),
        ("gpt-4o-mini", "gpt-4o-mini"),
        ("gpt-5.1-codex-mini", "gpt-5.1-codex-mini"),
    ],
)
def test_base_model_names(name: str, base: str) -> None:
    assert base_model_name(name) == base


@pytest.mark.parametrize(
    ("model", "input_rate"),
    [
        ("gpt-4.1-2025-04-14", 2.0),  # the dated name in the seed docs' answers
        ("openai/gpt-4.1", 2.0),  # gateway-prefixed
        ("openrouter/openai/gpt-4.1-mini", 0.4),
        ("GPT-5-MINI-2025-08-07", 0.25),
        ("gpt-4o-2024-08-06", 2.5),  # a snapshot without a price of its own: the base model's
        ("gpt-4o-2024-05-13", 5.0),  # a snapshot priced apart wins over its base model
    ],
)
def test_dated_and_prefixed_names_find_their_price(model: str, input_rate: float) -> None:
    price = default_prices().price(model)
    assert price is not None and price.input == input_rate


@pytest.mark.parametrize("model", ["my-gateway-model", "gpt-5.9", "gpt-4o-mini-tts-9", "gpt-4.1x", "", None])
def test_unknown_model_cost_is_none_not_zero(model: str | None) -> None:
    # No prefix matching: "gpt-5.9" is not "gpt-5" and must not borrow its price.
    table = default_prices()
    assert table.cost(model, usage(5, 0, 5)) is None
    assert table.estimate(model, input_tokens=5) is None
    assert model not in table


def test_no_usage_means_no_cost() -> None:
    assert default_prices().cost("gpt-4.1", None) is None


def test_shipped_table_is_dated_and_covers_seed_and_current_models() -> None:
    table = shipped_prices()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", table.as_of or "")
    assert all(model in default_prices() for model in SHIPPED["models"])  # the fallback answers under genai
    assert SHIPPED["currency"] == "USD" and SHIPPED["unit"] == "per 1M tokens"
    seed_models = (
        "gpt-4.1",
        "gpt-4.1-mini",
        "gpt-4.1-2025-04-14",
        "o3",
        "o3-pro",
        "o3-mini",
        "o4-mini",
        "gpt-5",
    )
    families = (
        "gpt-4.1-nano",
        "gpt-4o",
        "gpt-4o-mini",
        "o1",
        "gpt-5-mini",
        "gpt-5-nano",
        "gpt-5.1",
        "gpt-5.2",
    )
    for model in (*seed_models, *families):
        assert model in table, model
    for name, rates in SHIPPED["models"].items():
        assert name == name.lower() and base_model_name(name) == name or name == "gpt-4o-2024-05-13"
        assert "cached_input" in rates, name  # explicit: null means "no discount", never forgotten
        if rates["cached_input"] is not None:
            assert rates["cached_input"] <= rates["input"], name
    assert table.models() == sorted(SHIPPED["models"])
    assert len(table) == len(SHIPPED["models"]) and "as_of='" in repr(table)


def test_overrides_replace_and_add_without_touching_the_original() -> None:
    shipped = default_prices()
    table = shipped.merged(
        {"my-gateway-model": {"input": 1.0, "output": 2.0}, "gpt-4.1": {"input": 1, "output": 1}}
    )
    assert table.cost("my-gateway-model", usage(1_000_000, 0, 0)) == pytest.approx(1.0)
    assert table.price("gpt-4.1-2025-04-14") == ModelPrice(input=1.0, output=1.0)
    assert table.as_of == shipped.as_of
    assert shipped.price("gpt-4.1") == ModelPrice(input=2.0, output=8.0, cached_input=0.5)
    assert "my-gateway-model" not in shipped


def test_overriding_a_base_model_also_covers_its_priced_snapshots() -> None:
    table = default_prices().merged({"gpt-4o": {"input": 1.0, "output": 3.0}})
    assert table.price("gpt-4o-2024-05-13") == ModelPrice(input=1.0, output=3.0)
    both = default_prices().merged(
        {"gpt-4o": {"input": 1.0, "output": 3.0}, "gpt-4o-2024-05-13": {"input": 9.0, "output": 9.0}}
    )
    assert both.price("gpt-4o-2024-05-13") == ModelPrice(input=9.0, output=9.0)
    snapshot_only = default_prices().merged({"gpt-4.1-2025-04-14": {"input": 7.0, "output": 7.0}})
    assert snapshot_only.price("gpt-4.1-2025-04-14") == ModelPrice(input=7.0, output=7.0)
    assert snapshot_only.price("gpt-4.1") == ModelPrice(input=2.0, output=8.0, cached_input=0.5)


@pytest.mark.parametrize(
    ("prices", "message"),
    [
        ({"m": {"input": 1.0}}, "needs 'output'"),
        ({"m": {"output": 1.0}}, "needs 'input'"),
        ({"m": {"input": -1, "output": 1}}, "must be a number >= 0"),
        ({"m": {"input": "2", "output": 1}}, "must be a number >= 0"),
        ({"m": {"input": True, "output": 1}}, "must be a number >= 0"),
        ({"m": {"input": 1, "output": float("nan")}}, "must be a number >= 0"),
        ({"m": {"input": 1, "output": 1, "cached_input": -0.5}}, "'cached_input' price"),
        ({"m": 2.0}, "must be a mapping"),
    ],
)
def test_bad_prices_are_refused_with_the_model_named(prices: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        default_prices().merged(prices)
    assert "'m'" in str(caught.value)


def test_tables_from_files_and_mappings(tmp_path: Path) -> None:
    path = tmp_path / "prices.json"
    path.write_text(json.dumps({"as_of": "2026-01-01", "models": {"x": {"input": 3, "output": 4}}}))
    loaded = PriceTable.from_json(path)
    assert loaded.as_of == "2026-01-01" and len(loaded) == 1
    assert loaded.price("x") == ModelPrice(input=3.0, output=4.0)
    assert PriceTable.from_json(str(path)).price("x") == ModelPrice(input=3.0, output=4.0)
    bare = PriceTable.from_json({"y": {"input": 1, "output": 1, "cached_input": 0.1}})
    assert bare.as_of is None and bare.price("y") == ModelPrice(input=1.0, output=1.0, cached_input=0.1)
    path.write_text("[1, 2]")
    with pytest.raises(ValueError, match="JSON object"):
        PriceTable.from_json(path)
    path.write_text("{not json")
    with pytest.raises(ValueError):
        PriceTable.from_json(path)
    with pytest.raises(OSError):
        PriceTable.from_json(tmp_path / "missing.json")


def test_the_free_table_prices_everything_at_zero_but_only_as_a_fallback() -> None:
    free = PriceTable.free()
    assert free.cost("any-model", usage(1_000, 10, 1_000)) == 0.0
    assert free.cost(None, usage(1, 0, 1)) == 0.0
    assert free.price("any-model", use_fallback=False) is None
    priced = free.merged({"gpt-4.1": {"input": 1000.0, "output": 1000.0}})
    assert priced.as_of == "offline"
    assert priced.cost("gpt-4.1", usage(1_000, 0, 0)) == pytest.approx(1.0)
    assert priced.cost("other", usage(1_000, 0, 0)) == 0.0


# ----- genai-prices under the overrides, over the shipped table -----


def test_default_prices_come_from_genai_prices_with_the_shipped_table_below() -> None:
    table = default_prices()
    assert table.as_of is not None and table.as_of.startswith("genai-prices ")
    assert table.below is not None and re.fullmatch(r"\d{4}-\d{2}-\d{2}", table.below.as_of or "")
    # models of other providers, which the bridge's gateways serve
    for model in ("deepseek-chat", "claude-sonnet-4-5", "gemini-2.5-pro", "kimi-k2", "grok-4"):
        price = table.price(model)
        assert price is not None and price.input > 0 and price.output > 0, model
    # OpenAI's prices are genai-prices' and the shipped table's alike
    assert table.price("gpt-4.1") == ModelPrice(input=2.0, output=8.0, cached_input=0.5)
    # a model genai-prices lacks is priced from the shipped, dated table
    assert "codex-mini-latest" not in PriceTable({}, source=table.source)
    assert table.price("codex-mini-latest") == shipped_prices().price("codex-mini-latest")


def test_genai_prices_tiers_apply_to_estimates() -> None:
    from genai_prices import Usage, calc_price

    table = default_prices()
    base = table.price("gemini-2.5-pro")
    assert base is not None
    small = table.estimate("gemini-2.5-pro", input_tokens=100_000, output_tokens=1_000)
    large = table.estimate("gemini-2.5-pro", input_tokens=300_000, cached_tokens=50_000, output_tokens=1_000)
    assert small == pytest.approx(base.cost(input_tokens=100_000, output_tokens=1_000))
    expected = calc_price(
        Usage(input_tokens=300_000, cache_read_tokens=50_000, output_tokens=1_000), "gemini-2.5-pro"
    )
    assert large == pytest.approx(float(expected.total_price))
    assert large is not None and large > base.cost(
        input_tokens=300_000, cached_tokens=50_000, output_tokens=1_000
    )


def test_overrides_win_over_genai_prices() -> None:
    table = default_prices().merged(
        {"deepseek-chat": {"input": 9.0, "output": 9.0}, "gpt-4.1": {"input": 1, "output": 1}}
    )
    assert table.price("deepseek-chat") == ModelPrice(input=9.0, output=9.0)
    assert table.estimate("deepseek-chat", input_tokens=1_000_000) == pytest.approx(9.0)
    assert table.price("gpt-4.1-2025-04-14") == ModelPrice(input=1.0, output=1.0)
    assert table.estimate("gpt-4.1-2025-04-14", input_tokens=1_000_000) == pytest.approx(1.0)
    assert table.source is not None and table.as_of == default_prices().as_of


def test_without_genai_prices_the_shipped_table_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    import nbresponses.pricing as pricing

    monkeypatch.setattr(pricing, "genai_source", lambda: None)
    table = pricing.default_prices()
    assert table.source is None and re.fullmatch(r"\d{4}-\d{2}-\d{2}", table.as_of or "")
    assert table.price("deepseek-chat") is None and table.price("gpt-4.1") is not None


def test_an_unreadable_dataset_leaves_the_shipped_table_answering(monkeypatch: pytest.MonkeyPatch) -> None:
    from nbresponses.pricing._genai_prices import GenaiPrices

    def incompatible() -> None:
        raise AttributeError("a release of genai-prices this version cannot read")

    monkeypatch.setattr("genai_prices.data_snapshot.get_snapshot", incompatible)
    source = GenaiPrices()
    table = PriceTable({}, as_of=source.label, source=source, below=shipped_prices())
    assert table.price("gpt-4.1") == shipped_prices().price("gpt-4.1")
    assert table.estimate("deepseek-chat", input_tokens=10) is None
    assert table.models() == shipped_prices().models()


def test_a_turn_against_a_loopback_server_is_priced_by_genai_prices_in_a_kernel(tmp_path: Path) -> None:
    from nbresponses import testing
    from nbresponses.offline import create_app
    from nbresponses.store import HistoryStore
    from tests.kernel_client import kernel
    from tests.loopback import serve

    backend = testing.OfflineBackend().script([testing.text("Ni hao.")])
    history = tmp_path / "h.sqlite"
    env = {"NBRESPONSES_BACKEND": "", "NBRESPONSES_HISTORY": str(history), "NBRESPONSES_NOTEBOOK": "nb.ipynb"}
    with serve(create_app(backend.server)) as base_url, kernel(**env) as k:
        k.execute(f"%load_ext nbresponses\n%config RespondMagics.base_url = {base_url!r}")
        outputs = k.execute("%%respond -m deepseek-chat\nSay hello in Chinese.", cell_id="a")
        assert not [o for o in outputs if o["msg_type"] == "error"], outputs
    with HistoryStore(history) as store:
        (turn,) = store.history("nb.ipynb", "default")
    usage = {"input_tokens": turn.input_tokens, "output_tokens": turn.output_tokens,
             "input_tokens_details": {"cached_tokens": turn.cached_tokens or 0}}  # fmt: skip
    expected = default_prices().cost("deepseek-chat", usage)
    assert expected is not None and expected > 0  # not in the shipped table: genai-prices priced it
    assert turn.cost_usd == pytest.approx(expected)
