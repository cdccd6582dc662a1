"""Settings read from the Worker's vars and secrets (or the local host's environment).

Everything arrives as text; this module is the one place it is parsed. Secrets stay `None` when
unset, and the feature that needs one refuses to run (503 or 401), never runs unchecked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

EMAIL_PROVIDERS = ("resend", "postmark")
DEFAULT_CURRENCIES = ("btc", "eth", "ltc", "usdttrc20", "xrp", "sol")
VERSION = "0.1.0"
_OPERATOR_NAME = re.compile(r"[A-Za-z0-9._-]{1,40}")
# An operator token's least length: guessing one must be hopeless, since a right token is let in
# however many wrong ones came before it from the same address (api/auth.py).
MIN_ADMIN_TOKEN_LENGTH = 32


_VARIABLE = re.compile(r"[A-Z][A-Z0-9_]+")


class ConfigError(ValueError):
    """A var or secret that does not parse. The message is for the operator's log and starts
    with the variable's name; `variable` is that name alone, which is all a client is told (the
    Worker's 503 names it, never its value)."""

    def __init__(self, message: str, variable: str | None = None) -> None:
        super().__init__(message)
        found = _VARIABLE.match(message)
        self.variable = variable or (found.group(0) if found else None)


def allowed_origins(raw: str | None) -> tuple[str, ...]:
    """ALLOWED_ORIGINS, which always parses: read alone too, so that even a Worker whose other
    settings do not parse answers the site's browsers with CORS."""
    return tuple(o.strip().rstrip("/") for o in (raw or "").split(",") if o.strip())


@dataclass(frozen=True)
class Settings:
    allowed_origins: tuple[str, ...] = ()
    fee_percent: Decimal = Decimal("2")  # docs/fees.md
    # The quote is locked this long, and that is the payment window (docs/api.md, "Rate lock").
    rate_lock_minutes: int = 20
    processor: str = "sandbox"
    supported_currencies: tuple[str, ...] = DEFAULT_CURRENCIES
    public_site_url: str = "https://onncx.com"
    public_api_url: str = "https://api.onncx.com"
    nowpayments_api_base: str = "https://api.nowpayments.io/v1"
    nowpayments_api_key: str | None = None
    nowpayments_ipn_secret: str | None = None
    # The NOWPayments account login (email and password): its payment list, the only way to find
    # a repeat deposit whose callback was lost, needs a JWT from it. Unset, reconciliation asks
    # only about the payments it knows of, and says so in the log.
    nowpayments_email: str | None = None
    nowpayments_password: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None
    admin_token: str | None = None
    # Named operators (ADMIN_TOKENS="name:token,…"): (name, token) pairs.
    admin_tokens: tuple[tuple[str, str], ...] = ()
    payout_overdue_minutes: int = 30
    # What the customer is told to expect: the payout within this long of the payment being
    # final (GET /api/currencies serves it to the site). Above PAYOUT_OVERDUE_MINUTES, the
    # operator hears of a late payout before the promise to the customer is broken.
    payout_promise_minutes: int = 60
    # Wrong operator tokens a client address may send in ten minutes; past them each wrong
    # token answers 429 instead of 401. A right token is let in all the same (api/auth.py).
    admin_failures_allowed: int = 20
    rate_limit_orders_per_minute: int = 10
    rate_limit_quotes_per_minute: int = 60
    webhook_timeout_seconds: float = 10.0
    # Customer emails (docs/emails.md): all three set, or none are queued.
    email_provider: str | None = None  # "resend" or "postmark"
    email_api_key: str | None = None
    email_from: str | None = None
    email_api_url: str | None = None  # the provider's own URL unless set (tests use a fake)
    version: str = VERSION

    @property
    def emails_enabled(self) -> bool:
        return bool(self.email_provider and self.email_api_key and self.email_from)

    @property
    def sandbox(self) -> bool:
        return self.processor == "sandbox"

    @property
    def operators(self) -> tuple[tuple[str | None, str], ...]:
        """Every operator's (name, token); ADMIN_TOKEN is the one without a name."""
        unnamed = ((None, self.admin_token),) if self.admin_token else ()
        return (*unnamed, *self.admin_tokens)

    @property
    def ipn_secret(self) -> str | None:
        """The secret callbacks are signed with; in sandbox mode a fixed, public test secret."""
        return SANDBOX_IPN_SECRET if self.sandbox else self.nowpayments_ipn_secret

    @classmethod
    def from_env(cls, env: Mapping[str, str | None]) -> Settings:
        def text(name: str, default: str) -> str:
            value = env.get(name)
            return value.strip() if value and value.strip() else default

        def secret(name: str) -> str | None:
            value = env.get(name)
            return value.strip() if value and value.strip() else None

        def integer(name: str, default: int, minimum: int = 1) -> int:
            raw = text(name, str(default))
            try:
                value = int(raw)
            except ValueError:
                raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
            if value < minimum:
                raise ConfigError(f"{name} must be at least {minimum}, got {value}")
            return value

        def seconds(name: str, default: float) -> float:
            raw = text(name, str(default))
            try:
                value = float(raw)
            except ValueError:
                raise ConfigError(f"{name} must be a number of seconds, got {raw!r}") from None
            if not 0 < value <= 30:
                raise ConfigError(f"{name} must be between 0 and 30 seconds, got {raw}")
            return value

        def items(name: str, default: tuple[str, ...]) -> tuple[str, ...]:
            raw = env.get(name)
            if not raw:
                return default
            return tuple(part.strip() for part in raw.split(",") if part.strip())

        email_provider = secret("EMAIL_PROVIDER")
        if email_provider is not None and email_provider.lower() not in EMAIL_PROVIDERS:
            names = ", ".join(EMAIL_PROVIDERS)
            raise ConfigError(f"EMAIL_PROVIDER must be one of {names}, got {email_provider!r}")
        processor = text("PROCESSOR", "sandbox").lower()
        if processor not in ("sandbox", "nowpayments"):
            raise ConfigError(f"PROCESSOR must be 'sandbox' or 'nowpayments', got {processor!r}")
        fee_text = text("FEE_PERCENT", "2")
        try:
            fee = Decimal(fee_text)
        except InvalidOperation:
            raise ConfigError(f"FEE_PERCENT must be a decimal, got {fee_text!r}") from None
        if not Decimal(0) <= fee < Decimal(100):
            raise ConfigError(f"FEE_PERCENT must be between 0 and 100, got {fee_text}")
        admin_token = secret("ADMIN_TOKEN")
        operators = _operators(admin_token, items("ADMIN_TOKENS", ()))
        return cls(
            allowed_origins=allowed_origins(env.get("ALLOWED_ORIGINS")),
            fee_percent=fee,
            # PAYMENT_WINDOW_MINUTES is the setting's older name, still read when it is alone.
            rate_lock_minutes=integer("RATE_LOCK_MINUTES", integer("PAYMENT_WINDOW_MINUTES", 20)),
            processor=processor,
            supported_currencies=tuple(
                c.lower() for c in items("SUPPORTED_CURRENCIES", DEFAULT_CURRENCIES)
            ),
            public_site_url=text("PUBLIC_SITE_URL", "https://onncx.com").rstrip("/"),
            public_api_url=text("PUBLIC_API_URL", "https://api.onncx.com").rstrip("/"),
            nowpayments_api_base=text(
                "NOWPAYMENTS_API_BASE", "https://api.nowpayments.io/v1"
            ).rstrip("/"),
            nowpayments_api_key=secret("NOWPAYMENTS_API_KEY"),
            nowpayments_ipn_secret=secret("NOWPAYMENTS_IPN_SECRET"),
            nowpayments_email=secret("NOWPAYMENTS_EMAIL"),
            nowpayments_password=secret("NOWPAYMENTS_PASSWORD"),
            webhook_url=secret("WEBHOOK_URL"),
            webhook_secret=secret("WEBHOOK_SECRET"),
            admin_token=admin_token,
            admin_tokens=operators,
            payout_overdue_minutes=integer("PAYOUT_OVERDUE_MINUTES", 30),
            payout_promise_minutes=integer("PAYOUT_PROMISE_MINUTES", 60),
            admin_failures_allowed=integer("ADMIN_FAILURES_ALLOWED", 20),
            rate_limit_orders_per_minute=integer("RATE_LIMIT_ORDERS_PER_MINUTE", 10),
            rate_limit_quotes_per_minute=integer("RATE_LIMIT_QUOTES_PER_MINUTE", 60),
            webhook_timeout_seconds=seconds("WEBHOOK_TIMEOUT_SECONDS", 10.0),
            email_provider=email_provider.lower() if email_provider else None,
            email_api_key=secret("EMAIL_API_KEY"),
            email_from=secret("EMAIL_FROM"),
            email_api_url=secret("EMAIL_API_URL"),
        )


