"""The fallbacks of the live view: Markdown updated in place by ``display_id``, and plain streaming text."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from IPython import display as ipy_display

from ._base import LiveView
from ._markdown import answer_markdown, item_markdown, outcome_markdown, outcome_text, reasoning_text
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

    def _header(self, status: str) -> str:
        where = f" · thread `{self.thread}`" if self.thread else ""
        return f"<sub>**{self.model}**{where} · {status}</sub>"

    def _bundle(self, markdown: str, text: str) -> dict[str, str]:
        return {"text/markdown": markdown, "text/plain": text}

    def _show(self) -> None:
        # Starts blank, as it ends: the final state is a new output (see the widget view for why).
        handle = self._display.display({"text/plain": ""}, raw=True, display_id=True)
        self._display_id = getattr(handle, "display_id", None)
        self._update(self._header("waiting for the first token…"), "")

    def _refresh(self, items: list[dict[str, Any]], status: str) -> None:
        reasoning = reasoning_text(items)
        parts = [self._header(status)]
        if reasoning:
            parts.append(f"<details><summary>Reasoning summary</summary>\n\n{reasoning}\n\n</details>")
        parts += [card for card in (item_markdown(i) for i in items) if card]
        parts += [call.markdown() for call in self.local_calls]
        answer = answer_markdown(items)
        parts.append(answer)
        self._update("\n\n".join(p for p in parts if p), answer)

    def _final(self, outcome: TurnOutcome, items: list[dict[str, Any]]) -> None:
        body = outcome_markdown(outcome, items=items, local_cards=[c.markdown() for c in self.local_calls])
        if self._display_id is not None:
            self._display.update_display({"text/plain": ""}, raw=True, display_id=self._display_id)
        self._display.display(self._bundle(body, outcome_text(outcome, items=items)), raw=True)

    def _update(self, markdown: str, text: str) -> None:
        if self._display_id is not None:
            self._display.update_display(self._bundle(markdown, text), raw=True, display_id=self._display_id)


class TextView(LiveView):
    """Plain text for terminal IPython and scripts: answer deltas printed as they arrive, then the usage line."""

    def __init__(self, *, stream: TextIO | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(refresh_per_second=0, clock=clock)
        self._out = stream
        self._printed = ""

    @property
    def out(self) -> TextIO:
        return self._out or sys.stdout

    def _show(self) -> None:
        where = f" · thread {self.thread}" if self.thread else ""
        self.out.write(f"[{self.model}{where}]\n")
        self.out.flush()

    def on_event(self, event: Any, snapshot: Callable[[], Any]) -> None:
        # Terminal output is append-only: print each text delta instead of re-rendering snapshots.
        self.events += 1
        kind = getattr(event, "type", "")
        if kind == "response.output_text.delta":
            self._write(str(getattr(event, "delta", "")))
        elif kind == "response.output_item.done":
            item = event.item.to_dict() if hasattr(event.item, "to_dict") else {}
            card = item_markdown(item)
            if card:
                self._write(
                    ("\n" if self._printed and not self._printed.endswith("\n") else "") + card + "\n"
                )

    def _write(self, text: str) -> None:
        self._printed += text
        self.out.write(text)
        self.out.flush()

    def _refresh(self, items: list[dict[str, Any]], status: str) -> None:
        for call in self.local_calls:
            if call.seconds is not None and call.call_id not in self._printed:
                self._write(f"\n{call.markdown()}  [{call.call_id}]\n")

    def _final(self, outcome: TurnOutcome, items: list[dict[str, Any]]) -> None:
        answer = answer_markdown(items)
        if answer.startswith(self._printed.strip()) and answer != self._printed.strip():
            self._write(answer[len(self._printed.strip()) :])  # deltas not streamed (a JSON answer, say)
        summary = outcome_text(outcome, items=items)
        tail = summary[len(answer) :].strip() if summary.startswith(answer) else summary
        self._write(("\n\n" + tail if tail else "") + "\n")
