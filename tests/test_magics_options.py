"""Tests of nbresponses.magics._options: typed parsing, usage errors, keys refused."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError

from nbresponses.magics._options import RespondOptions, parse_cell_options, parse_line, usage


def test_every_documented_option_parses() -> None:
    line = (
        "-m gpt-4.1 -i 'Be terse.' --temperature 0.2 --top-p 0.9 --max-output-tokens 300 --reasoning low "
        '--summary auto --json --schema Person --tools f,g --tool \'{"type":"image_generation"}\' --web-search '
        "--file-search vs_1,vs_2 --code-interpreter --tool-choice required --no-parallel-tools --approve "
        "--max-tool-rounds 3 --no-store --background --thread research --new --conversation conv_1 --out r "
        "--no-stream --no-interpolate --image a.png --image https://x/y.jpg --file doc.pdf --metadata team=ml "
        "--metadata run=7 --budget 2.5 --quiet --api chat"
    )
    options = parse_cell_options(line)
    assert options == RespondOptions(
        model="gpt-4.1",
        instructions="Be terse.",
        temperature=0.2,
        top_p=0.9,
        max_output_tokens=300,
        reasoning="low",
        summary="auto",
        json=True,
        schema="Person",
        tools=["f", "g"],
        tool_json=['{"type":"image_generation"}'],
        web_search=True,
        file_search=["vs_1", "vs_2"],
        code_interpreter=True,
        tool_choice="required",
        parallel_tools=False,
        approve=True,
        max_tool_rounds=3,
        store=False,
        background=True,
        thread="research",
        new=True,
        conversation="conv_1",
        out="r",
        stream=False,
        interpolate=False,
        images=["a.png", "https://x/y.jpg"],
        files=["doc.pdf"],
        metadata={"team": "ml", "run": "7"},
        budget=2.5,
        quiet=True,
        api="chat",
    )


def test_defaults_mean_use_configuration() -> None:
    options = parse_cell_options("")
    assert options.model is None and options.store is None and options.stream and options.interpolate
    assert parse_cell_options("--store").store is True


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("--temperature hot", "--temperature"),
        ("--temperature 3", "0 to 2"),
        ("--reasoning extreme", "invalid choice"),
        ("--max-output-tokens 0", "from 1 to"),
        ("--metadata novalue", "KEY=VALUE"),
        ("--store --no-store", "not allowed"),
        ("--bogus", "unrecognized"),
        ("--model", "expected one argument"),
    ],
)
def test_bad_options_are_usage_errors(line: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_cell_options(line)


@pytest.mark.parametrize(
    "line", ["--api-key sk-abcdefghijklmnop", "api_key=xyz", "-m gpt-4.1 sk-proj-AAAABBBBCCCC1234"]
)
def test_keys_on_the_line_are_refused_without_echo(line: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_cell_options(line)
    assert "%respond login" in str(info.value)
    assert "abcdefghijklmnop" not in str(info.value) and "AAAABBBB" not in str(info.value)
    with pytest.raises(UsageError):
        parse_line(line + " hello")


def test_line_magic_keeps_the_prompt_as_typed() -> None:
    options, prompt = parse_line('--model o3 --temperature 0 What\'s {x} in "quotes" --not-an-option?')
    assert options.model == "o3" and options.temperature == 0
    assert prompt == 'What\'s {x} in "quotes" --not-an-option?'
    assert parse_line("  plain question  ")[1] == "plain question"
    assert parse_line("--model=o3 hi")[0].model == "o3"


def test_usage_lists_options() -> None:
    text = usage()
    for option in ("--model", "--thread", "--no-stream", "--image", "--schema", "--quiet"):
        assert option in text


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("--out 1bad", "not a Python variable name"),
        ("--out for", "not a Python variable name"),
        ("--out 'a b'", "not a Python variable name"),
        ("-m ''", "needs a model name"),
        ("-m '  '", "needs a model name"),
        ("--thread ''", "needs a thread name"),
        ("--conversation ''", "needs a conversation id"),
        ("--schema ''", "needs a variable name"),
        ("--max-output-tokens " + "9" * 40, "a 40-digit number"),
        ("--max-output-tokens 2147483648", "from 1 to 2,147,483,647"),
        ("--max-tool-rounds 1001", "from 1 to 1,000"),
        ("--metadata k=" + "v" * 513, "the API's limits"),
        ("--metadata " + "k" * 65 + "=v", "the API's limits"),
        (" ".join(f"--metadata k{n}=v" for n in range(17)), "at most 16 keys"),
    ],
)
def test_values_are_checked_before_anything_is_sent(line: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_cell_options(line)


def test_values_in_range_pass() -> None:
    options = parse_cell_options("--out result_2 -m ' o3 ' --max-output-tokens 2_000 --max-tool-rounds 1000")
    assert options.out == "result_2" and options.model == "o3" and options.max_output_tokens == 2000
    assert options.max_tool_rounds == 1000
    assert len(parse_cell_options(" ".join(f"--metadata k{n}=v" for n in range(16))).metadata) == 16
