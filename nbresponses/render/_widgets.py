"""The live ipywidgets view: answer, collapsed reasoning, a card per tool call, notices and a usage bar.

Only changed widgets are updated (cards are keyed by item id), so a refresh sends a few small comm messages.
When the turn ends, the live output is blanked and a new output shows the same widget *and* a Markdown rendering
of the final state: JupyterLab keeps showing the widget (its state lives in the model), while nbconvert, nbval,
GitHub and any frontend without a widget manager show the Markdown answer and usage. A new output rather than a
``display_id`` update, because tools that replay the message stream (nbval) ignore updates.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
from IPython import display as ipy_display
from markdown_it import MarkdownIt

from ._base import LiveView
from ._markdown import (
    answer_markdown,
    error_markdown,
    item_markdown,
    notice_markdown,
    outcome_markdown,
    outcome_text,
    reasoning_text,
)
from ._outcome import TurnOutcome

__all__ = ["WidgetView", "markdown_to_html"]

_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(["table", "strikethrough"])
_CARD_STYLE = "border:1px solid #d0d7de;border-radius:6px;padding:4px 10px;margin:4px 0;font-size:0.92em"
_WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def markdown_to_html(text: str) -> str:
    """Markdown to HTML with raw HTML in the text escaped (a model's output is not trusted markup)."""
    rendered: str = _MARKDOWN.render(text)
    return rendered


def _chip(label: str, value: str) -> str:
    return (
        f"<span style='margin-right:12px;white-space:nowrap'><span style='opacity:.65'>{html.escape(label)}</span> "
        f"<b>{html.escape(value)}</b></span>"
    )


class WidgetView(LiveView):
    """A live view made of ipywidgets, updated in place."""

    def __init__(
        self,
        *,
        refresh_per_second: float = 12.0,
        clock: Callable[[], float] = time.monotonic,
        display: Any = ipy_display,
    ) -> None:
        super().__init__(refresh_per_second=refresh_per_second, clock=clock)
        self._display = display
        self.header = widgets.HTML()
        self.reasoning = widgets.HTML()
        self.reasoning_box = widgets.Accordion(children=[self.reasoning], titles=("Reasoning summary",))
        self.reasoning_box.selected_index = None
        self.reasoning_box.layout.display = "none"
        self.cards = widgets.VBox()
        self.answer = widgets.HTMLMath()
        self.notice = widgets.HTML()
        self.usage = widgets.HTML()
        self.box = widgets.VBox(
            [self.header, self.reasoning_box, self.cards, self.answer, self.notice, self.usage]
        )
        self._card_widgets: dict[str, widgets.HTML] = {}
        self._display_id: str | None = None
        self._last_answer = ""

    # ----- what the base class calls -----

    def _show(self) -> None:
        self._set_header("waiting for the first token…")
        handle = self._display.display(self._bundle(None), raw=True, display_id=True)
        self._display_id = getattr(handle, "display_id", None)

    def _refresh(self, items: list[dict[str, Any]], status: str) -> None:
        self._set_header(status)
        self._render_items(items)

    def _final(self, outcome: TurnOutcome, items: list[dict[str, Any]]) -> None:
        self._render_items(items)
        response = outcome.response.to_dict() if outcome.response is not None else None
        self._set_header({"completed": "done", "error": "failed"}.get(outcome.status, outcome.status))
        notices = [notice_markdown(response, outcome.status)]
        if outcome.error is not None:
            notices.append(error_markdown(outcome.error))
        if outcome.notice:
            notices.append(outcome.notice)
        text = "\n\n".join(n for n in notices if n)
        color = "#b42318" if outcome.error is not None else "#9a6700"
        self.notice.value = f"<div style='color:{color}'>{markdown_to_html(text)}</div>" if text else ""
        if outcome.stats is not None:
            self.usage.value = "<div style='font-size:0.85em;margin-top:4px'>" + "".join(
                _chip(label, value) for label, value in outcome.stats.parts()
            ) + "</div>"  # fmt: skip
        static = (outcome_markdown(outcome, items=items, local_cards=[c.markdown() for c in self.local_calls]),
                  outcome_text(outcome, items=items))  # fmt: skip
        if self._display_id is not None:
            self._display.update_display({"text/plain": ""}, raw=True, display_id=self._display_id)
        self._display.display(self._bundle(static), raw=True)

    # ----- helpers -----

    def _bundle(self, static: tuple[str, str] | None) -> dict[str, Any]:
        view = {"version_major": 2, "version_minor": 0, "model_id": self.box.model_id}
        if static is None:
            return {_WIDGET_MIME: view, "text/plain": ""}  # blank, as it is once the turn ends
        return {_WIDGET_MIME: view, "text/markdown": static[0], "text/plain": static[1]}

    def _set_header(self, status: str) -> None:
        where = f" · thread <code>{html.escape(self.thread)}</code>" if self.thread else ""
        value = (
            f"<div style='font-size:0.85em;opacity:.75'><b>{html.escape(self.model)}</b>{where} · "
            f"{html.escape(status)}</div>"
        )
        if value != self.header.value:  # each changed value is one comm message to the frontend
            self.header.value = value

    def _render_items(self, items: list[dict[str, Any]]) -> None:
        answer = answer_markdown(items)
        if answer != self._last_answer:
            self.answer.value = markdown_to_html(answer)
            self._last_answer = answer
        reasoning = reasoning_text(items)
        if reasoning:
            self.reasoning_box.layout.display = None
            rendered = markdown_to_html(reasoning)
            if rendered != self.reasoning.value:
                self.reasoning.value = rendered
        cards = [(str(item.get("id") or f"#{n}"), item_markdown(item)) for n, item in enumerate(items)]
        cards += [(f"local:{call.call_id}", call.markdown()) for call in self.local_calls]
        children_changed = False
        for key, card in cards:
            if not card:
                continue
            widget = self._card_widgets.get(key)
            if widget is None:
                widget = self._card_widgets[key] = widgets.HTML()
                children_changed = True
            value = f"<div style='{_CARD_STYLE}'>{markdown_to_html(card)}</div>"
            if widget.value != value:
                widget.value = value
        if children_changed:
            self.cards.children = tuple(
                self._card_widgets[k] for k, card in cards if card and k in self._card_widgets
            )
