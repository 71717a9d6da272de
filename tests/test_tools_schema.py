"""nbresponses.tools._schema: tool schemas from signatures, arguments models, and docstring parsing."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import enum
import functools
import sys
from typing import Annotated, Any, Literal, Optional, TypedDict, Union

import pytest
from pydantic import BaseModel, Field, ValidationError

import nbresponses
from nbresponses.tools import arguments_model, function_tool_schema, parse_docstring


class Unit(enum.Enum):
    C = "celsius"
    F = "fahrenheit"


class Point(TypedDict):  # typing.TypedDict on purpose: pydantic alone refuses it before Python 3.12
    x: int
    y: int


@dataclasses.dataclass
class Box:
    width: int
    label: str = "box"


class Address(BaseModel):
    city: str
    zip: str | None = None


class Person(BaseModel):
    name: str
    addresses: list[Address]


class Cat(BaseModel):
    kind: Literal["cat"]
    lives: int


class Dog(BaseModel):
    kind: Literal["dog"]
    good: bool


def basic(name: str, count: int, ratio: float, flag: bool) -> None: ...
def literal(unit: Literal["c", "f"], mode: Unit) -> None: ...
def optional(note: str | None, limit: Optional[int] = None) -> None: ...  # noqa: UP045
def defaults(days: int = 3, unit: Unit = Unit.C) -> None: ...
def collections(tags: list[str], matrix: list[list[int]], point: Point) -> None: ...
def nested(person: Person) -> None: ...
def box(b: Box) -> None: ...
def constrained(n: Annotated[int, Field(ge=0, le=10)]) -> None: ...
def unannotated(a, b=2, c=None):  # type: ignore[no-untyped-def]  # noqa: ANN001, ANN201
    ...
def tagged(pet: Annotated[Union[Cat, Dog], Field(discriminator="kind")]) -> None: ...  # noqa: UP007
def mapping(counts: dict[str, int]) -> None: ...
def anything(x: Any) -> None: ...
def pair(p: tuple[int, str]) -> None: ...


def _normal(node: Any) -> Any:
    """The schema without pydantic's ``title`` keys (noise here), ``required`` sorted."""
    if isinstance(node, dict):
        return {k: sorted(v) if k == "required" else _normal(v) for k, v in node.items()
                if not (k == "title" and isinstance(v, str))}  # fmt: skip
    if isinstance(node, list):
        return [_normal(v) for v in node]
    return node


def _object(properties: dict[str, Any], **defs: Any) -> dict[str, Any]:
    """A strict-form object; ``defs`` become its ``$defs``."""
    node = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    return {**node, "$defs": defs} if defs else node


def _t(name: str, **more: Any) -> dict[str, Any]:
    return {"type": name, **more}


def _or_null(*branches: dict[str, Any], default: str | None = None) -> dict[str, Any]:
    node: dict[str, Any] = {"anyOf": [*branches, {"type": "null"}]}
    return {**node, "description": f"Default: {default} (send null for the default)."} if default else node


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/$defs/{name}"}


_UNIT = _t("string", enum=["celsius", "fahrenheit"])
# fmt: off
STRICT_CASES = [
    (basic, _object({"name": _t("string"), "count": _t("integer"), "ratio": _t("number"), "flag": _t("boolean")})),
    (literal, _object({"unit": _t("string", enum=["c", "f"]), "mode": _ref("Unit")}, Unit=_UNIT)),
    (optional, _object({"note": _or_null(_t("string")), "limit": _or_null(_t("integer"))})),
    # A default beside a $ref inlines the definition (strict mode forbids $ref siblings); the definition stays.
    (defaults, _object({"days": _or_null(_t("integer"), default="3"),
                        "unit": _or_null(_UNIT, default='"celsius"')}, Unit=_UNIT)),
    (collections, _object({"tags": _t("array", items=_t("string")),
                           "matrix": _t("array", items=_t("array", items=_t("integer"))), "point": _ref("Point")},
                          Point=_object({"x": _t("integer"), "y": _t("integer")}))),
    (nested, _object({"person": _ref("Person")},
                     Address=_object({"city": _t("string"), "zip": _or_null(_t("string"))}),
                     Person=_object({"name": _t("string"), "addresses": _t("array", items=_ref("Address"))}))),
    (box, _object({"b": _ref("Box")}, Box=_object({"width": _t("integer"), "label": _t("string")}))),
    (constrained, _object({"n": _t("integer", minimum=0, maximum=10)})),
    (unannotated, _object({"a": _t("string"), "b": _or_null(_t("integer"), default="2"),
                           "c": _or_null(_t("string"))})),
    (tagged, _object({"pet": {"anyOf": [_ref("Cat"), _ref("Dog")]}},
                     Cat=_object({"kind": _t("string", const="cat"), "lives": _t("integer")}),
                     Dog=_object({"kind": _t("string", const="dog"), "good": _t("boolean")}))),
]
# fmt: on


