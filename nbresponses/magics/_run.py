"""One ``%%respond`` turn: input, request, live view, conversation, tool loop, structured output, result binding.

Before anything is sent, the cell is checked: a bad option or input is one ``UsageError`` line and nothing is
sent. Then the turn runs inside a `TurnLifecycle` (a context manager, like rich's ``Live``): whatever raises in
it, the view ends in a final state (completed, incomplete, error or interrupted), the history row is closed with
that status, one message says what happened, and ``_r`` names this turn's response, final or partial (or is
unset when the turn got none, so that it never names an earlier cell's answer).
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any, Literal

from IPython.core.error import UsageError

from nbresponses._exceptions import NBResponsesError
from nbresponses.structured import StructuredOutputError

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

    from nbresponses.conversation import Conversation
    from nbresponses.pricing import PriceTable
    from nbresponses.render import Decision, LiveView, TurnOutcome
    from nbresponses.tools import Tool, ToolCall, ToolResult
    from nbresponses.types.response import Response

    from ._magic import RespondMagics
    from ._options import RespondOptions

__all__ = [
    "RESULT_NAME",
    "TurnFailed",
    "TurnInterrupted",
    "TurnLifecycle",
    "UnexpectedError",
    "ask_with_input",
    "run_turn",
]

RESULT_NAME = "_r"
"""The user-namespace name bound to the last turn's `Response` (like ``_`` for the last output)."""

logger = logging.getLogger("nbresponses")


