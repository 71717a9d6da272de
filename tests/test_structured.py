"""Tests of nbresponses.structured: strict-mode schemas, ``text.format`` and parsing answers back."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any, Literal

import jsonschema
import pytest
from pydantic import BaseModel, Field

from nbresponses import testing
from nbresponses.structured import (
    StructuredOutputError,
    parse_into,
    parse_output,
    schema_format,
    strict_schema,
)
from nbresponses.types.response import Response


class Address(BaseModel):
    city: str
    zip_code: str | None = None


class Person(BaseModel):
    """A person."""

    name: str
    age: int = 30
    nickname: str | None = None
    role: Literal["admin", "user"] = "user"
    address: Address = Field(description="where they live")
    tags: list[str] = Field(default_factory=list)


class Keywords(BaseModel):
    """Fields named like JSON-schema keywords."""

    default: str
    properties: int
    required: bool = True
    enum: list[str]


class Loose(BaseModel):
    counts: dict[str, int]


def schema_nodes(node: Any) -> Iterator[dict[str, Any]]:
    """Every schema in ``node``: itself, its properties, items, anyOf branches, $defs..."""
    if not isinstance(node, dict):
        return
    yield node
    for key, value in node.items():
        if key in ("properties", "$defs") and isinstance(value, dict):
            for child in value.values():
                yield from schema_nodes(child)
        elif key in ("anyOf", "oneOf", "allOf", "prefixItems") and isinstance(value, list):
            for child in value:
                yield from schema_nodes(child)
        elif key in ("items", "additionalProperties", "not"):
            yield from schema_nodes(value)


def assert_strict_form(schema: dict[str, Any]) -> None:
    """The rules of OpenAI's strict mode that `strict_schema` is there to meet."""
    jsonschema.Draft202012Validator.check_schema(schema)
    objects = [node for node in schema_nodes(schema) if node.get("type") == "object"]
    assert objects
    for node in objects:
        assert node["additionalProperties"] is False, node
        assert sorted(node["required"]) == sorted(node.get("properties", {})), node
    assert not [node for node in schema_nodes(schema) if "default" in node]


def test_strict_schema_of_a_pydantic_model() -> None:
    original = Person.model_json_schema()
    untouched = copy.deepcopy(original)
    schema, possible = strict_schema(original)
    assert possible and original == untouched  # a copy: the input is not changed
    assert_strict_form(schema)
    props = schema["properties"]
    assert schema["required"] == ["name", "age", "nickname", "role", "address", "tags"]  # defaults too
    assert not any("default" in p for p in props.values())
    assert {"type": "null"} in props["nickname"]["anyOf"]  # Optional stays nullable
    assert props["role"]["enum"] == ["admin", "user"]
    # a $ref with a sibling (the description) is inlined, and strict form applies inside it
    assert "$ref" not in props["address"] and props["address"]["description"] == "where they live"
    assert (
        props["address"]["required"] == ["city", "zip_code"]
        and props["address"]["additionalProperties"] is False
    )


def test_strict_schema_keeps_properties_named_like_keywords() -> None:
    schema, possible = strict_schema(Keywords.model_json_schema())
    assert possible
    assert sorted(schema["properties"]) == ["default", "enum", "properties", "required"]
    assert sorted(schema["required"]) == ["default", "enum", "properties", "required"]
    assert schema["properties"]["properties"]["type"] == "integer"
    assert "default" not in schema["properties"]["required"]
    assert_strict_form(schema)


def test_strict_schema_reports_free_form_mappings() -> None:
    _, possible = strict_schema(Loose.model_json_schema())
    assert possible is False
    _, bare = strict_schema({"type": "object"})  # any object at all
    assert bare is False
    _, extra = strict_schema(
        {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": True}
    )
    assert extra is False


def test_schema_format_of_a_model() -> None:
    fmt = schema_format(Person)
    assert (fmt["type"], fmt["name"], fmt["strict"]) == ("json_schema", "Person", True)
    assert fmt["schema"] == strict_schema(Person.model_json_schema())[0]
    assert schema_format(Person, strict=False)["strict"] is False
    loose = schema_format(Loose)
    assert loose["strict"] is False and loose["schema"]["properties"]["counts"]["additionalProperties"] == {
        "type": "integer"
    }
    assert (
        schema_format(Loose, strict=True)["strict"] is False
    )  # strict cannot be forced where it cannot hold


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("result", "result"),
        ("my schema!", "my_schema_"),
        ("résumé-v2", "r_sum_-v2"),
        ("x" * 80, "x" * 64),
        ("", "Person"),
        (None, "Person"),
    ],
)
def test_schema_format_names_are_made_valid(name: str | None, expected: str) -> None:
    assert schema_format(Person, name=name)["name"] == expected