@pytest.mark.parametrize(("fn", "expected"), STRICT_CASES, ids=[c[0].__name__ for c in STRICT_CASES])
def test_strict_schemas_from_signatures(fn: Any, expected: dict[str, Any]) -> None:
    tool = function_tool_schema(fn)
    assert tool["type"] == "function" and tool["name"] == fn.__name__ and tool["strict"] is True
    assert _normal(tool["parameters"]) == _normal(expected)


@pytest.mark.parametrize("fn", [mapping, anything, pair], ids=lambda f: f.__name__)
def test_schemas_strict_mode_cannot_express_fall_back_to_pydantic_form(fn: Any) -> None:
    tool = function_tool_schema(fn)
    pydantic_form = arguments_model(fn).model_json_schema()
    pydantic_form.pop("title")
    assert tool["strict"] is False and tool["parameters"] == pydantic_form


def test_non_strict_schema_keeps_defaults_optional_as_pydantic_gives_them() -> None:
    tool = function_tool_schema(defaults, strict=False)
    assert tool["strict"] is False
    parameters = tool["parameters"]
    assert "required" not in parameters
    assert parameters["properties"]["days"] == {"default": 3, "title": "Days", "type": "integer"}


def test_dict_parameter_gives_additional_properties_schema_not_strict() -> None:
    parameters = function_tool_schema(mapping)["parameters"]
    assert parameters["properties"]["counts"]["additionalProperties"] == {"type": "integer"}
    assert parameters["required"] == ["counts"]


def test_strict_true_is_not_forced_on_a_schema_it_cannot_express() -> None:
    assert function_tool_schema(mapping, strict=True)["strict"] is False
    assert function_tool_schema(basic, strict=False)["strict"] is False


def test_name_and_description_overrides() -> None:
    tool = function_tool_schema(basic, name="make_it", description="Does it.")
    assert (tool["name"], tool["description"]) == ("make_it", "Does it.")
    assert function_tool_schema(basic)["description"] is None  # no docstring: no description


def test_tool_dict_passes_through_normalized() -> None:
    nested_form = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}
    flat = {"type": "function", "name": "f", "parameters": {"type": "object"}}
    assert function_tool_schema(nested_form) == flat
    assert function_tool_schema({"type": "web_search"}) == {"type": "web_search"}


def test_schema_is_exposed_at_the_top_level() -> None:
    assert nbresponses.function_tool_schema is function_tool_schema


# --- rejected signatures ---------------------------------------------------------------------------------


def star_args(*values: int) -> None: ...
def star_kwargs(**options: str) -> None: ...


class Opaque:
    pass


def opaque(thing: Opaque) -> None: ...


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (star_args, "star_args: *values cannot be described to the model"),
        (star_kwargs, "star_kwargs: **options cannot be described to the model"),
        (opaque, "opaque: the type of parameter 'thing' cannot be described"),
        (lambda x: x, "'<lambda>' is not a valid tool name"),
    ],
    ids=["args", "kwargs", "unsupported-type", "lambda"],
)
def test_signatures_that_cannot_be_described_give_a_clear_type_error(fn: Any, message: str) -> None:
    with pytest.raises(TypeError) as info:
        function_tool_schema(fn)
    assert str(info.value).startswith(message), str(info.value)


def test_star_args_message_suggests_a_list_parameter() -> None:
    with pytest.raises(TypeError, match="a list parameter for many values"):
        arguments_model(star_args)


def test_unresolvable_forward_reference_names_the_missing_type() -> None:
    class Local(BaseModel):  # under `from __future__ import annotations` a local class cannot be resolved
        a: int

    def uses_local(value: Local) -> None: ...

    with pytest.raises(
        TypeError, match="parameter 'value' names 'Local', which is not defined where the function is"
    ):
        function_tool_schema(uses_local)

    def returns_local(value: int) -> Local:  # the return type is not needed: it may stay unresolved
        return Local(a=value)

    assert function_tool_schema(returns_local)["parameters"]["properties"]["value"]["type"] == "integer"


