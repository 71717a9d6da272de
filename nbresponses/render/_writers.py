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

from markdown_it.tree import SyntaxTreeNode

__all__ = ["display_width", "markdown_copy", "plain_table", "plain_text"]

_INLINE_IMAGE = re.compile(r"^data:image/(gif|png|jpeg|webp);", re.IGNORECASE)
_ALWAYS = re.compile(r"([\\`*\[\]<>|~$])")
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


def _escape(text: str, *, line_start: bool) -> str:
    text = _ALWAYS.sub(r"\\\1", text)
    text = _UNDERSCORE.sub(r"\\_", text)
    text = _ENTITY.sub(r"\\&", text)
    lines = text.split("\n")
    for n, line in enumerate(lines):
        if n or line_start:
            # A line that would start a heading, list, setext underline: escape its first character.
            lines[n] = _LINE_START.sub(lambda m: m.group(1) + _escape_first(m.group(2)), line)
    return "\n".join(lines)


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


class _MarkdownWriter:
    def inline(self, node: SyntaxTreeNode, *, line_start: bool = True) -> str:
        out: list[str] = []
        for child in node.children:
            piece = self._inline_node(child, line_start)
            out.append(piece)
            line_start = child.type in ("softbreak", "hardbreak")
        return "".join(out)

    def _inline_node(self, node: SyntaxTreeNode, line_start: bool) -> str:
        kind = node.type
        if kind == "text":
            return _escape(node.content, line_start=line_start)
        if kind == "softbreak":
            return "\n"
        if kind == "hardbreak":
            return "\\\n"
        if kind == "code_inline":
            return _code_span(node.content)
        if kind == "math_inline":
            return f"${node.content}$"
        if kind == "math_display":
            return f"$${node.content}$$"
        if kind in ("em", "strong", "s"):
            markup = node.markup or {"em": "*", "strong": "**", "s": "~~"}[kind]
            return markup + self.inline(node) + markup
        if kind == "link":
            title = node.attrs.get("title")
            suffix = ' "' + str(title).replace('"', '\\"') + '"' if title else ""
            return f"[{self.inline(node)}]({_destination(str(node.attrs.get('href', '')))}{suffix})"
        if kind == "image":
            src = str(node.attrs.get("src", ""))
            alt = _escape(_alt(node), line_start=False)
            if _INLINE_IMAGE.match(src):
                return f"![{alt}]({_destination(src)})"
            return f"[🖼 {alt or _escape(src, line_start=False)}]({_destination(src)})"  # not loaded: a link
        return _escape(node.content, line_start=line_start)

    def block(self, node: SyntaxTreeNode, *, tight: bool = False) -> str:
        kind = node.type
        if kind == "paragraph":
            return self.inline(node.children[0]) if node.children else ""
        if kind == "heading":
            text = self.inline(node.children[0], line_start=False) if node.children else ""
            return "#" * int(node.tag[1:]) + " " + text
        if kind in ("fence", "code_block"):
            return _fence(node.content, node.info if kind == "fence" else "")
        if kind == "hr":
            return "---"
        if kind == "blockquote":
            inner = self.blocks(node.children)
            return "\n".join("> " + line if line else ">" for line in inner.split("\n"))
        if kind in ("bullet_list", "ordered_list"):
            return self._list(node)
        if kind == "table":
            return self._table(node)
        if kind == "math_block":
            return f"$$\n{node.content.strip()}\n$$"
        return _escape(node.content, line_start=True)

    def blocks(self, nodes: Sequence[SyntaxTreeNode], *, tight: bool = False) -> str:
        return ("\n" if tight else "\n\n").join(self.block(n) for n in nodes)

    def _list(self, node: SyntaxTreeNode) -> str:
        ordered = node.type == "ordered_list"
        start = int(node.attrs.get("start", 1)) if ordered else 1
        tight = all(
            p.hidden for item in node.children for p in item.children if p.type == "paragraph"
        )  # markdown-it hides the paragraphs of a tight list
        items = []
        for n, item in enumerate(node.children):
            marker = f"{start + n}{node.markup or '.'} " if ordered else f"{node.markup or '-'} "
            body = self.blocks(item.children, tight=tight) or ""
            pad = " " * len(marker)
            lines = body.split("\n")
            items.append(
                marker + lines[0] + "".join("\n" + (pad + line if line else "") for line in lines[1:])
            )
        return ("\n" if tight else "\n\n").join(items)

    def _table(self, node: SyntaxTreeNode) -> str:
        rows = _table_rows(node)
        aligns = [_align(cell) for cell in rows[0]] if rows else []
        lines = []
        for n, row in enumerate(rows):
            # A pipe in a code span must be escaped too in a table (GFM); text pipes already are.
            cells = [
                _PIPE.sub(r"\\|", self.inline(c.children[0], line_start=False)) if c.children else ""
                for c in row
            ]
            lines.append("| " + " | ".join(cells) + " |")
            if n == 0:
                rule = {"left": ":---", "right": "---:", "center": ":---:"}
                lines.append("|" + "|".join(rule.get(a, "---") for a in aligns) + "|")
        return "\n".join(lines)


