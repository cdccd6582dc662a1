"""The operator's bearer token: compared in constant time; unset means the endpoint is off."""

from __future__ import annotations

import hmac

from orders.errors import ServiceUnavailable, Unauthorized


def authorize_operator(expected: str | None, header: str | None) -> None:
    if not expected:
        raise ServiceUnavailable(
            "Operator endpoints are disabled: ADMIN_TOKEN is not configured on this server."
        )
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        token.strip().encode(), expected.encode()
    ):
        raise Unauthorized(
            "A valid operator token is required (Authorization: Bearer <token>).",
            headers={"WWW-Authenticate": 'Bearer realm="onecash"'},
        )
