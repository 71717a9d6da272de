"""Magic options to request parameters."""

from __future__ import annotations

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
    got = params('-m o4-mini -i "be brief" --temperature 0.2 --max-output-tokens 50 --reasoning low --summary auto '
                 "--web-search --code-interpreter --file-search vs_1,vs_2 --tool-choice get_x --no-parallel-tools "
                 "--no-store --background --metadata team=ml --json")  # fmt: skip
    assert got["model"] == "o4-mini" and got["instructions"] == "be brief" and got["temperature"] == 0.2
    assert got["reasoning"] == {"effort": "low", "summary": "auto"}
    assert got["tools"] == [{"type": "web_search"}, {"type": "file_search", "vector_store_ids": ["vs_1", "vs_2"]},
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
