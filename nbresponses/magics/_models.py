"""``%respond models [FILTER]``: the models the endpoint lists, the API each has answered on, and its price."""

from __future__ import annotations

from typing import TYPE_CHECKING

from IPython.core.error import UsageError

from nbresponses._exceptions import APIStatusError, NBResponsesError

if TYPE_CHECKING:
    from nbresponses.pricing import PriceTable

    from ._magic import RespondMagics

__all__ = ["aliases_markdown", "models_command", "models_markdown"]

_API_NOTE = {
    "responses": "/v1/responses",
    "chat": "/chat/completions (bridge)",
}


def _price(prices: PriceTable, model: str) -> str:
    # per million tokens, without "$": a Markdown frontend would typeset "$2 | $8" as math
    rate_in = prices.estimate(model, input_tokens=1_000_000)
    rate_out = prices.estimate(model, input_tokens=0, output_tokens=1_000_000)
    if rate_in is None or rate_out is None:
        return "unknown"
    return f"{_number(rate_in)} / {_number(rate_out)}"


def _number(value: float) -> str:
    return f"{value:,.4f}".rstrip("0").rstrip(".")


def models_markdown(
    *, base_url: str, api: str, listed: list[str] | None, routes: dict[str, str], prices: PriceTable,
    problem: str | None = None, pattern: str = "",
) -> str:  # fmt: skip
    """The table of `%respond models`: every listed (or else remembered) model, its API and its price."""
    from ._subcommands import markdown_table

    names = list(dict.fromkeys([*(listed or []), *routes]))
    if pattern:
        names = [name for name in names if pattern.lower() in name.lower()]
    lines = [f"**Models at {base_url}** (API setting: `{api}`)."]
    if problem:
        lines.append(problem)
    if not names:
        lines.append("No model matches." if pattern else "No models known yet.")
        return "\n\n".join(lines)
    rows = [(f"`{name}`", _API_NOTE.get(routes.get(name, ""), "not used yet"), _price(prices, name))
            for name in names]  # fmt: skip
    lines.append(markdown_table(("model", "answered on", "price per 1M tokens, USD (in / out)"), rows))
    lines.append(
        "Auto mode tries /v1/responses first and uses the Chat Completions bridge for a model the endpoint "
        "refuses there; `--api chat|responses` or `%config RespondMagics.api` chooses for you."
    )
    return "\n\n".join(lines)


def models_command(m: RespondMagics, args: str) -> None:
    """Show the models of the configured endpoint."""
    from nbresponses._api_routes import StoredRoutes

    from ._subcommands import show_markdown
    from ._turn import turn_client, turn_prices

    words = args.split()
    if len(words) > 1 or any(word.startswith("-") for word in words):
        raise UsageError("Usage: %respond models [FILTER]")
    store = m.session.store(m.history_path)
    client = turn_client(m, m.api, store)
    listed: list[str] | None = None
    problem = None
    try:
        listed = client.models.list().ids
    except APIStatusError as error:
        problem = f"The endpoint does not list its models (GET /models: HTTP {error.status}); shown: those used here."
    except NBResponsesError as error:
        problem = f"Could not list the models: {error}"
    routes = StoredRoutes(store).routes(client.base_url)
    text = models_markdown(base_url=client.base_url, api=m.api, listed=listed, routes=routes,
                           prices=turn_prices(m), problem=problem, pattern=words[0] if words else "")  # fmt: skip
    show_markdown(text + aliases_markdown(m.aliases, listed=listed, pattern=words[0] if words else ""))


def aliases_markdown(aliases: dict[str, str], *, listed: list[str] | None, pattern: str = "") -> str:
    """The aliases of ``RespondMagics.aliases`` (what ``-m`` accepts besides model names), as a table to append."""
    from ._prepare import resolve_model
    from ._subcommands import markdown_table

    names = [name for name in aliases if not pattern or pattern.lower() in f"{name} {aliases[name]}".lower()]
    if not names:
        return ""
    known = set(listed or [])

    def status(model: str) -> str:
        if listed is None:
            return ""
        return "listed" if model in known else "not listed by this endpoint"

    rows = [(f"`{name}`", f"`{resolve_model(name, aliases)}`", status(resolve_model(name, aliases)))
            for name in names]  # fmt: skip
    table = markdown_table(("alias (-m)", "model", "at this endpoint"), rows)
    return f"\n\n**Aliases** (`RespondMagics.aliases`):\n\n{table}"