def test_a_lambda_with_a_name_is_a_tool() -> None:
    tool = function_tool_schema(lambda text: text, name="echo")
    assert tool["name"] == "echo" and tool["parameters"]["properties"]["text"]["type"] == "string"


def test_invalid_tool_names_are_refused() -> None:
    with pytest.raises(TypeError, match="not a valid tool name"):
        function_tool_schema(basic, name="météo")
    with pytest.raises(TypeError, match="not a valid tool name"):
        function_tool_schema(basic, name="x" * 65)


# --- callables of every kind -------------------------------------------------------------------------------


class Thermometer:
    """Reads the temperature."""

    def __init__(self, offset: float) -> None:
        self.offset = offset

    def read(self, room: str, *, precise: bool = False) -> float:
        """Temperature of a room.

        Args:
            room: which room.
            precise: more digits.
        """
        return 20.0 + self.offset

    def __call__(self, room: str) -> float:
        return self.read(room)


def weather(city: str, unit: Unit = Unit.C, days: int = 1) -> str:
    """Forecast for a city.

    Args:
        city: the city.
        unit: the unit.
        days: how many days.
    """
    return f"{city} {unit.value} {days}"


async def fetch(url: str) -> str:
    """Fetch a page."""
    await asyncio.sleep(0)
    return url


def test_bound_method_drops_self_and_keeps_its_docstring() -> None:
    tool = function_tool_schema(Thermometer(1.0).read)
    assert tool["name"] == "read" and tool["description"] == "Temperature of a room."
    assert list(tool["parameters"]["properties"]) == ["room", "precise"]
    assert tool["parameters"]["properties"]["room"]["description"] == "which room."


def test_callable_object_is_named_after_its_class() -> None:
    tool = function_tool_schema(Thermometer(0.5))
    assert tool["name"] == "Thermometer" and tool["description"] == "Reads the temperature."
    assert list(tool["parameters"]["properties"]) == ["room"]


def test_partial_describes_the_remaining_parameters_of_its_function() -> None:
    tool = function_tool_schema(functools.partial(weather, "Oslo", days=5))
    assert tool["name"] == "weather" and tool["description"] == "Forecast for a city."
    properties = tool["parameters"]["properties"]
    assert list(properties) == ["unit", "days"]  # city is bound; days keeps the partial's default
    assert "Default: 5" in properties["days"]["description"] and properties["days"]["description"].startswith(
        "how many days."
    )


def later(value: DefinedLater) -> None: ...


class DefinedLater(BaseModel):  # after the function that names it: resolved when the schema is made
    size: int


def test_forward_references_resolve_in_the_function_module() -> None:
    tool = function_tool_schema(later)
    assert tool["parameters"]["properties"]["value"] == {"$ref": "#/$defs/DefinedLater"}
    assert tool["parameters"]["$defs"]["DefinedLater"]["properties"]["size"]["type"] == "integer"


def stamped(at: datetime.datetime, blob: bytes) -> None: ...


def test_strict_form_keeps_formats_strict_mode_knows_and_drops_the_others() -> None:
    tool = function_tool_schema(stamped)
    properties = tool["parameters"]["properties"]
    assert tool["strict"] is True
    assert properties["at"]["format"] == "date-time" and "format" not in properties["blob"]
    assert (
        function_tool_schema(stamped, strict=False)["parameters"]["properties"]["blob"]["format"] == "binary"
    )


def test_async_function_schema() -> None:
    tool = function_tool_schema(fetch)
    assert tool["name"] == "fetch" and tool["description"] == "Fetch a page."
    assert tool["parameters"]["properties"]["url"] == {"title": "Url", "type": "string"}


# --- the arguments model -----------------------------------------------------------------------------------


def everything(
    unit: Unit, point: Point, b: Box, person: Person, n: Annotated[int, Field(ge=0)], days: int = 3
) -> None: ...


class Window(TypedDict, total=False):
    start: int
    end: int


class Tree(TypedDict):
    label: str
    children: list[Tree]


def windows(points: list[Point], window: Window) -> None: ...
def tree(root: Tree) -> None: ...


