"""A `UsageRow` builder shared by the usage and budget tests."""

from __future__ import annotations

from nbresponses.store import UsageRow


def row(
    turn: int,
    model: str | None = "gpt-4.1",
    *,
    thread: str = "default",
    notebook: str = "nb.ipynb",
    tokens: tuple[int, int, int, int] = (100, 0, 50, 0),
    cost: float | None = 0.001,
) -> UsageRow:
    """A finished turn's usage row: ``tokens`` is (input, cached, output, reasoning)."""
    inputs, cached, outputs, reasoning = tokens
    return UsageRow(
        turn,
        notebook,
        thread,
        model,
        "completed",
        float(turn),
        inputs,
        cached,
        outputs,
        reasoning,
        inputs + outputs,
        cost,
    )