def test_schema_format_of_a_hand_written_schema() -> None:
    written = {"title": "Reply", "type": "object", "properties": {"answer": {"type": "string"}}}
    fmt = schema_format(written)
    assert fmt["schema"] == written and fmt["strict"] is False and fmt["name"] == "Reply"  # sent as written
    strict = schema_format(written, strict=True)
    assert strict["strict"] is True and strict["schema"]["required"] == ["answer"]
    closed = {**written, "additionalProperties": False}
    assert schema_format(closed)["strict"] is True  # forbidding extras at the root opts in
    assert schema_format({"type": "object", "properties": {}}, strict=False)["name"] == "output"
    listing = {"type": "array", "items": {"type": "string"}}
    assert schema_format(listing, strict=True)["strict"] is False  # strict mode needs an object root


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (Person(name="a", address=Address(city="b")), "got an instance of it: use Person"),
        ({"answer": "string"}, 'needs a "type" or "properties"'),
        ("Person", "got str"),
        (None, "got NoneType"),
    ],
)
def test_schema_format_refuses_what_is_not_a_schema(target: Any, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        schema_format(target)


def answer(
    text: str | None = None,
    *,
    status: str = "completed",
    reason: str | None = None,
    refusal: str | None = None,
) -> Response:
    content: list[dict[str, Any]] = []
    if text is not None:
        content.append({"type": "output_text", "text": text, "annotations": []})
    if refusal is not None:
        content.append({"type": "refusal", "refusal": refusal})
    data: dict[str, Any] = {
        "id": "resp_1",
        "object": "response",
        "status": status,
        "output": [
            {"type": "message", "id": "msg_1", "role": "assistant", "status": status, "content": content}
        ],
    }
    if reason is not None:
        data["incomplete_details"] = {"reason": reason}
    return Response.model_validate(data)


def test_parse_output_of_a_valid_answer() -> None:
    raw = json.dumps(
        {
            "name": "Ada",
            "age": 36,
            "nickname": None,
            "role": "admin",
            "address": {"city": "London", "zip_code": None},
            "tags": [],
        }
    )
    person = parse_output(answer(raw), Person)
    assert isinstance(person, Person) and person.name == "Ada" and person.address.city == "London"
    assert parse_output(answer('{"a": [1, 2]}')) == {"a": [1, 2]}  # no model: plain JSON (--json)
    assert parse_output(answer("[1, 2]"), {"type": "array"}) == [1, 2]  # a dict schema: plain JSON too


def test_parse_output_reads_an_answer_in_a_code_fence() -> None:
    assert parse_output(answer('```json\n{"a": 1}\n```')) == {"a": 1}
    assert parse_output(answer("  ```\n[true]\n```\n")) == [True]
    with pytest.raises(StructuredOutputError):
        parse_output(answer('Here it is: ```json\n{"a": 1}\n```'))  # prose around it: not a JSON answer


def test_parse_output_of_invalid_json_keeps_the_raw_text() -> None:
    with pytest.raises(StructuredOutputError, match="not valid JSON") as caught:
        parse_output(answer("Sure! {name: Ada"), Person)
    assert caught.value.raw_text == "Sure! {name: Ada"
    with pytest.raises(StructuredOutputError, match="not valid JSON"):
        parse_output(answer(None))  # no text at all


def test_parse_output_of_json_that_does_not_fit_the_model() -> None:
    raw = json.dumps({"name": "Ada", "age": "old", "address": {}})
    with pytest.raises(StructuredOutputError, match="does not fit Person") as caught:
        parse_output(answer(raw), Person)
    message = str(caught.value)
    assert "age:" in message and "address.city: Field required" in message and caught.value.raw_text == raw
    many = json.dumps(["not an object"])
    with pytest.raises(StructuredOutputError, match=r"\(root\)"):
        parse_output(answer(many), Person)


def test_parse_output_of_a_truncated_answer() -> None:
    cut = answer('{"name": "Ad', status="incomplete", reason="max_output_tokens")
    with pytest.raises(
        StructuredOutputError, match=r"cut off \(max_output_tokens\).*raise --max-output-tokens"
    ) as caught:
        parse_output(cut, Person)
    assert caught.value.raw_text == '{"name": "Ad'
    filtered = answer('{"name": "Ad', status="incomplete", reason="content_filter")
    with pytest.raises(StructuredOutputError, match=r"cut off \(content_filter\)") as other:
        parse_output(filtered, Person)
    assert "max-output-tokens" not in str(other.value)  # more tokens would not help
    # even if the cut happens to leave valid JSON, an incomplete answer is not trusted
    with pytest.raises(StructuredOutputError, match="cut off"):
        parse_output(answer("[1]", status="incomplete", reason="max_output_tokens"))


def test_parse_output_of_a_refusal() -> None:
    with pytest.raises(StructuredOutputError, match="The model refused: I can't help with that.") as caught:
        parse_output(answer(refusal="I can't help with that."), Person)
    assert caught.value.raw_text == ""
    with pytest.raises(StructuredOutputError, match=r"refused: \(no reason given\)"):
        parse_output(answer(refusal=""))


def test_client_parse_round_trip_with_the_offline_backend() -> None:
    backend = testing.OfflineBackend()
    response = backend.client().responses.parse(model="gpt-4.1", input="Ada is 36.", text_format=Person)
    assert isinstance(response.parsed, Person)
    assert backend.requests[0]["text"]["format"] == schema_format(Person)  # the strict schema was sent
    scripted = testing.OfflineBackend().script([testing.incomplete(testing.text('{"name": "A'))])
    with pytest.raises(StructuredOutputError, match="cut off"):
        scripted.client().responses.parse(model="gpt-4.1", input="x", text_format=Person)
    refusing = testing.OfflineBackend().script([testing.reply(testing.refusal("No."))])
    with pytest.raises(StructuredOutputError, match="refused: No."):
        refusing.client().responses.parse(model="gpt-4.1", input="x", text_format=Person)


def test_client_stream_with_text_format_parses_the_final_response() -> None:
    """The structured-streaming example of OpenAI's docs: ``stream(..., text_format=Model)``."""
    backend = testing.OfflineBackend()
    client = backend.client()
    with client.responses.stream(
        model="gpt-4.1", input="Ada is 36.", text_format=Person, text={"verbosity": "low"}
    ) as stream:
        deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]  # type: ignore[union-attr]
        final = stream.get_final_response()
    assert isinstance(final.output_parsed, Person) and final.parsed is final.output_parsed
    assert final.output_parsed == Person.model_validate_json("".join(deltas))  # what streamed is what parsed
    sent = backend.requests[0]
    assert sent["stream"] is True and sent["text"] == {"verbosity": "low", "format": schema_format(Person)}
    assert "text_format" not in sent
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    with client.responses.stream(model="gpt-4.1", input="a number", text_format=schema) as stream:
        assert isinstance(stream.get_final_response().parsed["n"], int)  # a JSON schema gives plain JSON
    with client.responses.stream(model="gpt-4.1", input="no format") as stream:
        assert stream.get_final_response().parsed is None  # nothing asked, nothing parsed
        assert "format" not in backend.requests[-1].get("text", {})


