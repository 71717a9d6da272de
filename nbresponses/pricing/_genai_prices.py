"""Prices from ``genai-prices`` (pydantic's dataset of LLM API prices, MIT licence), read lazily.

The dataset knows thousands of models of ~50 providers (OpenAI, Anthropic, Google, DeepSeek, Moonshot,
Mistral, xAI, Groq...), with tiered prices (e.g. above 200k input tokens) and dated price changes, which a flat
table cannot say. Importing it takes about half a second and ~30 MB, so it happens on the first price asked
for, or in the background once a turn is about to use a real API (`preload`).

Model names are matched the way genai-prices matches them (its per-model rules; ``gpt-4.1-2025-04-14`` is
``gpt-4.1``, ``gpt-5.9`` is not ``gpt-5``); a gateway prefix (``openai/gpt-4.1``) is tried without the prefix,
then with the prefix as the provider.
"""

from __future__ import annotations

import functools
import importlib.util
import threading
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any

__all__ = ["GenaiPrices", "genai_source"]


def _float(value: Any) -> float | None:
    """A price of genai-prices as a float; a tiered price as its base tier (the estimate uses the tiers)."""
    if value is None:
        return None
    base = getattr(value, "base", value)
    try:
        return float(base)
    except (TypeError, ValueError):
        return None


class GenaiPrices:
    """Model prices read from the genai-prices package (see the module docstring)."""

    def __init__(self) -> None:
        try:
            self.version = version("genai-prices")
        except PackageNotFoundError:
            self.version = "unknown"
        self.label = f"genai-prices {self.version}"
        """How estimates name their source (``PriceTable.as_of``)."""
        self._lock = threading.Lock()
        self._snapshot: Any = None
        self._broken = False
        self._preloading = False
        self._found: dict[str, Any] = {}

    def _data(self) -> Any:
        """The dataset, or None when it cannot be read (then every model is unknown here: the shipped table
        answers)."""
        with self._lock:
            if self._snapshot is None and not self._broken:
                try:
                    from genai_prices import data_snapshot

                    self._snapshot = data_snapshot.get_snapshot()
                except Exception:  # an incompatible release: prices fall back, the turn goes on
                    self._broken = True
            return self._snapshot

    def preload(self) -> None:
        """Import the dataset on a background thread, once (a turn's first cost is then ready when needed)."""
        with self._lock:
            if self._preloading or self._snapshot is not None or self._broken:
                return
            self._preloading = True
        threading.Thread(target=self._data, name="nbresponses-prices", daemon=True).start()

    def _lookup(self, model: str) -> Any:
        """``(provider, model_info)`` for a model name, or None; cached per name."""
        name = model.strip().lower()
        if name in self._found:
            return self._found[name]
        snapshot = self._data()
        if snapshot is None:
            return None
        short = name.rsplit("/", 1)[-1]
        attempts: list[tuple[str, str | None]] = [(name, None)]
        if short != name:
            attempts += [(short, None), (short, name.split("/", 1)[0])]
        found = None
        for ref, provider in attempts:
            try:
                found = snapshot.find_provider_model(ref, None, provider, None)
                break
            except LookupError:
                continue
        self._found[name] = found
        return found

    def _prices(self, model: str) -> Any:
        found = self._lookup(model)
        return found[1].get_prices(datetime.now(UTC)) if found is not None else None

    def price(self, model: str) -> tuple[float, float, float | None] | None:
        """``(input, output, cached_input)`` in USD per million tokens (base tier), or None if unknown."""
        prices = self._prices(model)
        if prices is None:
            return None
        rates = (_float(prices.input_mtok), _float(prices.output_mtok))
        if rates[0] is None or rates[1] is None:
            return None  # priced per image, per second...: not by tokens
        return rates[0], rates[1], _float(prices.cache_read_mtok)

    def estimate(
        self, model: str, *, input_tokens: int, cached_tokens: int, output_tokens: int
    ) -> float | None:
        """The USD cost of these tokens (cached ones are part of ``input_tokens``), tiers applied; None if unknown."""
        if self.price(model) is None:
            return None
        from genai_prices import Usage

        provider, info = self._lookup(model)
        usage = Usage(input_tokens=input_tokens, cache_read_tokens=cached_tokens, output_tokens=output_tokens)
        try:
            return float(info.calc_price(usage, provider).total_price)
        except (ValueError, TypeError, LookupError, ArithmeticError):  # usage it cannot price: say unknown
            return None

    def models(self) -> list[str]:
        """The model ids the dataset prices by tokens."""
        snapshot = self._data()
        if snapshot is None:
            return []
        now = datetime.now(UTC)
        names = set()
        for provider in snapshot.providers:
            for info in provider.models:
                prices = info.get_prices(now)
                if _float(prices.input_mtok) is not None and _float(prices.output_mtok) is not None:
                    names.add(info.id.lower())
        return sorted(names)


@functools.cache
def genai_source() -> GenaiPrices | None:
    """The shared genai-prices source, or None when the package is not installed (the shipped table is used)."""
    if importlib.util.find_spec("genai_prices") is None:
        return None
    return GenaiPrices()