class TurnFailed(Exception):
    """Raised after an error was shown in the cell, so that Run All stops; IPython prints one line."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error

    def _render_traceback_(self) -> list[str]:
        # IPython shows these lines instead of a traceback.
        return [f"\x1b[31m%%respond stopped: {type(self.error).__name__}. The message is shown above.\x1b[0m"]


_INTERRUPTED = "Interrupted: the partial answer is kept above; the thread is unchanged."


class TurnInterrupted(KeyboardInterrupt):
    """Kernel interrupt during a turn: the partial answer stays on screen, marked interrupted."""

    def __init__(
        self, message: str = "Interrupted: the partial answer is kept above; the thread is unchanged."
    ) -> None:
        super().__init__(message)
        self.message = message

    def _render_traceback_(self) -> list[str]:
        return [f"\x1b[33m{self.message}\x1b[0m"]


class UnexpectedError(NBResponsesError):
    """An exception nbresponses did not expect inside a turn (a bug, or a library failing): shown in one line."""

    def __init__(self, error: BaseException) -> None:
        first = (str(error).strip().splitlines() or [""])[0][:300]
        super().__init__(f"{type(error).__name__}{': ' + first if first else ''}")
        self.error = error

    @property
    def hint(self) -> str:
        """What to do about it."""
        return "The turn was closed as failed. This is likely a bug in nbresponses: `%tb` shows the details."


def show_notices(notices: list[str]) -> None:
    """Show and clear pending notices (a quote each; ``Note: ...`` as plain text in a terminal)."""
    from ._subcommands import show_markdown

    while notices:
        show_markdown(f"**Note:** {notices.pop(0)}", kind="note")


def _check_budget(
    magics: RespondMagics,
    options: RespondOptions,
    store: Any,
    prices: PriceTable,
    *,
    between_rounds: bool = False,
) -> None:
    """Stop before a request once the notebook's estimated spend (from the history) reaches the budget.

    Before a turn it also queues, once each, the warning at 80% and the models whose cost the budget cannot
    count. Between the rounds of a tool loop it only stops.

    Raises:
        UsageError: the budget is reached before the turn: nothing is sent.
        BudgetExceeded: it was reached between two tool rounds (an API-like error: the view shows it).
    """
    budget = options.budget if options.budget is not None else magics.budget_usd
    if budget is None:
        return
    from nbresponses.pricing.budget import BudgetExceeded

    try:
        notices = magics.session.budget_guard.check(
            store.usage_rows(magics.session.notebook), budget_usd=budget, prices=prices,
            model=options.model or magics.model, between_rounds=between_rounds,
        )  # fmt: skip
    except BudgetExceeded as error:
        if between_rounds:
            raise
        raise UsageError(str(error)) from None
    magics.session.notices.extend(notices)


def ask_with_input(call: ToolCall, *, shown: bool = False) -> Decision:
    """Ask with ``input()`` (a text box in Jupyter, a prompt in a terminal).

    ``shown``: the call's card (with its arguments) is on screen, so the question does not repeat them.
    """
    what = call.name if shown else f"{call.name}({call.arguments})"
    answer = input(f"Run {what}? [y]es / [a]ll in this cell / [N]o: ")
    choice = answer.strip().lower()
    if choice in ("a", "all"):
        return "run_all"
    return "run" if choice in ("y", "yes") else "deny"


class TurnLifecycle:
    """One cell's turn as a context manager: the live view, the history row and ``_r`` always end in a final state.

    ``complete`` ends a turn that got its response. Leaving the block by an exception ends it too: Ctrl-C as
    *interrupted* (`TurnInterrupted` is raised), an `NBResponsesError` or any other exception as *error* (shown
    in the view with the partial answer; `TurnFailed` is raised unless ``RespondMagics.raise_on_error`` is off).
    A history row the conversation could not close (a failed write) is closed here, or said to be open.
    """

    def __init__(
        self,
        magics: RespondMagics,
        options: RespondOptions,
        conversation: Conversation,
        *,
        namespace: dict[str, Any],
        cell_id: str | None = None,
    ) -> None:
        from nbresponses.render import make_view

        self.magics, self.options, self.conversation = magics, options, conversation
        self.namespace, self.cell_id = namespace, cell_id
        self.view: LiveView | None = None
        if not options.quiet:
            from ._format import view_mode

            mode = view_mode(options, magics.display)
            self.view = make_view(mode, refresh_per_second=magics.refresh_per_second)
        self.started = time.time()
        self.first_token: float | None = None
        """When this cell's first answer began (its first request that streamed text)."""
        self.responses: list[Response] = []
        self.turn_ids: list[int] = []  # the history rows of this turn's requests
        self.approve_rest = False  # "Run all" was chosen for this cell's calls
        self.sent = False  # a request was begun: the conversation's last response is this turn's
        self.ended = False
        self._last_turn_before = conversation.last_turn

    # ----- the lifecycle -----

    def start(self, *, model: str, thread: str, runs_tools: bool = False) -> TurnLifecycle:
        """Show the empty view; use the returned lifecycle in a ``with`` block."""
        if self.view is not None:
            self.view.start(model=model, thread=thread, runs_tools=runs_tools)
        return self

    def __enter__(self) -> TurnLifecycle:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> bool:
        from nbresponses.render import TurnOutcome

        if error is None:
            if not self.ended:  # a block that returned without completing: show what there is
                last = self.responses[-1] if self.responses else None
                self._end(TurnOutcome(response=last, status="completed", stats=self.stats()))
            return False
        if self.ended:  # the view is final already (the error came while binding the result): let it go
            return False
        partial = self._partial(error)
        if isinstance(error, KeyboardInterrupt):
            self._close_row("interrupted", error)
            self._end(TurnOutcome(response=partial, status="interrupted", stats=self.stats(partial)))
            raise TurnInterrupted() from None
        shown = error if isinstance(error, NBResponsesError) else UnexpectedError(error)
        if not isinstance(error, NBResponsesError):
            logger.debug("Unexpected error in a %%respond turn", exc_info=error)
        self._close_row("failed", error)
        self._end(TurnOutcome(response=partial, status="error", error=shown, stats=self.stats(partial)))
        if self.view is None:
            print(f"%%respond: {shown}\n{getattr(shown, 'hint', '')}")
        if self.magics.raise_on_error:
            raise TurnFailed(shown) from (None if shown is error else error)
        return True

    def complete(self, response: Response, *, notice: str | None = None) -> None:
        """End a turn that got its response (completed, or incomplete with the reason shown)."""
        from nbresponses.render import TurnOutcome
        from nbresponses.types.response import end_status

        stats = self.stats()
        if stats is not None:  # the usage bar's numbers, from Python: _r.turn_usage, _r.turn_requests
            response._turn_usage, response._turn_requests = stats.usage(), stats.requests
        self._end(
            TurnOutcome(response=response, status=end_status(response.status), stats=stats, notice=notice)
        )

    def _partial(self, error: BaseException) -> Response | None:
        """The response of a turn that ended by ``error``: the error's own, else its last request's (final or
        partial, as the conversation holds it)."""
        from nbresponses.types.response import Response

        carried = getattr(error, "response", None)
        if isinstance(carried, Response):
            return carried
        return self.conversation.last_response if self.sent else None

    def _close_row(self, status: Literal["interrupted", "failed"], error: BaseException) -> None:
        try:
            closed = self.conversation.close_open_turn(status, error)
        except Exception:  # a conversation that is not ours (a test double, a subclass) must not stop the end
            logger.debug("The turn's history row could not be closed", exc_info=True)
            closed = False
        if not closed:
            self.conversation.notices.append(
                "The history could not be written, so this turn's row stays open; it is marked interrupted "
                "the next time the history is opened after this kernel ends."
            )

    def _end(self, outcome: TurnOutcome) -> None:
        """Show the final state (a plain-text copy if the view itself fails), the notices, and bind ``_r``.

        Earlier answers of this cell that the turn replaced are marked superseded where they are shown.
        """
        self.ended = True
        if self.conversation.last_turn is not self._last_turn_before:
            self._log_row()  # a failed request's row too
        if self.view is not None:
            try:
                self.view.finish(outcome)
            except Exception as error:  # the final state must show, even if the widget cannot
                from nbresponses.render import outcome_text

                logger.debug("The live view could not show the final state", exc_info=error)
                print(outcome_text(outcome))
            else:
                self._mark_superseded()
        show_notices(self.conversation.notices)
        self._bind(outcome.response)

    def _mark_superseded(self) -> None:
        if self.cell_id is None or self.view is None:
            return
        from ._marks import mark_superseded

        try:
            mark_superseded(self.magics.session, self.conversation, self.view, self.cell_id, self.turn_ids)
        except Exception as error:  # marks on earlier outputs are a courtesy: never a reason to fail the turn
            logger.debug("Earlier outputs could not be marked superseded", exc_info=error)

    def _bind(self, response: Response | None) -> None:
        self.magics.session.last_response = response
        if response is None:
            self.namespace.pop(RESULT_NAME, None)
            return
        self.namespace[RESULT_NAME] = response
        if self.options.out:
            self.namespace[self.options.out] = response

    # ----- what happens during the turn -----

    def approve(self, call: ToolCall, tool: Tool) -> bool | str:
        """Ask whether to run ``call``: buttons in the view where they can be answered, else ``input()``."""
        from IPython.core.error import StdinNotImplementedError

        from nbresponses.render import interactive_frontend

        if self.approve_rest:
            return True
        try:
            if not interactive_frontend():  # nbclient, papermill, CI: a question would wait forever
                raise StdinNotImplementedError("headless run")
            decision = None
            if self.view is not None:
                self.view.tool_waiting(call.call_id, call.name, call.arguments)
                decision = self.view.ask_approval(call.name, call.arguments, call.call_id)
            if decision is None:
                decision = ask_with_input(call, shown=self.view is not None)
        except StdinNotImplementedError:
            self.conversation.notices.append(
                f"{call.name} needs approval, but no one can answer in this run (headless): not run."
            )
            return f"Not run: {call.name} needs the user's approval, and no one could be asked in this run."
        self.approve_rest = decision == "run_all"
        return decision != "deny"

    def on_event(self, event: Any, snapshot: Callable[[], Response]) -> None:
        if self.view is not None:
            self.view.on_event(event, snapshot)

    def send(
        self, items: list[Any], *, cell_id: str | None, continues: bool, prompt: str, params: dict[str, Any]
    ) -> Response:
        if continues and self.view is not None and self.responses:
            self.view.next_round(self.responses[-1])
        self.sent = True
        try:
            response = self.conversation.send(
                items, cell_id=cell_id, on_event=self.on_event, stream=self.options.stream, prompt=prompt,
                continues=continues, **params,
            )  # fmt: skip
        finally:
            if self.first_token is None:  # the conversation times each request; the cell's answer began here
                self.first_token = self.conversation.first_token_at
        self.responses.append(response)
        self._log_row()
        return response

    def _log_row(self) -> None:
        row = self.conversation.last_turn
        if row is not None and row.id not in self.turn_ids:
            self.turn_ids.append(row.id)

    def stats(self, partial: Response | None = None) -> Any:
        from nbresponses.pricing.usage_stats import TurnStats

        # The partial response is the last request's; after a request that completed (an interrupted tool
        # round) it is that request's response, counted once.
        extra = [partial] if partial is not None and not any(r is partial for r in self.responses) else []
        responses = [*self.responses, *extra]
        if not responses:
            return None
        return TurnStats.from_responses(responses, started=self.started, first_token=self.first_token,
                                        finished=time.time(), prices=self.conversation.prices)  # fmt: skip

    def tool_started(self, call: ToolCall) -> None:
        if self.view is not None:
            self.view.tool_started(call.call_id, call.name, call.arguments)

    def tool_finished(self, result: ToolResult) -> None:
        if self.view is not None:
            call = result.call
            self.view.tool_finished(call.call_id, result=result.preview, error=result.error, seconds=result.seconds,
                                    ran=result.ran, name=call.name, arguments=call.arguments)  # fmt: skip


