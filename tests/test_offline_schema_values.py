"""Schema-valid values drawn from prompts."""

from __future__ import annotations

import jsonschema

from nbresponses.offline._schema_values import PromptHints, sample

SCHEMA = {
    "type": "object",
    "properties": {
        "city": {"type": "string"},
        "days": {"type": "integer", "minimum": 1, "maximum": 7},
        "unit": {"type": "string", "enum": ["metric", "imperial"]},
        "tags": {"type": "array", "items": {"type": "string"}},
        "when": {"type": "string", "format": "date"},
        "nested": {"$ref": "#/$defs/Inner"},
        "maybe": {"anyOf": [{"type": "null"}, {"type": "number"}]},
    },
    "required": ["city", "days", "unit", "tags", "when", "nested", "maybe"],
    "additionalProperties": False,
    "$defs": {"Inner": {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}},
}


def test_values_are_valid_and_use_the_prompt() -> None:
    value = sample(SCHEMA, PromptHints('Forecast for "Porto" over 12 days in imperial units'))
    jsonschema.validate(value, SCHEMA)
    assert value["city"] == "Porto" and value["days"] == 7 and value["unit"] == "imperial"
    assert value["nested"] == {"ok": True} and value["when"] == "2026-01-01"


def test_enum_mentions_need_whole_words() -> None:
    schema = {"type": "string", "enum": ["c", "f"]}
    assert sample(schema, PromptHints("use fahrenheit for Paris")) == "c"
    assert sample(schema, PromptHints("unit f please")) == "f"


def test_a_number_ending_a_sentence_is_a_number_and_a_version_is_not() -> None:
    hints = PromptHints("The Beatles were photographed in 1965. Version 1.2.3 costs 4.5.")
    assert hints.numbers == [1965.0, 4.5]
