"""The live ipywidgets view: a header, collapsed reasoning, one card per tool call and the streaming answer.

While the turn streams, the view sends the frontend little: each finished block of the answer goes once into a
widget of its own, and only the block being written is sent again at each refresh (`GrowingMarkdown`), within a
budget of bytes per character of answer. When the turn ends, the output is replaced *in place* (by its display
id) with the static bundle of the final state (`outcome_bundle`: safe HTML, Markdown and plain text) and the
widgets are closed: a saved notebook shows the answer, the usage and the tool cards in every frontend, nbconvert
and GitHub included, without widget JavaScript.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
from IPython import display as ipy_display
from ipywidgets.widgets.widget_string import HTMLMathStyle, HTMLStyle

from nbresponses.types.events import ResponseImageGenCallPartialImageEvent

from . import _theme
from ._approval import ApprovalCard, comm_route
from ._base import Decision, LiveView
from ._blocks import GrowingMarkdown
from ._bundle import outcome_bundle
from ._cards import LocalCall
from ._html import Rendered, join_rendered, markdown_to_html, render_markdown, text_html
from ._markdown import answer_markdown, item_markdown, reasoning_text
from ._outcome import TurnOutcome

__all__ = ["LIVE_ALLOWANCE", "LIVE_BYTES_PER_CHAR", "WidgetView"]

_WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
LIVE_BYTES_PER_CHAR = 2.5
"""While streaming, the view sends at most this many bytes per character of text shown (plus the allowance)..."""
LIVE_ALLOWANCE = 6_000
"""... so that short answers refresh at the full rate."""
# The growing block is shown at least once a second, within a budget of its own: at a model's pace (50 words a
# second) re-sending the tail each second regardless came to 11.5 bytes a character in magic_render.py.
_TAIL_FLOOR_S = 1.0
_FLOOR_BYTES_PER_CHAR = 3.0
_MIN_PIECE = 1200  # characters of finished blocks gathered into one widget (each widget costs ~600 bytes)
_PIECE_INTERVAL_S = 0.5  # a new piece costs a message besides the tail's: at most two a second
_MESSAGE_BYTES = 160  # what a comm message costs besides its value
_WAITING = (
    "nbresponses: streaming into a live view (ipywidgets); the final answer replaces it when the turn ends."
)


class _GrowingText:
    """A growing Markdown text as HTMLMath widgets: finished pieces sent once, the rest re-sent.

    ``place`` puts the pieces and the tail (in order) wherever they show: the view's own box for the answer (no
    box of their own: each widget is a model the frontend is sent, opened and closed), the reasoning's box.
    """

    def __init__(
        self,
        layout: widgets.Layout,
        style: Any,
        clock: Callable[[], float],
        place: Callable[[tuple[widgets.Widget, ...]], None],
    ) -> None:
        self._clock = clock
        self._last_piece = -1e9
        self.text: GrowingMarkdown[Rendered] = GrowingMarkdown(
            render_markdown, markdown_to_html, min_chunk=_MIN_PIECE
        )
        self._layout, self._style, self._place = layout, style, place
        self.tail = widgets.HTMLMath(layout=layout, style=style)
        self.pieces: list[widgets.HTMLMath] = []
        self._pending: list[str] = []  # rendered chunks waiting for their piece (at most two pieces a second)

    @property
    def shown(self) -> tuple[widgets.Widget, ...]:
        """The widgets of the text, in order: the finished pieces, then the tail."""
        return (*self.pieces, self.tail)

    def update(self, text: str, may_send: Callable[[int], bool]) -> int:
        """Show ``text`` (the whole text so far); returns the bytes sent."""
        sent = 0
        self._pending += [rendered.html for _, rendered in self.text.update(text)]
        if self.text.restarted:
            self.text.restarted = False
            self.clear()
            self._place(self.shown)
            self._pending = [rendered.html for _, rendered in self.text.chunks]
        new = bool(self._pending) and self._clock() - self._last_piece >= _PIECE_INTERVAL_S
        if new:
            self._last_piece = self._clock()
            piece = "".join(self._pending)
            self._pending = []
            self.pieces.append(widgets.HTMLMath(value=piece, layout=self._layout, style=self._style))
            sent += len(piece) + 3 * _MESSAGE_BYTES
        value = "".join(self._pending) + self.text.tail()
        if value != self.tail.value and (new or may_send(len(value) + _MESSAGE_BYTES)):
            self.tail.value = value  # before the new piece shows, so that no text shows twice
            sent += len(value) + _MESSAGE_BYTES
        if new:
            self._place(self.shown)
            sent += _MESSAGE_BYTES + 45 * len(self.pieces)
        return sent

    def whole(self, text: str) -> Rendered | None:
        """The copies of ``text`` from the pieces already rendered, when it is what was shown and cut exactly."""
        if text.startswith(self.text.text):
            self.text.update(text)  # the blocks that came after the last refresh: rendered now, nothing sent
        if text != self.text.text or not self.text.exact:
            return None
        tail = self.text.tail_source()
        return join_rendered(
            [r for _, r in self.text.chunks] + ([render_markdown(tail)] if tail.strip() else [])
        )

    def clear(self) -> None:
        """Empty and close the pieces (their state would otherwise be saved with the notebook)."""
        for piece in self.pieces:
            piece.value = ""
            piece.close()
        self.pieces, self._pending = [], []

    def close(self) -> None:
        """Empty and close every widget of the text."""
        self.clear()
        self.tail.value = ""
        self.tail.close()


def _shows_something(items: list[dict[str, Any]]) -> bool:
    """Whether the items have more to show than the header: text, reasoning, or a tool call's card."""
    return any(i.get("type") not in ("message", "reasoning") for i in items) or bool(
        answer_markdown(items) or reasoning_text(items)
    )


