"""Tests of nbresponses.types' manifest: every exported name is loaded on first use from the module that defines it."""

from __future__ import annotations

import importlib
import subprocess
import sys

from nbresponses import types


def test_every_exported_name_has_its_module_and_resolves_to_its_definition() -> None:
    lazy = types._LAZY
    assert set(types.__all__) == set(lazy) and len(types.__all__) == len(set(types.__all__))
    for name, module in lazy.items():
        defined = getattr(importlib.import_module(module, "nbresponses.types"), name)
        assert getattr(types, name) is defined, name


def test_importing_the_package_loads_no_model_module() -> None:
    probe = "import sys, nbresponses.types; print(sorted(m for m in sys.modules if m.startswith('nbresponses.types.')))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
