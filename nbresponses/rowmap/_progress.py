"""Where a map stands: rows done, failed, in flight and left, tokens, cost, rate and time left (pure data).

The engine updates one `MapProgress` as rows finish; views read copies of it (`snapshot`) at their own pace.
Counts are of rows: rows that share one request (identical rows) move together.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass

from nbresponses.pricing.usage_stats import format_cost, format_tokens

__all__ = ["MapProgress", "format_seconds"]


def format_seconds(seconds: float) -> str:
    """``0.4 s``, ``12 s``, ``3 min 5 s``, ``2 h 4 min``."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


@dataclass
class MapProgress:
    """The state of one map. Times are ``time.monotonic()`` seconds."""

    total: int
    """Rows in the table."""
    resumed: int = 0
    """Rows answered by an earlier run (from the history): not sent again."""
    done: int = 0
    """Rows answered in this run (completed or incomplete)."""
    failed: int = 0
    in_flight: int = 0
    not_sent: int = 0
    """Rows left unsent: the budget was reached, the map was stopped or interrupted."""
    pending: int = 0
    """Rows waiting in a batch."""
    requests: int = 0
    """Distinct requests to send in this run (identical rows share one)."""
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    """Estimated cost of this run's answers (those with a price)."""
    unpriced: int = 0
    """Answers whose cost is unknown (a model without a price)."""
    retries: int = 0
    rate_limited: int = 0
    """429 answers received (each was retried after the wait the server asked for)."""
    started: float = 0.0
    finished: float | None = None
    waiting: str | None = None
    """Why no request starts right now (a rate-limit pause), if so."""
    stopped: str | None = None
    """Why the map stopped sending before the end (budget, an error every request gets), if it did."""
    interrupted: bool = False
    log_error: str | None = None
    """Why this run's answers could not be recorded in the history, if so (a re-run sends those rows again)."""
    model: str = ""
    batch: bool = False
    """Rows went through the Batch API: they took the batch's time, not this run's (no rate, no elapsed)."""

    def __post_init__(self) -> None:
        if not self.started:
            self.started = time.monotonic()

    def snapshot(self) -> MapProgress:
        """A copy, to read while the engine goes on."""
        return copy.copy(self)

    @property
    def answered(self) -> int:
        """Rows with an answer: resumed and done."""
        return self.resumed + self.done

    @property
    def left(self) -> int:
        """Rows neither answered, failed nor given up on (in flight and queued)."""
        return max(0, self.total - self.resumed - self.done - self.failed - self.not_sent - self.pending)

    def elapsed(self, now: float | None = None) -> float:
        """Seconds since the map started (until it finished)."""
        end = self.finished if self.finished is not None else (time.monotonic() if now is None else now)
        return max(0.0, end - self.started)

    def rate(self, now: float | None = None) -> float | None:
        """Rows finished (answered or failed) per second in this run; None before the first."""
        finished = self.done + self.failed
        elapsed = self.elapsed(now)
        return finished / elapsed if finished and elapsed > 0 else None

    def eta(self, now: float | None = None) -> float | None:
        """Seconds left at the current rate; None if unknown."""
        rate = self.rate(now)
        if self.finished is not None:
            return 0.0
        return self.left / rate if rate else None

    def cost_text(self) -> str:
        """This run's estimated cost (``cost unknown`` when no answer could be priced)."""
        if self.unpriced and not self.cost_usd:
            return format_cost(None)
        text = format_cost(self.cost_usd)
        return f"{text} + {self.unpriced} unpriced" if self.unpriced else text

    def parts(self, now: float | None = None) -> list[tuple[str, str]]:
        """Labelled figures for a progress line or a summary."""
        figures = [("done", f"{self.answered}/{self.total}")]
        if self.resumed:
            figures.append(("from history", str(self.resumed)))
        figures.append(("failed", str(self.failed)))
        if self.finished is None:
            figures.append(("in flight", str(self.in_flight)))
        if self.pending:
            figures.append(("in batch", str(self.pending)))
        if self.not_sent:
            figures.append(("not sent", str(self.not_sent)))
        figures.append(
            ("tokens", f"{format_tokens(self.input_tokens)} in · {format_tokens(self.output_tokens)} out")
        )
        figures.append(("cost", self.cost_text()))
        if self.batch:
            return figures
        rate = self.rate(now)
        if rate is not None:
            figures.append(("rate", f"{rate:.1f} rows/s"))
        if self.finished is None:
            eta = self.eta(now)
            if eta is not None:
                figures.append(("ETA", format_seconds(eta)))
        else:
            figures.append(("elapsed", format_seconds(self.elapsed(now))))
        if self.rate_limited:
            figures.append(("rate-limited", f"{self.rate_limited}×"))
        return figures

    def line(self, now: float | None = None) -> str:
        """One line of plain text (terminal progress)."""
        return " · ".join(f"{label} {value}" for label, value in self.parts(now))
