"""``%respond SUBCOMMAND``: settings, login, threads, history, usage and token counts, shown as small tables."""

from __future__ import annotations

import getpass
import os
import shlex
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError
from IPython.display import display

from nbresponses._config import Secret
from nbresponses._exceptions import NBResponsesError

from ._marks import short_cell_id

if TYPE_CHECKING:
    from nbresponses.render._markdown import SectionKind

    from ._magic import RespondMagics

__all__ = ["markdown_table", "run_subcommand"]


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[Any]], *, right: Sequence[int] = ()) -> str:
    """A Markdown table (cells are Markdown, on one line, pipes escaped); ``right``-aligned columns.

    Shown through `show_markdown`, which renders it safely (a ``$`` is a literal dollar, raw HTML is text); a
    value that must show as typed goes through `plain_cell` first.
    """

    def cell(value: Any) -> str:
        return " ".join(("" if value is None else str(value)).split()).replace("|", "\\|")

    rule = "|" + "".join("---:|" if n in right else "---|" for n in range(len(header)))
    lines = ["| " + " | ".join(cell(h) for h in header) + " |", rule]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def show_markdown(text: str, *, kind: SectionKind = "answer") -> None:
    """Display Markdown as safe HTML, safe Markdown and plain text (aligned tables in a terminal)."""
    from nbresponses.render import Section, sections_bundle

    display(sections_bundle([Section(kind, text)]), raw=True)


def plain_cell(value: str) -> str:
    """Text shown as typed in a Markdown table (a prompt): its Markdown punctuation escaped."""
    for char in "\\`*_[]<>$~#":
        value = value.replace(char, "\\" + char)
    return value


def _short_id(value: str | None, keep: int = 6) -> str:
    """``resp_68a1…c3d4e5``-like ids cut to their prefix and last characters (enough to tell them apart)."""
    if not value:
        return ""
    prefix, _, rest = value.rpartition("_")
    return value if len(rest) <= keep + 2 else f"{prefix}_…{rest[-keep:]}" if prefix else f"…{rest[-keep:]}"


