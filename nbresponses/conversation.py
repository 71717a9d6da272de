"""Conversations that fit notebooks: threads, re-runs that replace a cell's turn, and a log that survives restarts.

`Conversation` is the plain-Python API the ``%%respond`` magic is built on (the seed docs' ``ConversationManager``
done right). Every turn is written to a `HistoryStore` before it is sent and closed with its final or partial
response, so nothing is lost and a failed or interrupted turn never becomes the parent of the next one.

Context travels one of two ways, chosen per thread:

- ``server`` (default): ``previous_response_id`` of the parent turn; the server keeps the items.
- ``client``: ``store=false`` and the whole active path's items are resent (with reasoning's
  ``encrypted_content`` for reasoning models). A gateway that rejects ``previous_response_id`` or storage
  switches the thread to client state once, with a notice, and the request is retried: the seed gateways'
  ``invalid_previous_response_id`` and ``previous_response_not_found`` codes are enough, whatever the message's
  language. The refused request is then no turn of the history (its row is discarded): the resent one is. A
  gateway that answers but did not keep the response (it echoes ``store: false`` when true was sent, or
  ``previous_response_id: null`` when one was sent) is detected after the turn, and the thread switches too.

A model answered through the Chat Completions bridge (``Client(api="chat")``, or auto mode's fallback) always
uses client state: a chat endpoint keeps nothing, so ``previous_response_id`` is never sent to it.

A thread changes to client state only when an answer sent that way arrived (a completed or incomplete turn),
and says so then, once. A turn that fails or is interrupted on the way (a bridge with no chat route, a gateway
error, Ctrl-C) leaves the thread's mode and head as they were: the next turn tries again as the thread stands.

In client state the context is read from the history once and then extended turn by turn (a finished turn's
items never change), and each turn's row logs its own items only, not the context again: a long thread costs
time and disk in proportion to what it sends, not to its square.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ._exceptions import (
    APIStatusError,
    BridgeStateError,
    HistoryError,
    NBResponsesError,
    ResponseFailedError,
    StreamError,
)
from ._thread_state import include_encrypted_reasoning, prompt_text, user_items, wants_client_state
from .store import DEFAULT_THREAD, HeadMoved, HistoryStore, ThreadBusy, ThreadMode, TurnRecord, TurnStatus

if TYPE_CHECKING:
    from .client import Client
    from .pricing import PriceTable
    from .transports.stream import ResponseStream
    from .types.events import ResponseStreamEvent
    from .types.response import Response

__all__ = ["DEFAULT_MODEL", "Conversation", "EventHandler", "wants_client_state"]

logger = logging.getLogger(__name__)

DEFAULT_MODEL = "gpt-4.1"
"""The model of a turn that names none (the magic's ``RespondMagics.model`` default too)."""

EventHandler = Callable[["ResponseStreamEvent", Callable[[], "Response"]], None]
"""Called with each stream event and a function giving the response so far (safe to call from another thread,
as a live view's trailing refresh does)."""


class Conversation:
    """One named thread of a notebook, continued turn by turn.

    Args:
        client: the `Client` requests go through.
        store: the history log; defaults to the user-level SQLite file (``default_history_path()``).
        notebook: the key of the notebook (its path, or the kernel id); scripts get ``"script"``.
        thread: the thread name. In a script (``notebook="script"``) an unnamed conversation starts a thread of
            its own, so two scripts (or two runs) never continue each other; name it to continue one.
        mode: ``"server"`` or ``"client"`` state; None keeps the thread's recorded mode.
        prices: the price table used to log estimated cost (None: no cost logged).
        defaults: request parameters sent with every turn (``model``, ``instructions``, ``tools`` ...);
            ``model`` defaults to `DEFAULT_MODEL`, as in the magic.

    Example::

        chat = Conversation(Client(), model="gpt-4.1")
        chat.send("My name is Ada.")
        print(chat.send("What is my name?").output_text)
    """

    def __init__(
        self,
        client: Client,
        *,
        store: HistoryStore | None = None,
        notebook: str = "script",
        thread: str | None = None,
        mode: ThreadMode | None = None,
        prices: PriceTable | None = None,
        **defaults: Any,
    ) -> None:
        self.client = client
        self.store = store if store is not None else HistoryStore()
        self.notebook = notebook
        if thread is None:
            thread = f"script-{uuid.uuid4().hex[:12]}" if notebook == "script" else DEFAULT_THREAD
        self.thread = thread
        self.prices = prices
        self.defaults = {"model": DEFAULT_MODEL, **defaults}
        self.notices: list[str] = []
        self.last_turn: TurnRecord | None = None
        self.open_turn: int | None = None
        """The id of a turn begun and not yet closed in the history (a write failed while it ran)."""
        self.on_wait: Callable[[str], None] | None = None
        """Told once per turn when it waits for another process's turn on the same thread."""
        self.first_token_at: float | None = None
        """When the first delta of the last `send`'s stream arrived (``time.time()``); None if none did."""
        self.last_response: Response | None = None
        """The last `send`'s response: the final one, or the partial one of a request that failed or was
        interrupted (None if nothing arrived). The same object the history row was closed with."""
        self._sent_previous_id = False
        self._attempt: int | None = None  # the history row of the last request sent
        self._resend = False  # this turn goes in client state though the thread is in server state (a retry)
        # (store, turn id, the client-state context through that turn): see _context_through.
        self._context: tuple[HistoryStore | None, int | None, list[Any]] = (None, None, [])
        if mode is not None:
            self.store.set_mode(notebook, thread, mode)

    @property
    def mode(self) -> ThreadMode:
        """How this thread carries context: ``"server"`` or ``"client"``."""
        return self.store.thread_mode(self.notebook, self.thread)

    def send(
        self,
        input: str | Iterable[Any],
        *,
        cell_id: str | None = None,
        on_event: EventHandler | None = None,
        stream: bool = True,
        prompt: str | None = None,
        continues: bool = False,
        **params: Any,
    ) -> Response:
        """Send one turn and return its response.

        Args:
            input: the user's text, a list of content parts, or a list of input items.
            cell_id: the notebook cell making the turn; re-sending from the same cell replaces its turn.
            on_event: called with each stream event and a function giving the response so far (live views).
            stream: stream the response (False sends one JSON request).
            prompt: the text logged as the turn's prompt (defaults to the input's first text).
            continues: continue from the thread's head even if ``cell_id`` has a turn there (a tool round
                of the same cell, not a re-run).
            params: request parameters for this turn, over the conversation's defaults.

        Raises:
            NBResponsesError: the API error or broken stream, after the turn was logged as failed.
            KeyboardInterrupt: after the partial turn was logged as interrupted.
        """
        self.first_token_at = self.last_response = None
        items = user_items(input)
        model = {**self.defaults, **params}.get("model")
        route = self._api_for(model)
        # Why this turn goes in client state while the thread is in server state; the thread switches (and
        # says so) once an answer sent that way arrived, never on a failed or interrupted turn.
        switch = self._client_state_reason({**self.defaults, **params}) if self.mode == "server" else None
        turn_args: dict[str, Any] = {
            "cell_id": cell_id,
            "continues": continues,
            "on_event": on_event,
            "stream": stream,
            "prompt": prompt,
            "params": params,
        }
        try:
            response, switch = self._send_once(items, model, switch, turn_args)
        except BaseException as error:
            if route != "chat" and self._api_for(model) == "chat" and not isinstance(error, BridgeStateError):
                self._fell_back(
                    str(model), answered=False
                )  # the refusal is remembered though this turn failed
            raise
        if route != "chat" and self._api_for(model) == "chat":
            self._fell_back(str(model))  # the bridge answered for the first time: one notice says it all
        elif switch is not None:
            self._to_client_state(switch)
        elif self.mode == "server":
            self._check_stored(response, sent_previous=self._sent_previous_id,
                               sent_store=params.get("store", self.defaults.get("store")) is not False)  # fmt: skip
        return response

    def _send_once(
        self, items: list[Any], model: Any, switch: str | None, turn_args: dict[str, Any]
    ) -> tuple[Response, str | None]:
        """The turn, resent once in client state when the first request proved it must carry the thread's items;
        with the notice of the thread's switch to client state, if the turn makes one.

        The first request's row is then discarded: the resent one is the turn (the user saw one answer), so the
        refused attempt is neither a failed turn in the history nor a request in the usage and turn numbers.
        """
        try:
            return self._turn(items, **turn_args), switch
        except (APIStatusError, BridgeStateError) as error:
            sent_previous = self._sent_previous_id and self.mode == "server"
            if switch is not None or self.mode == "client":
                raise  # the turn was already sent with the thread's items
            if not wants_client_state(error, sent_previous_id=sent_previous):
                raise
            if isinstance(error, BridgeStateError) and error.param == "conversation":
                raise  # a server-side Conversation cannot be bridged; client state would not change that
            if isinstance(error, BridgeStateError):
                reason = (
                    f"{model} now answers through the Chat Completions bridge, which keeps no conversation"
                )
            else:
                reason = (
                    f"The server did not accept stored conversation state ({error.status} "
                    f"{error.code or error.__class__.__name__})"
                )
            switch = (
                f"{reason}; thread {self.thread!r} now resends its history with each request (store=false)."
            )
            self._discard_attempt()
            self._resend = True
            try:
                return self._turn(items, **turn_args), switch
            finally:
                self._resend = False

    def _discard_attempt(self) -> None:
        """Remove the failed row of the request `_send_once` is about to resend (it stays if it cannot go)."""
        turn = self.last_turn
        if turn is None or turn.id != self._attempt or turn.status != "failed":
            return  # its row could not be closed (a history write failed): leave it to the usual repair
        try:
            self.store.discard_turn(turn.id)
        except (HistoryError, LookupError, ValueError):
            return  # kept as a failed row: nothing is lost, the history shows one attempt more
        self.last_turn = None

    def _api_for(self, model: Any) -> str | None:
        api_for = getattr(self.client, "api_for", None)
        return api_for(model) if callable(api_for) and isinstance(model, str) else None

    def _client_state_reason(self, body: Mapping[str, Any]) -> str | None:
        """Why a request of this server-state thread must carry its items (None: it continues by id).

        A response the server does not keep (``store=false``) cannot be continued by id, and a chat endpoint
        keeps nothing. A server-side Conversation holds the context itself.
        """
        if body.get("conversation"):
            return None
        if body.get("store") is False:
            return f"store=false: thread {self.thread!r} now resends its history with each request."
        model = body.get("model")
        if self._api_for(model) == "chat":
            return (
                f"{model} answers through the Chat Completions bridge, which keeps no conversation: "
                f"thread {self.thread!r} now resends its history with each request."
            )
        return None

    def _to_client_state(self, notice: str) -> None:
        self.store.set_mode(self.notebook, self.thread, "client")
        self.notices.append(notice)

    def _fell_back(self, model: str, *, answered: bool = True) -> None:
        """Auto mode sent ``model`` to the bridge for the first time: say so once, and (once an answer came
        through it) keep the thread client-side. A turn that failed on the bridge leaves the thread as it was,
        but the route is remembered all the same, so it is said then."""
        where = getattr(self.client, "base_url", "this endpoint")
        if not answered:
            self.notices.append(
                f"{where} does not serve {model} on /v1/responses, so nbresponses sends it through the Chat "
                "Completions bridge (/chat/completions) from now on, also after a restart (--api responses to "
                "try again)."
            )
            return
        notice = (
            f"{where} does not serve {model} on /v1/responses, so this answer came through the Chat Completions "
            "bridge (/chat/completions); nbresponses uses it for this model from now on, also after a restart "
            "(--api responses to try again)."
        )
        if self.mode == "server":
            self.store.set_mode(self.notebook, self.thread, "client")
            notice += f" Thread {self.thread!r} resends its history with each request."
        self.notices.append(notice)

    def _check_stored(self, response: Response, *, sent_previous: bool, sent_store: bool) -> None:
        """A gateway that answered without keeping the response (or without the previous one) cannot chain."""
        echoed = response.model_fields_set
        if sent_previous and "previous_response_id" in echoed and response.previous_response_id is None:
            self._to_client_state(
                "The gateway answered previous_response_id: null, so it ignored the thread's earlier turns: "
                f"thread {self.thread!r} now resends its history with each request. Run this cell again for an "
                "answer that knows them."
            )
        elif sent_store and "store" in echoed and response.store is False:
            self._to_client_state(
                "The gateway did not store the response (it answered store: false), so it cannot be continued "
                f"by id: thread {self.thread!r} now resends its history with each request."
            )

    def request_body(
        self, items: list[Any], parent: TurnRecord | None, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The request a turn sends after ``parent``: defaults, parameters and the thread's context."""
        body: dict[str, Any] = {**self.defaults, **params}
        if body.get("conversation"):
            # A server-side Conversation holds the context itself (the API refuses previous_response_id with it).
            body["input"] = items
            body.pop("previous_response_id", None)
        elif self.mode == "client" or self._resend or self._client_state_reason(body) is not None:
            body["input"] = [*(self._context_through(parent) if parent else ()), *items]
            body["store"] = False
            body.pop("previous_response_id", None)
            include_encrypted_reasoning(body)
        else:
            body["input"] = items
            if parent is not None and parent.response_id:
                body["previous_response_id"] = parent.response_id
        return body

    def _context_through(self, parent: TurnRecord) -> list[Any]:
        """The client-state context ending with ``parent``'s items; decodes only the turns not seen before."""
        store, turn_id, context = self._context
        if store is not self.store or turn_id != parent.id:
            if store is self.store and turn_id is not None and turn_id == parent.parent_id:
                # The usual case, the turn after the one cached: a finished turn's items never change.
                context = [*context, *parent.input_items, *parent.output_items]
            else:  # a first turn, a re-run, a fork, another writer's turns: read the whole path
                context = self.store.context_items(parent.id)
            self._context = (self.store, parent.id, context)
        return context

    def _begin(
        self,
        items: list[Any],
        *,
        cell_id: str | None,
        continues: bool,
        prompt: str | None,
        params: Mapping[str, Any],
    ) -> tuple[TurnRecord, dict[str, Any]]:
        """Log the turn as running and return it with the request body built on the thread's current head.

        Another kernel on the same thread is waited for (its turn must be in this one's context), and a head
        that moves meanwhile means building the request again: turns append in order.
        """
        self.open_turn = (
            None  # a row an earlier turn could not close stays open: never write this turn onto it
        )
        waits = 0
        while True:
            head = self.store.head_id(self.notebook, self.thread)
            parent = self.store.parent_for(
                self.notebook, self.thread, None if continues else cell_id, head_id=head
            )
            body = self.request_body(items, parent, params)
            resent = len(body["input"]) - len(
                items
            )  # client state: the context, already logged with its turns
            try:
                turn = self.store.begin_turn(
                    self.notebook,
                    self.thread,
                    parent_id=parent.id if parent else None,
                    cell_id=cell_id,
                    prompt=prompt if prompt is not None else prompt_text(items),
                    request={**body, "input": body["input"][resent:]} if resent else body,
                    input_items=items,
                    expected_head=head,
                )
            except HeadMoved:
                continue
            except ThreadBusy as busy:
                if waits == 0 and self.on_wait is not None:
                    self.on_wait(
                        f"Thread {self.thread!r} is answering in another process (pid {busy.owner.pid}): this "
                        "turn waits for it, so that its answer is in the context. Ctrl-C stops waiting."
                    )
                waits += 1
                time.sleep(min(0.2, 0.005 * waits))
                continue
            self.open_turn = turn.id
            return turn, body

    def _finish(self, turn_id: int, **fields: Any) -> None:
        self.last_turn = self.store.finish_turn(turn_id, **fields)
        self.open_turn = None

    def close_open_turn(self, status: TurnStatus, error: BaseException | None) -> bool:
        """Close a turn left running by a failed history write; False if the history still cannot be written."""
        if self.open_turn is None:
            return True
        try:
            self._finish(self.open_turn, status=status, error=error)
        except Exception:  # whatever the history raises, the turn must still end (its row stays open)
            logger.debug("The open turn's history row could not be closed", exc_info=True)
            return False
        return True

    def _turn(
        self,
        items: list[Any],
        *,
        cell_id: str | None,
        continues: bool,
        on_event: EventHandler | None,
        stream: bool,
        prompt: str | None,
        params: Mapping[str, Any],
    ) -> Response:
        turn, body = self._begin(items, cell_id=cell_id, continues=continues, prompt=prompt, params=params)
        self._attempt = turn.id
        self._sent_previous_id = "previous_response_id" in body
        self.first_token_at = self.last_response = None
        live: ResponseStream | None = None
        try:
            if not stream:
                response = self.client.responses.create(stream=False, **body)
            else:
                with self.client.responses.stream(**body) as events:
                    live = events
                    first: float | None = None
                    for event in events:
                        if first is None and event.type.endswith(".delta"):
                            first = self.first_token_at = time.time()
                        if on_event is not None:
                            on_event(event, events.snapshot)
                    response = events.get_final_response()
                    self.notices.extend(getattr(events, "notices", ()))
        except BaseException as error:
            partial = error.response if isinstance(error, (StreamError, ResponseFailedError)) else None
            if partial is None and live is not None and live.response_id:
                partial = live.snapshot()
            self.last_response = partial
            status: TurnStatus = "interrupted" if isinstance(error, KeyboardInterrupt) else "failed"
            if status == "interrupted" and body.get("background") and partial is not None and partial.id:
                self._cancel(partial.id)
            try:
                self._finish(
                    turn.id, status=status, response=partial, error=error, first_token_at=self.first_token_at
                )
            except HistoryError as history:  # the turn's own error matters more; say the history failed too
                self.notices.append(str(history))
            except (
                Exception
            ) as history:  # a bug or a raw sqlite3 error: the turn still ends with its own error
                self.notices.append(f"The history could not be written: {history!r}")
            raise
        self.last_response = response
        from .types.response import end_status

        try:
            self._finish(
                turn.id,
                status=end_status(response.status),
                response=response,
                cost_usd=self.prices.cost(response.model, response.usage)
                if self.prices is not None
                else None,
                first_token_at=self.first_token_at,
            )
        except HistoryError as error:
            error.response = response  # the answer arrived: it is shown and returned, though not logged
            raise
        return response

    def _cancel(self, response_id: str) -> None:
        # Best effort: the interrupt must win even if the server cannot be reached.
        try:
            self.client.responses.cancel(response_id)
            self.notices.append(f"Cancelled background response {response_id} on the server.")
        except NBResponsesError as error:
            self.notices.append(f"Could not cancel background response {response_id}: {error}")

    def reset(self) -> None:
        """Start the thread afresh (earlier turns stay in the history)."""
        self.store.reset(self.notebook, self.thread)

    def fork(self, source: int | str, new_thread: str) -> Conversation:
        """A new thread continuing from ``source`` (a response id, cell id or turn id)."""
        self.store.fork(self.notebook, source, new_thread)
        return Conversation(
            self.client,
            store=self.store,
            notebook=self.notebook,
            thread=new_thread,
            prices=self.prices,
            **self.defaults,
        )

    def history(self) -> list[TurnRecord]:
        """Every turn of this thread, in the order they started (superseded ones included)."""
        return self.store.history(self.notebook, self.thread)

    def active_path(self) -> list[TurnRecord]:
        """The turns the next request continues, oldest first."""
        return self.store.active_path(self.notebook, self.thread)
