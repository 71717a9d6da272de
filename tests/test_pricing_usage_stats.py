"""Tests of nbresponses.pricing.usage_stats: the usage bar's numbers, totals and the dashboard.

Also `nbresponses.usage()`, the public face of the same rows.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

import nbresponses
from nbresponses import testing
from nbresponses.conversation import Conversation
from nbresponses.pricing import PriceTable, default_prices
from nbresponses.pricing.budget import budget_status
from nbresponses.pricing.usage_stats import (
    TurnStats,
    format_cost,
    format_tokens,
    row_cost,
    totals,
    usage_summary_markdown,
)
from nbresponses.store import HistoryStore, UsageRow
from nbresponses.types.response import Response
from tests.usage_rows import row


def response(
    model: str | None = "gpt-4.1-2025-04-14",
    *,
    inputs: int = 1_000,
    cached: int = 0,
    outputs: int = 100,
    reasoning: int = 0,
    with_usage: bool = True,
) -> Response:
    data: dict[str, Any] = {"id": "resp_1", "object": "response", "status": "completed", "output": []}
    if model is not None:
        data["model"] = model
    if with_usage:
        data["usage"] = {
            "input_tokens": inputs,
            "input_tokens_details": {"cached_tokens": cached},
            "output_tokens": outputs,
            "output_tokens_details": {"reasoning_tokens": reasoning},
            "total_tokens": inputs + outputs,
        }
    return Response.model_validate(data)


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (None, "–"),
        (0, "0"),
        (999, "999"),
        (1_234, "1,234"),
        (9_999, "9,999"),
        (10_000, "10.0k"),
        (12_345, "12.3k"),
        (999_949, "999.9k"),
        (999_999, "1.00M"),
        (1_234_567, "1.23M"),
    ],
)
def test_format_tokens(count: int | None, text: str) -> None:
    assert format_tokens(count) == text


@pytest.mark.parametrize(
    ("usd", "text"),
    [
        (None, "cost unknown"),
        (0.0, "$0"),
        (0.00001, "<$0.0001"),
        (0.0001, "$0.0001"),
        (0.0123, "$0.0123"),
        (0.99994, "$0.9999"),
        (1.5, "$1.50"),
        (1234.5, "$1,234.50"),
    ],
)
def test_format_cost(usd: float | None, text: str) -> None:
    assert format_cost(usd) == text


def test_turn_stats_of_one_response() -> None:
    stats = TurnStats.from_response(
        response(inputs=1_000, cached=400, outputs=300, reasoning=120),
        started=100.0, first_token=100.5, finished=102.5, prices=default_prices(),
    )  # fmt: skip
    assert (stats.input_tokens, stats.cached_tokens, stats.output_tokens) == (1_000, 400, 300)
    assert (stats.reasoning_tokens, stats.total_tokens, stats.model) == (120, 1_300, "gpt-4.1-2025-04-14")
    assert stats.cost_usd == pytest.approx((600 * 2.0 + 400 * 0.5 + 300 * 8.0) / 1e6)
    assert stats.ttft_s == pytest.approx(0.5) and stats.total_s == pytest.approx(2.5)
    assert stats.tokens_per_s == pytest.approx(300 / 2.0)  # after the first token only


def test_turn_stats_without_prices_timings_or_usage() -> None:
    unpriced = TurnStats.from_response(response())
    assert unpriced.cost_usd is None and unpriced.ttft_s is None and unpriced.total_s is None
    assert TurnStats.from_response(response("my-gateway-model"), prices=default_prices()).cost_usd is None
    empty = TurnStats.from_response(response(with_usage=False), prices=default_prices())
    assert empty.input_tokens is None and empty.output_tokens is None and empty.cost_usd is None
    assert empty.parts()[:3] == [("input", "–"), ("cached", "–"), ("output", "–")]


@pytest.mark.parametrize(
    ("outputs", "ttft", "total", "expected"),
    [
        (0, 0.1, 1.0, None),  # nothing written
        (50, 0.1, None, None),  # not finished
        (50, 1.0, 1.0, None),  # everything arrived at once: no span to divide by
        (50, None, 2.0, 25.0),  # not streamed: the whole time
    ],
)
def test_tokens_per_second_only_when_measurable(
    outputs: int, ttft: float | None, total: float | None, expected: float | None
) -> None:
    stats = TurnStats("m", 10, 0, outputs, 0, 10 + outputs, 0.0, ttft, total)
    assert stats.tokens_per_s == expected


def test_turn_stats_of_several_rounds_are_summed() -> None:
    rounds = [
        response(inputs=1_000, cached=0, outputs=40),
        response(inputs=1_100, cached=1_000, outputs=30, reasoning=10),
        response("gpt-4.1-mini", inputs=1_200, cached=1_000, outputs=200, reasoning=50),
    ]
    prices = default_prices()
    stats = TurnStats.from_responses(rounds, started=10.0, first_token=10.2, finished=13.2, prices=prices)
    assert (stats.input_tokens, stats.cached_tokens, stats.output_tokens) == (3_300, 2_000, 270)
    assert (stats.reasoning_tokens, stats.total_tokens, stats.model) == (60, 3_570, "gpt-4.1-mini")
    each = [prices.cost(r.model, r.usage) for r in rounds]
    assert stats.cost_usd == pytest.approx(sum(c for c in each if c is not None))
    assert stats.ttft_s == pytest.approx(0.2) and stats.total_s == pytest.approx(3.2)
    assert stats.tokens_per_s == pytest.approx(270 / 3.0)


def test_several_rounds_cost_is_unknown_if_one_round_is() -> None:
    # An interrupted last round has no usage: a sum of the others would pass for the whole turn's cost.
    rounds = [response(), response(with_usage=False)]
    stats = TurnStats.from_responses(rounds, prices=default_prices())
    assert stats.cost_usd is None and stats.input_tokens == 1_000
    with pytest.raises(ValueError, match="no responses"):
        TurnStats.from_responses([])


def test_parts_and_line_of_the_usage_bar() -> None:
    stats = TurnStats("o4-mini", 12_345, 2_000, 400, 150, 12_745, 0.0123, 0.25, 2.25)
    assert stats.parts() == [
        ("input", "12.3k"),
        ("cached", "2,000"),
        ("output", "400"),
        ("reasoning", "150"),
        ("cost", "$0.0123"),
        ("first token", "0.25 s"),
        ("total", "2.25 s"),
        ("speed", "200 tok/s"),
    ]
    assert stats.line() == (
        "input 12.3k · cached 2,000 · output 400 · reasoning 150 · $0.0123 · first token 0.25 s · "
        "total 2.25 s · speed 200 tok/s"
    )
    plain = TurnStats("gpt-4.1", 16, None, 40, 0, 56, None, None, None)
    assert plain.line() == "input 16 · cached 0 · output 40 · cost unknown"  # no reasoning, no timings


def test_row_cost_uses_the_logged_cost_then_the_prices() -> None:
    table = default_prices()
    assert row_cost(row(1, cost=0.5), table) == 0.5  # logged with the prices of its day
    assert row_cost(row(1, cost=None, tokens=(1_000, 0, 100, 0)), table) == pytest.approx(
        (1_000 * 2.0 + 100 * 8.0) / 1e6
    )
    assert row_cost(row(1, "my-gateway-model", cost=None), table) is None
    assert row_cost(row(1, cost=None), None) is None
    assert row_cost(row(1, "my-gateway-model", cost=None, tokens=(0, 0, 0, 0)), table) == 0.0  # no usage
    # The offline table's "everything is free" must not price what a real API served.
    assert row_cost(row(1, "my-gateway-model", cost=None), PriceTable.free()) is None


def test_totals_per_model_thread_and_notebook() -> None:
    rows = [
        row(1, "gpt-4.1", tokens=(100, 10, 50, 0), cost=0.001),
        row(2, "o4-mini", thread="side", tokens=(1_000, 200, 3_000, 1_500), cost=0.02),
        row(3, "my-gateway-model", tokens=(10, 0, 10, 0), cost=None),
        row(4, "gpt-4.1", notebook="other.ipynb", cost=0.002),
        row(5, None, tokens=(0, 0, 0, 0), cost=None),  # failed before any usage
    ]
    by_model = {t.key: t for t in totals(rows)}
    assert list(by_model) == ["(unknown)", "gpt-4.1", "my-gateway-model", "o4-mini"]
    gpt = by_model["gpt-4.1"]
    assert (gpt.turns, gpt.input_tokens, gpt.cached_tokens, gpt.output_tokens) == (2, 200, 10, 100)
    assert gpt.cost_usd == pytest.approx(0.003) and gpt.unpriced_turns == 0
    assert by_model["my-gateway-model"].cost_usd is None and by_model["my-gateway-model"].unpriced_turns == 1
    assert by_model["o4-mini"].reasoning_tokens == 1_500 and by_model["o4-mini"].total_tokens == 4_000
    assert by_model["(unknown)"].cost_usd == 0.0 and by_model["(unknown)"].unpriced_turns == 0
    by_thread = {t.key: t for t in totals(rows, by="thread")}
    assert by_thread["default"].turns == 4 and by_thread["default"].unpriced_turns == 1
    assert by_thread["default"].cost_usd == pytest.approx(0.003)
    by_notebook = {t.key: t.turns for t in totals(rows, by="notebook")}
    assert by_notebook == {"nb.ipynb": 4, "other.ipynb": 1}
    priced = {
        t.key: t
        for t in totals(
            rows, prices=default_prices().merged({"my-gateway-model": {"input": 1000, "output": 1000}})
        )
    }
    assert (
        priced["my-gateway-model"].cost_usd == pytest.approx(0.02)
        and priced["my-gateway-model"].unpriced_turns == 0
    )


def test_dashboard_tables_chart_and_price_note() -> None:
    rows = [
        row(1, "gpt-4.1", tokens=(100, 0, 50, 0), cost=0.001),
        row(2, "o4-mini", thread="side", tokens=(1_000, 200, 3_000, 1_500), cost=0.02),
        row(3, "my-gateway-model", tokens=(10, 0, 10, 0), cost=None),
    ]
    text = usage_summary_markdown(rows, prices=default_prices())
    assert text.startswith("**3 turns**, estimated spend **$0.0210**, not counting 1 turn of models without")
    assert "(`my-gateway-model`)" in text and f"list prices of {default_prices().as_of}" in text
    assert "**By notebook**" not in text  # one notebook: its totals are the header
    assert "| default | 2 | 110 | 0 | 60 | 0 | $0.0010 (+1 unpriced) |" in text
    assert "| side | 1 | 1,000 | 200 | 3,000 | 1,500 | $0.0200 |" in text
    assert "| gpt-4.1 | 1 | 100 | 0 | 50 | 0 | $0.0010 |" in text
    assert "| my-gateway-model | 1 | 10 | 0 | 10 | 0 | cost unknown |" in text
    chart = text.split("```\n", 1)[1].split("\n```", 1)[0].splitlines()
    assert chart[0] == "tokens by model"
    bars = {line.split()[0]: line for line in chart[1:4]}
    assert "█" * 24 + "   4,000  $0.0200" in bars["o4-mini"]  # the largest fills the width
    assert bars["gpt-4.1"].split()[1] == "▉"  # 150 / 4000 of 24 cells = 7 eighths
    assert bars["my-gateway-model"].split()[1] == "▏" and bars["my-gateway-model"].endswith("cost unknown")
    assert "tokens by thread" in chart
    # aligned columns: name (padded to the longest), a 24-cell bar, the token count right-aligned in 7
    assert {len(line.rsplit("  ", 1)[0]) for line in chart[1:4]} == {len("my-gateway-model") + 1 + 24 + 1 + 7}


def test_dashboard_for_one_thread_several_notebooks_and_nothing() -> None:
    rows = [row(1), row(2, thread="side"), row(3, notebook="other.ipynb")]
    side = usage_summary_markdown(rows, thread="side")
    assert (
        side.startswith("**1 turn**, estimated spend")
        and "| side | 1 |" in side
        and "| default |" not in side
    )
    assert "tokens by thread" not in side
    every = usage_summary_markdown(rows)
    assert "**By notebook**" in every and "| other.ipynb | 1 |" in every and "| nb.ipynb | 2 |" in every
    assert usage_summary_markdown([]) == "No finished turns yet in this notebook."
    assert usage_summary_markdown(rows, thread="x") == "No finished turns yet in thread 'x'."
    offline = usage_summary_markdown(rows, prices=PriceTable.free())
    assert "offline backend's turns cost nothing." in offline
    tried = usage_summary_markdown(
        rows, prices=PriceTable.free().merged({"gpt-4.1": {"input": 1, "output": 1}})
    )
    assert "except at the prices set in `RespondMagics.prices`" in tried
    long_name = usage_summary_markdown([row(1, "a-very-long-gateway-model-name-of-a-provider")])
    assert "a-very-long-gateway-model-n…" in long_name


def offline_conversation(store: HistoryStore, thread: str = "default") -> Conversation:
    return Conversation(
        testing.OfflineBackend().client(), store=store, notebook="nb.ipynb", thread=thread,
        prices=default_prices(), model="gpt-4.1",
    )  # fmt: skip


def test_totals_after_a_restart_come_from_the_sqlite_log(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite"
    with HistoryStore(path) as store:
        chat = offline_conversation(store)
        sent = [
            chat.send("Count me."),
            chat.send("Me too."),
            offline_conversation(store, "side").send("Other."),
        ]
        before = usage_summary_markdown(store.usage_rows("nb.ipynb"), prices=default_prices())
    with HistoryStore(path) as reopened:  # a new kernel: nothing in memory
        rows = reopened.usage_rows("nb.ipynb")
    assert usage_summary_markdown(rows, prices=default_prices()) == before
    expected = [default_prices().cost(r.model, r.usage) for r in sent]
    assert [r.cost_usd for r in rows] == pytest.approx(expected)
    assert sum(t.turns for t in totals(rows, by="thread")) == 3
    assert budget_status(rows, budget_usd=1.0).spent_usd == pytest.approx(sum(c or 0.0 for c in expected))


def test_usage_function_returns_rows_and_a_dataframe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "history.sqlite"
    with HistoryStore(path) as store:
        offline_conversation(store).send("one")
        offline_conversation(store, "side").send("two")
    frame = nbresponses.usage("nb.ipynb", history_path=str(path))
    assert list(frame["thread"]) == ["default", "side"] and list(frame["model"]) == ["gpt-4.1", "gpt-4.1"]
    assert {"input_tokens", "cached_tokens", "reasoning_tokens", "cost_usd"} <= set(frame.columns)
    assert (frame["cost_usd"] > 0).all()
    assert len(nbresponses.usage("nb.ipynb", thread="side", history_path=str(path))) == 1
    rows = nbresponses.usage("nb.ipynb", history_path=str(path), as_frame=False)
    assert isinstance(rows, list) and all(isinstance(r, UsageRow) for r in rows)
    monkeypatch.setitem(sys.modules, "pandas", None)  # pandas not installed: `import pandas` fails
    without = nbresponses.usage("nb.ipynb", history_path=str(path))
    assert without == rows
    assert nbresponses.usage("elsewhere.ipynb", history_path=str(path), as_frame=False) == []
