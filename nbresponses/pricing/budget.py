"""A notebook's spending limit: the estimated spend (from the history) against ``RespondMagics.budget_usd``.

Pure: it is handed the usage rows and a price table. A turn whose cost cannot be known (a model without a
price) is not silently counted as free: the budget names such models once, so the user can add a price.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nbresponses._exceptions import NBResponsesError

from .usage_stats import format_cost, row_cost, usd

if TYPE_CHECKING:
    from nbresponses.store import UsageRow

    from . import PriceTable

__all__ = ["WARN_FRACTION", "BudgetExceeded", "BudgetGuard", "BudgetStatus", "budget_status"]

WARN_FRACTION = 0.8
"""Share of the budget at which a warning is shown (once per crossing)."""

_RAISE_HINT = "Raise it with %config RespondMagics.budget_usd = ... or --budget USD."


@dataclass(frozen=True)
class BudgetStatus:
    """A notebook's estimated spend against its budget."""

    budget_usd: float
    spent_usd: float
    """The estimated spend of the priced turns."""
    unpriced_turns: int
    unpriced_models: tuple[str, ...]
    """Models of turns that have tokens but no price: their spend cannot be counted."""

    @property
    def reached(self) -> bool:
        """No new request may be sent."""
        return self.spent_usd >= self.budget_usd

    @property
    def near(self) -> bool:
        """At or over `WARN_FRACTION` of the budget."""
        return self.spent_usd >= WARN_FRACTION * self.budget_usd

    def spend_text(self) -> str:
        """``$0.8123 of the $1.00 budget (81%)``, with the unpriced turns when there are any."""
        share = f" ({self.spent_usd / self.budget_usd:.0%})" if self.budget_usd > 0 else ""
        text = f"{format_cost(self.spent_usd)} of the {usd(self.budget_usd)} budget{share}"
        if self.unpriced_turns:
            text += (
                f", not counting {self.unpriced_turns} turn{'s' * (self.unpriced_turns != 1)} without a price"
            )
        return text


def budget_status(
    rows: Iterable[UsageRow], *, budget_usd: float, prices: PriceTable | None = None
) -> BudgetStatus:
    """The spend of ``rows`` (one notebook's finished turns, from the history) against ``budget_usd``."""
    spent, unpriced, models = 0.0, 0, set()
    for row in rows:
        cost = row_cost(row, prices)
        if cost is None:
            unpriced += 1
            models.add(row.model or "(unknown model)")
        else:
            spent += cost
    return BudgetStatus(
        budget_usd=budget_usd, spent_usd=spent, unpriced_turns=unpriced, unpriced_models=tuple(sorted(models))
    )


class BudgetExceeded(NBResponsesError):
    """The notebook's estimated spend reached its budget: nothing more is sent."""

    def __init__(self, status: BudgetStatus, *, between_rounds: bool = False) -> None:
        # Not ``status``: error views read that name as an HTTP status.
        self.spend = status
        self.between_rounds = between_rounds
        if between_rounds:
            self.message = (
                f"Budget reached during the tool loop: this notebook's estimated spend is "
                f"{status.spend_text()}. The tool outputs were not sent back."
            )
        else:
            self.message = (
                f"Budget reached: this notebook's estimated spend is {status.spend_text()}. Nothing was sent."
            )
        self.hint = _RAISE_HINT
        super().__init__(f"{self.message} {self.hint}")


class BudgetGuard:
    """Checks a notebook's budget before each request, and says each thing once.

    The stop is checked every time. The warning at `WARN_FRACTION` is shown once per crossing (again only if
    the budget is raised and crossed anew), and models whose turns the budget cannot count, for want of a
    price, are named once each. One guard belongs to one notebook session.
    """

    def __init__(self) -> None:
        self._warned_for: float | None = None
        self._told_unpriced: set[str] = set()

    def check(
        self,
        rows: Iterable[UsageRow],
        *,
        budget_usd: float,
        prices: PriceTable | None = None,
        model: str | None = None,
        between_rounds: bool = False,
    ) -> list[str]:
        """The notices to show before sending a request for ``model`` (between tool rounds: none).

        Raises:
            BudgetExceeded: the estimated spend reached the budget.
        """
        status = budget_status(rows, budget_usd=budget_usd, prices=prices)
        if status.reached:
            raise BudgetExceeded(status, between_rounds=between_rounds)
        if between_rounds:
            return []
        notices = []
        unknown = set(status.unpriced_models)
        if model and prices is not None and prices.price(model) is None:
            unknown.add(model)
        new = sorted(unknown - self._told_unpriced)
        if new:
            self._told_unpriced.update(new)
            names = ", ".join(f"`{name}`" for name in new)
            named = [name for name in new if name != "(unknown model)"] or ["MODEL"]
            example = "{" + f"'{named[0]}': " + "{'input': ..., 'cached_input': ..., 'output': ...}}"
            notices.append(
                f"The {usd(budget_usd)} budget cannot count the cost of {names}: no price is known. "
                f"Add one (USD per million tokens): `%config RespondMagics.prices = {example}`."
            )
        if not status.near:
            self._warned_for = None
        elif self._warned_for != budget_usd:
            self._warned_for = budget_usd
            notices.append(
                f"Estimated spend is over {WARN_FRACTION:.0%} of the budget: {status.spend_text()}. "
                "New requests stop when it is reached."
            )
        return notices
