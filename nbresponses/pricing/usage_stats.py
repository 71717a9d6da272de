"""Usage, cost and timing of turns: the usage bar and the ``%respond usage`` dashboard (pure).

A model without a price has an unknown cost (None, shown as "cost unknown"), never 0. The history logs each
turn's estimated cost when it finishes; a turn logged without one (a model that had no price then, a failed
turn) is estimated again from its tokens when a price table is given, so a price added later counts it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nbresponses.store import UsageRow
    from nbresponses.types.response import Response, ResponseUsage

    from . import PriceTable

__all__ = [
    "TurnStats",
    "UsageTotals",
    "format_cost",
    "format_tokens",
    "row_cost",
    "totals",
    "usage_summary_markdown",
    "usd",
]


def format_tokens(count: int | None) -> str:
    """``1234`` -> ``1,234``; ``12345`` -> ``12.3k``; ``1234567`` -> ``1.23M``; None -> ``–``."""
    if count is None:
        return "–"
    if count >= 999_950:  # from here "1000.0k" would show: switch to millions
        return f"{count / 1_000_000:.2f}M"
    return f"{count / 1000:.1f}k" if count >= 10_000 else f"{count:,}"


def format_cost(usd: float | None) -> str:
    """``$0.0123``, ``$12.34``; ``<$0.0001`` for a tiny non-zero cost; ``cost unknown`` when there is no price."""
    if usd is None:
        return "cost unknown"
    if usd == 0:
        return "$0"
    if usd < 0.0001:
        return "<$0.0001"
    return f"${usd:.4f}" if usd < 1 else f"${usd:,.2f}"


def usd(amount: float) -> str:
    """An amount of money: ``$5.00`` for whole cents, else as precisely as `format_cost` shows a cost."""
    return f"${amount:,.2f}" if round(amount, 2) == amount else format_cost(amount)


@dataclass(frozen=True)
class TurnStats:
    """Tokens, estimated cost and timings of one turn."""

    model: str | None
    input_tokens: int | None
    cached_tokens: int | None
    output_tokens: int | None
    reasoning_tokens: int | None
    total_tokens: int | None
    cost_usd: float | None
    ttft_s: float | None
    total_s: float | None
    requests: int = 1
    """How many requests the numbers sum (a tool loop sends one per round)."""

    @property
    def tokens_per_s(self) -> float | None:
        """Output tokens per second after the first token (None when unmeasurable)."""
        if not self.output_tokens or self.total_s is None:
            return None
        span = self.total_s - (self.ttft_s or 0.0)
        return self.output_tokens / span if span > 0 else None

    @classmethod
    def from_response(
        cls,
        response: Response,
        *,
        started: float | None = None,
        first_token: float | None = None,
        finished: float | None = None,
        prices: PriceTable | None = None,
    ) -> TurnStats:
        """The stats of a (final or partial) response; times are ``time.time()`` readings."""
        usage = response.usage
        data: dict[str, Any] = usage.to_dict() if usage is not None else {}
        cost = prices.cost(response.model, usage) if prices is not None and usage is not None else None
        return cls(
            model=response.model,
            input_tokens=data.get("input_tokens"),
            cached_tokens=(data.get("input_tokens_details") or {}).get("cached_tokens"),
            output_tokens=data.get("output_tokens"),
            reasoning_tokens=(data.get("output_tokens_details") or {}).get("reasoning_tokens"),
            total_tokens=data.get("total_tokens"),
            cost_usd=cost,
            ttft_s=first_token - started if first_token is not None and started is not None else None,
            total_s=finished - started if finished is not None and started is not None else None,
        )

    @classmethod
    def from_responses(
        cls,
        responses: Sequence[Response],
        *,
        started: float | None = None,
        first_token: float | None = None,
        finished: float | None = None,
        prices: PriceTable | None = None,
    ) -> TurnStats:
        """The summed stats of the responses of one turn (a tool loop sends several).

        The cost is unknown as soon as one response's is: a partial sum would pass for the whole.

        Raises:
            ValueError: ``responses`` is empty.
        """
        each = [cls.from_response(r, prices=prices) for r in responses]
        if not each:
            raise ValueError("no responses")

        def total(name: str) -> int | None:
            values = [getattr(s, name) for s in each if getattr(s, name) is not None]
            return sum(values) if values else None

        costs = [s.cost_usd for s in each]
        return cls(
            model=each[-1].model,
            input_tokens=total("input_tokens"),
            cached_tokens=total("cached_tokens"),
            output_tokens=total("output_tokens"),
            reasoning_tokens=total("reasoning_tokens"),
            total_tokens=total("total_tokens"),
            cost_usd=None if any(c is None for c in costs) else sum(c for c in costs if c is not None),
            ttft_s=first_token - started if first_token is not None and started is not None else None,
            total_s=finished - started if finished is not None and started is not None else None,
            requests=len(each),
        )

    def parts(self) -> list[tuple[str, str]]:
        """(label, value) pairs for a usage bar, in display order."""
        cached = self.cached_tokens if self.cached_tokens is not None or self.input_tokens is None else 0
        out = [("sum of", f"{self.requests} requests")] if self.requests > 1 else []
        out += [
            ("input", format_tokens(self.input_tokens)),
            ("cached", format_tokens(cached)),
            ("output", format_tokens(self.output_tokens)),
        ]
        if self.reasoning_tokens:
            out.append(("reasoning", format_tokens(self.reasoning_tokens)))
        out.append(("cost", format_cost(self.cost_usd)))
        if self.ttft_s is not None:
            out.append(("first token", f"{self.ttft_s:.2f} s"))
        if self.total_s is not None:
            out.append(("total", f"{self.total_s:.2f} s"))
        if self.tokens_per_s is not None:
            out.append(("speed", f"{self.tokens_per_s:.0f} tok/s"))
        return out

    def usage(self) -> ResponseUsage:
        """These token counts as a `ResponseUsage` (what ``_r.turn_usage`` holds after a ``%%respond`` turn)."""
        from nbresponses.types.response import InputTokensDetails, OutputTokensDetails, ResponseUsage

        return ResponseUsage(
            input_tokens=self.input_tokens,
            input_tokens_details=InputTokensDetails(cached_tokens=self.cached_tokens),
            output_tokens=self.output_tokens,
            output_tokens_details=OutputTokensDetails(reasoning_tokens=self.reasoning_tokens),
            total_tokens=self.total_tokens,
        )

    def line(self) -> str:
        """One line: ``input 12 · cached 0 · output 40 · $0.0001 · first token 0.20 s · ...``."""
        return " · ".join(value if label == "cost" else f"{label} {value}" for label, value in self.parts())


def row_cost(row: UsageRow, prices: PriceTable | None = None) -> float | None:
    """The estimated cost of a logged turn: as logged, else from its tokens and ``prices``; None if unpriced.

    A turn that reported no usage (it failed before any, or a stream was cut before its usage came) counts 0.
    Only prices of ``prices``' own models are used, not its fallback: the offline backend's "everything is
    free" must not price the turns a real API served.
    """
    if row.cost_usd is not None:
        return row.cost_usd
    if not (row.input_tokens or row.output_tokens):
        return 0.0
    price = prices.price(row.model, use_fallback=False) if prices is not None else None
    if price is None:
        return None
    return price.cost(
        input_tokens=row.input_tokens, cached_tokens=row.cached_tokens, output_tokens=row.output_tokens
    )


@dataclass(frozen=True)
class UsageTotals:
    """Summed usage of a group of turns (a notebook, thread or model)."""

    key: str
    turns: int
    input_tokens: int
    cached_tokens: int
    output_tokens: int
    reasoning_tokens: int
    total_tokens: int
    cost_usd: float | None
    """The estimated cost of the priced turns (None when no turn has a price)."""
    unpriced_turns: int
    """Turns with tokens but no price: not in ``cost_usd``."""


def totals(
    rows: Iterable[UsageRow], *, by: str = "model", prices: PriceTable | None = None
) -> list[UsageTotals]:
    """Sum usage rows per ``by`` (``model``, ``thread`` or ``notebook``); unpriced turns are counted apart."""
    groups: dict[str, list[UsageRow]] = {}
    for row in rows:
        groups.setdefault(str(getattr(row, by) or "(unknown)"), []).append(row)
    out = []
    for key, group in sorted(groups.items()):
        costs = [row_cost(r, prices) for r in group]
        priced = [c for c in costs if c is not None]
        out.append(
            UsageTotals(
                key=key,
                turns=len(group),
                input_tokens=sum(r.input_tokens for r in group),
                cached_tokens=sum(r.cached_tokens for r in group),
                output_tokens=sum(r.output_tokens for r in group),
                reasoning_tokens=sum(r.reasoning_tokens for r in group),
                total_tokens=sum(r.total_tokens for r in group),
                cost_usd=sum(priced) if priced else None,
                unpriced_turns=len(group) - len(priced),
            )
        )
    return out


def _table(title: str, rows: Sequence[UsageTotals]) -> str:
    lines = [
        f"**{title}**",
        "",
        "| | turns | input | cached | output | reasoning | cost |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for t in rows:
        cost = format_cost(t.cost_usd) + (
            f" (+{t.unpriced_turns} unpriced)" if t.unpriced_turns and t.cost_usd is not None else ""
        )
        key = t.key.replace("|", "\\|")
        lines.append(
            f"| {key} | {t.turns} | {format_tokens(t.input_tokens)} | {format_tokens(t.cached_tokens)} | "
            f"{format_tokens(t.output_tokens)} | {format_tokens(t.reasoning_tokens)} | {cost} |"
        )
    return "\n".join(lines)


_EIGHTHS = " ▏▎▍▌▋▊▉"
_BAR_WIDTH = 24


def _bar(value: float, peak: float) -> str:
    eighths = round(_BAR_WIDTH * 8 * value / peak) if peak > 0 else 0
    eighths = max(eighths, 1) if value > 0 else 0  # a non-zero amount never draws as nothing
    full, rest = divmod(eighths, 8)
    return ("█" * full + (_EIGHTHS[rest] if rest else "")).ljust(_BAR_WIDTH)


def _chart(title: str, rows: Sequence[UsageTotals]) -> list[str]:
    # A text chart: readable in rendered Markdown (a code block), in a terminal and in a saved notebook.
    width = min(max((len(t.key) for t in rows), default=0), 28)
    peak = max((t.total_tokens for t in rows), default=0)
    lines = [title]
    for t in rows:
        key = t.key if len(t.key) <= width else t.key[: width - 1] + "…"
        amount = format_tokens(t.total_tokens).rjust(7)
        lines.append(f"{key:<{width}} {_bar(t.total_tokens, peak)} {amount}  {format_cost(t.cost_usd)}")
    return lines


def _prices_note(prices: PriceTable | None) -> str:
    if prices is None:
        return ""
    if prices.as_of == "offline":
        own = " (except at the prices set in `RespondMagics.prices`)" if len(prices) else ""
        return f"The offline backend's turns cost nothing{own}."
    dated = f" of {prices.as_of}" if prices.as_of else ""
    return f"Estimates from the list prices{dated} (standard tier); `RespondMagics.prices` overrides them."


def usage_summary_markdown(
    rows: Sequence[UsageRow], *, thread: str | None = None, prices: PriceTable | None = None
) -> str:
    """The ``%respond usage`` dashboard: totals per notebook (when several), thread and model, and a chart.

    Args:
        rows: the history's usage rows (one notebook's, or every notebook's).
        thread: only this thread.
        prices: the price table, to estimate turns logged without a cost and to say which prices were used.
    """
    selected = [r for r in rows if thread is None or r.thread == thread]
    if not selected:
        return "No finished turns yet" + (f" in thread {thread!r}." if thread else " in this notebook.")
    overall = totals(selected, by="notebook", prices=prices)
    spent = sum(t.cost_usd or 0.0 for t in overall)
    turns = sum(t.turns for t in overall)
    by_model = totals(selected, by="model", prices=prices)
    unpriced = [t for t in by_model if t.unpriced_turns]
    header = f"**{turns} turn{'s' * (turns != 1)}**, estimated spend **{format_cost(spent)}**"
    if unpriced:
        names = ", ".join(f"`{t.key}`" for t in unpriced)
        count = sum(t.unpriced_turns for t in unpriced)
        header += f", not counting {count} turn{'s' * (count != 1)} of models without a price ({names})"
    header += ". " + _prices_note(prices)
    parts = [header.strip()]
    if len(overall) > 1:
        parts.append(_table("By notebook", overall))
    by_thread = totals(selected, by="thread", prices=prices)
    parts += [_table("By thread", by_thread), _table("By model", by_model)]
    chart = _chart("tokens by model", by_model)
    if len(by_thread) > 1:
        chart += ["", *_chart("tokens by thread", by_thread)]
    parts.append("```\n" + "\n".join(chart) + "\n```")
    return "\n\n".join(parts)
