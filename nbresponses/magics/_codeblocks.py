"""The code in a Markdown answer, ready to become a notebook cell (pure: no IPython).

Fenced blocks are found with markdown-it-py's CommonMark parser rather than a regex, so fences inside lists and
block quotes, tildes, longer fences and an answer cut off inside a block all read as a person would read them.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

__all__ = ["CODE_INSTRUCTIONS", "CodeBlock", "NotebookCode", "code_blocks", "notebook_code"]

CODE_INSTRUCTIONS = (
    "Reply with code only: one fenced code block in the notebook's language (Python unless the user names "
    "another), ready to run in a new notebook cell. Put any explanation in code comments, not in prose."
)
"""Added to the instructions of a ``-f code`` turn (and of ``%respond fix``)."""

_PYTHON = frozenset({"", "python", "python3", "py", "py3", "ipython", "ipython3", "pycon", "jupyter"})
_SHELL = frozenset({"bash", "sh", "shell", "console", "zsh", "shell-session", "terminal"})
_PROMPT = re.compile(r"^\s*(?:\$|%|#)\s+")  # a copied shell prompt in front of a command
_PIP = re.compile(r"^(?:python3? -m )?(pip3?|conda|mamba) install\b")


@dataclass(frozen=True)
class CodeBlock:
    """One fenced block: its language (the info string's first word, lower case) and its code."""

    language: str
    code: str


@dataclass(frozen=True)
class NotebookCode:
    """The code to put in a cell, and what it was made of."""

    code: str
    blocks: int
    """How many fenced blocks were joined (0: the answer had no fence and is taken whole)."""
    left_out: list[str] = field(default_factory=list)
    """Languages of blocks left out (JSON, output samples... in a Python notebook)."""


def code_blocks(markdown: str) -> list[CodeBlock]:
    """Every fenced code block of ``markdown``, in order (an unclosed fence runs to the end, as CommonMark says)."""
    from markdown_it import MarkdownIt

    blocks = []
    for token in MarkdownIt("commonmark").parse(markdown):
        if token.type == "fence":
            words = token.info.strip().split()
            blocks.append(CodeBlock(words[0].lower() if words else "", token.content))
    return blocks


def _is_python(text: str) -> bool:
    """Whether ``text`` reads as a Python cell (IPython's ``%magic`` and ``!shell`` lines aside)."""
    lines = ["pass" if line.lstrip().startswith(("%", "!")) else line for line in text.splitlines()]
    try:
        ast.parse("\n".join(lines))
    except (SyntaxError, ValueError):
        return False
    return True


def _shell_as_cell(code: str) -> str:
    """Shell commands as IPython lines: ``!cmd``, and ``%pip install`` so the kernel's own environment gets it."""
    lines = []
    for line in code.splitlines():
        command = _PROMPT.sub("", line, count=1).strip()
        if not command:
            continue
        pip = _PIP.match(command)
        lines.append(f"%{pip.group(1)} install{command[pip.end() :]}" if pip else f"!{command}")
    return "\n".join(lines)


def notebook_code(markdown: str) -> NotebookCode:
    """The answer's code as one cell of a Python notebook.

    Python blocks (and blocks without a language) are joined with a blank line between them; shell blocks
    become ``!`` lines (``%pip install`` for pip and conda); blocks in other languages are left out, unless the
    answer has no Python or shell at all, then every block is kept. An answer without fences is taken whole
    when it reads as Python (a model asked for code only often answers bare code), else there is no code.
    """
    blocks = code_blocks(markdown)
    if not blocks:
        bare = markdown.strip()
        return NotebookCode(bare if bare and _is_python(bare) else "", 0)
    runnable = [b for b in blocks if b.language in _PYTHON or b.language in _SHELL]
    chosen = runnable or blocks
    left_out = [b.language for b in blocks if b not in chosen] if runnable else []
    parts = [_shell_as_cell(b.code) if b.language in _SHELL else b.code.strip("\n") for b in chosen]
    code = "\n\n".join(part.rstrip() for part in parts if part.strip())
    return NotebookCode(code, len(chosen), left_out)
