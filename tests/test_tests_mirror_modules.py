"""Tests mirror the package: every module has a test module named after it (``nbresponses/store/_encode.py`` →
``tests/test_store_encode.py``; a package's ``__init__`` → ``test_<package>.py`` or ``test_<package>_init.py``).

The modules below have none yet, each for a stated reason; a new module without its test module fails here.
"""

from __future__ import annotations

from pathlib import Path

import nbresponses

PACKAGE = Path(nbresponses.__file__).resolve().parent
TESTS = Path(__file__).resolve().parent

WITHOUT_TEST_MODULE = {
    "_version": "a version string",
    "offline": "re-exports",
    "offline/__main__": "the command line, run as a process by test_offline_compliance",
    "render": "re-exports and make_view, tested by test_render_display and test_render_widgets",
    "tools": "re-exports",
    "transports": "no code (a docstring)",
    "client": "re-exports",
    "client/_responses": "client.responses: every call is tested through test_client_client",
    "transports/http": "tested through test_client_client (status errors, retries, timeouts) and test_transports_retries",
    "transports/cassette": "tested through test_testing_cassette (record, replay, misses)",
    "usage_stats": "the old import path of pricing.usage_stats (re-exports)",
    "render/_outcome": "a dataclass renamed by issue 14 part B; tested through every view's test",
    "types/_tool_events": "typed by issue 14 part B; tested through test_types_events",
}


def _key(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    return "/".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _test_names(key: str) -> set[str]:
    flat = "_".join(part.lstrip("_") for part in key.split("/")) if key else "nbresponses"
    return {f"test_{flat}", f"test_{flat}_init"}


def test_every_module_has_its_test_module() -> None:
    tests = {path.stem for path in TESTS.glob("test_*.py")}
    missing = sorted(
        key
        for key in map(_key, PACKAGE.rglob("*.py"))
        if not _test_names(key) & tests and key not in WITHOUT_TEST_MODULE
    )
    assert missing == [], f"modules without a test module: {missing}"


def test_the_exceptions_are_still_true() -> None:
    modules = {_key(path) for path in PACKAGE.rglob("*.py")}
    tests = {path.stem for path in TESTS.glob("test_*.py")}
    stale = sorted(key for key in WITHOUT_TEST_MODULE if key not in modules or _test_names(key) & tests)
    assert stale == [], f"listed as without a test module, but gone or tested now: {stale}"


def test_every_module_is_under_500_lines() -> None:
    # Issue 14: small modules with one job each; a module that grows past this is split by concern.
    long = sorted(
        (_key(path), lines)
        for path in PACKAGE.rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) >= 500
    )
    assert long == [], f"modules of 500 lines or more: {long}"
