"""The options of ``%%respond`` / ``%respond``: one argparse parser, parsed into a typed object.

Parsing happens before anything is sent: a bad option or value raises IPython's ``UsageError`` (a short
message, no traceback), and so does an API key typed on the magic line (it would be saved in the notebook).
Values are checked here, not by the server: names are non-empty, ``--out`` is a Python identifier, numbers are
in the API's ranges, metadata within its limits.
"""

from __future__ import annotations

import functools
import keyword
import shlex
from argparse import ArgumentTypeError
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic_arguments import MagicArgumentParser

from nbresponses._secrets import carries_key

__all__ = ["SUBCOMMANDS", "RespondOptions", "build_parser", "parse_cell_options", "parse_line", "usage"]

SUBCOMMANDS = frozenset(
    {
        "config",
        "login",
        "logout",
        "threads",
        "history",
        "reset",
        "fork",
        "tools",
        "usage",
        "count",
        "models",
        "help",
        "batches",
    }
    | {"fix", "explain", "export", "templates"}
)
"""Words that, first on a ``%respond`` line, run a subcommand instead of sending a prompt."""

MAX_INT = 2**31 - 1
"""The largest integer the API's integer parameters take."""
_METADATA_PAIRS, _METADATA_KEY, _METADATA_VALUE = 16, 64, 512  # the API's metadata limits


@dataclass
class RespondOptions:
    """Everything the magic line can say, typed. ``None`` means "use the configured default"."""

    model: str | None = None
    instructions: str | None = None
    temperature: float | None = None
    top_p: float | None = None
    max_output_tokens: int | None = None
    reasoning: str | None = None
    summary: str | None = None
    json: bool = False
    schema: str | None = None
    tools: list[str] = field(default_factory=list)
    tool_json: list[str] = field(default_factory=list)
    web_search: bool = False
    file_search: list[str] = field(default_factory=list)
    code_interpreter: bool = False
    tool_choice: str | None = None
    parallel_tools: bool = True
    approve: bool = False
    max_tool_rounds: int | None = None
    store: bool | None = None
    background: bool = False
    thread: str | None = None
    new: bool = False
    conversation: str | None = None
    out: str | None = None
    stream: bool = True
    interpolate: bool = True
    images: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    budget: float | None = None
    quiet: bool = False
    api: str | None = None
    map: str | None = None
    concurrency: int | None = None
    fresh: bool = False
    batch: bool = False
    format: str | None = None
    template: str | None = None


def _int_range(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text.replace("_", ""))
        except ValueError:
            raise ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if not low <= value <= high:
            shown = str(value) if len(str(value)) <= 20 else f"a {len(str(value))}-digit number"
            raise ArgumentTypeError(f"expected a whole number from {low:,} to {high:,}, got {shown}")
        return value

    return parse


