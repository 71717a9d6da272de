"""Estimated cost of a response from its usage and a dated price table.

The table ships as ``nbresponses/data/prices.json`` (USD per million input, cached input and output tokens,
standard tier) and can be replaced or extended with a mapping or a JSON file of the same shape. A model without
a price has an unknown cost (``None``), never 0. Dated snapshots (``gpt-4.1-2025-04-14``) and gateway prefixes
(``openai/gpt-4.1``) map to their base model; a name is never matched by a mere prefix (``gpt-5.4`` is not
``gpt-5``), because a wrong price is worse than an unknown one.

In the Responses API usage, ``cached_tokens`` are part of ``input_tokens`` and ``reasoning_tokens`` part of
``output_tokens``: cached tokens are billed at the cached rate instead of the input rate, and reasoning tokens
at the output rate, once.
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

__all__ = ["ModelPrice", "PriceTable", "base_model_name", "default_prices"]

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
        as_of: the date the prices were read, shown next to estimates.
        fallback: the price of every model not in ``models`` (None: unknown; the offline backend: free).

    Raises:
        ValueError: a price is missing ``input`` or ``output``, or is not a number >= 0.
    """

    def __init__(
        self,
        models: Mapping[str, Any],
        *,
        as_of: str | None = None,
        fallback: ModelPrice | None = None,
    ) -> None:
        if not isinstance(models, Mapping):
            raise ValueError(f"prices must be a mapping of model name to price, got {type(models).__name__}")
        self.as_of = as_of
        self.fallback = fallback
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
        table = PriceTable({}, as_of=self.as_of, fallback=self.fallback)
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
        name = model.strip().lower()
        found = self._prices.get(name) or self._prices.get(name.rsplit("/", 1)[-1])
        return found or self._prices.get(base_model_name(name)) or fallback

    def estimate(
        self, model: str | None, *, input_tokens: int, cached_tokens: int = 0, output_tokens: int = 0
    ) -> float | None:
        """Estimated USD cost of these token counts for ``model``, or None if it has no price."""
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
        """The model names with a price of their own, sorted."""
        return sorted(self._prices)

    def __contains__(self, model: object) -> bool:
        return isinstance(model, str) and self.price(model) is not None

    def __len__(self) -> int:
        return len(self._prices)

    def __repr__(self) -> str:
        return f"PriceTable({len(self)} models, as_of={self.as_of!r})"


def default_prices() -> PriceTable:
    """The table shipped with nbresponses."""
    text = resources.files("nbresponses").joinpath("data/prices.json").read_text(encoding="utf-8")
    return PriceTable.from_json(json.loads(text))
