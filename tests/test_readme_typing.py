"""Every Python example of the README type-checks under ``mypy --strict``, as a user's code would.

The ```python blocks are put in one file in their order, as cells of one notebook, each through IPython's own
input transformer, so a notebook-only line (``%config ...``, ``%load_ext``) becomes the call IPython makes of
it. mypy runs with ``--strict`` and nothing of this project's configuration (no pydantic plugin), as in a
user's project. A second file checks that the check has teeth: reading ``delta`` from a narrowed
``response.output_text.done`` event must fail, naming that one event class.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from IPython.core.inputtransformer2 import TransformerManager

README = Path(__file__).resolve().parent.parent / "README.md"

# What IPython provides in every cell. Its own get_ipython() may return None (no shell); in a cell it never does.
PRELUDE = """\
from IPython.core.interactiveshell import InteractiveShell


def get_ipython() -> InteractiveShell:
    return InteractiveShell.instance()

"""

# pandas ships no type information (pandas-stubs does); what the README shows of it is not ours to check.
CONFIG = """\
[mypy]
strict = True
warn_unreachable = True

[mypy-pandas.*]
ignore_missing_imports = True
"""

CONTROL = """\
import nbresponses

client = nbresponses.Client()
with client.responses.stream(model="gpt-4.1", input="Hi") as stream:
    for event in stream:
        if event.type == "response.output_text.done":
            print(event.delta)
"""


def readme_examples() -> list[str]:
    """The README's ```python blocks, as IPython runs them."""
    blocks = re.findall(
        r"^```python\n(.*?)^```", README.read_text(encoding="utf-8"), re.MULTILINE | re.DOTALL
    )
    transform = TransformerManager().transform_cell
    return [transform(block) for block in blocks]


def test_the_examples_include_the_streaming_loop_and_the_notebook_lines() -> None:
    examples = readme_examples()
    assert len(examples) >= 5
    assert any('if event.type == "response.output_text.delta":' in example for example in examples)
    assert any("get_ipython().run_line_magic('config'" in example for example in examples)
    assert not any(line.lstrip().startswith("%") for example in examples for line in example.splitlines())


@pytest.mark.timeout(600)
def test_every_readme_example_passes_mypy_strict(tmp_path: Path) -> None:
    source = PRELUDE + "\n\n".join(
        f"# README example {n}\n{code}" for n, code in enumerate(readme_examples(), 1)
    )
    (tmp_path / "readme_examples.py").write_text(source, encoding="utf-8")
    (tmp_path / "narrowing_control.py").write_text(CONTROL, encoding="utf-8")
    (tmp_path / "mypy.ini").write_text(CONFIG, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", "mypy.ini", "--cache-dir", ".cache", "--no-error-summary",
         "--hide-error-context", "readme_examples.py", "narrowing_control.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=540,
    )  # fmt: skip
    lines = result.stdout.splitlines()
    assert not [line for line in lines if line.startswith("readme_examples.py")], (
        source + "\n" + result.stdout
    )
    control = [line for line in lines if line.startswith("narrowing_control.py")]
    assert control == [
        'narrowing_control.py:7: error: "ResponseTextDoneEvent" has no attribute "delta"  [attr-defined]'
    ], result.stdout + result.stderr
