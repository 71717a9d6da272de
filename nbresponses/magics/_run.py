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
from nbresponses.structured import StructuredOutputError, parse_output

from ._params import request_params

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType

    from nbresponses.conversation import Conversation
    from nbresponses.pricing import PriceTable
    from nbresponses.render import Decision, LiveView, OutcomeStatus, TurnOutcome
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


def _prices(magics: RespondMagics) -> PriceTable:
    """The shipped table (free with the offline backend) with ``RespondMagics.prices`` over it.

    Prices the user sets apply with the offline backend too, so that costs and budgets can be tried without a key.
    """
    from nbresponses.pricing import PriceTable, default_prices

    offline = magics.session.uses_offline(magics.base_url)
    if not offline:
        from nbresponses.pricing import preload_prices

        preload_prices()  # read the price dataset while the request is on its way
    table = PriceTable.free() if offline else default_prices()
    overrides = magics.prices
    if isinstance(overrides, str) and overrides.strip():
        try:
            return table.merged(PriceTable.from_json(overrides))
        except (OSError, ValueError) as error:
            reason = getattr(error, "strerror", None) or error
            raise UsageError(
                f"RespondMagics.prices: cannot read the price file {overrides!r}: {reason}. Fix the file "
                "(JSON: {model: {input, output, cached_input}} in USD per million tokens) or set the setting to ''."
            ) from None
    if isinstance(overrides, dict) and overrides:
        try:
            return table.merged(PriceTable.from_json(overrides))
        except ValueError as error:
            raise UsageError(f"RespondMagics.prices: {error}") from None
    return table


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
    from nbresponses.budget import BudgetExceeded

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
        self.responses: list[Response] = []
        self.turn_ids: list[int] = []  # the history rows of this turn's requests
        self.approve_rest = False  # "Run all" was chosen for this cell's calls
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

        status: OutcomeStatus = "incomplete" if response.status == "incomplete" else "completed"
        stats = self.stats()
        if stats is not None:  # the usage bar's numbers, from Python: _r.turn_usage, _r.turn_requests
            response._turn_usage, response._turn_requests = stats.usage(), stats.requests
        self._end(TurnOutcome(response=response, status=status, stats=stats, notice=notice))

    def _partial(self, error: BaseException) -> Response | None:
        """The response of a turn that ended by ``error``: the error's own, else the one this turn logged."""
        from nbresponses.types.response import Response

        carried = getattr(error, "response", None)
        if isinstance(carried, Response):
            return carried
        turn = self.conversation.last_turn
        if turn is None or turn is self._last_turn_before:  # nothing logged by this turn: no partial
            return None
        data = turn.response
        return Response.model_validate(data) if data else None

    def _close_row(self, status: Literal["interrupted", "failed"], error: BaseException) -> None:
        if not self.conversation.close_open_turn(status, error):
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
        if self.first_token is None and event.type.endswith(".delta"):
            self.first_token = time.time()
        if self.view is not None:
            self.view.on_event(event, snapshot)

    def send(
        self, items: list[Any], *, cell_id: str | None, continues: bool, prompt: str, params: dict[str, Any]
    ) -> Response:
        if continues and self.view is not None and self.responses:
            self.view.next_round(self.responses[-1])
        response = self.conversation.send(
            items, cell_id=cell_id, on_event=self.on_event, stream=self.options.stream, prompt=prompt,
            continues=continues, **params,
        )  # fmt: skip
        self.responses.append(response)
        self._log_row()
        return response

    def _log_row(self) -> None:
        row = self.conversation.last_turn
        if row is not None and row.id not in self.turn_ids:
            self.turn_ids.append(row.id)

    def stats(self, partial: Response | None = None) -> Any:
        from nbresponses.usage_stats import TurnStats

        responses = [*self.responses, *([partial] if partial is not None else [])]
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


def _resolve_tools(options: RespondOptions, namespace: dict[str, Any]) -> dict[str, Tool]:
    if not options.tools:
        return {}
    from nbresponses.tools import resolve_tools

    try:
        return resolve_tools(options.tools, namespace)
    except (LookupError, TypeError) as error:
        raise UsageError(str(error).strip("'\"")) from None


def _new_conversation(client: Any, params: dict[str, Any], notices: list[str]) -> None:
    """``--conversation new``: create a server-side Conversation for this turn and say its id."""
    if params.get("conversation") != "new":
        return
    created = client.conversations.create()
    params["conversation"] = created.id
    notices.append(f"Started conversation {created.id}: continue it with --conversation {created.id}.")


def run_turn(magics: RespondMagics, options: RespondOptions, text: str, *, cell_id: str | None) -> None:
    """Send one prompt and stream its answer into the cell; bind the `Response` to ``_r`` (and ``--out``)."""
    from nbresponses._interpolate import ValueInterrupted
    from nbresponses.inputs import build_input
    from nbresponses.tools import run_tool_loop

    from ._prepare import coroutine_runner, prompt_namespace

    namespace = magics.shell.user_ns if magics.shell is not None else {}
    session = magics.session
    tools = _resolve_tools(options, namespace)
    params = request_params(options, model=magics.model, instructions=magics.instructions, store=magics.store,
                            namespace=namespace, function_tools=[t.schema for t in tools.values()])  # fmt: skip
    store = session.store(magics.history_path)
    try:
        prepared = build_input(text, prompt_namespace(magics), interpolate=options.interpolate,
                               images=tuple(options.images), files=tuple(options.files), max_rows=magics.max_rows,
                               max_value_chars=magics.max_value_chars)  # fmt: skip
        client = session.client(base_url=magics.base_url, timeout=magics.timeout, cassette=magics.cassette,
                                connect_timeout=magics.connect_timeout, max_retries=magics.max_retries,
                                api=options.api or magics.api, history=store, transport=magics.transport,
                                history_path=magics.history_path)  # fmt: skip
        prices = _prices(magics)  # once per turn: a price file is read here
        _check_budget(magics, options, store, prices)
        _new_conversation(client, params, session.notices)
        thread = options.thread or magics.thread
        conversation = session.conversation(thread, client=client, store=store, prices=prices)
        conversation.on_wait = _say_waiting
        if options.new:
            conversation.reset()
    except ValueInterrupted as stop:  # a repr that never returned: Ctrl-C, and nothing was sent
        raise TurnInterrupted(str(stop)) from None
    except NBResponsesError as error:  # an unreadable file, a history that fails: the user's to fix, unsent
        raise UsageError(str(error)) from None
    session.notices.extend(prepared.warnings)
    show_notices(session.notices)

    with TurnLifecycle(magics, options, conversation, namespace=namespace, cell_id=cell_id).start(
        model=params["model"], thread=thread, runs_tools=bool(tools)
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
                response._parsed = parse_output(
                    response, namespace.get(options.schema) if options.schema else None
                )
            except StructuredOutputError as error:
                notice = f"{error} The raw text is in `{options.out or RESULT_NAME}.output_text`."
        turn.complete(response, notice=notice)
        if options.format in ("code", "json"):
            from ._format import deliver

            show_notices(deliver(magics, options, response))
