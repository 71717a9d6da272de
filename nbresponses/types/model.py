"""The bodies of ``GET /models``: the models an endpoint lists (OpenAI, gateways, local servers)."""

from __future__ import annotations

from collections.abc import Iterator

from ._base import APIModel

__all__ = ["Model", "ModelList"]


class Model(APIModel):
    """One model an endpoint offers; gateways add fields of their own (kept as extras)."""

    id: str
    object: str | None = None
    created: int | float | None = None
    owned_by: str | None = None


class ModelList(APIModel):
    """``{"object": "list", "data": [...]}``."""

    object: str | None = None
    data: list[Model] = []

    @property
    def ids(self) -> list[str]:
        """The model ids, in the order listed."""
        return [model.id for model in self.data]

    # The openai SDK's pages iterate over their items; pydantic's own __iter__ yields (field, value) pairs.
    def __iter__(self) -> Iterator[Model]:  # type: ignore[override]
        """Iterate over the models of this page."""
        return iter(self.data)
