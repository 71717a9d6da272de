"""``%%respond`` and ``%respond``: the magic class, its settings, and the dispatch to turns and subcommands.

`RespondMagics` is a traitlets ``Configurable`` (IPython's ``Magics`` is one), so every default can be set with
``%config RespondMagics.model = "gpt-4.1"``. All per-notebook state lives on the instance.
"""

from __future__ import annotations

import contextlib
from typing import Any

from IPython.core.error import UsageError
from IPython.core.interactiveshell import ExecutionInfo
from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand
from traitlets import Bool, Dict, Enum, Float, Int, Unicode, Union

from nbresponses.inputs import DEFAULT_MAX_VALUE_CHARS

from ._errors import CellErrors
from ._options import SUBCOMMANDS, parse_cell_options, parse_line, refuse_keys, usage
from ._session import NotebookSession, notebook_key

__all__ = ["RespondMagics"]


@magics_class
class RespondMagics(Magics):
    """Talk to the OpenAI Responses API (or any compatible gateway) from a notebook.

    ``%%respond [options]`` sends the cell; ``%respond [options] PROMPT`` sends one line; ``%respond SUBCOMMAND``
    runs one of: config, login, logout, threads, history, reset, fork, tools, usage, count, models, batches,
    help.
    """

    model = Unicode("gpt-4.1", help="Model used when -m is not given.").tag(config=True)
    instructions = Unicode("", help="Instructions sent with every turn unless -i is given.").tag(config=True)
    base_url = Unicode(
        "", help="API root of OpenAI or a compatible gateway (default: OPENAI_BASE_URL, then OpenAI)."
    ).tag(config=True)
    display = Enum(
        ["auto", "widget", "markdown", "text"],
        "auto",
        help="Live view: widgets, Markdown updated in place, or plain text.",
    ).tag(config=True)
    refresh_per_second = Float(10.0, help="Most live-view updates per second (at most 15 is advised).").tag(
        config=True
    )
    timeout = Float(600.0, help="Seconds to wait for each read (between chunks of a stream).").tag(
        config=True
    )
    connect_timeout = Float(10.0, help="Seconds to wait for a connection.").tag(config=True)
    max_retries = Int(2, help="Retries of connection errors, 408, 409, 429 and 5xx.").tag(config=True)
    history_path = Unicode(
        "", help="SQLite history file (default: NBRESPONSES_HISTORY, then user data dir)."
    ).tag(config=True)
    thread = Unicode("default", help="Thread used when --thread is not given.").tag(config=True)
    store = Bool(True, help="Ask the server to store responses (False: history kept locally).").tag(
        config=True
    )
    max_rows = Int(20, help="DataFrame rows sent when a DataFrame is interpolated.").tag(config=True)
    max_value_chars = Int(
        DEFAULT_MAX_VALUE_CHARS,
        min=1,
        help="Characters of one interpolated value sent at most; a longer one is cut, with a note saying so.",
    ).tag(config=True)
    max_tool_rounds = Int(10, help="Tool-call rounds before a turn stops.").tag(config=True)
    budget_usd = Float(
        None, allow_none=True, help="Stop sending once the notebook's spend reaches this."
    ).tag(config=True)
    prices = Union(
        [Dict(), Unicode()],
        default_value={},
        help="Price overrides: {model: {input, output, cached_input}} or a file.",
    ).tag(config=True)
    cassette = Unicode(
        "",
        help="Record this notebook's API calls to a file (keys stripped), or replay them when it exists: "
        "re-execute the notebook in CI with no key.",
    ).tag(config=True)
    api = Enum(
        ["auto", "responses", "chat"],
        "auto",
        help="API of each turn: /v1/responses, /chat/completions through the bridge, or auto (/responses first, "
        "the bridge for a model the endpoint refuses there, remembered per base URL and model).",
    ).tag(config=True)
    transport = Enum(
        ["http", "websocket"],
        "http",
        help="How responses are created: HTTP streams (SSE), or one WebSocket connection kept open for every turn "
        "and tool round of the notebook (OpenAI's WebSocket mode).",
    ).tag(config=True)
    concurrency = Int(8, help="Requests in flight at once for %%respond --map.").tag(config=True)
    raise_on_error = Bool(
        True, help="After showing an error, stop the cell (so Run All stops) with a one-line message."
    ).tag(config=True)
    aliases = Dict(
        default_value={
            "mini": "gpt-4.1-mini",
            "nano": "gpt-4.1-nano",
            "4o": "gpt-4o",
            "4o-mini": "gpt-4o-mini",
        },
        key_trait=Unicode(),
        value_trait=Unicode(),
        help="Short model names for -m and RespondMagics.model, e.g. {'mini': 'gpt-4.1-mini'}.",
    ).tag(config=True)
    templates = Dict(
        {},
        help="Prompt templates for --template NAME: a prompt with {input} for the cell, or "
        "{'prompt': ..., 'instructions': ..., 'model': ..., 'format': ..., 'description': ...}.",
    ).tag(config=True)

    def __init__(self, shell: Any = None, **kwargs: Any) -> None:
        super().__init__(shell=shell, **kwargs)
        self.session = NotebookSession()
        self.cell_id: str | None = None
        self.cell_errors = CellErrors()
        """The errors of this kernel's cells, for %respond fix / explain."""
        if shell is not None:
            shell.events.register("pre_run_cell", self._pre_run_cell)
            shell.events.register("post_run_cell", self._post_run_cell)
            self.session.notebook = notebook_key(shell.user_ns)

    def _pre_run_cell(self, info: ExecutionInfo) -> None:
        self.cell_id = getattr(info, "cell_id", None) or None

    def _post_run_cell(self, result: Any) -> None:
        compiler = getattr(self.shell, "compile", None)

        def cell_name(filename: str) -> str | None:
            named = compiler.format_code_name(filename) if compiler is not None else None
            return named[1] if named else None

        self.cell_errors.record(result, cell_name=cell_name)

    @no_var_expand  # a prompt's {name} is ours to fill in (a DataFrame as a table, not its str())
    @line_cell_magic
    def respond(self, line: str, cell: str | None = None) -> None:
        """Send a prompt to the Responses API and stream the answer (``%respond help`` lists the options)."""
        from ._prepare import is_subcommand, prepare
        from ._run import run_turn

        refuse_keys(line)  # subcommand lines too: "%respond login sk-..." would be saved in the notebook
        if cell is None:
            words = line.split(None, 1)
            if len(words) == 1 and words[0] not in SUBCOMMANDS and not words[0].startswith("-"):
                from ._help import typo_error

                error = typo_error(words[0])  # "%respond histroy" is a typo, not a prompt
                if error is not None:
                    raise error
            if (
                words
                and words[0] in SUBCOMMANDS
                and is_subcommand(words[0], words[1] if len(words) > 1 else "")
            ):
                from ._subcommands import run_subcommand

                args = words[1] if len(words) > 1 else ""
                if words[0] != "count" and self.shell is not None:  # e.g. %respond fork {r.id} --thread b
                    from nbresponses._interpolate import interpolate

                    parts, _ = interpolate(args, self.shell.user_ns)
                    args = "".join(p if isinstance(p, str) else str(p.value) for p in parts)
                run_subcommand(self, words[0], args)
                return
            options, prompt = parse_line(line)
            if not prompt.strip() and not options.template:
                raise UsageError("%respond needs a prompt or a subcommand.\n\n" + usage())
        else:
            words = line.split(None, 1)
            if words and words[0] == "count":  # %%respond count [options]: count the cell, send nothing
                from ._subcommands import run_subcommand

                run_subcommand(self, "count", (words[1] if len(words) > 1 else "") + "\n" + cell)
                return
            options, prompt = parse_cell_options(line), cell
            if not prompt.strip() and not options.template:
                raise UsageError("The cell is empty: write the prompt below the %%respond line.")
        options, prompt = prepare(self, options, prompt)
        from ._map import check_map_options, run_map

        check_map_options(options)
        if options.map is not None:  # the prompt is a template over the rows of a DataFrame
            run_map(self, options, prompt, cell_id=self.cell_id)
            return
        run_turn(self, options, prompt, cell_id=self.cell_id)

    def close(self) -> None:
        """Release the client and the history file (on unload)."""
        if self.shell is not None:
            with contextlib.suppress(ValueError):
                self.shell.events.unregister("pre_run_cell", self._pre_run_cell)
            with contextlib.suppress(ValueError):
                self.shell.events.unregister("post_run_cell", self._post_run_cell)
        self.session.close()


def _full_help() -> str:
    """The whole help (options and subcommands), rendered when asked for."""
    from ._help import help_text

    return help_text()


# ``%respond?`` shows the whole help: IPython's inspector asks an object's ``getdoc()`` before its docstring,
# so the help (Markdown rendered to text) is built when asked for, not when the extension loads.
setattr(RespondMagics.respond, "getdoc", _full_help)  # noqa: B010 - an attribute IPython looks up on functions