def test_typing_typed_dicts_nested_and_partial() -> None:
    tool = function_tool_schema(windows)
    assert tool["parameters"]["properties"]["points"]["items"] == {"$ref": "#/$defs/Point"}
    model = arguments_model(windows)
    validated = model.model_validate({"points": [{"x": 1, "y": 2}], "window": {"end": 3}})
    assert validated.points == [{"x": 1, "y": 2}] and validated.window == {"end": 3}  # type: ignore[attr-defined]
    with pytest.raises(ValidationError, match="points.0.y"):
        model.model_validate({"points": [{"x": 1}], "window": {}})


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="pydantic takes typing.TypedDict from Python 3.12")
def test_recursive_typing_typed_dict_before_3_12_is_refused_with_the_fix() -> None:
    with pytest.raises(TypeError) as info:
        function_tool_schema(tree)
    message = str(info.value)
    assert message.startswith("tree: the type of parameter 'root' cannot be described")
    assert "typing_extensions.TypedDict" in message


def test_validated_arguments_are_python_types() -> None:
    model = arguments_model(everything)
    validated = model.model_validate(
        {
            "unit": "fahrenheit",
            "point": {"x": 1, "y": 2},
            "b": {"width": 4},
            "n": 0,
            "days": None,
            "person": {"name": "Ada", "addresses": [{"city": "London"}]},
        }  # fmt: skip
    )
    assert validated.unit is Unit.F  # type: ignore[attr-defined]
    assert validated.point == {"x": 1, "y": 2}  # type: ignore[attr-defined]
    assert validated.b == Box(width=4) and isinstance(validated.b, Box)  # type: ignore[attr-defined]
    assert validated.person == Person(name="Ada", addresses=[Address(city="London")])  # type: ignore[attr-defined]
    assert validated.days == 3  # type: ignore[attr-defined]  # null stands for the default


def test_arguments_model_enforces_constraints_and_forbids_extra_keys() -> None:
    model = arguments_model(everything)
    good = {"unit": "celsius", "point": {"x": 1, "y": 2}, "b": {"width": 4}, "n": 1,
            "person": {"name": "Ada", "addresses": []}}  # fmt: skip
    with pytest.raises(ValidationError, match="greater than or equal to 0"):
        model.model_validate({**good, "n": -1})
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        model.model_validate({**good, "surprise": 1})
    with pytest.raises(ValidationError, match="unit"):
        model.model_validate({**good, "unit": "kelvin"})


def test_null_for_an_optional_parameter_stays_none() -> None:
    model = arguments_model(optional)
    assert model.model_validate({"note": None, "limit": None}).limit is None  # type: ignore[attr-defined]


def test_none_default_on_a_non_optional_hint_is_reachable_with_null() -> None:
    def sloppy(count: int = None) -> int:  # type: ignore[assignment]
        return count

    tool = function_tool_schema(sloppy)
    assert tool["parameters"]["properties"]["count"]["anyOf"] == [{"type": "integer"}, {"type": "null"}]
    assert arguments_model(sloppy).model_validate({"count": None}).count is None  # type: ignore[attr-defined]


def test_parameter_names_pydantic_reserves_still_work() -> None:
    def clash(model_name: str, json: str, schema: int = 1) -> None: ...

    tool = function_tool_schema(clash)
    assert list(tool["parameters"]["properties"]) == ["model_name", "json", "schema"]
    validated = arguments_model(clash).model_validate({"model_name": "m", "json": "{}", "schema": 2})
    by_alias = validated.model_dump(by_alias=True)
    assert by_alias == {"model_name": "m", "json": "{}", "schema": 2}


def test_a_reserved_name_next_to_a_parameter_named_like_its_stand_in() -> None:
    def both(json: str, arg0: int) -> None: ...

    validated = arguments_model(both).model_validate({"json": "j", "arg0": 1})
    assert validated.model_dump(by_alias=True) == {"json": "j", "arg0": 1}


def test_the_unsupported_parameter_is_named_even_after_unannotated_ones() -> None:
    def mixed(first, thing: Opaque) -> None:  # type: ignore[no-untyped-def]  # noqa: ANN001
        ...

    with pytest.raises(TypeError, match="parameter 'thing' cannot be described"):
        function_tool_schema(mixed)


