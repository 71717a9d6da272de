"""The fallbacks of the live view: an output updated in place by ``display_id``, and plain text for terminals.

`MarkdownView` (frontends without a widget manager) updates one output while streaming, within a byte budget,
and replaces it with the static bundle at the end, like the widget view. `TextView` (terminal IPython, scripts)
prints plain text: each finished block of the answer once it is complete, no Markdown markup.
"""

from __future__ import annotations

import html
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from IPython import display as ipy_display

from . import _theme
from ._base import LiveView
from ._blocks import GrowingMarkdown
from ._bundle import outcome_bundle, section_rendered
from ._html import Rendered, join_rendered, markdown_to_html, render_markdown, text_html
from ._markdown import answer_markdown, card_sections, item_markdown, outcome_sections, reasoning_text
from ._outcome import TurnOutcome

__all__ = ["MARKDOWN_BYTES_PER_CHAR", "MarkdownView", "TextView"]

MARKDOWN_BYTES_PER_CHAR = 3.5
"""The Markdown view re-sends everything at each update, so it updates less often as the answer grows: at most
this many bytes per character shown (plus a fixed allowance for short answers)."""
_ALLOWANCE = 8_000


class MarkdownView(LiveView):
    """One output updated in place (for frontends without a widget manager), replaced by the static output."""

    def __init__(
        self,
        *,
        refresh_per_second: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        display: Any = ipy_display,
    ) -> None:
        super().__init__(refresh_per_second=refresh_per_second, clock=clock)
        self._display = display
        self.display_id: str | None = None
        self.final_bundle: dict[str, str] | None = None
        self.sent = 0
        self._answer: GrowingMarkdown[Rendered] = GrowingMarkdown(render_markdown, markdown_to_html)
        self._reasoning: GrowingMarkdown[Rendered] = GrowingMarkdown(render_markdown, markdown_to_html)
        self._card_html: dict[str, str] = {}

    def header_line(self) -> str:
        """``model · thread NAME``: the first line of the static output."""
        return self.model + (f" · thread {self.thread}" if self.thread else "")

    def _header(self, status: str) -> str:
        where = f" · thread <code>{html.escape(self.thread)}</code>" if self.thread else ""
        return (
            f"<div style='{_theme.SMALL_MUTED}'><b>{html.escape(self.model)}</b>{where} · "
            f"{text_html(status)}</div>"
        )

    def _show(self) -> None:
        bundle = {"text/html": self._header("waiting for the first token…"), "text/plain": "(streaming…)"}
        handle = self._display.display(bundle, raw=True, display_id=True)
        self.display_id = getattr(handle, "display_id", None)

    @staticmethod
    def _html(growing: GrowingMarkdown[Rendered]) -> str:
        return "".join(rendered.html for _, rendered in growing.chunks) + growing.tail()

    def _refresh(self, items: list[dict[str, Any]], status: str) -> None:
        if self.display_id is None:
            return
        answer, reasoning = answer_markdown(items), reasoning_text(items)
        self._answer.update(answer)  # finished blocks are rendered once, as they come
        if reasoning:
            self._reasoning.update(reasoning)
        shown = len(answer) + len(reasoning)
        if self.sent + shown > MARKDOWN_BYTES_PER_CHAR * shown + _ALLOWANCE:
            return  # over the budget: the page already shown stays (the final output shows everything)
        parts = [self._header(status)]
        if reasoning:
            parts.append(
                f"<details><summary>Reasoning summary</summary>{self._html(self._reasoning)}</details>"
            )
        cards: dict[str, str] = {}  # each card is rendered again only when it changed
        for card in card_sections(items, self.local_calls, runs_tools=self.runs_tools):
            shown_card = self._card_html.get(card.markdown) or section_rendered(card, {}).html
            cards[card.markdown] = shown_card
            parts.append(shown_card)
        self._card_html = cards
        parts.append(self._html(self._answer))
        page = "<div class='nbresponses'>" + "".join(parts) + "</div>"
        if self.sent + len(page) > MARKDOWN_BYTES_PER_CHAR * shown + _ALLOWANCE:
            return  # the page (HTML, cards) is larger than the text: the check above is only its lower bound
        self.sent += len(page)
        self._display.update_display(
            {"text/html": page, "text/plain": f"({status})"}, raw=True, display_id=self.display_id
        )

    def _final(self, outcome: TurnOutcome, items: list[dict[str, Any]]) -> None:
        answer = answer_markdown(items)
        whole = None
        if answer.startswith(self._answer.text):
            self._answer.update(answer)  # the blocks that came after the last refresh
        if self._answer.text == answer and self._answer.exact:
            tail = self._answer.tail_source()
            parts = [r for _, r in self._answer.chunks] + ([render_markdown(tail)] if tail.strip() else [])
            whole = join_rendered(parts)
        bundle = outcome_bundle(
            outcome, items=items, calls=self.local_calls, runs_tools=self.runs_tools,
            known={answer: whole} if whole else None, header=self.header_line(),
        )  # fmt: skip
        self.final_bundle = bundle
        if self.display_id is not None:
            self._display.update_display(bundle, raw=True, display_id=self.display_id)
        else:
            self._display.display(bundle, raw=True)


