"""Tests of transports/base: the request spec, a broken body and the request id a reply carries."""

from __future__ import annotations

import dataclasses

import pytest

from nbresponses._secrets import REDACTED
from nbresponses.transports.base import BodyBroken, RequestSpec, request_id


def test_a_request_spec_is_frozen_and_its_defaults_are_its_own() -> None:
    first = RequestSpec("POST", "/responses", body={"model": "m"})
    second = RequestSpec("GET", "/models")
    assert (first.params, first.stream, first.files) == ({}, False, None)
    first.params["after"] = "x"
    assert second.params == {}
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.path = "/other"  # type: ignore[misc]


def test_a_broken_body_says_why_and_whether_it_timed_out() -> None:
    dropped, stalled = BodyBroken("connection dropped"), BodyBroken("no data for 30 s", timeout=True)
    assert (str(dropped), dropped.reason, dropped.timeout) == (
        "connection dropped",
        "connection dropped",
        False,
    )
    assert stalled.timeout is True


def test_request_id_reads_the_header_and_redacts_a_key_echoed_in_it() -> None:
    assert request_id({"x-request-id": "req_123"}) == "req_123"
    assert request_id({}) is None and request_id({"x-request-id": ""}) is None
    echoed = request_id({"x-request-id": "sk-proj-" + "a" * 40})
    assert echoed is not None and "a" * 40 not in echoed and REDACTED in echoed
