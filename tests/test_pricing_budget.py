"""The budget (nbresponses/pricing/budget.py): the stop, the warning once per crossing, models it cannot count."""

from __future__ import annotations

import pytest

import nbresponses
from nbresponses.pricing import PriceTable, default_prices
from nbresponses.pricing.budget import BudgetExceeded, BudgetGuard, budget_status
from tests.usage_rows import row


def test_budget_status_counts_priced_turns_and_names_unpriced_models() -> None:
    rows = [
        row(1, cost=0.3),
        row(2, cost=0.5),
        row(3, "my-gateway-model", cost=None),
        row(4, None, cost=None),
    ]
    status = budget_status(rows, budget_usd=1.0, prices=default_prices())
    assert status.spent_usd == pytest.approx(0.8) and status.near and not status.reached
    assert status.unpriced_turns == 2 and status.unpriced_models == ("(unknown model)", "my-gateway-model")
    assert status.spend_text() == "$0.8000 of the $1.00 budget (80%), not counting 2 turns without a price"
    assert budget_status([], budget_usd=0.0).reached  # a zero budget sends nothing
    assert budget_status([row(1, cost=0.79)], budget_usd=1.0).near is False


def test_budget_stops_once_the_spend_reaches_it() -> None:
    guard = BudgetGuard()
    with pytest.raises(BudgetExceeded) as caught:
        guard.check([row(1, cost=0.6), row(2, cost=0.4)], budget_usd=1.0, prices=default_prices())
    error = caught.value
    assert error.spend.reached and not error.between_rounds
    assert getattr(error, "status", None) is None  # error views would show it as an HTTP status
    assert str(error).startswith(
        "Budget reached: this notebook's estimated spend is $1.00 of the $1.00 budget"
    )
    assert "Nothing was sent." in str(error) and "RespondMagics.budget_usd" in error.hint
    assert isinstance(error, nbresponses.NBResponsesError)


def test_budget_warns_once_per_crossing() -> None:
    guard = BudgetGuard()
    below, above = [row(1, cost=0.5)], [row(1, cost=0.5), row(2, cost=0.35)]
    assert guard.check(below, budget_usd=1.0) == []
    [warning] = guard.check(above, budget_usd=1.0)
    assert warning.startswith("Estimated spend is over 80% of the budget: $0.8500 of the $1.00 budget (85%).")
    assert guard.check(above, budget_usd=1.0) == []  # not on every cell
    assert guard.check(above, budget_usd=2.0) == []  # raised: 42%, below the line again
    assert guard.check([*above, row(3, cost=0.8)], budget_usd=2.0) != []  # crossed anew
    assert BudgetGuard().check(above, budget_usd=1.0) != []  # a new session is told again


def test_budget_names_models_it_cannot_count_once() -> None:
    guard = BudgetGuard()
    prices = default_prices()
    [notice] = guard.check(
        [row(1, "my-gateway-model", cost=None)], budget_usd=5.0, prices=prices, model="gpt-4.1"
    )
    assert notice.startswith(
        "The $5.00 budget cannot count the cost of `my-gateway-model`: no price is known."
    )
    assert "%config RespondMagics.prices = {'my-gateway-model': {'input': ..." in notice
    assert guard.check([row(1, "my-gateway-model", cost=None)], budget_usd=5.0, prices=prices) == []
    # the model about to be sent is checked too, before it spends anything
    [upcoming] = guard.check([], budget_usd=5.0, prices=prices, model="other-model")
    assert "`other-model`" in upcoming
    assert guard.check([], budget_usd=5.0, prices=prices, model="other-model") == []
    assert BudgetGuard().check([], budget_usd=5.0, prices=PriceTable.free(), model="other-model") == []
    [nameless] = BudgetGuard().check([row(1, None, cost=None)], budget_usd=5.0, prices=prices)
    assert "`(unknown model)`" in nameless and "{'MODEL': {'input'" in nameless


def test_budget_between_tool_rounds_only_stops() -> None:
    guard = BudgetGuard()
    rows = [row(1, cost=0.9), row(2, "my-gateway-model", cost=None)]
    assert guard.check(rows, budget_usd=1.0, prices=default_prices(), between_rounds=True) == []
    assert (
        len(guard.check(rows, budget_usd=1.0, prices=default_prices())) == 2
    )  # still told before the next cell
    with pytest.raises(BudgetExceeded, match="during the tool loop") as caught:
        guard.check([*rows, row(3, cost=0.2)], budget_usd=1.0, between_rounds=True)
    assert caught.value.between_rounds and "The tool outputs were not sent back." in caught.value.message
