"""What a cell's request is made of, decided once for sending (``%%respond``, ``fix``, ``explain``), counting
(``%respond count``) and mapping (``--map``): the tools, the request parameters, the input, the client, the prices
and the thread's conversation.

Nothing here sends a request. Input that cannot be sent (an unreadable file, a bad option, a history that
fails) is one `UsageError` line; Ctrl-C while a notebook value is read is `TurnInterrupted`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from IPython.core.error import UsageError

from nbresponses._exceptions import NBResponsesError

from ._params import request_params

if TYPE_CHECKING:
    from nbresponses.client import Client
    from nbresponses.conversation import Conversation
    from nbresponses.pricing import PriceTable
    from nbresponses.store import HistoryStore
    from nbresponses.tools import Tool

    from ._magic import RespondMagics
    from ._options import RespondOptions

__all__ = ["PreparedTurn", "cell_tools", "prepare_turn", "turn_client", "turn_prices"]


@dataclass
class PreparedTurn:
    """A cell's request, ready to send or to count: `Conversation.request_body` adds the thread's context."""

    namespace: dict[str, Any]
    """The notebook's names (tools, ``--schema`` models, ``--out``)."""
    tools: dict[str, Tool]
    """The notebook functions offered as tools, by name."""
    params: dict[str, Any]
    """The request parameters (``model``, ``instructions``, ``tools``, ``text``...), without the input."""
    content: list[dict[str, Any]]
    """The user message's content parts: the prompt's text, interpolated values and attachments."""
    warnings: list[str]
    """What the input could not carry as asked (a value cut short...), to say before the answer."""
    store: HistoryStore
    client: Client
    prices: PriceTable
    thread: str
    conversation: Conversation

    @property
    def model(self) -> str:
        """The model the request names."""
        return str(self.params["model"])


def cell_tools(options: RespondOptions, namespace: dict[str, Any]) -> dict[str, Tool]:
    """The functions ``--tools`` names, as tools (a name that is no function is a `UsageError`)."""
    if not options.tools:
        return {}
    from nbresponses.tools import resolve_tools

    try:
        return resolve_tools(options.tools, namespace)
    except (LookupError, TypeError) as error:
        raise UsageError(str(error).strip("'\"")) from None


def turn_prices(magics: RespondMagics) -> PriceTable:
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


def turn_client(magics: RespondMagics, api: str, store: HistoryStore) -> Client:
    """The session's client for the magic's settings (the offline backend, a gateway...), sending to ``api``.

    Auto mode remembers which API each model answered on in ``store``. A client that cannot be made (a cassette
    that cannot be read...) is a `UsageError`.
    """
    try:
        return magics.session.client(base_url=magics.base_url, timeout=magics.timeout, cassette=magics.cassette,
                                     connect_timeout=magics.connect_timeout, max_retries=magics.max_retries,
                                     api=api, history=store, transport=magics.transport,
                                     history_path=magics.history_path)  # fmt: skip
    except NBResponsesError as error:
        raise UsageError(str(error)) from None


def prepare_turn(magics: RespondMagics, options: RespondOptions, text: str) -> PreparedTurn:
    """Everything a cell's request needs, from its options (template and alias already applied) and prompt.

    Raises:
        UsageError: a bad option or input, an unreadable price file or history: nothing is sent.
        TurnInterrupted: Ctrl-C while a notebook value was read: nothing is sent.
    """
    from nbresponses._interpolate import ValueInterrupted
    from nbresponses.inputs import build_input

    from ._prepare import prompt_namespace

    namespace = magics.shell.user_ns if magics.shell is not None else {}
    session = magics.session
    tools = cell_tools(options, namespace)  # function schemas are part of the request (and its input tokens)
    params = request_params(options, model=magics.model, instructions=magics.instructions, store=magics.store,
                            namespace=namespace, function_tools=[t.schema for t in tools.values()])  # fmt: skip
    store = session.store(magics.history_path)
    try:
        prepared = build_input(text, prompt_namespace(magics), interpolate=options.interpolate,
                               images=tuple(options.images), files=tuple(options.files), max_rows=magics.max_rows,
                               max_value_chars=magics.max_value_chars)  # fmt: skip
        client = turn_client(magics, options.api or magics.api, store)
        prices = turn_prices(magics)  # once per turn: a price file is read here
        thread = options.thread or magics.thread
        conversation = session.conversation(thread, client=client, store=store, prices=prices)
    except ValueInterrupted as stop:  # a repr that never returned: Ctrl-C, and nothing was sent
        from ._run import TurnInterrupted

        raise TurnInterrupted(str(stop)) from None
    except NBResponsesError as error:  # an unreadable file, a history that fails: the user's to fix, unsent
        raise UsageError(str(error)) from None
    return PreparedTurn(namespace=namespace, tools=tools, params=params, content=prepared.content,
                        warnings=list(prepared.warnings), store=store, client=client, prices=prices, thread=thread,
                        conversation=conversation)  # fmt: skip
