"""One ``%%respond`` turn: input, request, live view, conversation, result binding, and errors without tracebacks."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from nbresponses._exceptions import NBResponsesError

from ._params import request_params

if TYPE_CHECKING:
    from nbresponses.render import TurnOutcome, TurnStatus
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


def _prices(magics: RespondMagics) -> Any:
    from nbresponses.pricing import default_prices

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
    if isinstance(overrides, dict) and overrides:
        return table.merged(overrides)
    return table


def _show_notices(notices: list[str]) -> None:
    from IPython.display import Markdown, display

    while notices:
        display(Markdown(f"> **Note:** {notices.pop(0)}"))


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


def run_turn(magics: RespondMagics, options: RespondOptions, text: str, *, cell_id: str | None) -> None:
    """Send one prompt and stream its answer into the cell; bind the `Response` to ``_r`` (and ``--out``)."""
    from nbresponses.inputs import build_input
    from nbresponses.pricing import PriceTable
    from nbresponses.render import TurnOutcome, make_view
    from nbresponses.usage_stats import TurnStats

    namespace = magics.shell.user_ns if magics.shell is not None else {}
    session = magics.session
    params = request_params(
        options, model=magics.model, instructions=magics.instructions, store=magics.store, namespace=namespace
    )
    try:
        prepared = build_input(
            text,
            namespace,
            interpolate=options.interpolate,
            images=tuple(options.images),
            files=tuple(options.files),
            max_rows=magics.max_rows,
        )
    except NBResponsesError as error:  # an unreadable file, an image too large: the user's to fix
        raise UsageError(str(error)) from None
    try:
        client = session.client(
            base_url=magics.base_url,
            timeout=magics.timeout,
            connect_timeout=magics.connect_timeout,
            max_retries=magics.max_retries,
        )
    except NBResponsesError as error:
        raise UsageError(str(error)) from None
    store = session.store(magics.history_path)
    _check_budget(magics, options, store)
    prices = PriceTable.free() if session.uses_offline(magics.base_url) else _prices(magics)
    thread = options.thread or magics.thread
    conversation = session.conversation(thread, client=client, store=store, prices=prices)
    if options.new:
        conversation.reset()
    session.notices.extend(prepared.warnings)
    _show_notices(session.notices)

    view = None if options.quiet else make_view(magics.display, refresh_per_second=magics.refresh_per_second)
    if view is not None:
        view.start(model=params["model"], thread=thread)
    started = time.time()
    first_token: list[float] = []

    def on_event(event: Any, accumulator: Any) -> None:
        if not first_token and event.type.endswith(".delta"):
            first_token.append(time.time())
        if view is not None:
            view.on_event(event, accumulator.snapshot)

    def finish(outcome: TurnOutcome) -> None:
        if view is not None:
            view.finish(outcome)
        _show_notices(conversation.notices)

    def stats(response: Response | None) -> TurnStats | None:
        if response is None:
            return None
        return TurnStats.from_response(
            response,
            started=started,
            first_token=first_token[0] if first_token else None,
            finished=time.time(),
            prices=prices,
        )

    try:
        response = conversation.send(
            prepared.content, cell_id=cell_id, on_event=on_event, stream=options.stream, prompt=text, **params
        )
    except KeyboardInterrupt:
        partial = _partial(conversation)
        finish(
            TurnOutcome(response=partial, status="interrupted", error=None, stats=stats(partial), notice=None)
        )
        raise TurnInterrupted() from None
    except NBResponsesError as error:
        partial = getattr(error, "response", None)
        partial = partial if hasattr(partial, "output_text") else _partial(conversation)
        finish(TurnOutcome(response=partial, status="error", error=error, stats=stats(partial), notice=None))
        if view is None:
            print(f"%%respond: {error}\n{getattr(error, 'hint', '')}")
        if magics.raise_on_error:
            raise TurnFailed(error) from None
        return
    status: TurnStatus = "incomplete" if response.status == "incomplete" else "completed"
    finish(TurnOutcome(response=response, status=status, error=None, stats=stats(response), notice=None))
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
