"""Estimated cost of a response from its usage and a dated price table.

The table ships as ``nbresponses/data/prices.json`` (USD per million input, cached input and output tokens)
and can be replaced or extended with a mapping or a JSON file of the same shape. A model without a price has
an unknown cost (``None``), never 0. Dated snapshots (``gpt-4.1-2025-04-14``) and gateway prefixes
(``openai/gpt-4.1``) map to their base model.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["ModelPrice", "PriceTable", "base_model_name", "default_prices"]

_DATED = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{4})$")


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


class PriceTable:
    """Prices by model name, with dated-name and prefix fallbacks.

    Args:
        models: model name -> ``{"input": .., "output": .., "cached_input": ..}`` (USD per 1M tokens).
        as_of: the date the prices were read, shown next to estimates.
    """

    def __init__(self, models: Mapping[str, Mapping[str, Any]], *, as_of: str | None = None) -> None:
        self.as_of = as_of
        self._prices: dict[str, ModelPrice] = {}
        for name, price in models.items():
            self._prices[name.lower()] = ModelPrice(
                input=float(price["input"]),
                output=float(price["output"]),
                cached_input=None if price.get("cached_input") is None else float(price["cached_input"]),
            )

    @classmethod
    def from_json(cls, source: str | Path | Mapping[str, Any]) -> PriceTable:
        """Load a table from a JSON file path or an already parsed mapping (``{"models": {...}}`` or bare)."""
        data: Any = source
        if isinstance(source, (str, Path)):
            data = json.loads(Path(source).read_text(encoding="utf-8"))
        models = data.get("models", data)
        return cls(models, as_of=data.get("as_of"))

    def merged(self, overrides: Mapping[str, Mapping[str, Any]]) -> PriceTable:
        """A new table with ``overrides`` replacing or adding models."""
        table = PriceTable({}, as_of=self.as_of)
        table._prices = dict(self._prices)
        table._prices.update(PriceTable(overrides)._prices)
        return table

    @classmethod
    def free(cls) -> PriceTable:
        """A table in which every model costs nothing (the offline backend)."""
        table = cls({}, as_of="offline")
        table._free = True
        return table

    _free = False

    def price(self, model: str | None) -> ModelPrice | None:
        """The price of a model, trying the exact name, then its base name; None if unknown."""
        if self._free:
            return ModelPrice(input=0.0, output=0.0, cached_input=0.0)
        if not model:
            return None
        exact = self._prices.get(model.lower())
        if exact is not None:
            return exact
        return self._prices.get(base_model_name(model))

    def cost(self, model: str | None, usage: Any) -> float | None:
        """Estimated USD cost of a `ResponseUsage` (or a dict of the same shape) for ``model``, or None."""
        price = self.price(model)
        if price is None or usage is None:
            return None
        data = usage.to_dict() if hasattr(usage, "to_dict") else dict(usage)
        details = data.get("input_tokens_details") or {}
        return price.cost(
            input_tokens=int(data.get("input_tokens") or 0),
            cached_tokens=int(details.get("cached_tokens") or 0),
            output_tokens=int(data.get("output_tokens") or 0),
        )

    def __contains__(self, model: object) -> bool:
        return isinstance(model, str) and self.price(model) is not None

    def __len__(self) -> int:
        return len(self._prices)


def default_prices() -> PriceTable:
    """The table shipped with nbresponses."""
    text = resources.files("nbresponses").joinpath("data/prices.json").read_text(encoding="utf-8")
    return PriceTable.from_json(json.loads(text))
