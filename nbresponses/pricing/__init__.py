"""Estimated cost of a response from its usage: maintained prices, your overrides, a dated fallback.

`default_prices` reads prices from ``genai-prices`` (pydantic's maintained dataset on PyPI: thousands of models of
OpenAI, Anthropic, Google, DeepSeek, Moonshot, Mistral, xAI, Zhipu..., with tiered prices), over the table shipped as
``nbresponses/data/prices.json`` (USD per million input, cached input and output tokens, standard tier, with its
``as_of`` date), which answers for models the dataset lacks and whenever it cannot be read. A table can be
replaced or extended with a mapping or a JSON file of the shipped table's shape (`PriceTable.merged`: the
overrides win over both). A model without a price has an unknown cost (``None``), never 0. Dated snapshots
(``gpt-4.1-2025-04-14``) and gateway prefixes (``openai/gpt-4.1``) map to their base model; a name is never
matched by a mere prefix (``gpt-5.4`` is not ``gpt-5``), because a wrong price is worse than an unknown one.

In the Responses API usage, ``cached_tokens`` are part of ``input_tokens`` and ``reasoning_tokens`` part of
``output_tokens``: cached tokens are billed at the cached rate instead of the input rate, and reasoning tokens
at the output rate, once.

The package is what turns cost: this module (the price table), `_genai_prices` (reading the genai-prices
dataset), `usage_stats` (a turn's usage bar and the usage totals) and `budget` (spending limits).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from ._genai_prices import GenaiPrices, genai_source

__all__ = [
    "ModelPrice",
    "PriceTable",
    "base_model_name",
    "default_prices",
    "preload_prices",
    "shipped_prices",
]

_DATED = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{4})$")  # -2025-04-14 (current) and -0613 (older snapshots)


@dataclass(frozen=True)
class ModelPrice:
    """USD per million tokens. ``cached_input`` None means cached tokens cost the input price."""

    input: float
    output: float
    cached_input: float | None = None

    def cost(self, *, input_tokens: int, cached_tokens: int = 0, output_tokens: int = 0) -> float:
        """The cost in USD. Cached tokens are part of ``input_tokens``; reasoning tokens of ``output_tokens``."""
        cached = min(max(cached_tokens, 0), max(input_tokens, 0))
        cached_rate = self.input if self.cached_input is None else self.cached_input
        uncached = max(input_tokens, 0) - cached
        return (
            uncached * self.input + cached * cached_rate + max(output_tokens, 0) * self.output
        ) / 1_000_000


def base_model_name(model: str) -> str:
    """``openai/gpt-4.1-2025-04-14`` -> ``gpt-4.1``: drop a provider prefix and a date suffix."""
    name = model.strip().lower().rsplit("/", 1)[-1]
    return _DATED.sub("", name)


def _rate(model: str, price: Mapping[str, Any], key: str, *, required: bool) -> float | None:
    value = price.get(key)
    if value is None:
        if required:
            raise ValueError(f"the price of {model!r} needs {key!r} (USD per million tokens)")
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < 0
    ):
        raise ValueError(f"the {key!r} price of {model!r} must be a number >= 0, got {value!r}")
    return float(value)


def _parse_price(model: str, price: Any) -> ModelPrice:
    if not isinstance(price, Mapping):
        raise ValueError(
            f"the price of {model!r} must be a mapping like "
            '{"input": 2.0, "cached_input": 0.5, "output": 8.0}' + f", got {price!r}"
        )
    return ModelPrice(
        input=_rate(model, price, "input", required=True) or 0.0,
        output=_rate(model, price, "output", required=True) or 0.0,
        cached_input=_rate(model, price, "cached_input", required=False),
    )


class PriceTable:
    """Prices by model name, with dated-name and gateway-prefix fallbacks.

    Args:
        models: model name -> ``{"input": .., "output": .., "cached_input": ..}`` (USD per 1M tokens).
        as_of: the date the prices were read (or their source), shown next to estimates.
        fallback: the price of every model not in ``models`` (None: unknown; the offline backend: free).
        source: a dataset asked after ``models`` (genai-prices in `default_prices`).
        below: a table asked after ``source`` (the shipped, dated table in `default_prices`).

    Raises:
        ValueError: a price is missing ``input`` or ``output``, or is not a number >= 0.
    """

    def __init__(
        self,
        models: Mapping[str, Any],
        *,
        as_of: str | None = None,
        fallback: ModelPrice | None = None,
        source: GenaiPrices | None = None,
        below: PriceTable | None = None,
    ) -> None:
        if not isinstance(models, Mapping):
            raise ValueError(f"prices must be a mapping of model name to price, got {type(models).__name__}")
        self.as_of = as_of
        self.fallback = fallback
        self.source = source
        self.below = below
        self._prices = {str(name).lower(): _parse_price(str(name), price) for name, price in models.items()}

    @classmethod
    def from_json(cls, source: str | Path | Mapping[str, Any]) -> PriceTable:
        """Load a table from a JSON file path or an already parsed mapping (``{"models": {...}}`` or bare).

        Raises:
            OSError: the file cannot be read.
            ValueError: it is not JSON, or not a table of prices.
        """
        data: Any = source
        if isinstance(source, (str, Path)):
            data = json.loads(Path(source).expanduser().read_text(encoding="utf-8"))
        if not isinstance(data, Mapping):
            raise ValueError(f"a price table is a JSON object, got {type(data).__name__}")
        if "models" in data:
            return cls(data["models"], as_of=data.get("as_of"))
        return cls(data)

    @classmethod
    def free(cls) -> PriceTable:
        """A table in which every model costs nothing (the offline backend)."""
        return cls({}, as_of="offline", fallback=ModelPrice(input=0.0, output=0.0, cached_input=0.0))

    def merged(self, overrides: Mapping[str, Any] | PriceTable) -> PriceTable:
        """A new table with ``overrides`` replacing or adding models.

        Overriding a base name (``gpt-4o``) also replaces the table's dated snapshots of it
        (``gpt-4o-2024-05-13``): a gateway's price for a model applies to all its snapshots unless they are
        overridden too.

        Raises:
            ValueError: an override is not a valid price.
        """
        extra = overrides if isinstance(overrides, PriceTable) else PriceTable(overrides)
        table = PriceTable({}, as_of=self.as_of, fallback=self.fallback, source=self.source, below=self.below)
        replaced = {name for name in extra._prices if base_model_name(name) == name}
        table._prices = {
            name: price
            for name, price in self._prices.items()
            if name == base_model_name(name) or base_model_name(name) not in replaced
        }
        table._prices.update(extra._prices)
        return table

    def price(self, model: str | None, *, use_fallback: bool = True) -> ModelPrice | None:
        """The price of a model: its exact name, without a gateway prefix, its base name; None if unknown.

        Args:
            model: the model name, as requested or as the response names it.
            use_fallback: give the table's fallback price (if any) to a model without a price of its own.
        """
        fallback = self.fallback if use_fallback else None
        if not model or not model.strip():
            return fallback
        found = self._own(model)
        if found is None and self.source is not None and (rates := self.source.price(model)) is not None:
            found = ModelPrice(input=rates[0], output=rates[1], cached_input=rates[2])
        if found is None and self.below is not None:
            found = self.below.price(model, use_fallback=False)
        return found or fallback

    def _own(self, model: str) -> ModelPrice | None:
        name = model.strip().lower()
        found = self._prices.get(name) or self._prices.get(name.rsplit("/", 1)[-1])
        return found or self._prices.get(base_model_name(name))

    def estimate(
        self, model: str | None, *, input_tokens: int, cached_tokens: int = 0, output_tokens: int = 0
    ) -> float | None:
        """Estimated USD cost of these token counts for ``model``, or None if it has no price.

        A model priced by the ``source`` dataset gets its tiers (e.g. a higher rate above 200k input tokens).
        """
        if model and model.strip() and self._own(model) is None and self.source is not None:
            cost = self.source.estimate(
                model, input_tokens=max(input_tokens, 0), cached_tokens=max(min(cached_tokens, input_tokens), 0),
                output_tokens=max(output_tokens, 0),
            )  # fmt: skip
            if cost is not None:
                return cost
        price = self.price(model)
        if price is None:
            return None
        return price.cost(input_tokens=input_tokens, cached_tokens=cached_tokens, output_tokens=output_tokens)

    def cost(self, model: str | None, usage: Any) -> float | None:
        """Estimated USD cost of a `ResponseUsage` (or a dict of the same shape) for ``model``, or None."""
        if usage is None:
            return None
        data = usage.to_dict() if hasattr(usage, "to_dict") else dict(usage)
        details = data.get("input_tokens_details") or {}
        return self.estimate(
            model,
            input_tokens=int(data.get("input_tokens") or 0),
            cached_tokens=int(details.get("cached_tokens") or 0),
            output_tokens=int(data.get("output_tokens") or 0),
        )

    def models(self) -> list[str]:
        """The model names with a price, sorted (the source's and the table below's too)."""
        names = set(self._prices)
        if self.source is not None:
            names.update(self.source.models())
        if self.below is not None:
            names.update(self.below.models())
        return sorted(names)

    def __contains__(self, model: object) -> bool:
        return isinstance(model, str) and self.price(model) is not None

    def __len__(self) -> int:
        return len(self.models()) if self.source is not None or self.below is not None else len(self._prices)

    def __repr__(self) -> str:
        return f"PriceTable({len(self)} models, as_of={self.as_of!r})"


def shipped_prices() -> PriceTable:
    """The dated table shipped with nbresponses (``nbresponses/data/prices.json``)."""
    text = resources.files("nbresponses").joinpath("data/prices.json").read_text(encoding="utf-8")
    return PriceTable.from_json(json.loads(text))


def default_prices() -> PriceTable:
    """genai-prices over the shipped, dated table (the shipped table alone when genai-prices is not installed).

    ``as_of`` names the source (``"genai-prices 0.2.3"``); the dataset itself is read on the first price asked.
    """
    shipped = shipped_prices()
    source = genai_source()
    if source is None:
        return shipped
    return PriceTable({}, as_of=source.label, source=source, below=shipped)


def preload_prices() -> None:
    """Start reading the genai-prices dataset in the background (it takes about half a second)."""
    source = genai_source()
    if source is not None:
        source.preload()
