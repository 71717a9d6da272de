"""Tests of nbresponses.render._bundle: a turn's static output, one bundle of safe HTML, safe Markdown and plain
text; a response displayed later; the superseded mark."""

from __future__ import annotations

from nbresponses.render._bundle import (
    mark_bundle,
    outcome_bundle,
    response_bundle,
    response_html,
    response_markdown,
    sections_bundle,
    superseded_section,
)
from nbresponses.render._markdown import Section
from nbresponses.render._outcome import TurnOutcome
from nbresponses.types.response import Response


def _response(text: str, status: str = "completed", **extra: object) -> Response:
    message = {"type": "message", "id": "m", "role": "assistant", "status": status,
               "content": [{"type": "output_text", "text": text, "annotations": []}]}  # fmt: skip
    return Response.model_validate({"id": "resp_1", "status": status, "output": [message], **extra})


def test_three_copies_of_every_section() -> None:
    bundle = sections_bundle(
        [Section("answer", "Hello **world**"), Section("note", "a note"), Section("answer", "")]
    )
    assert set(bundle) == {"text/html", "text/markdown", "text/plain"}
    assert (
        bundle["text/html"].startswith("<div class='nbresponses'>")
        and "<strong>world</strong>" in bundle["text/html"]
    )
    assert bundle["text/markdown"] == "Hello **world**\n\n> a note"
    assert bundle["text/plain"] == "Hello world\n\na note"


def test_model_text_is_escaped_in_every_copy() -> None:
    bundle = outcome_bundle(TurnOutcome(response=_response("<script>alert(1)</script> costs $5 and $6")))
    assert "<script>" not in bundle["text/html"] and "&lt;script&gt;" in bundle["text/html"]
    assert (
        bundle["text/markdown"] == "\\<script\\>alert(1)\\</script\\> costs \\$5 and \\$6"
    )  # no HTML, no math
    assert bundle["text/plain"] == "<script>alert(1)</script> costs $5 and $6"  # plain text is shown as text


def test_usage_line_and_header() -> None:
    stats_line = Section("stats", "input 10 · output 2", parts=(("input", "10"), ("output", "2")))
    bundle = sections_bundle([stats_line])
    assert "nbresponses-stats" in bundle["text/html"] and "<b>10</b>" in bundle["text/html"]
    assert bundle["text/markdown"] == "<sub>input 10 · output 2</sub>"
    headed = outcome_bundle(TurnOutcome(response=_response("hi")), header="gpt-4.1 · thread default")
    assert headed["text/plain"].startswith("gpt-4.1 · thread default")


def test_a_response_displayed_later_says_when_it_was_cut_off() -> None:
    full = response_bundle(_response("all of it"))
    cut = response_bundle(
        _response("half of", "incomplete", incomplete_details={"reason": "max_output_tokens"})
    )
    assert "all of it" in full["text/plain"] and "max_output_tokens" not in full["text/plain"]
    assert "half of" in cut["text/plain"] and "max_output_tokens" in cut["text/plain"]
    assert response_html(_response("x")) == response_bundle(_response("x"))["text/html"]
    assert response_markdown(_response("x")) == response_bundle(_response("x"))["text/markdown"]


def test_the_superseded_mark_goes_on_top_of_every_copy() -> None:
    bundle = outcome_bundle(TurnOutcome(response=_response("old answer")))
    marked = mark_bundle(bundle, "a1b2c3", turn=4)
    assert (
        marked["text/html"].startswith("<div class='nbresponses'>")
        and marked["text/html"].count("nbresponses'>") == 1
    )
    assert "Superseded" in marked["text/html"].split("old answer")[0]
    assert marked["text/markdown"].startswith(superseded_section("a1b2c3", 4).markdown)
    assert marked["text/plain"].endswith(bundle["text/plain"]) and "(turn 4)" in marked["text/plain"]
    assert "(turn" not in superseded_section("a1b2c3").markdown
