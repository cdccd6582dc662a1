"""Payout addresses and destination tags, against published vectors.

The vectors live in tests/fixtures/addresses.json, which the site's JavaScript is held to as well
(test_addresses_js.py): BIP-173 and BIP-350 (Bech32, Bech32m, SegWit addresses), BIP-86,
Bitcoin Core's and Litecoin Core's key_io_valid.json, EIP-55, the XRP Ledger's documented
accounts, and well-known addresses of each chain with a one-character typo of each.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from orders.domain.addresses import (
    AddressVerdict,
    UnsupportedCurrency,
    base58,
    bech32,
    check_address,
    check_extra_id,
    supports,
)
from orders.domain.addresses.checks import CHECKSUM, eip55
from orders.domain.addresses.keccak import keccak256
from tests.support.address_vectors import VECTORS

ADDRESSES: list[dict[str, str]] = VECTORS["addresses"]
EXTRA_IDS: list[dict[str, str]] = VECTORS["extra_ids"]
ALPHABETS = {"bitcoin": base58.BITCOIN_ALPHABET, "ripple": base58.RIPPLE_ALPHABET}


def verdict_of(check: Callable[[str, str], AddressVerdict], currency: str, value: str) -> str:
    try:
        return check(currency, value).status
    except UnsupportedCurrency:
        return "unsupported"


def label(entry: dict[str, str]) -> str:
    return f"{entry['currency']}:{entry.get('address', entry.get('extra_id'))!r}"


# --- verdicts ------------------------------------------------------------------------------


@pytest.mark.parametrize("entry", ADDRESSES, ids=label)
def test_each_address_gets_its_verdict(entry: dict[str, str]) -> None:
    assert verdict_of(check_address, entry["currency"], entry["address"]) == entry["verdict"], (
        entry["source"]
    )


@pytest.mark.parametrize("entry", EXTRA_IDS, ids=label)
def test_each_destination_tag_gets_its_verdict(entry: dict[str, str]) -> None:
    assert verdict_of(check_extra_id, entry["currency"], entry["extra_id"]) == entry["verdict"], (
        entry["source"]
    )


def test_every_coin_has_real_addresses_whose_typos_fail_the_checksum() -> None:
    for currency in ("btc", "ltc", "eth", "usdterc20", "trx", "usdttrc20", "xrp"):
        entries = [e for e in ADDRESSES if e["currency"] == currency]
        assert any(e["verdict"] == "ok" for e in entries), currency
        typos = [e for e in entries if "typo" in e["source"] and e["verdict"] == "bad_checksum"]
        assert typos, currency


def test_a_checksum_failure_says_so_and_asks_for_a_typo_check() -> None:
    failures = [e for e in ADDRESSES if e["verdict"] == "bad_checksum"]
    assert len(failures) > 50
    for entry in failures:
        message = check_address(entry["currency"], entry["address"]).message
        assert message == CHECKSUM == "This address's checksum does not match: check it for a typo."


def test_a_wrong_format_always_says_why() -> None:
    for entry in ADDRESSES:
        if entry["verdict"] == "wrong_format":
            assert check_address(entry["currency"], entry["address"]).message, entry["source"]


def test_the_bip_173_typo_of_the_issue_is_caught() -> None:
    # Issue 11: "a bech32 Bitcoin address with one changed character" was accepted.
    verdict = check_address("btc", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5")
    assert verdict == AddressVerdict("bad_checksum", CHECKSUM)
    assert not verdict.ok


def test_an_ethereum_letter_in_the_wrong_case_is_caught() -> None:
    # Issue 11: "an Ethereum address with one wrong mixed-case letter" was accepted.
    assert check_address("eth", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed").ok
    assert check_address("eth", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD").status == (
        "bad_checksum"
    )


def test_an_ethereum_address_in_one_case_passes_with_a_caution() -> None:
    verdict = check_address("eth", "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")
    assert verdict.ok
    assert "no checksum" in verdict.message


def test_solana_has_no_checksum_so_a_typo_passes_with_a_caution() -> None:
    typos = [e for e in ADDRESSES if e["currency"] == "sol" and "not caught" in e["source"]]
    assert len(typos) == 2
    for entry in typos:
        verdict = check_address("sol", entry["address"])
        assert verdict.ok
        assert verdict.message == (
            "Solana addresses have no checksum: compare it with your wallet, character by "
            "character."
        )


def test_the_messages_name_what_is_wrong() -> None:
    cases = {
        ("btc", "tb1qcrh3yqn4nlleplcez2yndq2ry8h9ncg3qh7n54"): (
            "This is a Bitcoin test network address: payouts are sent on the main network only."
        ),
        ("ltc", "mwXn5Vhicdav8Av3KMokx4YNuHoGRKxtWs"): (
            "This is a Litecoin test network address: payouts are sent on the main network only."
        ),
        ("btc", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3T4"): (
            "This Bitcoin address mixes capital and small letters: copy it again from your wallet."
        ),
        ("btc", "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs"): (
            "This Bitcoin address is of a kind no wallet uses yet: coins sent to it could not be "
            "spent."
        ),
        ("usdttrc20", "TR7NHqjeKQxGTCi8q8ZY4pL8OtSzgjLj6t"): (
            "TRON addresses never contain “O”: check it for a typo."
        ),
        ("eth", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"): (
            "Ethereum addresses are 0x followed by 40 hexadecimal characters: this is not one."
        ),
        ("btc", " 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"): (
            "Bitcoin addresses have only Latin letters and digits: remove spaces and other "
            "characters."
        ),
        ("xrp", "X7AcgcsBL6XDcUb289X4mJ8djcdyKaB5hJDWMArnXr61cqZ"): (
            "This is an X-address: enter the classic XRP address (it starts with r) and the "
            "destination tag instead."
        ),
        ("usdttrc20", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6tt"): (
            "This TRON address is too long: check that nothing was added to it."
        ),
    }
    for (currency, address), message in cases.items():
        assert check_address(currency, address) == AddressVerdict("wrong_format", message)


def test_a_tag_out_of_range_says_what_a_tag_is() -> None:
    assert check_extra_id("xrp", "4294967296") == AddressVerdict(
        "wrong_format", "A destination tag is a whole number from 0 to 4294967295."
    )
    assert check_extra_id("btc", "1").message == "Bitcoin payouts take no memo or tag."


def test_a_currency_without_rules_is_refused_not_passed() -> None:
    assert supports("btc")
    assert supports("usdttrc20")
    for code in ("doge", "BTC", "", "constructor", "__proto__"):
        assert not supports(code)
        with pytest.raises(UnsupportedCurrency):
            check_address(code, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa")
        with pytest.raises(UnsupportedCurrency):
            check_extra_id(code, "1")


# --- the codecs beneath ----------------------------------------------------------------------


@pytest.mark.parametrize("variant", list(bech32.Variant), ids=lambda v: v.name)
def test_bip_173_and_bip_350_strings(variant: bech32.Variant) -> None:
    group = VECTORS["bech32_strings"][variant.name.lower()]
    for text in group["valid"]:
        assert bech32.decode(text).variant is variant, text
        # As the reference tests do: one bit flipped just after the separator must fail.
        at = text.rfind("1") + 1
        flipped = text[:at] + chr(ord(text[at]) ^ 1) + text[at + 1 :]
        with pytest.raises(bech32.Bech32Error):
            bech32.decode(flipped)
    for text in group["invalid"]:
        with pytest.raises(bech32.Bech32Error):
            decoded = bech32.decode(text)
            assert decoded.variant is not variant, text  # valid, but in the other variant
            raise bech32.Bech32Error("checksum")


@pytest.mark.parametrize("entry", VECTORS["segwit_scripts"], ids=lambda e: e["address"])
def test_segwit_addresses_decode_to_their_published_script(entry: dict[str, str]) -> None:
    version, program = bech32.decode_segwit(entry["hrp"], entry["address"])
    script = bytes([version + 0x50 if version else 0, len(program)]) + program
    assert script.hex() == entry["script"], entry["source"]


@pytest.mark.parametrize("entry", VECTORS["base58check_scripts"], ids=lambda e: e["address"])
def test_base58check_addresses_decode_to_their_published_script(entry: dict[str, str]) -> None:
    raw = base58.decode(entry["address"], base58.BITCOIN_ALPHABET)
    assert base58.checksum_ok(raw)
    version, key_hash = raw[0], raw[1:-4].hex()
    # P2PKH: Bitcoin 0x00, Litecoin 0x30, their test networks 0x6f; the rest are P2SH.
    if version in (0x00, 0x30, 0x6F):
        assert entry["script"] == f"76a914{key_hash}88ac", entry["source"]
    else:
        assert entry["script"] == f"a914{key_hash}87", entry["source"]


@pytest.mark.parametrize("entry", VECTORS["base58check_payloads"], ids=lambda e: e["address"])
def test_base58check_addresses_decode_to_their_published_account(entry: dict[str, str]) -> None:
    raw = base58.decode(entry["address"], ALPHABETS[entry["alphabet"]])
    assert raw[:-4].hex() == entry["payload"], entry["source"]
    assert base58.checksum_ok(raw)


def test_36_base58_digits_are_always_more_than_25_bytes() -> None:
    # Why a Base58Check address of more than 35 characters is refused without decoding it.
    for alphabet in ALPHABETS.values():
        smallest_36 = alphabet[1] + alphabet[0] * 35
        assert len(base58.decode(smallest_36, alphabet)) == 26
        assert len(base58.decode(alphabet[-1] * 35, alphabet)) == 26
        assert len(base58.decode(alphabet[-1] * 34, alphabet)) == 25
    huge = "1" + "z" * 100_000
    assert check_address("btc", huge).message == (
        "This Bitcoin address is too long: check that nothing was added to it."
    )


def test_base58_keeps_leading_zero_bytes() -> None:
    assert base58.decode("11111111111111111111111111111111", base58.BITCOIN_ALPHABET) == bytes(32)
    assert base58.decode("", base58.BITCOIN_ALPHABET) == b""
    with pytest.raises(ValueError, match="not a Base58 digit"):
        base58.decode("10", base58.BITCOIN_ALPHABET)


@pytest.mark.parametrize("entry", VECTORS["keccak256"], ids=lambda e: repr(e["text"]))
def test_keccak256_published_digests(entry: dict[str, str]) -> None:
    assert keccak256(entry["text"].encode()).hex() == entry["hex"]


def test_keccak256_is_not_sha3_256() -> None:
    import hashlib

    assert keccak256(b"").hex() != hashlib.sha3_256(b"").hexdigest()


@pytest.mark.parametrize("address", VECTORS["eip55"])
def test_eip55_writes_the_eips_own_examples(address: str) -> None:
    assert eip55(address.lower()) == address