def _clip(text: str, width: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


_STATUS_WORDS = {"in_progress": "in progress"}


def _when(timestamp: float | None) -> str:
    return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M:%S") if timestamp else ""


def _config(m: RespondMagics, _args: str) -> None:
    session = m.session
    if session.login_key:
        key = "set (by %respond login)"
    elif os.environ.get("OPENAI_API_KEY"):
        key = "set (OPENAI_API_KEY)"
    else:
        key = "not set"
    backend = "offline backend (no key, no base_url)" if session.uses_offline(m.base_url) else None
    base = m.base_url or os.environ.get("OPENAI_BASE_URL") or "https://api.openai.com/v1"
    from nbresponses.store import default_history_path

    rows = [
        ("backend", backend or base),
        ("API key", key),
        ("model", m.model),
        ("api", m.api),
        ("instructions", m.instructions or "(none)"),
        ("thread", m.thread),
        ("store", m.store),
        ("display", m.display),
        ("refresh_per_second", m.refresh_per_second),
        ("timeout / connect_timeout (s)", f"{m.timeout:g} / {m.connect_timeout:g}"),
        ("max_retries", m.max_retries),
        ("max_tool_rounds", m.max_tool_rounds),
        ("budget_usd", "none" if m.budget_usd is None else f"${m.budget_usd:.2f}"),
        ("aliases", ", ".join(f"{k} → {v}" for k, v in m.aliases.items()) or "(none)"),
        ("templates", ", ".join(m.templates) or "(none)"),
        ("history", m.history_path or str(default_history_path())),
        ("notebook", session.notebook),
    ]
    show_markdown(markdown_table(("setting", "value"), rows))


def _login(m: RespondMagics, args: str) -> None:
    url = args.strip()
    # Only a URL may follow "login": anything else is most likely the key itself, typed where it would be
    # saved in the notebook (and it must not become the base URL, nor be echoed back).
    if url and (" " in url or not url.startswith(("http://", "https://"))):
        raise UsageError(
            "%respond login takes only an optional base URL (http:// or https://); the key is typed into the "
            "hidden prompt that follows. If you typed a key on this line, delete it from the cell."
        )
    from IPython.core.error import StdinNotImplementedError

    try:
        key = getpass.getpass("API key (not shown, not saved): ").strip()
    except (StdinNotImplementedError, EOFError):
        raise UsageError(
            "This frontend cannot ask for a key (no input box, e.g. a headless run): set OPENAI_API_KEY in "
            "the kernel's environment instead."
        ) from None
    if not key:
        raise UsageError("No key entered; nothing changed.")
    if url:
        m.base_url = url
    m.session.login_key = Secret(key)
    print(f"Key set for this kernel session. Requests go to {m.base_url or 'the default base URL'}.")


def _logout(m: RespondMagics, _args: str) -> None:
    m.session.login_key = None
    print("Key forgotten for this kernel session.")


def _store(m: RespondMagics) -> Any:
    return m.session.store(m.history_path)


def _threads(m: RespondMagics, _args: str) -> None:
    records = _store(m).threads(m.session.notebook or "")
    if not records:
        print("No threads yet in this notebook.")
        return
    from nbresponses.pricing.usage_stats import format_tokens

    rows = [
        (_clip(t.name, 24), t.mode, t.turn_count, format_tokens(t.total_tokens), _short_id(t.head_response_id),
         _when(t.last_turn_at))
        for t in records
    ]  # fmt: skip
    header = ("thread", "mode", "turns", "tokens", "head response", "last turn")
    show_markdown(markdown_table(header, rows, right=(2, 3)))


def _history(m: RespondMagics, args: str) -> None:
    if "--search" in args.split():
        from ._history_commands import search_command

        search_command(m, args)
        return
    from nbresponses.pricing.usage_stats import format_tokens

    thread = args.strip() or m.thread
    notebook = m.session.notebook or ""
    store = _store(m)
    turns = store.history(notebook, thread)
    if not turns:
        print(f"No turns yet in thread {thread!r}.")
        return
    numbers = store.turn_numbers(notebook)  # from 1 in each notebook, across its threads
    rows = []
    for t in turns:
        status = "superseded" if t.superseded_by and t.continuable else _STATUS_WORDS.get(t.status, t.status)
        rows.append((numbers.get(t.id, t.id), short_cell_id(t.cell_id or ""), plain_cell(_clip(t.prompt or "", 30)),
                     _clip(t.model or "", 14), format_tokens(t.total_tokens or 0), status,
                     _short_id(t.response_id)))  # fmt: skip
    header = ("turn", "cell", "prompt", "model", "tokens", "status", "response")
    show_markdown(markdown_table(header, rows, right=(0, 4)))


def _reset(m: RespondMagics, args: str) -> None:
    thread = args.strip() or m.thread
    _store(m).reset(m.session.notebook or "", thread)
    print(f"Thread {thread!r} starts afresh (earlier turns stay in %respond history).")


def _fork(m: RespondMagics, args: str) -> None:
    words = shlex.split(args)
    source = words[0] if words else ""
    new = ""
    if "--thread" in words[1:]:
        at = words.index("--thread")
        new = words[at + 1] if at + 1 < len(words) else ""
    elif len(words) > 1:
        new = words[1]
    if not source or not new:
        raise UsageError(
            "Usage: %respond fork TURN --thread NEW_THREAD  (TURN: a number from %respond history)"
        )
    if source.isdigit():  # a turn number as %respond history shows it (from 1 in this notebook)
        ids = {
            number: turn_id for turn_id, number in _store(m).turn_numbers(m.session.notebook or "").items()
        }
        if int(source) not in ids:
            raise UsageError(f"No turn {source} in this notebook: %respond history lists its turns.")
        source = str(ids[int(source)])
    try:
        _store(m).fork(m.session.notebook or "", source, new)
    except (LookupError, ValueError) as error:
        raise UsageError(str(error)) from None
    print(f"Thread {new!r} continues from {source}. Use it with %%respond --thread {new}.")


def _count(m: RespondMagics, args: str) -> None:
    """Count the input tokens a prompt would send in its thread (context included), without running the model.

    ``args`` is a line (``[options] PROMPT``) or, for a ``%%respond count`` cell, the options line, a newline
    and the cell.
    """
    from nbresponses.conversation import wants_client_state
    from nbresponses.pricing.usage_stats import format_cost
    from nbresponses.types.request import InputTokensParams

    from ._options import parse_cell_options, parse_line
    from ._prepare import prepare
    from ._run import show_notices
    from ._turn import prepare_turn

    line, is_cell, cell = args.partition("\n")
    options, prompt = (parse_cell_options(line), cell) if is_cell else parse_line(args)
    if not prompt.strip() and not options.template:
        raise UsageError("Usage: %respond count PROMPT  (or a %%respond count cell)")
    options, prompt = prepare(m, options, prompt)
    prepared = prepare_turn(m, options, prompt)  # the request %%respond would send, function schemas included
    client, conversation, params, thread = (
        prepared.client,
        prepared.conversation,
        prepared.params,
        prepared.thread,
    )
    parent = None if options.new or options.conversation else conversation.store.parent_for(
        conversation.notebook, thread
    )  # fmt: skip
    items = [{"role": "user", "content": prepared.content}]
    fields = InputTokensParams.model_fields

    def count(body: dict[str, Any]) -> int | None:
        return client.responses.input_tokens.count(
            **{k: v for k, v in body.items() if k in fields}
        ).input_tokens

    body = conversation.request_body(items, parent, params)
    try:
        try:
            counted = count(body)
        except NBResponsesError as error:
            if not wants_client_state(error, sent_previous_id="previous_response_id" in body):
                raise
            # The server no longer has the thread's responses (e.g. the offline backend after a restart):
            # count the items the history keeps instead.
            context = conversation.store.context_items(parent.id) if parent is not None else []
            counted = count({**body, "previous_response_id": None, "input": [*context, *items]})
    except NBResponsesError as error:
        raise UsageError(f"Could not count tokens: {error}") from None
    if counted is None:
        raise UsageError("Could not count tokens: the server's answer has no input_tokens.")
    model = prepared.model
    where = f", with the context of thread {thread!r}" if parent is not None else ""
    cost = prepared.prices.estimate(model, input_tokens=counted)
    m.session.notices.extend(prepared.warnings)
    show_notices(m.session.notices)
    print(
        f"{counted} input tokens for {model}{where}: {format_cost(cost)} as input "
        "(nothing was sent to the model)."
    )


def _usage(m: RespondMagics, args: str) -> None:
    """``%respond usage [THREAD] [--all]``: this notebook's totals (``--all``: every notebook in the history)."""
    from nbresponses.pricing.usage_stats import usage_summary_markdown

    from ._turn import turn_prices

    words = args.split()
    every = "--all" in words
    names = [w for w in words if w != "--all"]
    if len(names) > 1 or any(name.startswith("-") for name in names):
        raise UsageError("Usage: %respond usage [THREAD] [--all]")
    rows = _store(m).usage_rows(None if every else m.session.notebook)
    show_markdown(usage_summary_markdown(rows, thread=names[0] if names else None, prices=turn_prices(m)))


def _tools(m: RespondMagics, _args: str) -> None:
    from nbresponses.tools import registered_tools

    found = registered_tools(m.shell.user_ns if m.shell is not None else {})
    if not found:
        print(
            "No tools: decorate a function with @nbresponses.tool, or pass --tools f,g with plain functions."
        )
        return
    rows = [
        (
            name,
            _clip(t.description.splitlines()[0], 70) if t.description else "",
            "yes" if t.approve else "no",
        )
        for name, t in found.items()
    ]
    show_markdown(markdown_table(("tool", "description", "asks approval"), rows))


def _models(m: RespondMagics, args: str) -> None:
    from ._models import models_command

    models_command(m, args)


def _help(_m: RespondMagics, _args: str) -> None:
    from ._help import help_markdown

    show_markdown(help_markdown())


def _batches(m: RespondMagics, args: str) -> None:
    from ._map import batches_subcommand

    batches_subcommand(m, args)


def _fix(m: RespondMagics, args: str) -> None:
    from ._errors import run_fix

    run_fix(m, "fix", args)


def _explain(m: RespondMagics, args: str) -> None:
    from ._errors import run_fix

    run_fix(m, "explain", args)


def _export(m: RespondMagics, args: str) -> None:
    from ._history_commands import export_command

    export_command(m, args)


def _templates(m: RespondMagics, args: str) -> None:
    from ._prepare import templates_command

    templates_command(m, args)


_COMMANDS: dict[str, Callable[[RespondMagics, str], None]] = {
    "config": _config,
    "login": _login,
    "logout": _logout,
    "threads": _threads,
    "history": _history,
    "reset": _reset,
    "fork": _fork,
    "count": _count,
    "usage": _usage,
    "tools": _tools,
    "models": _models,
    "help": _help,
    "batches": _batches,
    "fix": _fix,
    "explain": _explain,
    "export": _export,
    "templates": _templates,
}


def run_subcommand(magics: RespondMagics, name: str, args: str) -> None:
    """Run ``%respond NAME ARGS``."""
    _COMMANDS[name](magics, args)
