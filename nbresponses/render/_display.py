"""The fallbacks of the live view: an output updated in place by ``display_id``, and plain streaming text.

The in-place output carries safe HTML (what frontends show) and Markdown (what saved notebooks keep readable).
"""

from __future__ import annotations

import html
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from IPython import display as ipy_display

from ._base import LiveView
from ._html import sections_html
from ._markdown import (
    Section,
    answer_markdown,
    item_markdown,
    outcome_sections,
    outcome_text,
    reasoning_text,
    sections_markdown,
)
from ._outcome import TurnOutcome

__all__ = ["MarkdownView", "TextView"]


class MarkdownView(LiveView):
    """A Markdown output replaced in place (for frontends without a widget manager, and headless runs)."""

    def __init__(
        self,
        *,
        refresh_per_second: float = 12.0,
        clock: Callable[[], float] = time.monotonic,
        display: Any = ipy_display,
    ) -> None:
        super().__init__(refresh_per_second=refresh_per_second, clock=clock)
        self._display = display
        self._display_id: str | None = None

    def _header(self, status: str) -> tuple[str, str]:
        where = f" · thread `{self.thread}`" if self.thread else ""
        markdown = f"<sub>**{self.model}**{where} · {status}</sub>"
        where_html = f" · thread <code>{html.escape(self.thread)}</code>" if self.thread else ""
        markup = (
            f"<div style='font-size:0.85em;opacity:.75'><b>{html.escape(self.model)}</b>{where_html} · "
            f"{html.escape(status)}</div>"
        )
        return markdown, markup

    def _show(self) -> None:
        # Starts blank, as it ends: the final state is a new output (see the widget view for why).
        handle = self._display.display({"text/plain": ""}, raw=True, display_id=True)
        self._display_id = getattr(handle, "display_id", None)
        self._update([], "waiting for the first token…", "")

    def _refresh(self, items: list[dict[str, Any]], status: str) -> None:
        answer = answer_markdown(items)
        sections = [Section("reasoning", reasoning_text(items))]
        sections += [Section("card", card) for card in (item_markdown(i) for i in items)]
        sections += [Section("card", call.markdown()) for call in self.local_calls]
        sections.append(Section("answer", answer))
        self._update([s for s in sections if s.markdown], status, answer)

    def _final(self, outcome: TurnOutcome, items: list[dict[str, Any]]) -> None:
        sections = outcome_sections(
            outcome, items=items, local_cards=[c.markdown() for c in self.local_calls]
        )
        if self._display_id is not None:
            self._display.update_display({"text/plain": ""}, raw=True, display_id=self._display_id)
        bundle = {"text/html": sections_html(sections), "text/markdown": sections_markdown(sections),
                  "text/plain": outcome_text(outcome, items=items)}  # fmt: skip
        self._display.display(bundle, raw=True)

    def _update(self, sections: list[Section], status: str, text: str) -> None:
        if self._display_id is None:
            return
        markdown, markup = self._header(status)
        bundle = {"text/html": markup + sections_html(sections),
                  "text/markdown": "\n\n".join(p for p in (markdown, sections_markdown(sections)) if p),
                  "text/plain": text}  # fmt: skip
        self._display.update_display(bundle, raw=True, display_id=self._display_id)


class TextView(LiveView):
    """Plain text for terminal IPython and scripts: answer deltas printed as they arrive, then the usage line."""

    def __init__(self, *, stream: TextIO | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(refresh_per_second=0, clock=clock)
        self._out = stream
        self._answer: list[str] = []  # the answer's deltas as printed (joined only at the end)
        self._shown_calls: set[str] = set()
        self._at_line_start = True

    @property
    def out(self) -> TextIO:
        return self._out or sys.stdout

    def _show(self) -> None:
        where = f" · thread {self.thread}" if self.thread else ""
        self._write(f"[{self.model}{where}]\n")

    def on_event(self, event: Any, snapshot: Callable[[], Any]) -> None:
        # Terminal output is append-only: print each text delta instead of re-rendering snapshots.
        self.events += 1
        kind = getattr(event, "type", "")
        if kind == "response.output_text.delta":
            delta = str(getattr(event, "delta", ""))
            self._answer.append(delta)
            self._write(delta)
        elif kind == "response.output_item.done":
            item = event.item.to_dict() if hasattr(event.item, "to_dict") else {}
            card = item_markdown(item)
            if card:
                self._write(("" if self._at_line_start else "\n") + card + "\n")

    def _write(self, text: str) -> None:
        if text:
            self.out.write(text)
            self.out.flush()
            self._at_line_start = text.endswith("\n")

    def _refresh(self, items: list[dict[str, Any]], status: str) -> None:
        for call in self.local_calls:
            if call.seconds is not None and call.call_id not in self._shown_calls:
                self._shown_calls.add(call.call_id)
                self._write(("" if self._at_line_start else "\n") + f"{call.markdown()}  [{call.call_id}]\n")

    def _final(self, outcome: TurnOutcome, items: list[dict[str, Any]]) -> None:
        answer = answer_markdown(items)
        streamed = "".join(self._answer)
        if answer != streamed:
            # Parts that came without deltas (a JSON answer, a gateway that sends whole items): print the rest,
            # or all of it when it does not continue what was printed.
            rest = answer[len(streamed) :] if answer.startswith(streamed) else answer
            self._write(("" if self._at_line_start or answer.startswith(streamed) else "\n") + rest)
        summary = outcome_text(outcome, items=items)
        tail = summary[len(answer) :].strip() if summary.startswith(answer) else summary
        self._write(("\n\n" + tail if tail else "") + "\n")
