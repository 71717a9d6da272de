"""Notebook functions as tools: schemas from signatures, a registry, a runner and the call loop (no IPython).

::

    @nbresponses.tool
    def get_weather(city: str, unit: Literal["C", "F"] = "C") -> str:
        \"\"\"Current weather.

        Args:
            city: the city name.
        \"\"\"
"""

from __future__ import annotations

from ._loop import ToolLoopResult, run_tool_loop
from ._registry import TOOL_ATTRIBUTE, Tool, registered_tools, resolve_tools, tool
from ._runner import Approver, ToolCall, ToolResult, output_of, run_calls
from ._schema import arguments_model, function_tool_schema, parse_docstring

__all__ = [
    "TOOL_ATTRIBUTE",
    "Approver",
    "Tool",
    "ToolCall",
    "ToolLoopResult",
    "ToolResult",
    "arguments_model",
    "function_tool_schema",
    "output_of",
    "parse_docstring",
    "registered_tools",
    "resolve_tools",
    "run_calls",
    "run_tool_loop",
    "tool",
]
