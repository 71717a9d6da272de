"""``%respond fix`` and ``%respond explain [CELL]``: a cell's error and source, sent to the model.

A ``post_run_cell`` hook keeps, for each cell that raised, its execution count, its source as typed and its
traceback as text, trimmed to the user's frames: notebook cells and the user's own files, with the frames of
the standard library and installed packages left out (the innermost one is kept when the error was raised
there, so a ``KeyError`` deep in pandas still says where). Only text is kept: holding the exception would keep
every local of the failing frames alive.
"""

from __future__ import annotations

import linecache
import re
import sysconfig
import traceback
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

if TYPE_CHECKING:
    from ._magic import RespondMagics

__all__ = [
    "CellError",
    "CellErrors",
    "explain_prompt",
    "fix_prompt",
    "format_user_traceback",
    "is_fix_line",
    "run_fix",
]

_KEPT = 50  # failing cells remembered per kernel
_CELL_REF = re.compile(r"^(?:In\s*\[\s*(\d+)\s*\]|\[\s*(\d+)\s*\]|(\d+))$")
_LIBRARY_ROOTS = tuple(
    sorted({str(Path(path).resolve()) for key in ("stdlib", "platstdlib", "purelib", "platlib")
            if (path := sysconfig.get_paths().get(key))})
)  # fmt: skip


@dataclass(frozen=True)
class CellError:
    """One cell that raised: its number, its source as typed, and the error as text."""

    execution_count: int
    source: str
    error_type: str
    message: str
    traceback: str
    """The traceback trimmed to user frames, ending with the ``Type: message`` line."""

    @property
    def summary(self) -> str:
        """``Type: message`` (the message's first line)."""
        first = self.message.strip().splitlines()[0] if self.message.strip() else ""
        return f"{self.error_type}: {first}" if first else self.error_type


def _is_library(filename: str) -> bool:
    if filename.startswith("<"):  # <frozen ...>, <string>: not the user's file
        return True
    try:
        resolved = str(Path(filename).resolve())
    except (OSError, ValueError):
        return False
    return "site-packages" in resolved or "dist-packages" in resolved or resolved.startswith(_LIBRARY_ROOTS)


def _frames(tb: TracebackType | None) -> list[traceback.FrameSummary]:
    return list(traceback.extract_tb(tb)) if tb is not None else []


def format_user_traceback(error: BaseException, *, cell_name: Callable[[str], str | None]) -> str:
    """``error``'s traceback with only the user's frames; ``cell_name`` names a notebook cell's file (``In[5]``).

    The innermost frame is kept when it is library code (where the error was raised). A cause or context
    (``raise ... from``) adds its ``Type: message`` line.
    """
    frames = _frames(error.__traceback__)
    lines: list[str] = []
    left_out = 0
    for index, frame in enumerate(frames):
        name = cell_name(frame.filename)
        innermost = index == len(frames) - 1
        if name is None and _is_library(frame.filename) and not innermost:
            left_out += 1 if lines else 0  # IPython's own frames above the cell are not worth a mention
            continue
        if name is not None:
            where = f"Cell {name}, line {frame.lineno}, in {frame.name}"
        elif _is_library(frame.filename):
            where = f"(library) {_short_path(frame.filename)}, line {frame.lineno}, in {frame.name}"
        else:
            where = f'File "{frame.filename}", line {frame.lineno}, in {frame.name}'
        lines.append(f"  {where}")
        source = (frame.line or linecache.getline(frame.filename, frame.lineno or 0)).strip()
        if source:
            lines.append(f"    {source}")
    skipped = f"; {left_out} library frame{'s' if left_out != 1 else ''} left out" if left_out else ""
    head = [f"Traceback (most recent call last{skipped}):"] if lines else []
    tail = traceback.format_exception_only(type(error), error)
    cause = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    before = []
    if cause is not None:
        before = [
            f"(raised while handling {''.join(traceback.format_exception_only(type(cause), cause)).strip()})"
        ]
    return "\n".join([*before, *head, *lines, "".join(tail).rstrip()])


def _short_path(filename: str) -> str:
    parts = Path(filename).parts
    for marker in ("site-packages", "dist-packages"):
        if marker in parts:
            return "/".join(parts[parts.index(marker) + 1 :])
    return "/".join(parts[-3:])


class CellErrors:
    """The last errors of this kernel's cells, by execution count (a ``post_run_cell`` hook fills it)."""

    def __init__(self) -> None:
        self._errors: OrderedDict[int, CellError] = OrderedDict()

    def record(self, result: Any, *, cell_name: Callable[[str], str | None]) -> None:
        """Keep the error of a finished cell (an ``ExecutionResult``), unless it was a ``%respond`` turn's own."""
        error = getattr(result, "error_in_exec", None) or getattr(result, "error_before_exec", None)
        count = getattr(result, "execution_count", None)
        if error is None or not isinstance(count, int):
            return
        if isinstance(error, KeyboardInterrupt) or type(error).__name__ in ("TurnFailed", "TurnInterrupted"):
            return  # a stopped %respond turn or an interrupt: nothing to fix in the code
        source = getattr(getattr(result, "info", None), "raw_cell", None) or ""
        if source.lstrip().startswith(("%respond", "%%respond")):
            return  # the magic's own usage errors and stopped turns: nothing in the user's code to fix
        text = format_user_traceback(error, cell_name=cell_name)
        self._errors[count] = CellError(count, source, type(error).__name__, str(error), text)
        self._errors.move_to_end(count)
        while len(self._errors) > _KEPT:
            self._errors.popitem(last=False)

    def last(self) -> CellError | None:
        """The most recent error."""
        return next(reversed(self._errors.values()), None)

    def get(self, execution_count: int) -> CellError | None:
        """The error of cell ``In[execution_count]``, if it raised."""
        return self._errors.get(execution_count)


