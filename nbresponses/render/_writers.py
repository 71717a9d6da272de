"""Markdown and plain text written back from the safe parse: the Markdown copy and the terminal's text.

Both writers walk the tokens of `_document.parse` (raw HTML already text, unsafe links already text, every ``$``
already math or a literal dollar), so the Markdown copy is as safe as the HTML copy by construction: text is
escaped wherever Markdown could read markup in it, and a frontend that renders the copy (JupyterLab, GitHub,
VS Code) gets no raw HTML, no ``javascript:`` link and no remote image to load.

Written by hand rather than with mdformat: these two writers cover exactly the token types our parser makes
and run about four times faster (a long answer's copies are written while the cell still runs).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from markdown_it.token import Token

__all__ = ["Block", "block_tree", "display_width", "markdown_copy", "plain_table", "plain_text"]

_INLINE_IMAGE = re.compile(r"^data:image/(gif|png|jpeg|webp);", re.IGNORECASE)
_UNDERSCORE = re.compile(r"(?<!\w)_|_(?!\w)")
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
# What makes a line a heading, list item, rule or setext underline: escaped at the start of a line.
_LINE_START = re.compile(r"^(\s*)([#=+-](?=[\s#=+-]|$)|\d{1,9}(?=[.)](?:\s|$)))")
_NEEDS_BRACKETS = re.compile(r"[\s()<>\\]")
_PIPE = re.compile(r"(?<!\\)\|")


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: wide (CJK) characters count 2, combining marks 0."""
    if text.isascii():
        return len(text)
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


# ----- the Markdown copy -----


# One C-level pass for the characters escaped wherever they are (a regex with a template costs ~1 µs a call,
# and a long answer has thousands of text nodes).
_ALWAYS_TABLE = str.maketrans({c: "\\" + c for c in "\\`*[]<>|~$"})


def _escape(text: str, *, line_start: bool) -> str:
    text = text.translate(_ALWAYS_TABLE)
    if "_" in text:
        text = _UNDERSCORE.sub(r"\\_", text)
    if "&" in text:
        text = _ENTITY.sub(r"\\&", text)
    if "\n" not in text:
        return _escape_line_start(text) if line_start else text
    lines = text.split("\n")
    for n, line in enumerate(lines):
        if n or line_start:
            lines[n] = _escape_line_start(line)
    return "\n".join(lines)


def _escape_line_start(line: str) -> str:
    """A line that would start a heading, list, setext underline: its first character escaped."""
    match = _LINE_START.match(line)
    if match is None:
        return line
    return match.group(1) + _escape_first(match.group(2)) + line[match.end() :]


def _escape_first(marker: str) -> str:
    return "\\" + marker if not marker.isdigit() else marker + "\\"


