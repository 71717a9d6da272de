"""The live ipywidgets view: answer, collapsed reasoning, a card per tool call, notices and a usage bar.

Only changed widgets are updated (cards are keyed by item id), so a refresh sends a few small comm messages.
When the turn ends, the live output is blanked and a new output shows the same widget *and* static renderings
of the final state (safe HTML and Markdown): JupyterLab keeps showing the widget (its state lives in the model),
while nbconvert, nbval, GitHub and any frontend without a widget manager show the answer and usage. A new output
rather than a ``display_id`` update, because tools that replay the message stream (nbval) ignore updates.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
from IPython import display as ipy_display

from ._approval import ApprovalCard, comm_route
from ._base import Decision, LiveView
from ._html import CARD_STYLE, markdown_to_html, outcome_html
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

__all__ = ["WidgetView"]

_WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


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
        self.approvals = widgets.VBox()
        self.box = widgets.VBox(
            [
                self.header,
                self.reasoning_box,
                self.cards,
                self.approvals,
                self.answer,
                self.notice,
                self.usage,
            ]
        )
        self._card_widgets: dict[str, widgets.HTML] = {}
        # what each card shows, so an unchanged card is not rendered again
        self._card_markdown: dict[str, str] = {}
        self._partial_images: dict[str, str] = {}  # item id -> latest partial image (base64)
        self._display_id: str | None = None
        self._last_answer = ""

    def on_event(self, event: Any, snapshot: Callable[[], Any]) -> None:
        """One stream event; partial images are kept from their events (snapshots do not carry them)."""
        if getattr(event, "type", "") == "response.image_generation_call.partial_image":
            item_id, image = getattr(event, "item_id", None), getattr(event, "partial_image_b64", None)
            if item_id and image:
                self._partial_images[item_id] = image
        super().on_event(event, snapshot)

    def ask_approval(self, name: str, arguments: str) -> Decision | None:
        """Ask with Run / Run all / Deny buttons in the view, where the kernel can take the click meanwhile."""
        card = ApprovalCard(name, arguments)
        route = comm_route(card.comms)
        if route is None:
            card.close()
            return None
        # Also said as text, for a frontend that cannot draw the buttons (no widget manager): it knows why the
        # cell waits, and how to stop it.
        waiting = (
            f"Waiting for approval of `{name}`: Run, Run all or Deny above (interrupt the kernel to stop)."
        )
        handle = self._display.display(
            {"text/markdown": waiting, "text/plain": waiting}, raw=True, display_id=True
        )
        try:
            with route:  # routed before it shows, so that no click can come first
                self._set_header(f"waiting for approval of {name}…")
                self.approvals.children = (*self.approvals.children, card.box)
                return card.wait()
        finally:  # answered or interrupted: the question goes; the call's own card shows what happened
            self.approvals.children = tuple(c for c in self.approvals.children if c is not card.box)
            card.close()
            if getattr(handle, "display_id", None) is not None:
                self._display.update_display({"text/plain": ""}, raw=True, display_id=handle.display_id)

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
        cards = [c.markdown() for c in self.local_calls]
        known = {self._last_answer: self.answer.value} if self._last_answer else {}
        static = {"text/html": outcome_html(outcome, items=items, local_cards=cards, known=known),
                  "text/markdown": outcome_markdown(outcome, items=items, local_cards=cards),
                  "text/plain": outcome_text(outcome, items=items)}  # fmt: skip
        if self._display_id is not None:
            self._display.update_display({"text/plain": ""}, raw=True, display_id=self._display_id)
        self._display.display(self._bundle(static), raw=True)

    # ----- helpers -----

    def _bundle(self, static: dict[str, str] | None) -> dict[str, Any]:
        view = {"version_major": 2, "version_minor": 0, "model_id": self.box.model_id}
        if static is None:
            return {_WIDGET_MIME: view, "text/plain": ""}  # blank, as it is once the turn ends
        return {_WIDGET_MIME: view, **static}

    def _set_header(self, status: str) -> None:
        where = (
            f" · thread <code style='font-size:inherit'>{html.escape(self.thread)}</code>"
            if self.thread
            else ""
        )
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
        cards = [
            (
                str(item.get("id") or f"#{n}"),
                item_markdown(item, partial_image=self._partial_images.get(item.get("id") or "")),
            )
            for n, item in enumerate(items)
        ]
        cards += [(f"local:{call.call_id}", call.markdown()) for call in self.local_calls]
        children_changed = False
        for key, card in cards:
            if not card:
                continue
            widget = self._card_widgets.get(key)
            if widget is None:
                widget = self._card_widgets[key] = widgets.HTML()
                children_changed = True
            if self._card_markdown.get(key) != card:  # an image card is megabytes: render it once
                self._card_markdown[key] = card
                widget.value = f"<div style='{CARD_STYLE}'>{markdown_to_html(card)}</div>"
        if children_changed:
            self.cards.children = tuple(
                self._card_widgets[k] for k, card in cards if card and k in self._card_widgets
            )
