"""JSON-schema validators for schemas of the OpenAI OpenAPI spec and the Open Responses spec in ../shared."""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SHARED = Path(os.environ.get("NBRESPONSES_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared"))
OPENAI_SPEC = SHARED / "reference" / "openai-spec" / "openapi.yaml"
OPEN_RESPONSES_SPEC = SHARED / "reference" / "openresponses" / "openapi-2026-04-24.json"
COMPLIANCE_TESTS = SHARED / "reference" / "openresponses" / "compliance-tests.json"


def require(path: Path) -> None:
    """Skip when a reference file is absent, except under CI=true, where it is a failure."""
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing (CI=true requires ../shared)")
        pytest.skip(f"{path} not present")


def _nullable(node: Any) -> Any:
    """OpenAPI 3.0's ``nullable: true`` (which the OpenAI spec still uses in places, e.g. the chat chunk's
    ``usage`` and ``finish_reason``) as JSON Schema: ``anyOf`` the schema and null. Draft 2020-12 ignores it."""
    if isinstance(node, list):
        return [_nullable(child) for child in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _nullable(value) for key, value in node.items()}
    if converted.pop("nullable", False) is True:
        keep = {
            k: converted.pop(k) for k in ("description", "title", "default", "deprecated") if k in converted
        }
        return {"anyOf": [converted, {"type": "null"}], **keep}
    return converted


@functools.cache
def _registry(which: str) -> tuple[Registry, str]:
    path = OPENAI_SPEC if which == "openai" else OPEN_RESPONSES_SPEC
    require(path)
    text = path.read_text(encoding="utf-8")
    document = _nullable(yaml.safe_load(text)) if path.suffix == ".yaml" else json.loads(text)
    uri = f"urn:{which}-spec"
    registry: Registry = Registry().with_resource(
        uri, Resource.from_contents(document, default_specification=DRAFT202012)
    )
    return registry, uri


def validator(schema_name: str, which: str = "openai") -> Draft202012Validator:
    """A validator of ``#/components/schemas/<schema_name>``."""
    registry, uri = _registry(which)
    return Draft202012Validator({"$ref": f"{uri}#/components/schemas/{schema_name}"}, registry=registry)


def errors(schema_name: str, instance: Any, which: str = "openai") -> list[str]:
    """The validation errors of ``instance`` (empty when valid), as short strings."""
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
        for e in validator(schema_name, which).iter_errors(instance)
    ]


@functools.cache
def event_schema_names(which: str = "openai") -> dict[str, str]:
    """Event ``type`` -> the name of its schema, read from the spec's streaming-event union."""
    registry, uri = _registry(which)
    schemas = registry.contents(uri)["components"]["schemas"]
    union = "ResponseStreamEvent" if which == "openai" else None
    names: list[str]
    if union is not None:
        names = [
            ref["$ref"].rsplit("/", 1)[-1] for ref in schemas[union].get("anyOf") or schemas[union]["oneOf"]
        ]
    else:
        names = [n for n in schemas if n.endswith("StreamingEvent")]
    mapping = {}
    for name in names:
        kind = schemas[name].get("properties", {}).get("type", {})
        for tag in kind.get("enum") or ([kind["const"]] if "const" in kind else []) or [kind.get("default")]:
            if tag:
                mapping[tag] = name
    return mapping


def event_errors(event: dict[str, Any], which: str = "openai") -> list[str]:
    """Validation errors of a stream event against the schema of its own type (unknown types are an error)."""
    name = event_schema_names(which).get(event.get("type", ""))
    if name is None:
        return [f"no schema for event type {event.get('type')!r}"]
    return errors(name, event, which)