def _nonempty(what: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if not text.strip():
            raise ArgumentTypeError(f"needs {what}, got an empty one")
        return text.strip()

    return parse


def _identifier(text: str) -> str:
    if not text.isidentifier() or keyword.iskeyword(text):
        raise ArgumentTypeError(f"{text!r} is not a Python variable name (letters, digits, _; not a keyword)")
    return text


def _unit_float(low: float, high: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not low <= value <= high:
            raise ArgumentTypeError(f"expected a number from {low:g} to {high:g}, got {value:g}")
        return value

    return parse


def _metadata(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ArgumentTypeError(f"takes KEY=VALUE, got {text!r}")
    if len(key.strip()) > _METADATA_KEY or len(value) > _METADATA_VALUE:
        raise ArgumentTypeError(
            f"keys take at most {_METADATA_KEY} characters and values {_METADATA_VALUE} (the API's limits)"
        )
    return key.strip(), value


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def build_parser() -> MagicArgumentParser:
    """The parser shared by the cell and the line magic (its help is the magic's docstring)."""
    p = MagicArgumentParser(
        prog="%%respond", description="Send the cell to the Responses API and stream the answer."
    )
    add = p.add_argument
    add("-m", "--model", type=_nonempty("a model name"), help="model name (default: RespondMagics.model)")
    add("-i", "--instructions", help="system/developer instructions for this turn")
    add("--temperature", type=_unit_float(0, 2), help="sampling temperature, 0 to 2")
    add("--top-p", dest="top_p", type=_unit_float(0, 1), help="nucleus sampling, 0 to 1")
    add(
        "--max-output-tokens",
        dest="max_output_tokens",
        type=_int_range(1, MAX_INT),
        help="cap on output tokens",
    )
    add("--reasoning", choices=["minimal", "low", "medium", "high"], help="reasoning effort")
    add("--summary", choices=["auto", "concise", "detailed"], help="reasoning summary to stream")
    add("--json", action="store_true", help="ask for a JSON object; the result's .parsed is a dict")
    add(
        "--schema",
        type=_nonempty("a variable name"),
        metavar="NAME",
        help="pydantic model or JSON-schema dict in the namespace for structured output",
    )
    add("--tools", type=_names, metavar="NAMES", help="comma-separated notebook functions the model may call")
    add("--tool", dest="tool_json", action="append", metavar="JSON", help="any tool as JSON (repeatable)")
    add("--web-search", dest="web_search", action="store_true", help="enable the hosted web search tool")
    add(
        "--file-search",
        dest="file_search",
        type=_names,
        metavar="VECTOR_STORE_IDS",
        help="hosted file search",
    )
    add("--code-interpreter", dest="code_interpreter", action="store_true", help="hosted code interpreter")
    add(
        "--tool-choice",
        dest="tool_choice",
        metavar="auto|none|required|NAME",
        help="force or forbid tool use",
    )
    add("--no-parallel-tools", dest="parallel_tools", action="store_false", help="one tool call at a time")
    add("--approve", action="store_true", help="ask before running each tool call")
    add(
        "--max-tool-rounds",
        dest="max_tool_rounds",
        type=_int_range(1, 1000),
        help="tool rounds before stopping",
    )
    store = p.add_mutually_exclusive_group()
    store.add_argument(
        "--store", dest="store", action="store_true", default=None, help="keep the response on the server"
    )
    store.add_argument(
        "--no-store", dest="store", action="store_false", help="store=false: history kept locally"
    )
    add("--background", action="store_true", help="run as a background response (resumable, cancellable)")
    add(
        "--thread",
        type=_nonempty("a thread name"),
        metavar="NAME",
        help="conversation thread of this notebook (default: RespondMagics.thread)",
    )
    add("--new", action="store_true", help="start the thread afresh")
    add(
        "--conversation",
        type=_nonempty("a conversation id"),
        metavar="ID",
        help="use a server-side conversation (Conversations API); 'new' creates one",
    )
    add("--out", type=_identifier, metavar="NAME", help="also bind the Response to this variable")
    add("--no-stream", dest="stream", action="store_false", help="wait for the whole answer")
    add("--no-interpolate", dest="interpolate", action="store_false", help="send {braces} as typed")
    add(
        "--image",
        dest="images",
        action="append",
        metavar="SRC",
        help="image path, URL or variable (repeatable)",
    )
    add(
        "--file", dest="files", action="append", metavar="SRC", help="file path, URL or variable (repeatable)"
    )
    add("--metadata", action="append", type=_metadata, metavar="K=V", help="response metadata (repeatable)")
    add(
        "--budget",
        type=_unit_float(0, 1e9),
        metavar="USD",
        help="stop when the notebook's spend reaches this",
    )
    add("-q", "--quiet", action="store_true", help="no live view; bind the result only")
    add(
        "--api",
        choices=["auto", "responses", "chat"],
        help="/v1/responses, the Chat Completions bridge, or auto (default: RespondMagics.api)",
    )
    add(
        "--map",
        type=_identifier,
        metavar="DF",
        help="the cell is a template: one request per row of this DataFrame ({column})",
    )
    add(
        "--concurrency",
        type=_int_range(1, 1000),
        metavar="N",
        help="--map: requests in flight (RespondMagics.concurrency)",
    )
    add("--fresh", action="store_true", help="--map: send every row again, even those answered before")
    add(
        "--batch",
        action="store_true",
        help="--map: through the Batch API (half price; re-run the cell to collect)",
    )
    add(
        "-f",
        "--format",
        choices=["code", "markdown", "json", "text"],
        metavar="FORMAT",
        help="code: the answer's code goes into a new cell below; markdown (default), json, text",
    )
    add(
        "--template",
        metavar="NAME",
        help="a template of RespondMagics.templates ({input} is the cell)",
    )
    return p


def usage() -> str:
    """The help text of the magic: every option and subcommand, one line each."""
    from ._help import help_text

    return help_text()


def refuse_keys(line: str) -> None:
    """Raise `UsageError` if the magic line carries an API key (it would be saved in the notebook)."""
    if carries_key(line):
        raise UsageError(
            "Do not put an API key on the magic line: it would be saved in the notebook. "
            "Set OPENAI_API_KEY in the environment, or run %respond login to type it privately."
        )


@functools.cache
def _shared_parser() -> MagicArgumentParser:
    """One parser for every turn: building it costs about a millisecond, and parsing does not change it."""
    return build_parser()


def _to_options(namespace: Any) -> RespondOptions:
    fields = RespondOptions.__dataclass_fields__
    values = {key: value for key, value in vars(namespace).items() if key in fields and value is not None}
    values["metadata"] = dict(values.get("metadata") or [])
    if len(values["metadata"]) > _METADATA_PAIRS:
        raise UsageError(f"--metadata: at most {_METADATA_PAIRS} keys (the API's limit).")
    return RespondOptions(**values)


def parse_cell_options(line: str) -> RespondOptions:
    """Parse the options line of a ``%%respond`` cell."""
    refuse_keys(line)
    parser = _shared_parser()
    try:
        argv = shlex.split(line, posix=True)  # IPython's arg_split keeps the quotes on POSIX
    except ValueError as exc:
        raise UsageError(f"could not read the options: {exc}") from None
    return _to_options(parser.parse_args(argv))


def parse_line(line: str) -> tuple[RespondOptions, str]:
    """Split a ``%respond`` line into its leading options and the prompt after them.

    Prompts are free text (apostrophes, quotes, braces), so only the leading ``-x``/``--xx`` tokens and
    their values are parsed as options; the rest of the line is the prompt exactly as typed.
    """
    refuse_keys(line)
    parser = _shared_parser()
    takes_value = {
        option for action in parser._actions if action.nargs != 0 for option in action.option_strings
    }
    lexer = shlex.shlex(line, posix=True)
    lexer.whitespace_split = True
    tokens: list[str] = []
    prompt_start = len(line)
    expecting_value = False
    while True:
        position = lexer.instream.tell()  # type: ignore[attr-defined]
        try:
            token = lexer.get_token()
        except ValueError:  # an unbalanced quote: it belongs to the prompt
            prompt_start = position
            break
        if token is None or token == lexer.eof:
            prompt_start = len(line)
            break
        if expecting_value:
            tokens.append(token)
            expecting_value = False
        elif token == "--":  # the end of the options: what follows is the prompt, even a subcommand's name
            prompt_start = lexer.instream.tell()  # type: ignore[attr-defined]
            break
        elif token.startswith("-") and len(token) > 1:
            tokens.append(token)
            expecting_value = token.split("=", 1)[0] in takes_value and "=" not in token
        else:
            prompt_start = position
            break
    namespace = parser.parse_args(tokens)
    return _to_options(namespace), line[prompt_start:].strip()
