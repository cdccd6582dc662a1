"""The API described as OpenAPI 3.1, generated: paths and methods from the route table, bodies
from the pydantic request and response models, error answers from the error tree, and what the
route table cannot know from `operations.OPERATIONS` (a route without an entry fails the build,
so neither can drift from the other unnoticed). Currency codes and the processor's name come from
the settings, so the document lists what this deployment takes."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic.json_schema import JsonSchemaMode, models_json_schema

from orders.api import responses as out
from orders.api.operations import OPERATIONS, PATH_PARAMS, Answer, Model, Operation, Param
from orders.config import Settings
from orders.domain import money
from orders.errors import (
    ApiError,
    PayloadTooLarge,
    RateLimited,
    ServiceUnavailable,
    Unauthorized,
    ValidationFailed,
)

if TYPE_CHECKING:
    from orders.api.routes import Route

_REF = "#/components/schemas/{model}"
HEADERS: dict[str, str] = {
    "X-Request-Id": "Names this request in our logs; quote it to support.",
    "X-Content-Type-Options": "`nosniff`: a browser takes the answer as its Content-Type says.",
    "ETag": "The order's version, for If-None-Match and If-Match.",
    "Location": "Where the new order can be read.",
    "Retry-After": "Seconds to wait before trying again.",
    "Allow": "The methods this path takes.",
    "Idempotent-Replayed": "`true` when this is the stored answer to an earlier request.",
    "WWW-Authenticate": "The scheme the operator endpoints expect.",
    "Content-Disposition": "The file name to save the export as.",
}
# Headers an error answer may carry (True: always).
_ERROR_HEADERS: dict[type[ApiError], dict[str, bool]] = {
    RateLimited: {"Retry-After": True},
    ServiceUnavailable: {"Retry-After": False},
    Unauthorized: {"WWW-Authenticate": False},
}
# Any request may meet these: a body over 16 KiB is refused whatever the method (413), a query
# parameter given twice whatever the route (422), and a Worker without its settings answers 503
# to everything.
_ALWAYS: tuple[type[ApiError], ...] = (
    ApiError,
    PayloadTooLarge,
    ValidationFailed,
    ServiceUnavailable,
)
# Headers on every answer, error or not.
_EVERY_ANSWER = {"X-Request-Id": True, "X-Content-Type-Options": True}


@functools.cache
def document(settings: Settings) -> dict[str, Any]:
    """The whole document; built once per process and settings, on first request, not at import."""
    # The route table carries its handlers, among them the one that serves this document, so it
    # is read here, when the document is built, rather than imported with this module.
    from orders.api.routes import ROUTES

    validation: JsonSchemaMode = "validation"
    serialization: JsonSchemaMode = "serialization"
    requests: list[Model] = [op.body for op in OPERATIONS.values() if op.body is not None]
    answers: list[Model] = [
        a.model for op in OPERATIONS.values() for a in op.answers.values() if a.model
    ]
    answers.append(out.Error)
    modes = [(m, validation) for m in dict.fromkeys(requests)] + [
        (m, serialization) for m in dict.fromkeys(answers)
    ]
    refs, definitions = models_json_schema(modes, ref_template=_REF)
    ref = {model: refs[(model, mode)] for model, mode in modes}
    schemas = definitions.get("$defs", {})
    currencies = list(settings.supported_currencies)
    for schema in schemas.values():
        for prop in schema.get("properties", {}).values():
            if prop.pop("x-currency", False):  # see forms.CurrencyCode
                prop["enum"] = currencies
    paths: dict[str, dict[str, Any]] = {}
    for route in ROUTES:
        operation = OPERATIONS[route.name]  # KeyError: a route nobody described
        paths.setdefault(route.pattern, {})[route.method.lower()] = _operation(
            route, operation, ref, settings
        )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ONE⚡CASH API",
            "version": settings.version,
            "description": "Exchange orders, their payments, and the operator's webhooks. "
            "Every answer carries X-Request-Id; every error has one shape (`Error`).",
        },
        "servers": [{"url": settings.public_api_url}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "operator": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The operator's token: `Authorization: Bearer <ADMIN_TOKEN>` "
                    "(or one of ADMIN_TOKENS). A right token is always accepted; a wrong one "
                    "answers 401, or 429 with Retry-After once its client address has sent "
                    "ADMIN_FAILURES_ALLOWED wrong ones in ten minutes.",
                }
            },
        },
    }


def _operation(
    route: Route, operation: Operation, ref: Mapping[Model, dict[str, Any]], settings: Settings
) -> dict[str, Any]:
    in_path = [PATH_PARAMS[name] for name in re.findall(r"\{(\w+)\}", route.pattern)]
    described: dict[str, Any] = {"operationId": route.name, "summary": operation.summary}
    if params := [_param(p, settings) for p in (*in_path, *operation.params)]:
        described["parameters"] = params
    if operation.body is not None:
        described["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": ref[operation.body]}},
        }
    if operation.operator:
        described["security"] = [{"operator": []}]
    responses = {str(status): _answer(a, ref) for status, a in operation.answers.items()}
    # Every operator endpoint refuses a wrong token: 401, or 429 past the client's wrong ones.
    operator = (Unauthorized, RateLimited) if operation.operator else ()
    errors = list(dict.fromkeys([*operation.errors, *operator, *_ALWAYS]))
    for status in sorted({e.status for e in errors}):
        error = _error([e for e in errors if e.status == status], ref)
        answer = responses.setdefault(str(status), error)
        if answer is not error:  # health's own 503, or a Worker without its settings
            media = answer["content"]["application/json"]
            media["schema"] = {"anyOf": [media["schema"], ref[out.Error]]}
    described["responses"] = responses
    return described


def _param(param: Param, settings: Settings) -> dict[str, Any]:
    schema = dict(param.schema)
    if param.kind == "currency":
        schema["enum"] = list(settings.supported_currencies)
    elif param.kind == "processor":
        schema["enum"] = [settings.processor]
    elif param.kind == "amount":
        schema["pattern"] = money.PATTERN
    return {
        "name": param.name,
        "in": param.where,
        "required": param.required,
        "description": param.description,
        "schema": schema,
    }


def _answer(answer: Answer, ref: Mapping[Model, dict[str, Any]]) -> dict[str, Any]:
    headers = {**_EVERY_ANSWER, **dict.fromkeys(answer.headers, True)}
    described: dict[str, Any] = {"description": answer.description, "headers": _headers(headers)}
    if answer.model is not None:
        described["content"] = {"application/json": {"schema": ref[answer.model]}}
    elif answer.media is not None:
        described["content"] = {answer.media: {"schema": {"type": "string"}}}
    if answer.links:
        described["links"] = {
            name: {"operationId": link.operation, "parameters": dict(link.parameters)}
            for name, link in answer.links.items()
        }
    return described


def _error(kinds: list[type[ApiError]], ref: Mapping[Model, dict[str, Any]]) -> dict[str, Any]:
    headers = dict(_EVERY_ANSWER)
    for kind in kinds:
        for name, always in _ERROR_HEADERS.get(kind, {}).items():
            headers[name] = headers.get(name, False) or always
    codes = ", ".join(f"`{kind.code}`" for kind in kinds)
    return {
        "description": f"Error: {codes}.",
        "headers": _headers(headers),
        "content": {"application/json": {"schema": ref[out.Error]}},
    }


def _headers(required: Mapping[str, bool]) -> dict[str, Any]:
    return {
        name: {"description": HEADERS[name], "required": always, "schema": {"type": "string"}}
        for name, always in required.items()
    }
