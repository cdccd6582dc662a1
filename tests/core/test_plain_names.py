"""Words a first-time customer can read (issue 16): the currencies API names each coin, its
symbol and its network plainly (never only the processor's ticker), whichever processor lists
them, and says how soon a payout goes out (PAYOUT_PROMISE_MINUTES). In-process."""

from __future__ import annotations

import pytest

from orders.config import ConfigError, Settings
from tests.core.conftest import MakeHarness
from tests.support.inprocess import Harness, nowpayments_harness

PLAIN = {
    "btc": ("Bitcoin", "BTC", "Bitcoin"),
    "eth": ("Ethereum", "ETH", "Ethereum"),
    "ltc": ("Litecoin", "LTC", "Litecoin"),
    "usdttrc20": ("Tether USD", "USDT", "TRON"),
    "xrp": ("XRP", "XRP", "XRP Ledger"),
    "sol": ("Solana", "SOL", "Solana"),
}


async def test_each_currency_has_a_name_a_symbol_and_a_network_a_person_reads(
    harness: Harness,
) -> None:
    answer = (await harness.call("GET", "/api/currencies")).json
    named = {c["code"]: (c["name"], c["symbol"], c["network_name"]) for c in answer["currencies"]}
    assert named == PLAIN


async def test_nowpayments_currencies_get_the_same_names(make_harness: MakeHarness) -> None:
    harness = nowpayments_harness(make_harness(PROCESSOR="nowpayments", NOWPAYMENTS_API_KEY="k",
                                               NOWPAYMENTS_IPN_SECRET="s"))  # fmt: skip
    answer = (await harness.call("GET", "/api/currencies")).json
    named = {c["code"]: (c["name"], c["symbol"], c["network_name"]) for c in answer["currencies"]}
    assert named == {code: PLAIN[code] for code in ("btc", "usdttrc20")}


async def test_the_payout_promise_is_served_with_the_currencies(make_harness: MakeHarness) -> None:
    default = (await make_harness().call("GET", "/api/currencies")).json
    assert default["payout_promise_minutes"] == 60
    set_ = (await make_harness(PAYOUT_PROMISE_MINUTES="45").call("GET", "/api/currencies")).json
    assert set_["payout_promise_minutes"] == 45


@pytest.mark.parametrize("value", ["0", "soon", "-5"])
def test_a_payout_promise_that_does_not_parse_is_a_config_error(value: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({"PAYOUT_PROMISE_MINUTES": value})
    assert raised.value.variable == "PAYOUT_PROMISE_MINUTES"
