"""Base classes shared by every Responses API model.

Every model keeps unknown fields (``extra="allow"``) so a field the API adds next month survives a
round trip, and builds its validator on first use (``defer_build``) so ``import nbresponses`` stays cheap.
``model_dump(mode="json", exclude_unset=True)`` gives back the JSON a model was parsed from.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class APIModel(BaseModel):
    """Base of all Responses API objects: lenient, forward compatible, round-trippable."""

    model_config = ConfigDict(
        extra="allow",
        defer_build=True,
        populate_by_name=True,
        protected_namespaces=(),
        validate_default=False,
    )

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-shaped dict this object was parsed from (unset defaults left out)."""
        return self.model_dump(mode="json", exclude_unset=True, by_alias=True)


class UnknownModel(APIModel):
    """A typed object whose ``type`` this version of nbresponses does not know.

    All fields are kept as extras; nothing is lost and nothing raises.
    """

    type: str
