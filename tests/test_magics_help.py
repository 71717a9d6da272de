"""``%respond help``, ``%respond?`` and "did you mean" (nbresponses/magics/_help.py)."""

from __future__ import annotations

import inspect

import pytest
from IPython.core.oinspect import getdoc

from nbresponses.magics._help import SUBCOMMAND_HELP, help_markdown, help_text, suggest_subcommand
from nbresponses.magics._options import SUBCOMMANDS, build_parser
from tests.magic_shell import Shell


def test_help_names_every_option_and_subcommand_once_each() -> None:
    shown = help_markdown()
    flags = [f for a in build_parser()._actions for f in a.option_strings if f not in ("-h", "--help")]
    for flag in flags:
        assert f"`{flag}" in shown or f", {flag}" in shown, flag
    assert {s.split()[0] for s in SUBCOMMAND_HELP} == SUBCOMMANDS
    plain = help_text()
    assert "**" not in plain and "`" not in plain and "--max-output-tokens" in plain
    assert max(len(line) for line in plain.splitlines() if "  " in line) <= 120  # the tables' rows
    assert "--reasoning minimal|low|medium|high" in plain


@pytest.mark.parametrize(
    ("word", "suggested"),
    [("histroy", "history"), ("hisory", "history"), ("History", "history"), ("usgae", "usage"),
     ("treads", "threads"), ("confg", "config"), ("hepl", "help"), ("fxi", "fix"), ("explain", None),
     ("history", None), ("pandas", None),
     # everyday one-word prompts two edits (or one, with another first letter) from a short subcommand
     ("hello", None), ("hi", None), ("Hey", None), ("test", None), ("more", None), ("work", None), ("mix", None)],
)  # fmt: skip
def test_one_word_close_to_a_subcommand_is_a_typo(word: str, suggested: str | None) -> None:
    assert suggest_subcommand(word) == suggested


def test_a_typo_sends_nothing_and_double_dash_sends_the_word(ipython: Shell) -> None:
    result, _ = ipython.run("%respond histroy")
    assert type(result.error_in_exec).__name__ == "UsageError"
    assert "Did you mean %respond history?" in str(result.error_in_exec)
    assert "_r" not in ipython.ns
    result, _ = ipython.run("%respond -- hello")
    assert result.success and "hello" in ipython.ns["_r"].output_text


def test_question_mark_shows_the_whole_help(ipython: Shell) -> None:
    doc = getdoc(ipython.shell.find_line_magic("respond"))  # what IPython's inspector shows for %respond?
    assert doc == inspect.cleandoc(help_text()) and "fork TURN --thread NEW" in doc
