"""The extension entry points and the transform that keeps '?' prompts away from IPython's help."""

from __future__ import annotations

from nbresponses.magics import protect_prompt_question_marks


def test_question_prompts_become_magic_calls() -> None:
    lines = ["%respond What is X?\n", "x = 1?\n", "    %respond why?\n", "%respond no question\n"]
    assert protect_prompt_question_marks(lines) == [
        "get_ipython().run_line_magic('respond', 'What is X?')\n",
        "x = 1?\n",
        "    get_ipython().run_line_magic('respond', 'why?')\n",
        "%respond no question\n",
    ]


def test_quotes_in_prompts_survive() -> None:
    (line,) = protect_prompt_question_marks(['%respond Isn\'t it "odd"?'])
    assert (
        eval(line.removeprefix("get_ipython().run_line_magic('respond', ").removesuffix(")"))
        == 'Isn\'t it "odd"?'
    )  # noqa: S307
