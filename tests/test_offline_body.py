"""Tests of nbresponses.offline._body: a request body is read as OpenAI reads it; what cannot be a request is a
`BodyError` with the message of the 400 answer, never a crash."""

from __future__ import annotations

import json

import pytest

from nbresponses.offline._body import MAX_DEPTH, BodyError, parse_body


def test_json_bodies_and_an_empty_one() -> None:
    assert parse_body(b'{"model": "m", "input": [{"role": "user", "content": "hi"}]}')["model"] == "m"
    assert parse_body(b"") == {} and parse_body(b"  \n") == {}
    assert parse_body('{"text": "上海"}'.encode()) == {"text": "上海"}


@pytest.mark.parametrize("body", [b"{not json", b'{"a": 1', b"\xff\xfe\x00", b"[1, 2,]"])
def test_malformed_json_is_a_body_error(body: bytes) -> None:
    with pytest.raises(BodyError, match="could not parse the JSON body"):
        parse_body(body)


def test_nesting_is_limited_without_exhausting_the_stack() -> None:
    ok = json.dumps(json.loads("[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1))).encode()
    assert parse_body(ok)
    deep = ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)).encode()
    with pytest.raises(BodyError, match=f"deeper than {MAX_DEPTH} levels"):
        parse_body(deep)
    very_deep = ("[" * 200_000 + "]" * 200_000).encode()  # deeper than the parser's own stack
    with pytest.raises(BodyError, match="deeper than"):
        parse_body(very_deep)
    objects = ('{"a":' * 70 + "1" + "}" * 70).encode()
    with pytest.raises(BodyError, match="deeper than 8 levels"):
        parse_body(objects, max_depth=8)


def test_an_oversized_body_is_refused_before_parsing() -> None:
    with pytest.raises(BodyError, match="larger than the 1 MB"):
        parse_body(b" " * (1024 * 1024 + 1), max_bytes=1024 * 1024)