class WidgetView(LiveView):
    """A live view made of ipywidgets, replaced in place by the static output when the turn ends.

    The widgets are made when there is something to show besides the header (`_build`: answer or reasoning text,
    a tool call), and the output switches to them by its display id. Until then it is a header line of HTML, and
    a turn that ends sooner (a fast or cached answer) never opens a widget at all.
    """

    # Made by `_build`: a few widgets, and only those needed, since each is a model the kernel opens, sends and
    # closes (about 1 ms each, the most of a short turn's cost). One layout and one style serve them all; the
    # reasoning, the cards and the approval questions get their boxes when they first have something to show.
    header: widgets.HTMLMath
    answer: _GrowingText
    box: widgets.VBox
    _layout: widgets.Layout
    _style: HTMLMathStyle

    def __init__(
        self,
        *,
        refresh_per_second: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        display: Any = ipy_display,
    ) -> None:
        super().__init__(refresh_per_second=refresh_per_second, clock=clock)
        self._display = display
        self.built = False
        """Whether the widgets were made (at the first refresh with something to show)."""
        self._line = ""  # the header line shown before the widgets
        self._card_style: HTMLStyle | None = None
        self.reasoning: _GrowingText | None = None
        self.reasoning_box: widgets.Accordion | None = None
        self.cards: widgets.VBox | None = None
        self.approvals: widgets.VBox | None = None
        self._card_widgets: dict[str, widgets.HTML] = {}
        self._card_markdown: dict[
            str, str
        ] = {}  # what each card shows, so an unchanged card is not sent again
        self._partial_images: dict[str, str] = {}  # item id -> latest partial image (base64)
        self.display_id: str | None = None
        self.final_bundle: dict[str, str] | None = None
        """The static output the view ended with (re-sent with a mark if a re-run supersedes the turn)."""
        self.sent = 0
        """Bytes of widget values sent while streaming (what the budget counts)."""
        self._last_tail = -1e9

    def on_event(self, event: Any, snapshot: Callable[[], Any]) -> None:
        """One stream event; partial images are kept from their events, here only (a `Response` has none)."""
        if (
            isinstance(event, ResponseImageGenCallPartialImageEvent)
            and event.item_id
            and event.partial_image_b64
        ):
            self._partial_images[event.item_id] = event.partial_image_b64
        super().on_event(event, snapshot)

    def ask_approval(self, name: str, arguments: str, call_id: str = "") -> Decision | None:
        """Ask with Run / Run all / Deny buttons in the view, where the kernel can take the click meanwhile."""
        card = ApprovalCard(name)
        route = comm_route(card.comms)
        if route is None:
            card.close()
            return None
        # A frontend that cannot draw the buttons (no widget manager) shows the output's text: it says why the
        # cell waits and how to stop it.
        self._build()
        self._set_live_text(
            f"Waiting for approval of {name}: Run, Run all or Deny in the live view (interrupt the kernel to stop)."
        )
        try:
            with route:  # routed before it shows, so that no click can come first
                self._set_header(f"waiting for approval of {name}…")
                approvals = self._approvals()
                approvals.children = (*approvals.children, card.box)
                return card.wait()
        finally:  # answered or interrupted: the question goes; the call's own card shows what happened
            if self.approvals is not None:
                self.approvals.children = tuple(c for c in self.approvals.children if c is not card.box)
            card.close()
            self._set_live_text(_WAITING)

    # ----- what the base class calls -----

    def _show(self) -> None:
        self._line = self._header_html("waiting for the first token…")
        handle = self._display.display(
            {"text/html": self._line, "text/plain": _WAITING}, raw=True, display_id=True
        )
        self.display_id = getattr(handle, "display_id", None)

    def _refresh(self, items: list[dict[str, Any]], status: str) -> None:
        if not self.built and not self._calls and not _shows_something(items):
            line = self._header_html(status)
            if line != self._line and self.display_id is not None:
                self._line = line
                self._display.update_display(
                    {"text/html": line, "text/plain": _WAITING}, raw=True, display_id=self.display_id
                )
            return
        self._build()
        self._set_header(status)
        self._render_items(items)

    def _final(self, outcome: TurnOutcome, items: list[dict[str, Any]]) -> None:
        answer = answer_markdown(items)
        whole = self.answer.whole(answer) if self.built else None
        bundle = outcome_bundle(
            outcome,
            items=items,
            calls=self.local_calls,
            runs_tools=self.runs_tools,
            known={answer: whole} if whole else None,
            header=self.header_line(),
        )
        self.final_bundle = bundle
        if self.display_id is not None:
            self._display.update_display(bundle, raw=True, display_id=self.display_id)
        else:
            self._display.display(bundle, raw=True)
        if self.built:
            self._close()

    # ----- helpers -----

    def _build(self) -> None:
        """Make the widgets and show them in place of the header line (once)."""
        if self.built:
            return
        self.built = True
        self._layout = widgets.Layout()
        self._style = HTMLMathStyle()
        self.header = widgets.HTMLMath(layout=self._layout, style=self._style)
        self.answer = _GrowingText(self._layout, self._style, self.clock, lambda _: self._arrange())
        self.box = widgets.VBox([self.header, *self.answer.shown], layout=self._layout)
        view = {"version_major": 2, "version_minor": 0, "model_id": self.box.model_id}
        bundle = {_WIDGET_MIME: view, "text/plain": _WAITING}
        if self.display_id is not None:
            self._display.update_display(bundle, raw=True, display_id=self.display_id)
        else:
            handle = self._display.display(bundle, raw=True, display_id=True)
            self.display_id = getattr(handle, "display_id", None)

    def _arrange(self) -> None:
        """Put the view's parts in its box: header, reasoning, cards, approval questions, then the answer."""
        parts = (self.reasoning_box, self.cards, self.approvals)
        self.box.children = (self.header, *(p for p in parts if p is not None), *self.answer.shown)

    def _reasoning(self) -> _GrowingText:
        """The reasoning's text, in a collapsed box made when the first reasoning arrives."""
        if self.reasoning is None:
            inner = widgets.VBox(layout=self._layout)
            self.reasoning = _GrowingText(
                self._layout, self._style, self.clock, lambda shown: setattr(inner, "children", shown)
            )
            inner.children = self.reasoning.shown
            self.reasoning_box = widgets.Accordion(
                children=[inner], titles=("Reasoning summary",), layout=self._layout
            )
            self.reasoning_box.selected_index = None
            self._arrange()
        return self.reasoning

    def _cards(self) -> widgets.VBox:
        if self.cards is None:
            self.cards = widgets.VBox(layout=self._layout)
            self._arrange()
        return self.cards

    def _approvals(self) -> widgets.VBox:
        if self.approvals is None:
            self.approvals = widgets.VBox(layout=self._layout)
            self._arrange()
        return self.approvals

    def _new_card(self) -> widgets.HTML:
        if self._card_style is None:
            self._card_style = HTMLStyle()
        return widgets.HTML(layout=self._layout, style=self._card_style)

    def header_line(self) -> str:
        """``model · thread NAME``: the first line of the static output."""
        return self.model + (f" · thread {self.thread}" if self.thread else "")

    def _set_live_text(self, text: str) -> None:
        if self.display_id is not None:
            view = {"version_major": 2, "version_minor": 0, "model_id": self.box.model_id}
            self._display.update_display(
                {_WIDGET_MIME: view, "text/plain": text}, raw=True, display_id=self.display_id
            )

    def _header_html(self, status: str) -> str:
        where = f" · thread <code>{html.escape(self.thread)}</code>" if self.thread else ""
        return (
            f"<div style='{_theme.SMALL_MUTED}'><b>{html.escape(self.model)}</b>{where} · "
            f"{text_html(status)}</div>"
        )

    def _set_header(self, status: str) -> None:
        value = self._header_html(status)
        if value != self.header.value:  # each changed value is one comm message to the frontend
            self.header.value = value
            self.sent += len(value) + _MESSAGE_BYTES

    def _may_send(self, cost: int) -> bool:
        """Whether the growing block may be sent again now: within the byte budget, or not sent for a while."""
        shown = len(self.answer.text.text) + (len(self.reasoning.text.text) if self.reasoning else 0)
        now = self.clock()
        if self.sent + cost <= LIVE_BYTES_PER_CHAR * shown + LIVE_ALLOWANCE or (
            now - self._last_tail >= _TAIL_FLOOR_S
            and self.sent + cost <= _FLOOR_BYTES_PER_CHAR * shown + LIVE_ALLOWANCE
        ):
            self._last_tail = now
            return True
        return False

    def _render_items(self, items: list[dict[str, Any]]) -> None:
        self.sent += self.answer.update(answer_markdown(items), self._may_send)
        reasoning = reasoning_text(items)
        if reasoning:
            self.sent += self._reasoning().update(reasoning, self._may_send)
        self._render_cards(items)

    def _render_cards(self, items: list[dict[str, Any]]) -> None:
        calls = {call.call_id: call for call in self.local_calls}
        cards: list[tuple[str, str]] = []
        for n, item in enumerate(items):
            function = item.get("type") == "function_call" and bool(item.get("call_id"))
            call = calls.pop(str(item.get("call_id")), None) if function else None
            key = f"call:{item['call_id']}" if function else str(item.get("id") or f"#{n}")
            image = self._partial_images.get(item.get("id") or "")
            cards.append(
                (key, item_markdown(item, partial_image=image, call=call, runs_tools=self.runs_tools))
            )
        cards += [(f"call:{c.call_id}", self._orphan_card(c)) for c in calls.values()]
        children_changed = False
        for key, card in cards:
            if not card:
                continue
            widget = self._card_widgets.get(key)
            if widget is None:
                widget = self._card_widgets[key] = self._new_card()
                children_changed = True
            if self._card_markdown.get(key) != card:  # an image card is megabytes: render it once
                self._card_markdown[key] = card
                widget.value = f"<div style='{_theme.CARD}'>{markdown_to_html(card)}</div>"
                self.sent += len(widget.value) + _MESSAGE_BYTES
        if children_changed:
            self._cards().children = tuple(
                self._card_widgets[k] for k, card in cards if card and k in self._card_widgets
            )

    def _orphan_card(self, call: LocalCall) -> str:
        item = {
            "type": "function_call",
            "name": call.name,
            "arguments": call.arguments,
            "call_id": call.call_id,
        }
        return item_markdown(item, call=call, runs_tools=self.runs_tools)

    def _close(self) -> None:
        """Close every widget of the view: the static output replaced it, and no state should be saved."""
        self.answer.close()
        if self.reasoning is not None:
            self.reasoning.close()
        for widget in self._card_widgets.values():
            widget.value = ""
        optional = (self._reasoning_inner(), self.reasoning_box, self.cards, self.approvals, self._card_style)
        for widget in (
            *self._card_widgets.values(), *(w for w in optional if w is not None), self.header, self.box,
            self._layout, self._style,
        ):  # fmt: skip
            widget.close()

    def _reasoning_inner(self) -> widgets.Widget | None:
        return self.reasoning_box.children[0] if self.reasoning_box is not None else None