def _operators(admin_token: str | None, entries: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """ADMIN_TOKENS as (name, token) pairs, checked with ADMIN_TOKEN: every token long enough,
    every name once, and no token twice (a shared token would put the wrong name on the
    timeline). The errors name the variable and the operator, never a token: they are logged."""
    if admin_token is not None and len(admin_token) < MIN_ADMIN_TOKEN_LENGTH:
        raise ConfigError(
            f"ADMIN_TOKEN must be at least {MIN_ADMIN_TOKEN_LENGTH} characters, got "
            f"{len(admin_token)} (make one with `openssl rand -base64 32`)"
        )
    operators: list[tuple[str, str]] = []
    names: set[str] = set()
    owners: dict[str, str] = {}  # token -> the operator it belongs to
    for entry in entries:
        name, _, token = (part.strip() for part in entry.partition(":"))
        if not _OPERATOR_NAME.fullmatch(name) or not token:
            raise ConfigError(
                "ADMIN_TOKENS must be name:token pairs separated by commas (names of "
                "letters, digits, '.', '_' or '-')"
            )
        if len(token) < MIN_ADMIN_TOKEN_LENGTH:
            raise ConfigError(
                f"ADMIN_TOKENS: the token of {name!r} must be at least "
                f"{MIN_ADMIN_TOKEN_LENGTH} characters, got {len(token)} (make one with "
                "`openssl rand -base64 32`)"
            )
        if name.casefold() in names:
            raise ConfigError(f"ADMIN_TOKENS names {name!r} twice: each operator once")
        if token == admin_token:
            raise ConfigError(
                f"ADMIN_TOKENS gives {name!r} the token of ADMIN_TOKEN: each operator needs a "
                "token of their own"
            )
        if token in owners:
            raise ConfigError(
                f"ADMIN_TOKENS gives {owners[token]!r} and {name!r} the same token: each "
                "operator needs a token of their own"
            )
        names.add(name.casefold())
        owners[token] = name
        operators.append((name, token))
    return tuple(operators)


# Public on purpose: sandbox callbacks prove the signed path works, they protect no money.
SANDBOX_IPN_SECRET = "sandbox-ipn-secret-not-for-production"  # noqa: S105
