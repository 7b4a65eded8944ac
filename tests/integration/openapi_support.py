"""Checking bodies against the published OpenAPI document with a JSON Schema validator.

OpenAPI 3.1 schemas are JSON Schema 2020-12: each check points into the whole document, so the
document's own "#/components/schemas/..." references resolve as any client would resolve them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

DOCUMENT = "urn:triage:openapi"


def pointer(*parts: str) -> str:
    """A JSON pointer to a place in the document."""
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


def errors_against(document: dict[str, Any], at: str, instance: Any) -> list[str]:
    """What is wrong with `instance` as the schema at pointer `at` sees it (empty: valid)."""
    registry = Registry().with_resource(
        DOCUMENT, Resource.from_contents(document, default_specification=DRAFT202012)
    )
    validator = Draft202012Validator(
        {"$ref": f"{DOCUMENT}#{quote(at, safe='/~')}"}, registry=registry
    )
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]


def examples(document: dict[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """Every example in the document: (where, pointer to its schema, the example)."""
    for name, schema in document["components"]["schemas"].items():
        for example in schema.get("examples", []):
            yield f"schema {name}", pointer("components", "schemas", name), example
    for path, item in document["paths"].items():
        for method, op in item.items():
            where = f"{method.upper()} {path}"
            for media, content in op.get("requestBody", {}).get("content", {}).items():
                if "example" in content:
                    at = pointer("paths", path, method, "requestBody", "content", media, "schema")
                    yield f"{where} request {media}", at, content["example"]
            for status, response in op.get("responses", {}).items():
                for media, content in response.get("content", {}).items():
                    if "example" in content:
                        at = pointer(
                            "paths", path, method, "responses", status, "content", media, "schema"
                        )
                        yield f"{where} {status}", at, content["example"]


def response_schema(path: str, method: str, status: int, media: str = "application/json") -> str:
    """The pointer to the schema of one documented answer."""
    return pointer("paths", path, method, "responses", str(status), "content", media, "schema")
