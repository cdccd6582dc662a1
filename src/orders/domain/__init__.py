"""The domain: what an order is and the rules it lives by, as data and plain functions. No I/O,
no `await`, no clock or randomness of its own (times and tokens come in as values): the
lifecycle table, orders and their changes, money, currencies, pricing, settlement, the exchange's
input rules and webhook delivery rules."""