def test_unannotated_parameters_take_strings_or_the_default_type() -> None:
    validated = arguments_model(unannotated).model_validate({"a": "x", "b": 5, "c": None})
    assert validated.model_dump() == {"a": "x", "b": 5, "c": None}


# --- docstrings ------------------------------------------------------------------------------------------


GOOGLE = """Convert a temperature.

    Second paragraph with details
    that is not the summary.

    Args:
        value (float): the temperature,
            in the unit given.
        unit (:obj:`str`, optional): ``"C"`` or ``"F"``.

            A second paragraph of the unit.
        **extra: passed through.

    Returns:
        float: the converted value.
        unit: not a parameter.

    Raises:
        ValueError: an unknown unit.
    """

NUMPY = """Convert a temperature.

    Parameters
    ----------
    value : float
        the temperature,
        in the unit given.
    unit : {"C", "F"}, optional
        the unit.
    low, high : int
        the bounds.

    Returns
    -------
    float
        the converted value.

    Notes
    -----
    value : not a parameter
    """

SPHINX = """Convert a temperature
    across units.

    :param float value: the temperature,
        in the unit given.
    :param unit: the unit.
    :type unit: str
    :keyword precise: more digits.
    :returns: the converted value.
    :raises ValueError: an unknown unit.
    """


def test_google_docstring_with_types_continuations_and_later_sections() -> None:
    summary, params = parse_docstring(GOOGLE)
    assert summary == "Convert a temperature."
    assert params == {
        "value": "the temperature, in the unit given.",
        "unit": '``"C"`` or ``"F"``. A second paragraph of the unit.',
        "extra": "passed through.",
    }


def test_numpy_docstring_with_types_continuations_and_later_sections() -> None:
    summary, params = parse_docstring(NUMPY)
    assert summary == "Convert a temperature."
    assert params == {
        "value": "the temperature, in the unit given.",
        "unit": "the unit.",
        "low": "the bounds.",
        "high": "the bounds.",
    }


def test_sphinx_docstring_with_types_and_continuations() -> None:
    summary, params = parse_docstring(SPHINX)
    assert summary == "Convert a temperature across units."  # the first paragraph, joined
    assert params == {
        "value": "the temperature, in the unit given.",
        "unit": "the unit.",
        "precise": "more digits.",
    }


# fmt: off
@pytest.mark.parametrize(("doc", "expected"), [
    pytest.param(None, ("", {}), id="none"),
    pytest.param("", ("", {}), id="empty"),
    pytest.param("One line.", ("One line.", {}), id="one-line"),
    pytest.param("Sums it:\n\n    more.", ("Sums it:", {}), id="colon-summary"),
    pytest.param("Does the following:\n  a thing.", ("Does the following: a thing.", {}), id="colon-in-summary"),
    pytest.param("Args:\n    x: the x.", ("", {"x": "the x."}), id="args-only"),
    pytest.param("Summary.\nReturns:\n    int: a value.", ("Summary.", {}), id="returns-after-summary"),
    pytest.param("Summary.\n\nArgs:\n    x: the x.\nExample:\n    y: not a param.", ("Summary.", {"x": "the x."}),
                 id="example-ends-args"),
    pytest.param("Summary.\n\nKeyword Args:\n    flag (bool): on.", ("Summary.", {"flag": "on."}), id="keyword-args"),
    pytest.param("Summary.\n\nArgs:\n    x:\n        below.", ("Summary.", {"x": "below."}), id="description-below"),
    pytest.param("Summary.\n\nArgs:\n    x: the x.\n        note: still x.", ("Summary.", {"x": "the x. note: still x."}),
                 id="colon-continuation"),
])
# fmt: on
def test_docstring_edge_cases(doc: str | None, expected: tuple[str, dict[str, str]]) -> None:
    assert parse_docstring(doc) == expected


def test_descriptions_reach_the_schema_and_summary_is_the_description() -> None:
    def convert(value: float, unit: str = "C") -> float:
        """Convert a temperature.

        Second paragraph.

        Args:
            value (float): the temperature,
                in the unit given.
            unit: the unit.

        Returns:
            float: the converted value.
        """
        return value

    tool = function_tool_schema(convert)
    assert tool["description"] == "Convert a temperature."
    properties = tool["parameters"]["properties"]
    assert properties["value"]["description"] == "the temperature, in the unit given."
    assert properties["unit"]["description"] == 'the unit. Default: "C" (send null for the default).'
