"""Domain exceptions: services raise them, views and the API turn them into answers."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: Any = "", fields: dict[str, Any] | None = None) -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.fields = {k: str(v) for k, v in (fields or {}).items()}


class BadRequest(DomainError):
    status = 400
    code = "bad_request"


class NotAuthenticated(DomainError):
    status = 401
    code = "not_authenticated"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload_too_large"


class ValidationFailed(DomainError):
    """One or more fields are wrong; `fields` names each with what is wrong."""

    status = 422
    code = "invalid"


class TooManyAttempts(DomainError):
    status = 429
    code = "too_many_attempts"
