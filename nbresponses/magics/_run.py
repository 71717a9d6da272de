"""One ``%%respond`` turn: input, request, live view, conversation, tool loop, structured output, result binding.

Errors never show a traceback: a bad option or input is a ``UsageError`` before anything is sent; an API error or
a broken stream is shown in the view (keeping the partial answer) and stops the cell with one line.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from nbresponses._exceptions import NBResponsesError
from nbresponses.structured import StructuredOutputError, parse_output

from ._params import request_params

if TYPE_CHECKING:
    from nbresponses.conversation import Conversation
    from nbresponses.pricing import PriceTable
    from nbresponses.render import Decision, LiveView, TurnOutcome, TurnStatus
    from nbresponses.tools import Tool, ToolCall, ToolResult
    from nbresponses.types.response import Response

    from ._magic import RespondMagics
    from ._options import RespondOptions

__all__ = ["RESULT_NAME", "TurnFailed", "TurnInterrupted", "ask_with_input", "run_turn"]

RESULT_NAME = "_r"
"""The user-namespace name always bound to the last cell's `Response` (like ``_`` for the last output)."""


class TurnFailed(Exception):
    """Raised after an error was shown in the cell, so that Run All stops; IPython prints one line."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(str(error))
        self.error = error

    def _render_traceback_(self) -> list[str]:
        # IPython shows these lines instead of a traceback.
        return [f"\x1b[31m%%respond stopped: {type(self.error).__name__}. The message is shown above.\x1b[0m"]


class TurnInterrupted(KeyboardInterrupt):
    """Kernel interrupt during a turn: the partial answer stays on screen, marked interrupted."""

    def _render_traceback_(self) -> list[str]:
        return ["\x1b[33mInterrupted: the partial answer is kept above; the thread is unchanged.\x1b[0m"]


def _prices(magics: RespondMagics) -> PriceTable:
    """The shipped table (free with the offline backend) with ``RespondMagics.prices`` over it.

    Prices the user sets apply with the offline backend too, so that costs and budgets can be tried without a key.
    """
    from nbresponses.pricing import PriceTable, default_prices

    table = PriceTable.free() if magics.session.uses_offline(magics.base_url) else default_prices()
    overrides = magics.prices
    if isinstance(overrides, str) and overrides.strip():
        try:
            return table.merged(PriceTable.from_json(overrides))
        except (OSError, ValueError) as error:
            raise UsageError(
                f"RespondMagics.prices: cannot read the price file {overrides!r}: {error}"
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


class _Turn:
    """The moving parts of one cell's turn."""

    def __init__(self, magics: RespondMagics, options: RespondOptions, conversation: Conversation) -> None:
        from nbresponses.render import make_view

        self.magics, self.options, self.conversation = magics, options, conversation
        self.view: LiveView | None = None
        if not options.quiet:
            self.view = make_view(magics.display, refresh_per_second=magics.refresh_per_second)
        self.started = time.time()
        self.first_token: float | None = None
        self.responses: list[Response] = []
        self.turn_ids: list[int] = []  # the history rows of this turn's requests
        self.approve_rest = False  # "Run all" was chosen for this cell's calls

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

    def on_event(self, event: Any, accumulator: Any) -> None:
        if self.first_token is None and event.type.endswith(".delta"):
            self.first_token = time.time()
        if self.view is not None:
            self.view.on_event(event, accumulator.snapshot)

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

    def finish(self, outcome: TurnOutcome, *, cell_id: str | None = None) -> None:
        self._log_row()  # a failed request's row too
        if self.view is not None:
            self.view.finish(outcome)
            if cell_id is not None:
                from ._marks import mark_superseded

                mark_superseded(self.magics.session, self.conversation, self.view, cell_id, self.turn_ids)
        show_notices(self.conversation.notices)

    def tool_started(self, call: ToolCall) -> None:
        if self.view is not None:
            self.view.tool_started(call.call_id, call.name, call.arguments)

    def tool_finished(self, result: ToolResult) -> None:
        if self.view is not None:
            call = result.call
            self.view.tool_finished(call.call_id, result=result.preview, error=result.error, seconds=result.seconds,
                                    ran=result.ran, name=call.name, arguments=call.arguments)  # fmt: skip


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
    from nbresponses.inputs import build_input
    from nbresponses.render import TurnOutcome
    from nbresponses.tools import run_tool_loop

    namespace = magics.shell.user_ns if magics.shell is not None else {}
    session = magics.session
    params = request_params(options, model=magics.model, instructions=magics.instructions, store=magics.store,
                            namespace=namespace)  # fmt: skip
    tools = _resolve_tools(options, namespace)
    if tools:
        params["tools"] = [t.schema for t in tools.values()] + list(params.get("tools", []))
    store = session.store(magics.history_path)
    try:
        prepared = build_input(text, namespace, interpolate=options.interpolate, images=tuple(options.images),
                               files=tuple(options.files), max_rows=magics.max_rows)  # fmt: skip
        client = session.client(base_url=magics.base_url, timeout=magics.timeout, cassette=magics.cassette,
                                connect_timeout=magics.connect_timeout, max_retries=magics.max_retries,
                                api=options.api or magics.api, history=store, transport=magics.transport,
                                history_path=magics.history_path)  # fmt: skip
        _new_conversation(client, params, session.notices)
    except NBResponsesError as error:  # an unreadable file, a missing key: the user's to fix, before sending
        raise UsageError(str(error)) from None
    prices = _prices(magics)  # once per turn: a price file is read here
    _check_budget(magics, options, store, prices)
    thread = options.thread or magics.thread
    conversation = session.conversation(thread, client=client, store=store, prices=prices)
    if options.new:
        conversation.reset()
    session.notices.extend(prepared.warnings)
    show_notices(session.notices)

    turn = _Turn(magics, options, conversation)
    if turn.view is not None:
        turn.view.start(model=params["model"], thread=thread, runs_tools=bool(tools))
    notice = None
    try:
        response = turn.send(prepared.content, cell_id=cell_id, continues=False, prompt=text, params=params)
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
            )  # fmt: skip
            response, notice = loop.response, loop.stopped
    except KeyboardInterrupt:
        partial = _partial(conversation)
        turn.finish(
            TurnOutcome(response=partial, status="interrupted", stats=turn.stats(partial)), cell_id=cell_id
        )
        raise TurnInterrupted() from None
    except NBResponsesError as error:
        partial = getattr(error, "response", None)
        partial = partial if hasattr(partial, "output_text") else _partial(conversation)
        turn.finish(
            TurnOutcome(response=partial, status="error", error=error, stats=turn.stats(partial)),
            cell_id=cell_id,
        )
        if turn.view is None:
            print(f"%%respond: {error}\n{getattr(error, 'hint', '')}")
        if magics.raise_on_error:
            raise TurnFailed(error) from None
        return
    if options.schema or options.json:
        try:
            response._parsed = parse_output(
                response, namespace.get(options.schema) if options.schema else None
            )
        except StructuredOutputError as error:
            notice = f"{error} The raw text is in `{options.out or RESULT_NAME}.output_text`."
    status: TurnStatus = "incomplete" if response.status == "incomplete" else "completed"
    stats = turn.stats()
    if stats is not None:  # the usage bar's numbers, from Python: _r.turn_usage, _r.turn_requests
        response._turn_usage, response._turn_requests = stats.usage(), stats.requests
    turn.finish(TurnOutcome(response=response, status=status, stats=stats, notice=notice), cell_id=cell_id)
    session.last_response = response
    namespace[RESULT_NAME] = response
    if options.out:
        namespace[options.out] = response


def _partial(conversation: Any) -> Response | None:
    """The partial response logged for the turn that just ended, as a model."""
    from nbresponses.types.response import Response

    turn = conversation.last_turn
    data = turn.response if turn is not None else None
    return Response.model_validate(data) if data else None
