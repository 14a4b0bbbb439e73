"""The staff API's OpenAPI, completed: every operation that needs a token documents 401, 403, 422
and 503 (404 with a path parameter; 400 and 413 with a body, which may be unreadable or too
large) in the one error shape, whichever router declared it."""

from typing import Any

from fastapi import FastAPI

from bot.api.error_body import ERROR_TYPES, ErrorBody

ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}


def complete_openapi(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_error_responses(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def with_error_responses(schema: dict[str, Any]) -> dict[str, Any]:
    add_error_schema(schema.setdefault("components", {}).setdefault("schemas", {}))
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            if isinstance(operation, dict) and operation.get("security"):
                unreadable_body = [400, 413] if "requestBody" in operation else []  # 413: over the body limit
                document(operation, [401, 403, 422] + ([404] if "{" in path else []) + unreadable_body + [503])
    return schema


def document(operation: dict[str, Any], statuses: list[int]) -> None:
    responses = operation.setdefault("responses", {})
    for status in statuses:
        responses.setdefault(str(status), error_response(status))


def error_response(status: int) -> dict[str, Any]:
    return {
        "description": ERROR_TYPES[status].replace("_", " "),
        "content": {"application/json": {"schema": ERROR_REF}},
    }


def add_error_schema(schemas: dict[str, Any]) -> None:
    body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in body.pop("$defs", {}).items():
        schemas.setdefault(name, definition)
    schemas.setdefault("ErrorBody", body)