def _plain(markdown: str) -> str:
    return render_markdown(markdown).plain


class TextView(LiveView):
    """Plain text for terminal IPython and scripts: each finished block of the answer as soon as it is complete,
    one card per tool call, then the notices and the usage line."""

    def __init__(self, *, stream: TextIO | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(refresh_per_second=0, clock=clock)
        self._out = stream
        self._part: GrowingMarkdown[str] = GrowingMarkdown(_plain, _plain)  # the answer part being streamed
        self._streamed: list[str] = []  # the Markdown of the answer parts streamed so far
        self._printed_cards: set[str] = set()
        self._at_line_start = True
        self._blank_pending = False

    @property
    def out(self) -> TextIO:
        return self._out or sys.stdout

    def _show(self) -> None:
        where = f" · thread {self.thread}" if self.thread else ""
        self._write(f"[{self.model}{where}]\n")

    def on_event(self, event: Any, snapshot: Callable[[], Any]) -> None:
        # Terminal output is append-only: blocks are printed as they finish, never re-rendered.
        self.events += 1
        kind = getattr(event, "type", "")
        if kind == "response.output_text.delta":
            text = self._part.text + str(getattr(event, "delta", ""))
            for chunk, rendered in self._part.update(text):
                self._block(rendered, joined=not chunk.exact)
        elif kind == "response.output_text.done":
            self._end_part()
        elif kind == "response.output_item.done":
            item = event.item.to_dict() if hasattr(event.item, "to_dict") else {}
            self._end_part()
            if item.get("type") == "function_call" and self.runs_tools:
                return  # its card comes once the call ran
            self._card(str(item.get("id") or item.get("call_id") or ""), item_markdown(item))

    def _end_part(self) -> None:
        if self._part.text:
            self._block(self._part.tail())
            self._streamed.append(self._part.text)
            self._part = GrowingMarkdown(_plain, _plain)

    def _block(self, text: str, *, joined: bool = False) -> None:
        text = text.strip("\n")
        if not text:
            return
        if self._blank_pending:
            self._write("\n")
        self._write(("" if self._at_line_start else "\n") + text + "\n")
        self._blank_pending = not joined

    def _card(self, key: str, markdown: str) -> None:
        if markdown and key not in self._printed_cards:
            self._printed_cards.add(key)
            self._block(_plain(markdown))

    def _write(self, text: str) -> None:
        if text:
            self.out.write(text)
            self.out.flush()
            self._at_line_start = text.endswith("\n")

    def _refresh(self, items: list[dict[str, Any]], status: str) -> None:
        for call in self.local_calls:
            if call.state in ("done", "failed", "not run"):
                item = {"type": "function_call", "name": call.name, "arguments": call.arguments}
                self._card(f"call:{call.call_id}", item_markdown(item, call=call, runs_tools=True))

    def _final(self, outcome: TurnOutcome, items: list[dict[str, Any]]) -> None:
        self._end_part()
        self._refresh(items, "")
        for item in items:  # cards of items that came without their events (no streaming)
            if item.get("type") not in ("message", "reasoning", "function_call"):
                self._card(str(item.get("id") or ""), item_markdown(item))
            elif item.get("type") == "function_call" and not self.runs_tools:
                self._card(str(item.get("id") or item.get("call_id") or ""), item_markdown(item))
        answer = answer_markdown(items)
        streamed = "\n\n".join(self._streamed)
        if answer != streamed:
            # Parts that came without deltas (no streaming, a gateway that sends whole items): print the rest, or
            # all of it when it does not continue what was printed.
            rest = answer[len(streamed) :] if streamed and answer.startswith(streamed) else answer
            self._block(_plain(rest))
        for section in outcome_sections(
            outcome, items=items, calls=self.local_calls, runs_tools=self.runs_tools
        ):
            if section.kind in ("notice", "error", "note", "stats"):
                self._block(section_rendered(section, {}).plain)
        self._write("" if self._at_line_start else "\n")