def _code_span(text: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or (text.startswith(" ") and text.strip()) else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _fence(text: str, info: str = "") -> str:
    longest = max((len(run) for run in re.findall(r"`{3,}", text)), default=2)
    fence = "`" * (longest + 1)
    language = re.sub(r"[^\w+#.-]", "", info.split(maxsplit=1)[0]) if info.strip() else ""
    return f"{fence}{language}\n{text.rstrip(chr(10))}\n{fence}"


def _destination(url: str) -> str:
    url = url.replace("\n", "")
    if not _NEEDS_BRACKETS.search(url):
        return url
    return "<" + url.replace("<", "%3C").replace(">", "%3E") + ">"


class Block:
    """A block of the parse: its token (the opening one of a container) and, for a container, its blocks.

    Built by `block_tree` instead of markdown-it's ``SyntaxTreeNode``, which makes a node for every inline token
    too and links each to its parent: those cycles are freed only by the garbage collector, whose collections a
    long answer's thousands of nodes then trigger and lengthen. Here inline tokens stay in their flat list, and no
    block points back to its parent.
    """

    __slots__ = ("children", "token", "type")

    def __init__(self, token: Token, children: list[Block] | None) -> None:
        self.token = token
        self.children = children
        self.type = (
            token.type[:-5] if children is not None else token.type
        )  # "bullet_list_open" -> "bullet_list"

    def inline(self) -> Sequence[Token]:
        """The inline tokens of a paragraph, heading or table cell (none when it has no text)."""
        if not self.children:
            return ()
        return self.children[0].token.children or ()


def block_tree(tokens: Sequence[Token]) -> list[Block]:
    """The top-level blocks of a token stream, containers holding their blocks."""
    root: list[Block] = []
    stack = [root]
    for token in tokens:
        if token.nesting == 1:
            block = Block(token, [])
            stack[-1].append(block)
            stack.append(block.children)  # type: ignore[arg-type]
        elif token.nesting == -1:
            stack.pop()
        else:
            stack[-1].append(Block(token, None))
    return root


def _alt(tokens: Sequence[Token]) -> str:
    """An image's alternative text: the text in its inline tokens, nested images' included."""
    parts: list[str] = []
    for token in tokens:
        if token.type in ("text", "code_inline"):
            parts.append(token.content)
        if token.children:
            parts.append(_alt(token.children))
    return "".join(parts)


_BREAKS = ("softbreak", "hardbreak")


class _MarkdownWriter:
    def inline(self, tokens: Sequence[Token], *, line_start: bool = True) -> str:
        # A pair (``em_open`` … ``em_close``) is written as one piece once it closes; the text inside it starts
        # as at the start of a line (it may follow a line break in the source).
        out: list[list[str]] = [[]]
        opened: list[tuple[Token, bool]] = []
        for token in tokens:
            if token.nesting == 1:
                opened.append((token, line_start))
                out.append([])
                line_start = True
                continue
            if token.nesting == -1:
                start, outer = opened.pop()
                inner = "".join(out.pop())
                out[-1].append(self._pair(start, inner, outer))
                line_start = False
                continue
            out[-1].append(self._leaf(token, line_start))
            line_start = token.type in _BREAKS
        return "".join(out[0])

    @staticmethod
    def _pair(token: Token, inner: str, line_start: bool) -> str:
        kind = token.type[:-5]
        if kind in ("em", "strong", "s"):
            markup = token.markup or {"em": "*", "strong": "**", "s": "~~"}[kind]
            return markup + inner + markup
        if kind == "link":
            title = token.attrs.get("title")
            suffix = ' "' + str(title).replace('"', '\\"') + '"' if title else ""
            return f"[{inner}]({_destination(str(token.attrs.get('href', '')))}{suffix})"
        return _escape(token.content, line_start=line_start)

    @staticmethod
    def _leaf(token: Token, line_start: bool) -> str:
        kind = token.type
        if kind == "text":
            return _escape(token.content, line_start=line_start)
        if kind == "softbreak":
            return "\n"
        if kind == "hardbreak":
            return "\\\n"
        if kind == "code_inline":
            return _code_span(token.content)
        if kind == "math_inline":
            return f"${token.content}$"
        if kind == "math_display":
            return f"$${token.content}$$"
        if kind == "image":
            src = str(token.attrs.get("src", ""))
            alt = _escape(_alt(token.children or ()), line_start=False)
            if _INLINE_IMAGE.match(src):
                return f"![{alt}]({_destination(src)})"
            return f"[🖼 {alt or _escape(src, line_start=False)}]({_destination(src)})"  # not loaded: a link
        return _escape(token.content, line_start=line_start)

    def block(self, block: Block) -> str:
        kind = block.type
        if kind == "paragraph":
            return self.inline(block.inline())
        if kind == "heading":
            return "#" * int(block.token.tag[1:]) + " " + self.inline(block.inline(), line_start=False)
        if kind in ("fence", "code_block"):
            return _fence(block.token.content, block.token.info if kind == "fence" else "")
        if kind == "hr":
            return "---"
        if kind == "blockquote":
            inner = self.blocks(block.children or ())
            return "\n".join("> " + line if line else ">" for line in inner.split("\n"))
        if kind in ("bullet_list", "ordered_list"):
            return self._list(block)
        if kind == "table":
            return self._table(block)
        if kind == "math_block":
            return f"$$\n{block.token.content.strip()}\n$$"
        return _escape(block.token.content, line_start=True)

    def blocks(self, blocks: Sequence[Block], *, tight: bool = False) -> str:
        return ("\n" if tight else "\n\n").join(self.block(b) for b in blocks)

    def _list(self, block: Block) -> str:
        token, items = block.token, block.children or []
        ordered = block.type == "ordered_list"
        start = int(token.attrs.get("start", 1)) if ordered else 1
        tight = _tight(items)
        out = []
        for n, item in enumerate(items):
            marker = f"{start + n}{token.markup or '.'} " if ordered else f"{token.markup or '-'} "
            body = self.blocks(item.children or (), tight=tight) or ""
            pad = " " * len(marker)
            lines = body.split("\n")
            out.append(marker + lines[0] + "".join("\n" + (pad + line if line else "") for line in lines[1:]))
        return ("\n" if tight else "\n\n").join(out)

    def _table(self, block: Block) -> str:
        rows = _table_rows(block)
        aligns = [_align(cell) for cell in rows[0]] if rows else []
        lines = []
        for n, row in enumerate(rows):
            # A pipe in a code span must be escaped too in a table (GFM); text pipes already are.
            cells = [_PIPE.sub(r"\\|", self.inline(c.inline(), line_start=False)) for c in row]
            lines.append("| " + " | ".join(cells) + " |")
            if n == 0:
                rule = {"left": ":---", "right": "---:", "center": ":---:"}
                lines.append("|" + "|".join(rule.get(a, "---") for a in aligns) + "|")
        return "\n".join(lines)


def _tight(items: Sequence[Block]) -> bool:
    """Whether a list is tight: markdown-it hides the paragraphs of a tight list."""
    return all(p.token.hidden for item in items for p in item.children or () if p.type == "paragraph")


def _table_rows(block: Block) -> list[list[Block]]:
    return [list(tr.children or ()) for section in block.children or () for tr in section.children or ()]


def _align(cell: Block) -> str:
    style = str(cell.token.attrs.get("style", ""))
    return style.removeprefix("text-align:") if style.startswith("text-align:") else ""


def markdown_copy(blocks: Sequence[Block]) -> str:
    """The safe Markdown of a parsed text (its `block_tree`; see the module docstring)."""
    return _MarkdownWriter().blocks(blocks)


# ----- plain text -----


class _PlainWriter:
    def inline(self, tokens: Sequence[Token]) -> str:
        out: list[list[str]] = [[]]
        opened: list[tuple[Token, int]] = []  # an open pair and how many tokens came before it
        for index, token in enumerate(tokens):
            if token.nesting == 1:
                opened.append((token, index))
                out.append([])
            elif token.nesting == -1:
                start, at = opened.pop()
                inner = "".join(out.pop())
                out[-1].append(self._pair(start, inner, empty=index == at + 1))
            else:
                out[-1].append(self._leaf(token))
        return "".join(out[0])

    @staticmethod
    def _pair(token: Token, inner: str, *, empty: bool) -> str:
        if token.type == "link_open":
            href = str(token.attrs.get("href", ""))
            return inner if not href or href in (inner, f"mailto:{inner}") else f"{inner} <{href}>"
        return token.content if empty else inner

    @staticmethod
    def _leaf(token: Token) -> str:
        kind = token.type
        if kind in ("text", "code_inline"):
            return token.content
        if kind in _BREAKS:
            return "\n"
        if kind == "math_inline":
            return f"${token.content}$"
        if kind == "math_display":
            return f"$${token.content}$$"
        if kind == "image":
            src = str(token.attrs.get("src", ""))
            alt = _alt(token.children or ()) or "image"
            return f"[{alt}]" if _INLINE_IMAGE.match(src) else f"[{alt}: {src}]"
        if token.children:
            return _PlainWriter().inline(token.children)
        return token.content

    def block(self, block: Block, depth: int) -> str:
        kind = block.type
        if kind == "paragraph":
            return self.inline(block.inline())
        if kind == "heading":
            title = self.inline(block.inline())
            rule = "═" if block.token.tag == "h1" else "─"
            return f"{title}\n{rule * max(3, min(display_width(title), 100))}"
        if kind in ("fence", "code_block"):
            lines = block.token.content.rstrip("\n").split("\n")
            return "\n".join("    " + line if line else "" for line in lines)
        if kind == "hr":
            return "─" * 40
        if kind == "blockquote":
            inner = self.blocks(block.children or (), depth=depth)
            return "\n".join("│ " + line if line else "│" for line in inner.split("\n"))
        if kind in ("bullet_list", "ordered_list"):
            return self._list(block, depth)
        if kind == "table":
            rows = _table_rows(block)
            cells = [[self.inline(c.inline()) for c in row] for row in rows]
            return plain_table(cells[0], cells[1:], aligns=[_align(c) for c in rows[0]] if rows else [])
        if kind == "math_block":
            return f"$$\n{block.token.content.strip()}\n$$"
        return block.token.content

    def blocks(self, blocks: Sequence[Block], *, tight: bool = False, depth: int = 0) -> str:
        return ("\n" if tight else "\n\n").join(b for b in (self.block(b, depth) for b in blocks) if b)

    def _list(self, block: Block, depth: int) -> str:
        """A list (inside ``depth`` others): bullets by depth, numbers aligned, items indented."""
        token, items = block.token, block.children or []
        ordered = block.type == "ordered_list"
        start = int(token.attrs.get("start", 1)) if ordered else 1
        tight = _tight(items)
        bullet = "•◦▪"[depth % 3]
        width = len(str(start + len(items) - 1)) + 2
        out = []
        for n, item in enumerate(items):
            marker = f"{start + n}.".rjust(width - 1) + " " if ordered else f"{bullet} "
            pad = " " * len(marker)
            lines = self.blocks(item.children or (), tight=tight, depth=depth + 1).split("\n")
            out.append(marker + lines[0] + "".join("\n" + (pad + line if line else "") for line in lines[1:]))
        return ("\n" if tight else "\n\n").join(out)


def plain_table(header: Sequence[str], rows: Sequence[Sequence[str]], *, aligns: Sequence[str] = ()) -> str:
    """Columns padded to their widest cell (wide characters count 2), a rule under the header.

    ``aligns`` gives each column's alignment (``right``, ``center``; else left).
    """
    table = [
        [" ".join(str(c).split()) for c in header],
        *[[" ".join(str(c).split()) for c in r] for r in rows],
    ]
    columns = max(len(r) for r in table)
    table = [r + [""] * (columns - len(r)) for r in table]
    widths = [max(display_width(r[n]) for r in table) for n in range(columns)]

    def line(row: Sequence[str]) -> str:
        cells = []
        for n, cell in enumerate(row):
            room = widths[n] - display_width(cell)
            align = aligns[n] if n < len(aligns) else ""
            if align == "right":
                cells.append(" " * room + cell)
            elif align == "center":
                cells.append(" " * (room // 2) + cell + " " * (room - room // 2))
            else:
                cells.append(cell + " " * room)
        return "  ".join(cells).rstrip()

    rule = "  ".join("─" * w for w in widths)
    return "\n".join([line(table[0]), rule, *(line(r) for r in table[1:])])


def plain_text(blocks: Sequence[Block]) -> str:
    """A parsed text (its `block_tree`) as plain text: no Markdown markup, lists with bullets, tables aligned,
    code indented."""
    return _PlainWriter().blocks(blocks)
