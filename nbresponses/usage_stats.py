"""Usage, cost and timing of turns: the numbers behind the usage bar and ``%respond usage`` (pure).

A model without a price has an unknown cost (None, shown as "cost unknown"), never 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .pricing import PriceTable
    from .store import UsageRow
    from .types.response import Response

__all__ = ["TurnStats", "UsageTotals", "format_cost", "format_tokens", "totals", "usage_summary_markdown"]


def format_tokens(count: int | None) -> str:
    """``1234`` -> ``1,234``; ``12345`` -> ``12.3k``; None -> ``–``."""
    if count is None:
        return "–"
    return f"{count / 1000:.1f}k" if count >= 10_000 else f"{count:,}"


def format_cost(usd: float | None) -> str:
    """``$0.0123``; ``cost unknown`` when there is no price."""
    if usd is None:
        return "cost unknown"
    if usd == 0:
        return "$0"
    return f"${usd:.4f}" if usd < 1 else f"${usd:,.2f}"


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
        """The summed stats of the responses of one turn (a tool loop sends several)."""
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
        )

    def parts(self) -> list[tuple[str, str]]:
        """(label, value) pairs for a usage bar, in display order."""
        out = [
            ("input", format_tokens(self.input_tokens)),
            ("cached", format_tokens(self.cached_tokens or 0)),
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

    def line(self) -> str:
        """One line: ``input 12 · cached 0 · output 40 · $0.0001 · first token 0.20 s · ...``."""
        return " · ".join(value if label == "cost" else f"{label} {value}" for label, value in self.parts())


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
    unpriced_turns: int


def totals(rows: Iterable[UsageRow], *, by: str = "model") -> list[UsageTotals]:
    """Sum usage rows per ``by`` (``model``, ``thread`` or ``notebook``); unpriced turns are counted apart."""
    groups: dict[str, list[UsageRow]] = {}
    for row in rows:
        groups.setdefault(str(getattr(row, by) or "(unknown)"), []).append(row)
    out = []
    for key, group in sorted(groups.items()):
        priced = [r.cost_usd for r in group if r.cost_usd is not None]
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
        "|---|---|---|---|---|---|---|",
    ]
    for t in rows:
        cost = format_cost(t.cost_usd) + (
            f" (+{t.unpriced_turns} unpriced)" if t.unpriced_turns and t.cost_usd else ""
        )
        lines.append(
            f"| {t.key} | {t.turns} | {format_tokens(t.input_tokens)} | {format_tokens(t.cached_tokens)} | "
            f"{format_tokens(t.output_tokens)} | {format_tokens(t.reasoning_tokens)} | {cost} |"
        )
    return "\n".join(lines)


def _bars(rows: Sequence[UsageTotals]) -> str:
    # A small text chart of total tokens per model: readable in Markdown, in a terminal and in a saved notebook.
    peak = max((t.total_tokens for t in rows), default=0) or 1
    return "\n".join(f"{t.key:<24} {'█' * max(1, round(24 * t.total_tokens / peak))} {format_tokens(t.total_tokens)}"
                     for t in rows)  # fmt: skip


def usage_summary_markdown(rows: Sequence[UsageRow], *, thread: str | None = None) -> str:
    """The ``%respond usage`` dashboard: totals per thread and per model, and a chart of tokens per model."""
    selected = [r for r in rows if thread is None or r.thread == thread]
    if not selected:
        return "No finished turns yet" + (f" in thread {thread!r}." if thread else " in this notebook.")
    overall = totals(selected, by="notebook")
    spent = sum(t.cost_usd or 0.0 for t in overall)
    turns = sum(t.turns for t in overall)
    header = f"**{turns} turns**, estimated spend **{format_cost(spent)}** (unpriced models not included)."
    by_model = totals(selected, by="model")
    parts = [header, _table("By thread", totals(selected, by="thread")), _table("By model", by_model)]
    parts.append("```\n" + _bars(by_model) + "\n```")
    return "\n\n".join(parts)
