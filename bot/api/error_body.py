"""The one error body of the service and its OpenAPI entries (handlers in bot/api/errors.py)."""

from typing import Any

from pydantic import BaseModel

ERROR_TYPES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    500: "internal_error",
    503: "unavailable",
}


class ErrorItem(BaseModel):
    """One problem: where (`loc`, empty when it is about the whole request), what, and its kind."""

    loc: list[str | int]
    msg: str
    type: str


class ErrorBody(BaseModel):
    """Every error answer of the service."""

    detail: list[ErrorItem]


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for the given statuses, all in the one error shape."""
    return {status: {"model": ErrorBody, "description": ERROR_TYPES[status].replace("_", " ")} for status in statuses}


STAFF_RESPONSES = error_responses(401, 403, 422)
