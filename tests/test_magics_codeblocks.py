"""The code of a Markdown answer, as one notebook cell: fences read as CommonMark reads them."""

from __future__ import annotations

import pytest

from nbresponses.magics._codeblocks import CODE_INSTRUCTIONS, CodeBlock, code_blocks, notebook_code


def test_fences_of_every_kind_are_found_in_order() -> None:
    text = (
        "Intro\n```python\nx = 1\n```\n"
        "> ```py\n> y = 2\n> ```\n"  # in a block quote
        "1. step\n\n   ~~~bash\n   pip install pandas\n   ~~~\n"  # in a list, with tildes
        "````\nz = '```'\n````\n"  # a longer fence holding a shorter one
    )
    assert code_blocks(text) == [
        CodeBlock("python", "x = 1\n"),
        CodeBlock("py", "y = 2\n"),
        CodeBlock("bash", "pip install pandas\n"),
        CodeBlock("", "z = '```'\n"),
    ]


def test_python_blocks_are_joined_and_shell_becomes_ipython_lines() -> None:
    answer = (
        "First install:\n```bash\n$ pip install polars\n$ ls data\n```\n"
        "Then:\n```python\nimport polars as pl\n```\nand\n```python\nprint(pl.__version__)\n```\n"
        "Output:\n```text\n1.0\n```\n"
    )
    found = notebook_code(answer)
    assert found.code == "%pip install polars\n!ls data\n\nimport polars as pl\n\nprint(pl.__version__)"
    assert found.blocks == 3 and found.left_out == ["text"]


def test_other_languages_are_kept_when_there_is_no_python() -> None:
    found = notebook_code("```sql\nSELECT 1\n```\n```sql\nSELECT 2\n```")
    assert found.code == "SELECT 1\n\nSELECT 2" and found.blocks == 2 and found.left_out == []


def test_an_answer_cut_off_inside_a_block_keeps_what_came() -> None:
    assert notebook_code("Here:\n```python\ndef f():\n    return 1\n").code == "def f():\n    return 1"


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        ("x = 1\nprint(x)\n", "x = 1\nprint(x)"),  # bare code: a model asked for code only often answers so
        ("%pip install numpy\nimport numpy", "%pip install numpy\nimport numpy"),
        ("This is an explanation, not code.", ""),
        ("", ""),
    ],
)
def test_an_answer_without_fences_is_code_only_when_it_reads_as_python(answer: str, code: str) -> None:
    found = notebook_code(answer)
    assert found.code == code and found.blocks == 0


def test_the_instructions_ask_for_one_block_and_say_code_only() -> None:
    assert "code only" in CODE_INSTRUCTIONS and "one fenced code block" in CODE_INSTRUCTIONS
