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

from ._options import usage

if TYPE_CHECKING:
    from ._magic import RespondMagics

__all__ = ["markdown_table", "run_subcommand"]


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table (pipes in cells escaped)."""

    def cell(value: Any) -> str:
        text = "" if value is None else str(value)
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def show_markdown(text: str) -> None:
    """Display Markdown with itself as the plain-text fallback (readable in a terminal too)."""
    display({"text/markdown": text, "text/plain": text}, raw=True)


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
        ("instructions", m.instructions or "(none)"),
        ("thread", m.thread),
        ("store", m.store),
        ("display", m.display),
        ("refresh_per_second", m.refresh_per_second),
        ("timeout / connect_timeout (s)", f"{m.timeout:g} / {m.connect_timeout:g}"),
        ("max_retries", m.max_retries),
        ("max_tool_rounds", m.max_tool_rounds),
        ("budget_usd", "none" if m.budget_usd is None else f"${m.budget_usd:.2f}"),
        ("history", m.history_path or str(default_history_path())),
        ("notebook", session.notebook),
    ]
    show_markdown(markdown_table(("setting", "value"), rows))


def _login(m: RespondMagics, args: str) -> None:
    if args.strip():
        m.base_url = args.strip()
    key = getpass.getpass("API key (not shown, not saved): ").strip()
    if not key:
        raise UsageError("No key entered; nothing changed.")
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
    rows = [
        (t.name, t.mode, t.turn_count, t.total_tokens, t.head_response_id or "", _when(t.last_turn_at))
        for t in records
    ]
    show_markdown(markdown_table(("thread", "mode", "turns", "tokens", "head response", "last turn"), rows))


def _history(m: RespondMagics, args: str) -> None:
    thread = args.strip() or m.thread
    turns = _store(m).history(m.session.notebook or "", thread)
    if not turns:
        print(f"No turns yet in thread {thread!r}.")
        return
    rows = []
    for t in turns:
        prompt = (t.prompt or "").strip().splitlines()[0][:60] if (t.prompt or "").strip() else ""
        status = t.status + (" (superseded)" if t.superseded_by else "")
        rows.append(
            (t.id, t.cell_id or "", prompt, t.response_id or "", t.model or "", t.total_tokens or 0, status)
        )
    header = ("turn", "cell", "prompt", "response id", "model", "tokens", "status")
    show_markdown(markdown_table(header, rows))


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
        raise UsageError("Usage: %respond fork RESPONSE_ID_OR_CELL --thread NEW_THREAD")
    try:
        _store(m).fork(m.session.notebook or "", source, new)
    except (LookupError, ValueError) as error:
        raise UsageError(str(error)) from None
    print(f"Thread {new!r} continues from {source}. Use it with %%respond --thread {new}.")


def _count(m: RespondMagics, args: str) -> None:
    from nbresponses.inputs import build_input

    from ._options import parse_line
    from ._params import request_params

    options, prompt = parse_line(args)
    if not prompt.strip():
        raise UsageError("Usage: %respond count PROMPT  (or a %%respond count cell)")
    namespace = m.shell.user_ns if m.shell is not None else {}
    params = request_params(
        options, model=m.model, instructions=m.instructions, store=m.store, namespace=namespace
    )
    prepared = build_input(prompt, namespace, interpolate=options.interpolate, max_rows=m.max_rows)
    client = m.session.client(
        base_url=m.base_url, timeout=m.timeout, connect_timeout=m.connect_timeout, max_retries=m.max_retries
    )
    params.pop("background", None)
    params.pop("store", None)
    try:
        counted = client.responses.input_tokens.count(
            input=[{"role": "user", "content": prepared.content}], **params
        )
    except NBResponsesError as error:
        raise UsageError(f"Could not count tokens: {error}") from None
    print(f"{counted.input_tokens} input tokens for {params['model']} (nothing was sent to the model).")


def _usage(m: RespondMagics, args: str) -> None:
    from nbresponses.usage_stats import usage_summary_markdown

    show_markdown(
        usage_summary_markdown(_store(m).usage_rows(m.session.notebook), thread=args.strip() or None)
    )


def _tools(m: RespondMagics, _args: str) -> None:
    from nbresponses.tools import registered_tools

    found = registered_tools(m.shell.user_ns if m.shell is not None else {})
    if not found:
        print(
            "No tools: decorate a function with @nbresponses.tool, or pass --tools f,g with plain functions."
        )
        return
    rows = [
        (name, t.description.splitlines()[0] if t.description else "", t.approve) for name, t in found.items()
    ]
    show_markdown(markdown_table(("tool", "description", "asks approval"), rows))


def _help(_m: RespondMagics, _args: str) -> None:
    print(usage())


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
    "help": _help,
}


def run_subcommand(magics: RespondMagics, name: str, args: str) -> None:
    """Run ``%respond NAME ARGS``."""
    _COMMANDS[name](magics, args)
