"""GET /v1/reference: the API reference as a page, rendered on the server from the schema.

The page reads only the OpenAPI document (what /v1/openapi.json serves), so it cannot say
something the schema does not. A logged-in UI user or a caller with an API key may read it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from api.deps import current_user, require_api_key
from api.ui import CSP
from api.ui.pages import TEMPLATES, page
from triage.store.users import User

REFERENCE_PATH = "/v1/reference"
METHODS = ("get", "post", "put", "patch", "delete")
router = APIRouter(include_in_schema=False)


@dataclass
class Row:
    """One field or parameter: its name, type, whether it is required, and what it means."""

    name: str
    type: Markup
    required: bool
    description: str = ""
    constraints: str = ""


@dataclass
class Answer:
    """One documented response of an operation."""

    status: str
    description: str
    type: Markup | None
    example: str | None


@dataclass
class Operation:
    """One method on one path, as the page shows it."""

    anchor: str
    method: str
    path: str
    summary: str
    description: str
    auth: str
    params: list[Row]
    body_media: str | None = None
    body_type: Markup | None = None
    body_fields: list[Row] = field(default_factory=list)
    body_example: str | None = None
    answers: list[Answer] = field(default_factory=list)


def reader(request: Request) -> User | None:
    """A key's caller (no user) or the session's user; a browser with neither logs in first."""
    if request.headers.get("authorization"):
        require_api_key(request)
        return None
    return current_user(request)


@router.get(REFERENCE_PATH)
def reference(request: Request) -> HTMLResponse:
    """The API reference page."""
    user = reader(request)
    context = reference_context(request.app.openapi())
    if user is not None:
        response = page(request, "reference.html", user, **context)
    else:  # a key's caller: no session, so no CSRF token and no cookie
        values = {"user": None, "csrf": "", "path": request.url.path, **context}
        response = TEMPLATES.TemplateResponse(request, "reference.html", values)
    # Under /v1/ the UI's security headers are not added for us: this is a page all the same.
    response.headers.update(
        {
            "Content-Security-Policy": CSP,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        }
    )
    return response


def reference_context(schema: dict[str, Any]) -> dict[str, Any]:
    """What the template shows: the info, operations by tag, and every named schema."""
    components = schema.get("components", {}).get("schemas", {})
    operations = [
        _operation(path, method, op, components)
        for path, item in schema["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]
    tags = list(schema.get("tags", []))
    tags += [{"name": t} for t in dict.fromkeys(t for _, t in operations) if t not in _names(tags)]
    groups = [(tag, [o for o, t in operations if t == tag["name"]]) for tag in tags]
    models = [(name, _fields(s, components), s) for name, s in components.items()]
    return {
        "info": schema["info"],
        "paragraphs": schema["info"].get("description", "").split("\n\n"),
        "schemes": schema.get("components", {}).get("securitySchemes", {}),
        "groups": [(tag, ops) for tag, ops in groups if ops],
        "models": models,
        "pretty": _pretty,
    }


def _names(tags: list[dict[str, Any]]) -> set[str]:
    return {t["name"] for t in tags}


def _operation(
    path: str, method: str, op: dict[str, Any], components: dict[str, Any]
) -> tuple[Operation, str]:
    schemes = [name for s in op.get("security", []) for name in s]
    operation = Operation(
        anchor=f"op-{op.get('operationId', method + path)}",
        method=method.upper(),
        path=path,
        summary=op.get("summary", ""),
        description=op.get("description", ""),
        auth=" or ".join(schemes) if schemes else "none",
        params=[_param(p) for p in op.get("parameters", [])],
        answers=[_answer(status, r) for status, r in sorted(op.get("responses", {}).items())],
    )
    body = op.get("requestBody", {}).get("content", {})
    for media, content in body.items():
        schema = content.get("schema", {})
        operation.body_media = media
        operation.body_type = type_html(schema)
        operation.body_fields = _fields(_resolve(schema, components), components)
        example = content.get("example", _resolve(schema, components).get("examples", [None])[0])
        operation.body_example = _pretty(example) if example is not None else None
        break
    return operation, (op.get("tags") or ["other"])[0]


def _param(param: dict[str, Any]) -> Row:
    schema = param.get("schema", {})
    return Row(
        name=f"{param['name']} ({param['in']})",
        type=type_html(schema),
        required=bool(param.get("required")),
        description=param.get("description", schema.get("description", "")),
        constraints=constraints(schema),
    )


def _answer(status: str, response: dict[str, Any]) -> Answer:
    content: dict[str, Any] = next(iter(response.get("content", {}).values()), {})
    schema = content.get("schema")
    example = content.get("example")
    return Answer(
        status=status,
        description=response.get("description", ""),
        type=type_html(schema) if schema else None,
        example=_pretty(example) if example is not None else None,
    )


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    return components.get(ref.rsplit("/", 1)[1], {}) if isinstance(ref, str) else schema


def _fields(schema: dict[str, Any], components: dict[str, Any]) -> list[Row]:
    required = set(schema.get("required", []))
    return [
        Row(
            name=name,
            type=type_html(prop),
            required=name in required,
            description=prop.get("description", ""),
            constraints=constraints(prop),
        )
        for name, prop in schema.get("properties", {}).items()
    ]


def type_html(schema: dict[str, Any]) -> Markup:
    """A schema's type as short text, named schemas linked to their section."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return Markup('<a href="#schema-{0}">{0}</a>').format(name)
    if "anyOf" in schema:
        return Markup(" | ").join(type_html(s) for s in schema["anyOf"])
    if "enum" in schema:
        return Markup(" | ").join(json.dumps(v) for v in schema["enum"])
    if "const" in schema:
        return Markup(json.dumps(schema["const"]))
    kind = schema.get("type", "any")
    if kind == "array":
        return Markup("list[{}]").format(type_html(schema.get("items", {})))
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return Markup("dict[string, {}]").format(type_html(schema["additionalProperties"]))
    return Markup("{}{}").format(kind, f" ({schema['format']})" if "format" in schema else "")


def constraints(schema: dict[str, Any]) -> str:
    """Limits and defaults of a field, as a person reads them."""
    options = [s for s in schema.get("anyOf", []) if s.get("type") != "null"] or [schema]
    words = {
        "maxLength": "at most {} characters",
        "minLength": "at least {} characters",
        "pattern": "matches {}",
        "minimum": "≥ {}",
        "maximum": "≤ {}",
        "maxItems": "at most {} items",
    }
    found = [text.format(s[key]) for s in options for key, text in words.items() if key in s]
    if "default" in schema:
        found.append(f"default {json.dumps(schema['default'])}")
    return "; ".join(found)


def _pretty(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, indent=2, ensure_ascii=False)