def _alt(node: SyntaxTreeNode) -> str:
    return "".join(c.content for c in node.walk() if c.type in ("text", "code_inline"))


def _table_rows(node: SyntaxTreeNode) -> list[list[SyntaxTreeNode]]:
    return [list(tr.children) for section in node.children for tr in section.children]


def _align(cell: SyntaxTreeNode) -> str:
    style = str(cell.attrs.get("style", ""))
    return style.removeprefix("text-align:") if style.startswith("text-align:") else ""


def markdown_copy(tree: SyntaxTreeNode) -> str:
    """The safe Markdown of a parsed text (see the module docstring)."""
    return _MarkdownWriter().blocks(tree.children)


# ----- plain text -----


class _PlainWriter:
    def inline(self, node: SyntaxTreeNode) -> str:
        return "".join(self._inline_node(child) for child in node.children)

    def _inline_node(self, node: SyntaxTreeNode) -> str:
        kind = node.type
        if kind in ("text", "code_inline"):
            return node.content
        if kind in ("softbreak", "hardbreak"):
            return "\n"
        if kind == "math_inline":
            return f"${node.content}$"
        if kind == "math_display":
            return f"$${node.content}$$"
        if kind == "link":
            text, href = self.inline(node), str(node.attrs.get("href", ""))
            return text if not href or href in (text, f"mailto:{text}") else f"{text} <{href}>"
        if kind == "image":
            src = str(node.attrs.get("src", ""))
            alt = _alt(node) or "image"
            return f"[{alt}]" if _INLINE_IMAGE.match(src) else f"[{alt}: {src}]"
        if node.children:
            return self.inline(node)
        return node.content

    def block(self, node: SyntaxTreeNode) -> str:
        kind = node.type
        if kind == "paragraph":
            return self.inline(node.children[0]) if node.children else ""
        if kind == "heading":
            title = self.inline(node.children[0]) if node.children else ""
            rule = "═" if node.tag == "h1" else "─"
            return f"{title}\n{rule * max(3, min(display_width(title), 100))}"
        if kind in ("fence", "code_block"):
            return "\n".join("    " + line if line else "" for line in node.content.rstrip("\n").split("\n"))
        if kind == "hr":
            return "─" * 40
        if kind == "blockquote":
            inner = self.blocks(node.children)
            return "\n".join("│ " + line if line else "│" for line in inner.split("\n"))
        if kind in ("bullet_list", "ordered_list"):
            return self._list(node)
        if kind == "table":
            rows = _table_rows(node)
            cells = [[self.inline(c.children[0]) if c.children else "" for c in row] for row in rows]
            return plain_table(cells[0], cells[1:], aligns=[_align(c) for c in rows[0]] if rows else [])
        if kind == "math_block":
            return f"$$\n{node.content.strip()}\n$$"
        return node.content

    def blocks(self, nodes: Sequence[SyntaxTreeNode], *, tight: bool = False) -> str:
        return ("\n" if tight else "\n\n").join(b for b in (self.block(n) for n in nodes) if b)

    def _list(self, node: SyntaxTreeNode) -> str:
        ordered = node.type == "ordered_list"
        start = int(node.attrs.get("start", 1)) if ordered else 1
        tight = all(p.hidden for item in node.children for p in item.children if p.type == "paragraph")
        depth = sum(1 for a in _ancestors(node) if a.type in ("bullet_list", "ordered_list"))
        bullet = "•◦▪"[depth % 3]
        width = len(str(start + len(node.children) - 1)) + 2
        items = []
        for n, item in enumerate(node.children):
            marker = f"{start + n}.".rjust(width - 1) + " " if ordered else f"{bullet} "
            pad = " " * len(marker)
            lines = self.blocks(item.children, tight=tight).split("\n")
            items.append(
                marker + lines[0] + "".join("\n" + (pad + line if line else "") for line in lines[1:])
            )
        return ("\n" if tight else "\n\n").join(items)


def _ancestors(node: SyntaxTreeNode) -> list[SyntaxTreeNode]:
    found = []
    parent = node.parent
    while parent is not None:
        found.append(parent)
        parent = parent.parent
    return found


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


def plain_text(tree: SyntaxTreeNode) -> str:
    """A parsed text as plain text: no Markdown markup, lists with bullets, tables aligned, code indented."""
    return _PlainWriter().blocks(tree.children)
