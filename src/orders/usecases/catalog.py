"""What can be exchanged and at what price: currencies, pair minimums and quotes, cached in KV.

KV is a cache here, never the truth: a miss or a broken entry just asks the processor again.
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

from orders.domain import money
from orders.domain.currencies import Currency
from orders.domain.pricing import Quote, price
from orders.domain.times import timestamp
from orders.errors import FieldError, ValidationFailed
from orders.ports import Deps
from orders.processors.base import Processor

CURRENCIES_TTL = 3600
MINIMUM_TTL = 600
ESTIMATE_TTL = 60  # KV's shortest expiry
QUOTE_VALID_FOR = timedelta(minutes=2)


class Catalog:
    def __init__(self, deps: Deps, processor: Processor) -> None:
        self.deps = deps
        self.processor = processor

    async def currencies(self) -> dict[str, Currency]:
        # v2: the entries carry the names a person reads (symbol, network_name).
        key = f"currencies:v2:{self.processor.name}"
        cached = await self._cached(key)
        if isinstance(cached, list):
            listed = [Currency.from_public(item) for item in cached]
        else:
            listed = await self.processor.currencies()
            await self._cache(key, [c.public() for c in listed], CURRENCIES_TTL)
        wanted = self.deps.settings.supported_currencies
        by_code = {c.code: c for c in listed}
        return {code: by_code[code] for code in wanted if code in by_code}

    async def min_amount(self, source: Currency, target: Currency) -> Decimal:
        key = f"min:v1:{self.processor.name}:{source.code}:{target.code}"
        cached = await self._cached(key)
        if isinstance(cached, str):
            pair_min = Decimal(cached)
        else:
            pair_min = await self.processor.min_amount(source.code, target.code)
            await self._cache(key, money.to_text(pair_min), MINIMUM_TTL)
        return max(pair_min, source.min_amount)

    async def quote(self, source: Currency, target: Currency, amount: Decimal, field: str) -> Quote:
        """A priced quote; refuses an amount outside the pair's limits, naming `field`."""
        minimum = await self.min_amount(source, target)
        if amount < minimum:
            raise ValidationFailed(
                [FieldError(field, f"below the minimum of {money.to_text(minimum)} {source.code}")]
            )
        if amount > source.max_amount:
            raise ValidationFailed(
                [FieldError(field, f"above the maximum of {money.to_text(source.max_amount)} "
                                   f"{source.code}")]
            )  # fmt: skip
        key = (
            f"estimate:v1:{self.processor.name}:{source.code}:{target.code}:{money.to_text(amount)}"
        )
        cached = await self._cached(key)
        if isinstance(cached, str):
            estimated = Decimal(cached)
        else:
            estimated = await self.processor.estimate(source.code, target.code, amount)
            await self._cache(key, money.to_text(estimated), ESTIMATE_TTL)
        priced = price(amount, estimated, self.deps.settings.fee_percent, target.decimals)
        return Quote(
            from_currency=source,
            to_currency=target,
            amount=amount,
            to_amount=priced.to_amount,
            rate=priced.rate,
            fee_percent=self.deps.settings.fee_percent,
            min_amount=minimum,
            expires_at=timestamp(self.deps.clock() + QUOTE_VALID_FOR),
            rate_lock_minutes=self.deps.settings.rate_lock_minutes,
        )

    async def _cached(self, key: str) -> Any:
        raw = await self.deps.kv.get(key)
        if raw is None:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return None

    async def _cache(self, key: str, value: Any, ttl: int) -> None:
        await self.deps.kv.put(key, json.dumps(value), expirationTtl=ttl)
