"""``client.models``: the models an endpoint lists (``GET /models``), for the sync and async clients."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from nbresponses.transports.base import RequestSpec
from nbresponses.types.model import ModelList

__all__ = ["AsyncModels", "Models", "list_spec"]


def list_spec() -> RequestSpec:
    """``GET /models``."""
    return RequestSpec("GET", "/models")


class Models:
    """``client.models`` of a `Client`."""

    def __init__(
        self, send: Callable[[RequestSpec], Any], parse: Callable[[type[ModelList], Any], ModelList]
    ) -> None:
        self._send = send
        self._parse = parse

    def list(self) -> ModelList:
        """The models the endpoint lists (``.data``, ``.ids``); raises the API error of an endpoint without it."""
        return self._parse(ModelList, self._send(list_spec()))


class AsyncModels:
    """``client.models`` of an `AsyncClient`."""

    def __init__(
        self,
        send: Callable[[RequestSpec], Awaitable[Any]],
        parse: Callable[[type[ModelList], Any], ModelList],
    ) -> None:
        self._send = send
        self._parse = parse

    async def list(self) -> ModelList:
        """The models the endpoint lists."""
        return self._parse(ModelList, await self._send(list_spec()))
