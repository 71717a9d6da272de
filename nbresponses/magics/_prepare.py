"""Before a turn: a prompt template applied, a model alias resolved, and the names a prompt can interpolate.

``RespondMagics.templates`` maps a name to a prompt (``{input}`` stands for the cell) or to a mapping with
``prompt``, ``instructions``, ``model`` and ``format``; options on the magic line win over the template's.
``RespondMagics.aliases`` maps short names to models (``{"mini": "gpt-4.1-mini"}``), for ``-m`` and the
configured default alike.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
from collections import ChainMap
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

if TYPE_CHECKING:
    from ._magic import RespondMagics
    from ._options import RespondOptions

__all__ = [
    "Template",
    "apply_template",
    "coroutine_runner",
    "is_subcommand",
    "prepare",
    "prompt_namespace",
    "resolve_model",
    "templates_command",
    "templates_of",
]

_TEMPLATE_KEYS = ("prompt", "instructions", "model", "format", "description")
_FORMATS = ("code", "markdown", "json", "text")
_ALIAS_DEPTH = 8  # aliases may name aliases; a cycle stops here instead of looping


@dataclasses.dataclass(frozen=True)
class Template:
    """A prompt template: the prompt (``{input}`` is the cell) and the settings it brings."""

    name: str
    prompt: str = "{input}"
    instructions: str | None = None
    model: str | None = None
    format: str | None = None
    description: str | None = None

    def fill(self, cell: str) -> str:
        """The prompt with the cell in place of ``{input}`` (after it, when the template has no ``{input}``)."""
        cell = cell.strip("\n")  # the newline that ends a cell is not part of what it says
        if "{input}" in self.prompt:
            return self.prompt.replace("{input}", cell)
        return f"{self.prompt.rstrip()}\n\n{cell}" if cell.strip() else self.prompt


def _template(name: str, value: Any) -> Template:
    if isinstance(value, str):
        return Template(name, prompt=value)
    if not isinstance(value, Mapping):
        raise UsageError(
            f"RespondMagics.templates[{name!r}] must be a prompt (text with {{input}}) or a mapping with "
            f"{', '.join(_TEMPLATE_KEYS)}; got {type(value).__name__}."
        )
    unknown = sorted(set(map(str, value)) - set(_TEMPLATE_KEYS))
    if unknown:
        raise UsageError(
            f"RespondMagics.templates[{name!r}] has unknown keys {', '.join(unknown)}; "
            f"a template takes {', '.join(_TEMPLATE_KEYS)}."
        )
    fields = {key: value[key] for key in _TEMPLATE_KEYS if value.get(key) is not None}
    for key, text in fields.items():
        if not isinstance(text, str):
            raise UsageError(f"RespondMagics.templates[{name!r}][{key!r}] must be text, got {text!r}.")
    if fields.get("format") not in (None, *_FORMATS):
        raise UsageError(
            f"RespondMagics.templates[{name!r}]['format'] must be one of {', '.join(_FORMATS)}, "
            f"got {fields['format']!r}."
        )
    return Template(name, **fields)


def templates_of(magics: RespondMagics) -> dict[str, Template]:
    """The configured templates, checked."""
    return {str(name): _template(str(name), value) for name, value in magics.templates.items()}


def apply_template(magics: RespondMagics, options: RespondOptions, cell: str) -> tuple[RespondOptions, str]:
    """The options and prompt of a ``--template NAME`` turn (line options win over the template's settings)."""
    if not options.template:
        return options, cell
    found = templates_of(magics)
    template = found.get(options.template)
    if template is None:
        close = difflib.get_close_matches(options.template, list(found), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        known = ", ".join(sorted(found)) or "none yet (set %config RespondMagics.templates = {...})"
        raise UsageError(f"No template named {options.template!r}.{hint} Templates: {known}.")
    changed = dataclasses.replace(
        options,
        instructions=options.instructions or template.instructions,
        model=options.model or template.model,
        format=options.format or template.format,
    )
    return changed, template.fill(cell)


def resolve_model(name: str, aliases: Mapping[str, str]) -> str:
    """The model an alias stands for (aliases may name aliases); any other name as it is."""
    seen = 0
    while name in aliases and seen < _ALIAS_DEPTH:
        target = aliases[name]
        if not isinstance(target, str) or not target.strip() or target == name:
            break
        name, seen = target.strip(), seen + 1
    return name


def prepare(magics: RespondMagics, options: RespondOptions, cell: str) -> tuple[RespondOptions, str]:
    """The options and prompt a turn sends: the template applied, then the model alias resolved."""
    options, prompt = apply_template(magics, options, cell)
    model = resolve_model(options.model or magics.model, magics.aliases)
    return dataclasses.replace(options, model=model), prompt


def prompt_namespace(magics: RespondMagics) -> Mapping[str, Any]:
    """The names a prompt may use: the notebook's, with ``In[N]`` read as typed.

    IPython's ``In`` holds each cell after its transformations (a ``%%respond`` cell reads
    ``get_ipython().run_cell_magic(...)`` there); ``{In[N]}`` in a prompt means the cell as the user wrote it.
    """
    shell = magics.shell
    if shell is None:
        return {}
    namespace: dict[str, Any] = shell.user_ns
    history = getattr(shell, "history_manager", None)
    parsed = getattr(history, "input_hist_parsed", None)
    raw = getattr(history, "input_hist_raw", None)
    if raw is not None and parsed is not None and namespace.get("In") is parsed:
        return ChainMap({"In": raw}, namespace)
    return namespace


def templates_command(magics: RespondMagics, _args: str) -> None:
    """``%respond templates``: the configured templates, one row each."""
    from ._subcommands import markdown_table, show_markdown

    found = templates_of(magics)
    if not found:
        print(
            "No templates yet. Define some with %config RespondMagics.templates = "
            '{"review": {"instructions": "You review Python code.", "prompt": "Review this:\\n\\n{input}"}}, '
            "then run a cell with %%respond --template review."
        )
        return

    def first_line(text: str | None, limit: int = 70) -> str:
        line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
        return line if len(line) <= limit else line[:limit] + "…"

    rows = [
        (f"`{t.name}`", first_line(t.description), first_line(t.instructions), first_line(t.prompt),
         t.model or "", t.format or "")
        for t in found.values()
    ]  # fmt: skip
    header = ("template", "description", "instructions", "prompt", "model", "format")
    show_markdown(
        markdown_table(header, rows) + "\n\nUse one with `%%respond --template NAME` ({input} is the cell)."
    )


def is_subcommand(word: str, args: str) -> bool:
    """Whether ``%respond WORD ARGS`` runs the subcommand ``WORD`` rather than sending a prompt.

    ``fix``, ``explain``, ``export`` and ``templates`` are also words a prompt starts with ("explain how a
    join works"): they are subcommands only with the arguments they take (a cell number, options, a .md or
    .jsonl file, nothing).
    """
    rest = args.strip()
    if word in ("fix", "explain"):
        from ._errors import is_fix_line

        return is_fix_line(rest)
    if word == "export":
        from ._history_commands import looks_like_export

        return not rest or looks_like_export(rest)
    if word == "templates":
        return not rest
    return True


def coroutine_runner(shell: Any) -> Callable[[Awaitable[Any]], Any]:
    """How async tools run in this shell: on the kernel's loop (ipykernel), or on IPython's own loop.

    In a kernel the loop is running (the cell runs inside it) and `run_coroutine` nests on it. Terminal
    IPython runs top-level ``await`` on a loop of its own between cells: async tools run there, where the
    objects earlier cells made with ``await`` live.
    """
    from nbresponses.tools._aio import run_coroutine

    loop = None
    if shell is not None and getattr(shell, "autoawait", False):
        try:
            from IPython.core.async_helpers import _asyncio_runner, get_asyncio_loop
        except ImportError:  # an IPython without them: a loop of the tool's own
            pass
        else:
            if getattr(shell, "loop_runner", None) is _asyncio_runner:
                loop = get_asyncio_loop()
    return functools.partial(run_coroutine, loop=loop)
