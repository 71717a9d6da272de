"""Base classes shared by every Responses API model.

Every model keeps unknown fields (``extra="allow"``) so a field the API adds next month survives a
round trip, and builds its validator on first use (``defer_build``) so ``import nbresponses`` stays cheap.
``model_dump(mode="json", exclude_unset=True)`` gives back the JSON a model was parsed from.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Self

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

    def to_dict(
        self,
        *,
        mode: Literal["json", "python"] = "json",
        use_api_names: bool = True,
        exclude_unset: bool = True,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
    ) -> dict[str, Any]:
        """Return the JSON-shaped dict this object was parsed from (unset defaults left out).

        The keyword arguments are the openai SDK's (its default ``mode`` is ``"python"``; here every value is
        JSON already, so the two modes agree).
        """
        return self.model_dump(
            mode=mode,
            by_alias=use_api_names,
            exclude_unset=exclude_unset,
            exclude_defaults=exclude_defaults,
            exclude_none=exclude_none,
        )

    def to_json(
        self,
        *,
        indent: int | None = 2,
        use_api_names: bool = True,
        exclude_unset: bool = True,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
    ) -> str:
        """The JSON text of this object as the API sent it (indented by 2 unless ``indent=None``), as in the SDK."""
        return self.model_dump_json(
            indent=indent,
            by_alias=use_api_names,
            exclude_unset=exclude_unset,
            exclude_defaults=exclude_defaults,
            exclude_none=exclude_none,
        )

    @classmethod
    def from_openai(cls, value: Any) -> Self:
        """The same object from the openai SDK's model (or its dict), e.g. ``Response.from_openai(sdk_response)``.

        Nothing is imported from openai: its objects are read through ``to_dict`` / ``model_dump``.

        Raises:
            TypeError: ``value`` is neither a pydantic model nor a mapping.
        """
        if isinstance(value, Mapping):
            data: Any = dict(value)
        elif callable(getattr(value, "to_dict", None)):
            data = value.to_dict(mode="json")
        elif callable(getattr(value, "model_dump", None)):
            data = value.model_dump(mode="json", by_alias=True, exclude_unset=True)
        else:
            raise TypeError(
                f"{cls.__name__}.from_openai() takes an openai SDK object or a dict, not {type(value).__name__}."
            )
        return cls.model_validate(data)


class UnknownModel(APIModel):
    """A typed object whose ``type`` this version of nbresponses does not know.

    All fields are kept as extras; nothing is lost and nothing raises.
    """

    type: str
