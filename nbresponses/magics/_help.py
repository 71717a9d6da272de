"""``%respond help`` and ``%respond?``: every option and subcommand with one line each, and "did you mean".

The option list is read from the argparse parser the magic uses, so it cannot drift from what is accepted.
"""

from __future__ import annotations

import argparse

from IPython.core.error import UsageError

from ._options import SUBCOMMANDS, build_parser

__all__ = ["SUBCOMMAND_HELP", "help_markdown", "help_text", "suggest_subcommand", "typo_error"]

SUBCOMMAND_HELP = {
    "config": "the settings in effect: backend, model, whether a key is set, history file",
    "login [BASE_URL]": "type an API key privately for this kernel (never saved)",
    "logout": "forget the key typed with login",
    "threads": "this notebook's threads: mode, turns, tokens, last turn",
    "history [THREAD]": "a thread's turns (superseded too); history --search TEXT: turns with those words",
    "reset [THREAD]": "start the thread afresh (its turns stay in the history)",
    "fork TURN --thread NEW": "a new thread continuing from a turn (its number in history, a response or cell id)",
    "tools": "the notebook functions marked with @nbresponses.tool",
    "usage [THREAD] [--all]": "tokens and estimated cost by thread and model (--all: every notebook)",
    "models [FILTER]": "the models the endpoint lists, the API each answers on, their prices, and the aliases",
    "fix [OPTIONS] [CELL]": "send the last error (or cell CELL's) and its cell; the fix comes as a new cell",
    "explain [OPTIONS] [CELL]": "explain the last error, or cell CELL (its error, or what it does)",
    "export [THREAD] FILE": "write a thread to FILE.md or FILE.jsonl (--all: superseded turns too)",
    "templates": "the prompt templates of RespondMagics.templates (--template NAME uses one)",
    "count PROMPT": "the input tokens a prompt would send, nothing sent to the model (also a %%respond count cell)",
    "batches [cancel ID]": "this notebook's --batch maps and where they stand; cancel one",
    "help": "this help (also %respond?)",
}
"""Each subcommand's synopsis and what it does."""

assert {synopsis.split()[0] for synopsis in SUBCOMMAND_HELP} == SUBCOMMANDS

_GROUPS = (
    ("Model and request", ("model", "api", "instructions", "temperature", "top_p", "max_output_tokens", "reasoning",
                           "summary", "json", "schema", "metadata", "background", "stream", "store")),
    ("Tools", ("tools", "tool_json", "web_search", "file_search", "code_interpreter", "tool_choice",
               "parallel_tools", "approve", "max_tool_rounds")),
    ("Conversation", ("thread", "new", "conversation")),
    ("Whole tables", ("map", "concurrency", "fresh", "batch")),
    ("Input and output", ("interpolate", "images", "files", "out", "quiet", "budget", "format", "template")),
)  # fmt: skip


def _flags(action: argparse.Action) -> str:
    names = ", ".join(action.option_strings)
    if action.nargs == 0:
        return names
    value = "|".join(map(str, action.choices)) if action.choices else action.metavar or action.dest.upper()
    return f"{names} {value}"


def _option_rows() -> list[tuple[str, list[tuple[str, str]]]]:
    actions = {a.dest: a for a in build_parser()._actions if a.option_strings and a.dest != "help"}
    # Mutually exclusive flags share a dest (--store / --no-store): list every action under its dest's group.
    by_dest: dict[str, list[argparse.Action]] = {}
    for action in build_parser()._actions:
        if action.option_strings and action.dest in actions:
            by_dest.setdefault(action.dest, []).append(action)
    grouped: list[tuple[str, list[tuple[str, str]]]] = []
    seen: set[str] = set()
    for title, dests in _GROUPS:
        rows = [(_flags(a), a.help or "") for d in dests for a in by_dest.get(d, [])]
        seen.update(dests)
        grouped.append((title, rows))
    rest = [(_flags(a), a.help or "") for d, group in by_dest.items() if d not in seen for a in group]
    if rest:
        grouped.append(("Other", rest))
    return grouped


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("$", "\\$").replace("<", "\\<").replace("*", "\\*")


def help_markdown() -> str:
    """The help as Markdown: usage, every option by group, every subcommand."""
    parts = [
        "**`%%respond [options]`** sends the cell below the line to the Responses API and streams the answer; "
        "**`%respond [options] PROMPT`** sends one line. `{name}` in a prompt is filled in from the notebook "
        "(a DataFrame as a table). The result is bound to `_r` (`_r.output_text`, `_r.usage`, "
        "`_r.turn_usage`).",
    ]
    for title, rows in _option_rows():
        lines = [f"**{title}**", "", "| option | what it does |", "|---|---|"]
        lines += [f"| `{flags.replace('|', chr(92) + '|')}` | {_escape(text)} |" for flags, text in rows]
        parts.append("\n".join(lines))
    lines = ["**Subcommands** (`%respond NAME`)", "", "| subcommand | what it does |", "|---|---|"]
    lines += [f"| `{synopsis}` | {_escape(text)} |" for synopsis, text in SUBCOMMAND_HELP.items()]
    parts.append("\n".join(lines))
    parts.append(
        "Defaults are settings: `%config RespondMagics.model = 'gpt-4.1'` (see `%respond config`). "
        "To send a word that is also a subcommand as a prompt, write `%respond -- WORD`."
    )
    return "\n\n".join(parts)


def help_text() -> str:
    """The help as plain text (``%respond?`` and usage errors show it)."""
    from nbresponses.render import render_markdown

    return render_markdown(help_markdown()).plain


def _distance(a: str, b: str) -> int:
    """Edit distance with adjacent transpositions counting one (``histroy`` is 1 from ``history``)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, y in enumerate(b, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y))
            if i > 1 and j > 1 and x == b[j - 2] and a[i - 2] == y:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def suggest_subcommand(word: str) -> str | None:
    """The subcommand ``word`` looks like a typo of (the closest), or None.

    Two edits for subcommands of six letters or more (``hsitory``, ``treads``); one edit and the same first
    letter for shorter ones, where two edits reach everyday words: ``hi`` is two from ``fix``, ``hello`` from
    ``help``, ``work`` one from ``fork``, and those are prompts.
    """
    lowered = word.lower()
    scored = sorted((_distance(lowered, name), name) for name in SUBCOMMANDS)
    distance, name = scored[0]
    if word == name:
        return None
    if len(name) >= 6:
        return name if distance <= 2 else None
    return name if distance <= 1 and lowered[:1] == name[:1] else None


def typo_error(word: str) -> UsageError | None:
    """The usage error for a one-word line that looks like a mistyped subcommand, or None."""
    name = suggest_subcommand(word)
    if name is None:
        return None
    return UsageError(
        f"%respond {word}: no such subcommand. Did you mean %respond {name}? "
        f"(To send {word!r} to the model as a prompt, write %respond -- {word}; %respond help lists the rest.)"
    )
