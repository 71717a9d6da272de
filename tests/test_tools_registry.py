"""nbresponses.tools._registry: the @tool decorator, `registered_tools` and `resolve_tools` (the --tools names)."""

from __future__ import annotations

import functools
from typing import Any

import pytest

import nbresponses
from nbresponses.tools import (
    TOOL_ATTRIBUTE,
    Tool,
    function_tool_schema,
    registered_tools,
    resolve_tools,
    tool,
)


@tool
def get_weather(city: str, unit: str = "C") -> str:
    """Current weather in a city.

    Args:
        city: the city name.
    """
    return f"{city}: 21 {unit}"


@tool(name="delete_file", description="Deletes a file.", approve=True, timeout=5, strict=False)
def remove(path: str) -> str:
    return path


def plain(x: int) -> int:
    """Doubles x."""
    return 2 * x


async def fetch(url: str) -> str:
    return url


class Greeter:
    """Says hello."""

    def __call__(self, name: str) -> str:
        return f"hello {name}"


class AsyncGreeter:
    async def __call__(self, name: str) -> str:
        return name


def test_bare_decorator_keeps_the_function_and_describes_it() -> None:
    assert get_weather("Oslo") == "Oslo: 21 C"  # still an ordinary function
    described = getattr(get_weather, TOOL_ATTRIBUTE)
    assert isinstance(described, Tool)
    assert (described.name, described.description) == ("get_weather", "Current weather in a city.")
    assert (described.approve, described.timeout, described.strict) == (False, None, None)
    assert described.fn is get_weather
    assert described.schema == function_tool_schema(get_weather)
    assert described.schema["parameters"]["properties"]["city"]["description"] == "the city name."


def test_decorator_options_set_name_description_approval_timeout_strict() -> None:
    described = getattr(remove, TOOL_ATTRIBUTE)
    assert (described.name, described.description) == ("delete_file", "Deletes a file.")
    assert (described.approve, described.timeout, described.strict) == (True, 5, False)
    assert described.schema["name"] == "delete_file" and described.schema["strict"] is False
    assert described.schema["description"] == "Deletes a file."


def test_decorator_is_exported_at_the_top_level() -> None:
    assert nbresponses.tool is tool


def test_decorating_an_undescribable_function_says_why() -> None:
    with pytest.raises(TypeError, match=r"\*args cannot be described"):

        @tool
        def spread(*args: int) -> None: ...


def test_registered_tools_finds_decorated_functions_by_tool_name() -> None:
    namespace = {"get_weather": get_weather, "remove": remove, "plain": plain, "_hidden": get_weather, "n": 3}
    found = registered_tools(namespace)
    assert sorted(found) == ["delete_file", "get_weather"]
    assert found["delete_file"].fn is remove


def test_registered_tools_of_an_empty_namespace() -> None:
    assert registered_tools({"x": 1, "plain": plain}) == {}


def test_resolve_tools_keeps_decorated_and_describes_plain_callables() -> None:
    namespace = {"get_weather": get_weather, "plain": plain, "remove": remove}
    found = resolve_tools(["get_weather", "plain", "remove"], namespace)
    assert list(found) == ["get_weather", "plain", "delete_file"]
    assert found["get_weather"] is getattr(get_weather, TOOL_ATTRIBUTE)
    assert found["plain"].description == "Doubles x." and found["plain"].approve is False
    assert found["plain"].arguments is not None
    assert found["plain"].arguments.model_validate({"x": "4"}).x == 4  # type: ignore[attr-defined]


def test_resolve_tools_names_lambdas_partials_and_objects_after_the_variable() -> None:
    namespace: dict[str, Any] = {
        "shout": lambda text: text.upper(),
        "double": functools.partial(plain),
        "greet": Greeter(),
    }
    found = resolve_tools(["shout", "double", "greet"], namespace)
    assert [t.schema["name"] for t in found.values()] == ["shout", "double", "greet"]
    assert found["greet"].description == "Says hello."
    assert found["double"].description == "Doubles x."


def test_unknown_name_suggests_close_names() -> None:
    with pytest.raises(LookupError) as info:
        resolve_tools(["get_wether"], {"get_weather": get_weather, "plain": plain})
    assert str(info.value).strip("'") == (
        "--tools get_wether: no such function in the notebook. Did you mean get_weather?"
    )


def test_unknown_name_without_close_names() -> None:
    with pytest.raises(LookupError) as info:
        resolve_tools(["zzz"], {"plain": plain})
    assert "Did you mean" not in str(info.value)


def test_a_value_that_is_not_callable_is_refused() -> None:
    with pytest.raises(TypeError, match=r"--tools data: int is not a function\."):
        resolve_tools(["data"], {"data": 3})


def test_a_plain_function_that_cannot_be_described_is_refused() -> None:
    def spread(**options: str) -> None: ...

    with pytest.raises(TypeError, match=r"spread: \*\*options cannot be described"):
        resolve_tools(["spread"], {"spread": spread})


@pytest.mark.parametrize(
    ("fn", "expected"),
    [
        (plain, False),
        (fetch, True),
        (functools.partial(fetch), True),
        (Greeter(), False),
        (AsyncGreeter(), True),
    ],
    ids=["sync", "async", "partial-async", "object", "async-object"],
)
def test_is_async(fn: Any, expected: bool) -> None:
    assert Tool.from_function(fn, name="t").is_async is expected


def test_from_function_describes_with_the_given_name() -> None:
    described = Tool.from_function(plain, name="twice", approve=True, timeout=1.5)
    assert (described.name, described.schema["name"], described.approve, described.timeout) == (
        "twice",
        "twice",
        True,
        1.5,
    )
    assert described.arguments is not None and described.arguments.__name__ == "twice_arguments"
