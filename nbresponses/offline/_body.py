"""Reading a request body as OpenAI does: malformed, too deeply nested or oversized JSON is a 400, never a 500."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["MAX_BODY_BYTES", "MAX_DEPTH", "BodyError", "parse_body"]

MAX_BODY_BYTES = 64 * 1024 * 1024
"""The largest body read (a 32 MB file, base64-encoded in JSON, fits)."""
MAX_DEPTH = 64
"""The deepest nesting of arrays and objects accepted (requests nest a few levels; JSON schemas a few more)."""


class BodyError(ValueError):
    """A body that cannot be a request: its message is the one the 400 answer carries."""


def _depth(value: Any, limit: int) -> bool:
    """Whether ``value`` nests deeper than ``limit`` (iterative: a deep value must not exhaust the stack)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def parse_body(body: bytes, *, max_bytes: int | None = None, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON value of ``body`` (``{}`` when empty).

    Raises:
        BodyError: the body is larger than ``max_bytes`` (default `MAX_BODY_BYTES`), not JSON (or not UTF-8),
            or nests deeper than ``max_depth``.
    """
    max_bytes = MAX_BODY_BYTES if max_bytes is None else max_bytes
    if len(body) > max_bytes:
        raise BodyError(
            f"The request body is larger than the {max_bytes // (1024 * 1024)} MB this server reads."
        )
    if not body.strip():
        return {}
    try:
        payload = json.loads(body)
    except RecursionError:  # the parser's own stack: far too deep
        raise BodyError(f"The JSON body nests deeper than {max_depth} levels.") from None
    except ValueError:
        raise BodyError("We could not parse the JSON body of your request.") from None
    if _depth(payload, max_depth):
        raise BodyError(f"The JSON body nests deeper than {max_depth} levels.")
    return payload
