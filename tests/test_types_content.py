"""Tests of nbresponses.types.content: content parts, annotations and logprobs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from nbresponses.types.content import (
    Annotation,
    ComputerScreenshotContent,
    ContainerFileCitationBody,
    FileCitationBody,
    FilePath,
    InputContent,
    InputFileContent,
    InputImageContent,
    InputTextContent,
    LogProb,
    MessageContent,
    OutputContent,
    OutputTextContent,
    ReasoningContent,
    ReasoningTextContent,
    RefusalContent,
    ResponseLogProb,
    SummaryContent,
    SummaryTextContent,
    TextContent,
    UnknownAnnotation,
    UnknownContent,
    UrlCitationBody,
)

ANNOTATIONS = TypeAdapter(Annotation)
OUTPUT_CONTENT = TypeAdapter(OutputContent)
INPUT_CONTENT = TypeAdapter(InputContent)
MESSAGE_CONTENT = TypeAdapter(MessageContent)


def round_trip(adapter: TypeAdapter[Any], data: dict[str, Any]) -> Any:
    """Validate ``data`` from JSON text, check it dumps back unchanged, and return the parsed value."""
    parsed = adapter.validate_json(json.dumps(data))
    assert parsed.model_dump(mode="json", exclude_unset=True) == data
    return parsed


@pytest.mark.parametrize(
    ("data", "model"),
    [
        ({"type": "file_citation", "file_id": "file-1", "filename": "a.txt", "index": 31}, FileCitationBody),
        (
            {
                "type": "url_citation",
                "url": "https://example.com",
                "title": "Ex",
                "start_index": 3,
                "end_index": 9,
            },
            UrlCitationBody,
        ),
        (
            {
                "type": "container_file_citation",
                "container_id": "cntr_1",
                "file_id": "cfile_1",
                "filename": "plot.png",
                "start_index": 0,
                "end_index": 5,
            },
            ContainerFileCitationBody,
        ),
        ({"type": "file_path", "file_id": "file-2", "index": 0}, FilePath),
        ({"type": "page_citation", "page": 4, "doc": {"id": "d"}}, UnknownAnnotation),
    ],
)
def test_annotations(data: dict[str, Any], model: type[BaseModel]) -> None:
    assert type(round_trip(ANNOTATIONS, data)) is model


def test_output_text_with_annotations_and_logprobs() -> None:
    data = {
        "type": "output_text",
        "text": "Paris [1]",
        "annotations": [
            {
                "type": "url_citation",
                "url": "https://fr.wikipedia.org",
                "title": "Paris",
                "start_index": 6,
                "end_index": 9,
            },
            {"type": "brand_new_citation", "ref": 1},
        ],
        "logprobs": [
            {
                "token": "Paris",
                "logprob": -0.01,
                "bytes": [80, 97],
                "top_logprobs": [{"token": "Paris", "logprob": -0.01, "bytes": [80, 97]}],
            },
        ],
    }
    part = round_trip(OUTPUT_CONTENT, data)
    assert isinstance(part, OutputTextContent)
    assert isinstance(part.annotations[0], UrlCitationBody) and part.annotations[0].end_index == 9
    assert isinstance(part.annotations[1], UnknownAnnotation) and part.annotations[1].model_extra == {
        "ref": 1
    }
    assert part.logprobs is not None and isinstance(part.logprobs[0], LogProb)
    assert part.logprobs[0].top_logprobs is not None and part.logprobs[0].top_logprobs[0].bytes == [80, 97]


def test_response_logprob_is_the_same_model() -> None:
    assert ResponseLogProb is LogProb
    assert LogProb.model_validate({"token": "a", "logprob": -1}).logprob == -1.0


def test_output_text_defaults() -> None:
    part = OUTPUT_CONTENT.validate_python({"type": "output_text"})
    assert isinstance(part, OutputTextContent)
    assert part.text is None and part.annotations == [] and part.logprobs is None
    assert part.to_dict() == {"type": "output_text"}


@pytest.mark.parametrize(
    ("data", "model"),
    [
        ({"type": "refusal", "refusal": "No."}, RefusalContent),
        ({"type": "reasoning_text", "text": "hmm"}, ReasoningTextContent),
        ({"type": "output_audio", "data": "AAAA", "transcript": "hi"}, UnknownContent),
    ],
)
def test_other_output_content(data: dict[str, Any], model: type[BaseModel]) -> None:
    assert type(round_trip(OUTPUT_CONTENT, data)) is model


def test_known_content_that_does_not_validate_falls_back_instead_of_raising() -> None:
    data = {"type": "output_text", "text": ["not", "a", "string"]}
    part = OUTPUT_CONTENT.validate_python(data)
    assert isinstance(part, UnknownContent) and part.to_dict() == data


def test_unknown_fields_on_known_content_are_kept() -> None:
    data = {"type": "refusal", "refusal": "No.", "category": "policy"}
    part = round_trip(OUTPUT_CONTENT, data)
    assert isinstance(part, RefusalContent) and part.model_extra == {"category": "policy"}


def test_type_is_required() -> None:
    with pytest.raises(ValidationError):
        OutputTextContent.model_validate({"text": "x"})
    with pytest.raises(ValidationError):
        OUTPUT_CONTENT.validate_python({"text": "x"})
    assert OutputTextContent(type="output_text", text="x").to_dict() == {"type": "output_text", "text": "x"}


@pytest.mark.parametrize(
    ("data", "model"),
    [
        ({"type": "input_text", "text": "hi"}, InputTextContent),
        (
            {"type": "input_text", "text": "hi", "prompt_cache_breakpoint": {"mode": "explicit"}},
            InputTextContent,
        ),
        (
            {
                "type": "input_image",
                "detail": "auto",
                "file_id": None,
                "image_url": "data:image/png;base64,AA",
            },
            InputImageContent,
        ),
        (
            {"type": "input_file", "file_id": None, "filename": "a.pdf", "file_data": "data:..."},
            InputFileContent,
        ),
        ({"type": "input_audio", "data": "AAAA", "format": "wav"}, UnknownContent),
    ],
)
def test_input_content(data: dict[str, Any], model: type[BaseModel]) -> None:
    assert type(round_trip(INPUT_CONTENT, data)) is model


@pytest.mark.parametrize(
    ("data", "model"),
    [
        ({"type": "input_text", "text": "q"}, InputTextContent),
        ({"type": "output_text", "text": "a", "annotations": []}, OutputTextContent),
        ({"type": "text", "text": "t"}, TextContent),
        ({"type": "summary_text", "text": "s"}, SummaryTextContent),
        ({"type": "refusal", "refusal": "r"}, RefusalContent),
        (
            {"type": "computer_screenshot", "image_url": None, "file_id": "f", "detail": "auto"},
            ComputerScreenshotContent,
        ),
    ],
)
def test_message_content_of_any_role(data: dict[str, Any], model: type[BaseModel]) -> None:
    assert type(round_trip(MESSAGE_CONTENT, data)) is model


def test_summary_and_reasoning_content_fall_back() -> None:
    summary = TypeAdapter(SummaryContent)
    assert isinstance(summary.validate_python({"type": "summary_text", "text": "s"}), SummaryTextContent)
    assert isinstance(summary.validate_python({"type": "summary_image", "url": "u"}), UnknownContent)
    reasoning = TypeAdapter(ReasoningContent)
    assert isinstance(
        reasoning.validate_python({"type": "reasoning_text", "text": "r"}), ReasoningTextContent
    )
    assert isinstance(reasoning.validate_python({"type": "reasoning_image"}), UnknownContent)
