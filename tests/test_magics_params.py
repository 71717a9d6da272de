"""Magic options to request parameters."""

from __future__ import annotations

import json

import pytest
from IPython.core.error import UsageError

from nbresponses.magics._options import parse_cell_options
from nbresponses.magics._params import request_params


def params(line: str, **kw: object) -> dict[str, object]:
    defaults: dict[str, object] = {"model": "gpt-4.1", "instructions": "", "store": True, "namespace": {}}
    return request_params(parse_cell_options(line), **{**defaults, **kw})  # type: ignore[arg-type]


def test_defaults_only_model() -> None:
    assert params("") == {"model": "gpt-4.1"}


def test_everything_maps() -> None:
    get_x = {"type": "function", "name": "get_x", "parameters": {"type": "object", "properties": {}}}
    got = params('-m o4-mini -i "be brief" --temperature 0.2 --max-output-tokens 50 --reasoning low --summary auto '
                 "--web-search --code-interpreter --file-search vs_1,vs_2 --tool-choice get_x --no-parallel-tools "
                 "--no-store --background --metadata team=ml --json", function_tools=[get_x])  # fmt: skip
    # json_object needs the word JSON in the context, or the API refuses the request
    assert got["model"] == "o4-mini" and got["instructions"] == "be brief\n\nReply with one JSON object."
    assert got["temperature"] == 0.2
    assert got["reasoning"] == {"effort": "low", "summary": "auto"}
    assert got["tools"] == [get_x, {"type": "web_search"}, {"type": "file_search", "vector_store_ids": ["vs_1", "vs_2"]},
                            {"type": "code_interpreter", "container": {"type": "auto"}}]  # fmt: skip
    assert got["tool_choice"] == {"type": "function", "name": "get_x"} and got["parallel_tool_calls"] is False
    assert got["store"] is False and got["background"] is True and got["metadata"] == {"team": "ml"}
    assert got["text"] == {"format": {"type": "json_object"}}


def test_tool_json_escape_hatch_and_errors() -> None:
    assert params('--tool \'{"type": "image_generation"}\'')["tools"] == [{"type": "image_generation"}]
    with pytest.raises(UsageError, match="JSON object"):
        params("--tool 'not json'")
    with pytest.raises(UsageError, match="no such name"):
        params("--schema Missing")


def test_tool_choice_names_an_offered_tool_or_a_mode() -> None:
    get_x = {"type": "function", "name": "get_x", "parameters": {}}
    nested = {
        "type": "function",
        "function": {"name": "nested_f", "parameters": {}},
    }  # Chat-Completions style
    assert params("--tool-choice get_x", function_tools=[get_x])["tool_choice"] == {
        "type": "function",
        "name": "get_x",
    }
    assert params("--tool-choice none")["tool_choice"] == "none"
    assert params("--web-search --tool-choice web_search")["tool_choice"] == {"type": "web_search"}
    assert params("--web-search --tool-choice required")["tool_choice"] == "required"
    line = "--tool '" + json.dumps(nested) + "' --tool-choice nested_f"
    assert params(line)["tool_choice"] == {"type": "function", "name": "nested_f"}
    mcp = json.dumps({"type": "mcp", "server_label": "deepwiki", "server_url": "https://x.invalid"})
    assert params(f"--tool '{mcp}' --tool-choice deepwiki")["tool_choice"] == {
        "type": "mcp",
        "server_label": "deepwiki",
    }
    custom = json.dumps({"type": "custom", "name": "grammar_tool"})
    assert params(f"--tool '{custom}' --tool-choice grammar_tool")["tool_choice"] == {
        "type": "custom",
        "name": "grammar_tool",
    }


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("--tool-choice nosuch", r"no such tool \(it offers no tool\)"),
        ("--web-search --tool-choice get_y", r"no such tool \(it offers web_search\)"),
        ("--tool-choice required", "offers no tool"),
    ],
)
def test_tool_choice_of_a_tool_not_offered_is_refused(line: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        params(line)


def test_json_instructions_are_added_only_where_needed() -> None:
    assert params("--json")["instructions"] == "Reply with one JSON object."
    assert params("-f json -i 'Answer in JSON.'")["instructions"] == "Answer in JSON."
    assert "instructions" not in params("")
    namespace = {"City": {"type": "object", "properties": {"name": {"type": "string"}}}}
    assert "instructions" not in params("--schema City", namespace=namespace)  # a schema says it already


def test_code_format_adds_the_code_only_instructions() -> None:
    assert "code only" in str(params("-f code")["instructions"])
    assert str(params("-f code -i 'Use numpy.'")["instructions"]).startswith(
        "Use numpy.\n\nReply with code only"
    )
