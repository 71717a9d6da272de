"""One card per function call, moving through its states: waiting for approval, running, done, failed, not run.

The model's ``function_call`` item says what was asked (name, arguments); a `LocalCall` says what the notebook
did with it. A card shows both at once: the arguments once, the result (or error, or why it was not run) once.
The item's own ``status`` ("completed": the model finished writing the call) is never shown as the call's state.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["CallState", "LocalCall", "call_label"]

CallState = Literal["queued", "waiting", "running", "done", "failed", "not run"]


@dataclass
class LocalCall:
    """What the notebook did with one of the model's function calls."""

    call_id: str
    name: str
    arguments: str
    state: CallState = "queued"
    result: str | None = None
    error: str | None = None
    seconds: float | None = None

    def finish(self, *, result: str | None, error: str | None, seconds: float, ran: bool) -> None:
        """Record the outcome: done, failed (it ran and raised or timed out) or not run (denied, invalid)."""
        self.seconds = seconds
        if not ran:
            self.state, self.error, self.result = "not run", error or result, None
        elif error is not None:
            self.state, self.error, self.result = "failed", error, None
        else:
            self.state, self.result, self.error = "done", result, None

    @property
    def label(self) -> str:
        """The state in words: ``waiting for approval``, ``running…``, ``done in 0.12 s``, ..."""
        if self.state == "waiting":
            return "waiting for approval"
        if self.state == "running":
            return "running…"
        if self.state in ("done", "failed") and self.seconds is not None:
            return (
                f"{self.state} in {self.seconds:.2f} s"
                if self.state == "done"
                else f"failed after {self.seconds:.2f} s"
            )
        return self.state


def call_label(item: dict[str, Any], call: LocalCall | None, *, runs_tools: bool) -> str:
    """The state of a function-call card: the notebook's side when it has one, else what the item says."""
    if call is not None:
        return call.label
    if item.get("status") == "in_progress":
        return "being written…"
    return "queued" if runs_tools else "not run here (no notebook function given with --tools)"


def pretty_arguments(arguments: object) -> str:
    """Arguments as indented JSON when they parse, else as they came."""
    text = arguments if isinstance(arguments, str) else json.dumps(arguments)
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except (TypeError, ValueError):
        return text