def test_client_stream_with_text_format_raises_at_the_final_response_not_while_iterating() -> None:
    cut = testing.OfflineBackend().script([testing.incomplete(testing.text('{"name": "A'))])
    with cut.client().responses.stream(model="gpt-4.1", input="x", text_format=Person) as stream:
        kinds = [event.type for event in stream]  # the events stream as they come
        with pytest.raises(StructuredOutputError, match="cut off") as caught:
            stream.get_final_response()
    assert kinds[-1] == "response.incomplete" and caught.value.raw_text == '{"name": "A'
    with pytest.raises(TypeError, match="model class"):
        testing.OfflineBackend().client().responses.stream(model="gpt-4.1", input="x", text_format=Person(
            name="A", address=Address(city="B")))  # fmt: skip


def test_async_client_stream_with_text_format_in_both_forms() -> None:
    import asyncio

    async def main() -> tuple[Response, Response]:
        async with testing.OfflineBackend().async_client() as client:
            async with client.responses.stream(model="gpt-4.1", input="Ada is 36.", text_format=Person) as s:
                kinds = [event.type async for event in s]
                entered = await s.get_final_response()
            assert kinds[-1] == "response.completed"
            stream = await client.responses.stream(model="gpt-4.1", input="Bo is 7.", text_format=Person)
            async with stream:
                awaited = await stream.get_final_response()
            return entered, awaited

    entered, awaited = asyncio.run(main())
    assert isinstance(entered.output_parsed, Person) and isinstance(awaited.output_parsed, Person)


def test_a_model_that_contains_itself_is_strict_and_keeps_a_bare_reference() -> None:
    class Node(BaseModel):
        name: str
        child: Node = Field(description="a node inside this one")
        children: list[Node] = Field(default_factory=list, description="more of them")

    Node.model_rebuild()
    fmt = schema_format(Node)
    assert fmt["strict"] is True
    schema = fmt["schema"]
    assert schema["type"] == "object" and schema["required"] == ["name", "child", "children"]
    assert schema["properties"]["child"] == {"$ref": "#/$defs/Node"}  # inlining it would never end
    assert schema["properties"]["children"]["items"] == {"$ref": "#/$defs/Node"}


def test_parse_into_keeps_the_value_on_the_response_and_leaves_it_on_failure() -> None:
    response = answer('{"name": "Ada", "age": 36, "address": {"city": "London"}}')
    person = parse_into(response, Person)
    assert isinstance(person, Person) and response.parsed is person and response.output_parsed is person
    assert parse_into(response) == {"name": "Ada", "age": 36, "address": {"city": "London"}}
    broken = answer("not json")
    broken.parsed = "kept"  # the public setter: what was there stays when parsing fails
    with pytest.raises(StructuredOutputError):
        parse_into(broken, Person)
    assert broken.parsed == "kept"
    assert "parsed" not in broken.to_dict()  # the parsed value is no part of the response's JSON


def test_async_client_parse_sets_the_parsed_value() -> None:
    import asyncio

    async def main() -> Response:
        async with testing.OfflineBackend().async_client() as client:
            return await client.responses.parse(model="gpt-4.1", input="Ada is 36.", text_format=Person)

    assert isinstance(asyncio.run(main()).parsed, Person)
