"""How a turn ended, as handed to a view's ``finish``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from nbresponses.pricing.usage_stats import TurnStats
    from nbresponses.types.response import Response

__all__ = ["OutcomeStatus", "TurnOutcome"]

OutcomeStatus = Literal["completed", "incomplete", "failed", "interrupted", "error"]
"""How a turn ended, as a view shows it (``error``: the turn failed before or outside the stream). Not the
history's `nbresponses.store.TurnStatus`, which also has ``in_progress`` and ``cancelled``."""


@dataclass(frozen=True)
class TurnOutcome:
    """The final (or partial) response of a turn, how it ended, the error if any, and its stats."""

    response: Response | None
    status: OutcomeStatus = "completed"
    error: BaseException | None = None
    stats: TurnStats | None = None
    notice: str | None = None