def _say_waiting(message: str) -> None:
    from ._subcommands import show_markdown

    show_markdown(f"> **Note:** {message}")


def _new_conversation(client: Any, params: dict[str, Any], notices: list[str]) -> None:
    """``--conversation new``: create a server-side Conversation for this turn and say its id."""
    if params.get("conversation") != "new":
        return
    created = client.conversations.create()
    params["conversation"] = created.id
    notices.append(f"Started conversation {created.id}: continue it with --conversation {created.id}.")


def run_turn(magics: RespondMagics, options: RespondOptions, text: str, *, cell_id: str | None) -> None:
    """Send one prompt and stream its answer into the cell; bind the `Response` to ``_r`` (and ``--out``)."""
    from nbresponses.structured import parse_into
    from nbresponses.tools import run_tool_loop

    from ._prepare import coroutine_runner
    from ._turn import prepare_turn

    session = magics.session
    prepared = prepare_turn(magics, options, text)
    namespace, tools, params, store, prices = (
        prepared.namespace, prepared.tools, prepared.params, prepared.store, prepared.prices
    )  # fmt: skip
    conversation = prepared.conversation
    try:
        _check_budget(magics, options, store, prices)
        _new_conversation(prepared.client, params, session.notices)
        if options.new:
            conversation.reset()
    except NBResponsesError as error:  # a history that fails, a conversation the server would not create
        raise UsageError(str(error)) from None
    conversation.on_wait = _say_waiting
    session.notices.extend(prepared.warnings)
    show_notices(session.notices)

    with TurnLifecycle(magics, options, conversation, namespace=namespace, cell_id=cell_id).start(
        model=prepared.model, thread=prepared.thread, runs_tools=bool(tools)
    ) as turn:
        response = turn.send(prepared.content, cell_id=cell_id, continues=False, prompt=text, params=params)
        notice = None
        if tools:

            def send_outputs(items: list[Any], **overrides: Any) -> Response:
                _check_budget(magics, options, store, prices, between_rounds=True)
                return turn.send(items, cell_id=cell_id, continues=True, prompt="(tool outputs)",
                                 params={**params, **overrides})  # fmt: skip

            def close_pending(items: list[Any]) -> Response:
                return send_outputs(items, tool_choice="none")

            loop = run_tool_loop(
                response, tools=tools, max_rounds=options.max_tool_rounds or magics.max_tool_rounds, send=send_outputs,
                approver=turn.approve, approve_all=options.approve, parallel=options.parallel_tools,
                on_call_started=turn.tool_started, on_call_finished=turn.tool_finished, close=close_pending,
                run_async=coroutine_runner(magics.shell),
            )  # fmt: skip
            response, notice = loop.response, loop.stopped
        if options.schema or options.json or options.format == "json":
            try:
                parse_into(response, namespace.get(options.schema) if options.schema else None)
            except StructuredOutputError as error:
                notice = f"{error} The raw text is in `{options.out or RESULT_NAME}.output_text`."
        turn.complete(response, notice=notice)
        if options.format in ("code", "json"):
            from ._format import deliver

            show_notices(deliver(magics, options, response))
