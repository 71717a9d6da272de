"""One ``%%respond`` turn: input, request, live view, conversation, tool loop, structured output, result binding.

Errors never show a traceback: a bad option or input is a ``UsageError`` before anything is sent; an API error or
a broken stream is shown in the view (keeping the partial answer) and stops the cell with one line.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from nbresponses._exceptions import NBResponsesError
from nbresponses.structured import StructuredOutputError, parse_output

from ._params import request_params

if TYPE_CHECKING:
    from nbresponses.conversation import Conversation
    from nbresponses.pricing import PriceTable
    from nbresponses.render import LiveView, TurnOutcome, TurnStatus
    from nbresponses.tools import Tool, ToolCall, ToolResult
    from nbresponses.types.response import Response

    from ._magic import RespondMagics
    from ._options import RespondOptions

__all__ = ["RESULT_NAME", "TurnFailed", "TurnInterrupted", "run_turn"]

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
    from nbresponses.pricing import PriceTable, default_prices

    if magics.session.uses_offline(magics.base_url):
        return PriceTable.free()
    table = default_prices()
    overrides = magics.prices
    if isinstance(overrides, str) and overrides:
        try:
            data = json.loads(Path(overrides).expanduser().read_text(encoding="utf-8"))
            return table.merged(data.get("models", data))
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as error:
            raise UsageError(
                f"RespondMagics.prices: cannot read the price file {overrides!r}: {error}"
            ) from None
    return table.merged(overrides) if isinstance(overrides, dict) and overrides else table


def show_notices(notices: list[str]) -> None:
    """Show and clear pending notices (one Markdown quote each; plain text in a terminal)."""
    from ._subcommands import show_markdown

    while notices:
        show_markdown(f"> **Note:** {notices.pop(0)}")


def _check_budget(magics: RespondMagics, options: RespondOptions, store: Any) -> None:
    budget = options.budget if options.budget is not None else magics.budget_usd
    if budget is None:
        return
    spent = sum(row.cost_usd or 0.0 for row in store.usage_rows(magics.session.notebook))
    if spent >= budget:
        raise UsageError(
            f"Budget reached: this notebook's estimated spend is ${spent:.4f} of ${budget:.2f}. Nothing was sent. "
            "Raise it with %config RespondMagics.budget_usd = ... or --budget USD."
        )
    if spent >= 0.8 * budget:
        magics.session.notices.append(
            f"Estimated spend ${spent:.4f} is over 80% of the ${budget:.2f} budget."
        )


def ask_approval(call: ToolCall, tool: Tool) -> bool:
    """Ask in the cell (``input()``: a text box in Jupyter, a prompt in a terminal) before running a tool."""
    answer = input(f"Run {call.name}({call.arguments})? [y/N] ")
    return answer.strip().lower() in ("y", "yes")


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
        return response

    def stats(self, partial: Response | None = None) -> Any:
        from nbresponses.usage_stats import TurnStats

        responses = [*self.responses, *([partial] if partial is not None else [])]
        if not responses:
            return None
        return TurnStats.from_responses(responses, started=self.started, first_token=self.first_token,
                                        finished=time.time(), prices=self.conversation.prices)  # fmt: skip

    def finish(self, outcome: TurnOutcome) -> None:
        if self.view is not None:
            self.view.finish(outcome)
        show_notices(self.conversation.notices)

    def tool_started(self, call: ToolCall) -> None:
        if self.view is not None:
            self.view.tool_started(call.call_id, call.name, call.arguments)

    def tool_finished(self, result: ToolResult) -> None:
        if self.view is not None:
            self.view.tool_finished(
                result.call.call_id, result=result.preview, error=result.error, seconds=result.seconds
            )


def _resolve_tools(options: RespondOptions, namespace: dict[str, Any]) -> dict[str, Tool]:
    if not options.tools:
        return {}
    from nbresponses.tools import resolve_tools

    try:
        return resolve_tools(options.tools, namespace)
    except (LookupError, TypeError) as error:
        raise UsageError(str(error).strip("'\"")) from None


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
    try:
        prepared = build_input(text, namespace, interpolate=options.interpolate, images=tuple(options.images),
                               files=tuple(options.files), max_rows=magics.max_rows)  # fmt: skip
        client = session.client(base_url=magics.base_url, timeout=magics.timeout, cassette=magics.cassette,
                                connect_timeout=magics.connect_timeout, max_retries=magics.max_retries)  # fmt: skip
    except NBResponsesError as error:  # an unreadable file, a missing key: the user's to fix, before sending
        raise UsageError(str(error)) from None
    store = session.store(magics.history_path)
    _check_budget(magics, options, store)
    thread = options.thread or magics.thread
    conversation = session.conversation(thread, client=client, store=store, prices=_prices(magics))
    if options.new:
        conversation.reset()
    session.notices.extend(prepared.warnings)
    show_notices(session.notices)

    turn = _Turn(magics, options, conversation)
    if turn.view is not None:
        turn.view.start(model=params["model"], thread=thread)
    notice = None
    try:
        response = turn.send(prepared.content, cell_id=cell_id, continues=False, prompt=text, params=params)
        if tools:

            def send_outputs(items: list[Any]) -> Response:
                return turn.send(
                    items, cell_id=cell_id, continues=True, prompt="(tool outputs)", params=params
                )

            loop = run_tool_loop(
                response, tools=tools, max_rounds=options.max_tool_rounds or magics.max_tool_rounds, send=send_outputs,
                approver=ask_approval, approve_all=options.approve, parallel=options.parallel_tools,
                on_call_started=turn.tool_started, on_call_finished=turn.tool_finished,
            )  # fmt: skip
            response, notice = loop.response, loop.stopped
    except KeyboardInterrupt:
        partial = _partial(conversation)
        turn.finish(TurnOutcome(response=partial, status="interrupted", stats=turn.stats(partial)))
        raise TurnInterrupted() from None
    except NBResponsesError as error:
        partial = getattr(error, "response", None)
        partial = partial if hasattr(partial, "output_text") else _partial(conversation)
        turn.finish(TurnOutcome(response=partial, status="error", error=error, stats=turn.stats(partial)))
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
    turn.finish(TurnOutcome(response=response, status=status, stats=turn.stats(), notice=notice))
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
