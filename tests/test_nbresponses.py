"""Tests of the ``nbresponses`` package itself: what it exports (pinned, like httpx's test_exported_members), that
every name loads lazily, and that every public exception is exported and in the README's exception tree."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import nbresponses
from nbresponses._exceptions import NBResponsesError

EXPORTED = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncClient",
    "AsyncResponseStream",
    "AuthenticationError",
    "BadRequestError",
    "BatchUnsupportedError",
    "BridgeStateError",
    "BudgetExceeded",
    "CassetteError",
    "CassetteMiss",
    "Client",
    "ConfigurationError",
    "ConflictError",
    "Conversation",
    "ExportError",
    "HistoryError",
    "InputError",
    "InternalServerError",
    "InvalidParamsError",
    "MapInputError",
    "MapInterrupted",
    "NBResponsesError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "Response",
    "ResponseAccumulator",
    "ResponseFailedError",
    "ResponseStream",
    "ResponseStreamEvent",
    "ResponseUsage",
    "StreamError",
    "StreamTimeoutError",
    "StructuredOutputError",
    "UnprocessableEntityError",
    "__version__",
    "default_client",
    "function_tool_schema",
    "last",
    "load_ipython_extension",
    "map",
    "tool",
    "unload_ipython_extension",
    "usage",
]

# Exceptions that never reach user code: the magic shows them in one line and stops the cell with its own.
INTERNAL_EXCEPTIONS = {"UnexpectedError"}

README = Path(__file__).resolve().parent.parent / "README.md"


def _all_modules() -> list[str]:
    names = ["nbresponses"]
    for info in pkgutil.walk_packages(nbresponses.__path__, "nbresponses."):
        if not info.name.endswith("__main__"):
            names.append(info.name)
    return names


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def test_all_is_pinned_and_sorted() -> None:
    assert nbresponses.__all__ == EXPORTED
    assert nbresponses.__all__ == sorted(nbresponses.__all__)


def test_every_exported_name_loads_and_is_listed_by_dir() -> None:
    for name in nbresponses.__all__:
        value = getattr(nbresponses, name)
        assert value is not None, name
        if inspect.isclass(value) or inspect.isfunction(value):
            assert value.__module__.startswith("nbresponses"), name
    assert set(nbresponses.__all__) <= set(dir(nbresponses))


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        _ = nbresponses.Nope  # type: ignore[attr-defined]


def test_exported_exceptions_are_the_ones_their_modules_raise() -> None:
    from nbresponses import export, inputs, rowmap, structured, testing
    from nbresponses.pricing import budget

    assert nbresponses.StructuredOutputError is structured.StructuredOutputError
    assert nbresponses.InputError is inputs.InputError
    assert nbresponses.BudgetExceeded is budget.BudgetExceeded
    assert nbresponses.ExportError is export.ExportError
    assert nbresponses.MapInputError is rowmap.MapInputError
    assert nbresponses.BatchUnsupportedError is rowmap.BatchUnsupportedError
    assert nbresponses.MapInterrupted is rowmap.MapInterrupted
    assert nbresponses.CassetteMiss is testing.CassetteMiss
    assert nbresponses.CassetteError is testing.CassetteError


def test_an_export_error_is_still_a_value_error() -> None:
    from nbresponses.export import ExportError

    assert issubclass(ExportError, NBResponsesError) and issubclass(ExportError, ValueError)


def test_every_public_exception_of_the_package_is_exported() -> None:
    for name in _all_modules():
        importlib.import_module(name)
    defined = {cls for cls in _subclasses(NBResponsesError) if cls.__module__.startswith("nbresponses")}
    public = {cls.__name__ for cls in defined if not cls.__name__.startswith("_")} - INTERNAL_EXCEPTIONS
    assert public, "no exception found: the walk imported nothing"
    assert public <= set(nbresponses.__all__), sorted(public - set(nbresponses.__all__))


def test_every_exported_exception_is_in_the_readme_tree() -> None:
    text = README.read_text(encoding="utf-8")
    block = text.split("### Errors", 1)[1].split("```", 2)[1]
    in_tree = set(re.findall(r"\b[A-Z][A-Za-z]+(?:Error|Exceeded|Miss|Interrupted)\b", block))
    exceptions = {
        name
        for name in nbresponses.__all__
        if inspect.isclass(value := getattr(nbresponses, name)) and issubclass(value, BaseException)
    }
    assert exceptions <= in_tree, sorted(exceptions - in_tree)
    assert in_tree - {"KeyboardInterrupt", "ValueError"} <= exceptions, sorted(in_tree - exceptions)
