"""What the history writes: JSON in the shape it was received or sent, and text, with secrets redacted.

A pydantic model (a `Response`, an input item) is written as the JSON it was parsed from: the fields the API
sent, by their API names, and nothing it left out (``model_dump`` of every field would add a ``null`` for each
of the dozens a response may have). This is the shape the client sends requests in, too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from nbresponses._secrets import redact, redact_data, redact_json_text

__all__ = ["json_text", "loads", "plain_text", "scrub"]


def loads(text: str | None) -> Any:
    """The value of JSON ``text`` (None for None)."""
    return None if text is None else json.loads(text)


def scrub(value: Any, secrets: tuple[str, ...] = ()) -> Any:
    """A copy of JSON-like ``value`` with credentials redacted (`nbresponses._secrets.redact_data`)."""
    return redact_data(value, secrets)


def _as_sent(obj: object) -> Any:
    """A pydantic model inside a JSON-like value, as the JSON it came from (or goes out as)."""
    if callable(dump := getattr(obj, "model_dump", None)):
        return dump(mode="json", by_alias=True, exclude_unset=True)
    raise TypeError(f"{type(obj).__name__} is not JSON serializable")


def _valid_unicode(text: str) -> str:
    """``text`` that SQLite can store: lone surrogates (which UTF-8 cannot encode) become U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def json_text(value: object, secrets: Iterable[str] = ()) -> str | None:
    """JSON text of a JSON-like value, JSON text or pydantic model, redacted (lone surrogates replaced)."""
    if value is None:
        return None
    text: str | None = None
    if callable(dump_json := getattr(value, "model_dump_json", None)):
        try:  # pydantic-core writes a model's JSON directly; a lone surrogate makes it refuse
            text = dump_json(by_alias=True, exclude_unset=True)
        except ValueError:
            text = None
    if text is None:
        if isinstance(value, str):
            value = json.loads(value)
        text = _valid_unicode(json.dumps(value, default=_as_sent, ensure_ascii=False))
    return redact_json_text(text, secrets)


def plain_text(value: str | None, secrets: Iterable[str] = ()) -> str | None:
    """Text as the history keeps it: redacted, lone surrogates replaced."""
    return None if value is None else redact(_valid_unicode(value), secrets)
