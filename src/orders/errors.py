"""The one error tree of the API; `http.error_response` is the one place that renders it.

ApiError                      (500 internal_error)
├── InvalidJson               400 invalid_json
├── Unauthorized              401 unauthorized
├── Forbidden                 403 forbidden
├── NotFound                  404 not_found
├── MethodNotAllowed          405 method_not_allowed  (+ Allow)
├── ChoiceUnavailable         409 choice_unavailable
├── OfferExpired              409 offer_expired
├── InvalidTransition         409 invalid_transition
├── DuplicateTxHash           409 duplicate_tx_hash
├── VersionConflict           412 version_conflict
├── PayloadTooLarge           413 payload_too_large
├── ValidationFailed          422 validation_error    (+ details)
├── IdempotencyKeyReused      422 idempotency_key_reused
├── RateLimited               429 rate_limited        (+ Retry-After)
├── ProcessorUnavailable      502 processor_unavailable
└── ServiceUnavailable        503 service_unavailable (+ Retry-After when known)"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class ApiError(Exception):
    status = 500
    code = "internal_error"
    default_message = "Something went wrong on our side. Please try again."

    def __init__(
        self,
        message: str | None = None,
        *,
        details: list[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.details = details or []
        self.headers = headers or {}
        super().__init__(self.message)


class InvalidJson(ApiError):
    status, code = 400, "invalid_json"
    default_message = "The request body is not valid JSON."


class Unauthorized(ApiError):
    status, code = 401, "unauthorized"
    default_message = "Missing or invalid credentials."


class NotFound(ApiError):
    status, code = 404, "not_found"
    default_message = "Not found."


class MethodNotAllowed(ApiError):
    status, code = 405, "method_not_allowed"

    def __init__(self, allowed: list[str]) -> None:
        super().__init__(
            f"Method not allowed; use {', '.join(allowed)}.", headers={"Allow": ", ".join(allowed)}
        )


class Forbidden(ApiError):
    status, code = 403, "forbidden"
    default_message = (
        "This link can show the order but not change it: only a link with the order's key "
        "can. Open the link you were given, or have a new one emailed to the order's address "
        "from its payment page, or contact support."
    )


class ChoiceUnavailable(ApiError):
    status, code = 409, "choice_unavailable"


class OfferExpired(ApiError):
    status, code = 409, "offer_expired"
    default_message = "That quote has expired; ask for a fresh one."


class InvalidTransition(ApiError):
    status, code = 409, "invalid_transition"


class DuplicateTxHash(ApiError):
    """A transaction hash the operator records is already recorded (on another order, or as
    this order's own earlier payout or refund): one transaction is never counted twice unless
    the operator says it pays several orders."""

    status, code = 409, "duplicate_tx_hash"


class VersionConflict(ApiError):
    status, code = 412, "version_conflict"
    default_message = "The order has changed since you read it; fetch it again and retry."


class PayloadTooLarge(ApiError):
    status, code = 413, "payload_too_large"


class ValidationFailed(ApiError):
    status, code = 422, "validation_error"

    def __init__(self, details: list[FieldError]) -> None:
        first = details[0]
        summary = f"{first.field}: {first.message}" if first.field else first.message
        if len(details) > 1:
            summary += f" (and {len(details) - 1} more)"
        super().__init__(summary, details=details)


class IdempotencyKeyReused(ApiError):
    status, code = 422, "idempotency_key_reused"
    default_message = (
        "This Idempotency-Key was already used with a different request body; "
        "use a new key for a new request."
    )


class RateLimited(ApiError):
    status, code = 429, "rate_limited"

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(
            f"Too many requests; try again in {retry_after_seconds} seconds.",
            headers={"Retry-After": str(retry_after_seconds)},
        )


class ProcessorUnavailable(ApiError):
    status, code = 502, "processor_unavailable"
    default_message = (
        "Our payment processor is not answering right now, so no order was created. "
        "Please try again in a few minutes."
    )


class ServiceUnavailable(ApiError):
    status, code = 503, "service_unavailable"
    default_message = "This service is temporarily unavailable."