def _fence(text: str, language: str = "") -> str:
    longest = max((len(run) for run in re.findall(r"`{3,}", text)), default=2)
    fence = "`" * (longest + 1)
    return f"{fence}{language}\n{text.rstrip()}\n{fence}"


def _cell_block(number: int, source: str) -> str:
    return f"The notebook cell In[{number}]:\n\n{_fence(source, 'python')}"


def fix_prompt(error: CellError) -> str:
    """What ``%respond fix`` sends: the cell, the error, and the request for the corrected cell."""
    return (
        "This Jupyter notebook cell raised an error. Fix it.\n\n"
        f"{_cell_block(error.execution_count, error.source)}\n\n"
        f"The error:\n\n{_fence(error.traceback)}\n\n"
        "Reply with the whole corrected cell, ready to run in its place, in one Python code block; say what "
        "you changed and why in short comments."
    )


def explain_prompt(error: CellError | None, *, number: int | None = None, source: str = "") -> str:
    """What ``%respond explain`` sends: an error to explain, or (with no error) a cell's code."""
    if error is not None:
        return (
            "Explain this error from a Jupyter notebook cell: what it means, why this code raised it, and how "
            "to fix it.\n\n"
            f"{_cell_block(error.execution_count, error.source)}\n\n"
            f"The error:\n\n{_fence(error.traceback)}"
        )
    return (
        f"Explain what this Jupyter notebook cell does, step by step.\n\n{_cell_block(number or 0, source)}"
    )


def _cell_number(text: str) -> int | None:
    match = _CELL_REF.match(text.strip())
    if not match:
        return None
    return int(next(group for group in match.groups() if group))


def _split_cell(args: str) -> tuple[int | None, str]:
    """The cell a ``fix`` / ``explain`` line names (``5``, ``[5]``, ``In[5]``, anywhere), and the rest."""
    from ._options import build_parser

    parser = build_parser()
    takes_value = {name for action in parser._actions if action.nargs != 0 for name in action.option_strings}
    words = args.split()
    for index, word in enumerate(words):
        number = _cell_number(word)
        if number is not None and not (index and words[index - 1] in takes_value):  # not --max-tool-rounds 5
            return number, " ".join(words[:index] + words[index + 1 :])
    return None, args


def is_fix_line(args: str) -> bool:
    """Whether ``fix ARGS`` / ``explain ARGS`` is the subcommand: nothing, options, and at most a cell number.

    Anything else is a prompt that starts with the word ("explain how a join works").
    """
    from ._options import parse_line

    _, rest = _split_cell(args)
    if not rest.strip():
        return True
    if not rest.lstrip().startswith("-"):
        return False
    try:
        _, prompt = parse_line(rest)
    except UsageError:
        return True  # a bad option: the subcommand says what is wrong
    return not prompt.strip()


def _source_of(magics: RespondMagics, number: int) -> str:
    history = getattr(magics.shell, "history_manager", None)
    raw = getattr(history, "input_hist_raw", None) or []
    if not 0 < number < len(raw):
        raise UsageError(
            f"There is no cell In[{number}] in this kernel session (the last one is In[{len(raw) - 1}])."
        )
    return str(raw[number])


def run_fix(magics: RespondMagics, kind: str, args: str) -> None:
    """``%respond fix [OPTIONS] [CELL]`` / ``%respond explain [OPTIONS] [CELL]``: one turn about a cell."""
    import dataclasses

    from ._options import parse_line
    from ._prepare import prepare
    from ._run import run_turn

    number, rest = _split_cell(args)
    options, extra = parse_line(rest)
    if extra.strip():
        raise UsageError(
            f"%respond {kind} takes options and a cell number (5, [5] or In[5]), not {extra.strip()!r}."
        )
    errors: CellErrors = magics.cell_errors
    error = errors.get(number) if number is not None else errors.last()
    if kind == "fix":
        if error is None:
            which = (
                f"Cell In[{number}] did not raise" if number is not None else "No cell has raised an error"
            )
            raise UsageError(f"{which} in this kernel session: there is nothing to fix.")
        text = fix_prompt(error)
        options = dataclasses.replace(options, format=options.format or "code")
    elif error is not None:
        text = explain_prompt(error)
    elif number is not None:
        text = explain_prompt(None, number=number, source=_source_of(magics, number))
    else:
        raise UsageError(
            "No cell has raised an error in this kernel session. To explain a cell's code, name it: "
            "%respond explain 5 (or In[5])."
        )
    # The cell's source is code: its braces are not notebook variables to fill in.
    options = dataclasses.replace(options, interpolate=False)
    options, text = prepare(magics, options, text)
    run_turn(magics, options, text, cell_id=magics.cell_id)
