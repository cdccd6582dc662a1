"""The site's address checks give the API's verdicts, word for word, on the shared vectors.

pages/js/addresses.js is run by real Node over tests/fixtures/addresses.json (through
tests/core/addresses.mjs): by `node` on CPython, and directly in Pyodide, which runs inside Node
already. The vendored codecs beneath it are held to the Python ones too: which Bech32 variant
accepts each BIP string, and Keccak-256 over messages of every length around its block size.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from orders.domain.addresses import (
    bech32,
    check_address,
    check_extra_id,
)
from orders.domain.addresses.keccak import keccak256
from tests.support.address_vectors import VECTORS, python_verdict

ROOT = Path(__file__).resolve().parents[2]
HARNESS = "tests/core/addresses.mjs"
# Keccak-256 absorbs 136 bytes at a time: every length up to past one block, and around two.
MESSAGES = [bytes((i * 7 + n) % 256 for i in range(n)) for n in [*range(140), 271, 272, 273, 1000]]
# Beyond the vectors: every one-character substitution (from characters that sit on the edges of
# the alphabets), deletion, insertion and case change of one address of each kind, so that the
# two implementations are seen to take their steps in the same order.
SEEDS = {
    "btc": ["1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
            "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
            "bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr", "bc1zmjtqxkzs89"],
    "ltc": ["LT2KVaAy1ppRuxRgrS5RNU3vBsy7RibPeA", "ltc1qhdhvrwe6rgqns8fz28tee0hphr5x7ulw5exv4w"],
    "eth": ["0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"],
    "usdttrc20": ["TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"],
    "xrp": ["rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh", "rrrrrrrrrrrrrrrrrrrrBZbvji"],
    "sol": ["EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", "11111111111111111111111111111111"],
}  # fmt: skip
EDGES = "01OIlbioqpzZ9xArTXL "


def mutations(address: str) -> list[str]:
    out = {address[:i] + c + address[i + 1 :] for i in range(len(address)) for c in EDGES}
    out |= {address[:i] + address[i + 1 :] for i in range(len(address))}
    out |= {address[:i] + "q" + address[i:] for i in range(len(address) + 1)}
    out |= {address[:i] + address[i].swapcase() + address[i + 1 :] for i in range(len(address))}
    return sorted(out - {address})


MUTATIONS = [
    {"currency": currency, "address": mutated}
    for currency, seeds in SEEDS.items()
    for seed in seeds
    for mutated in mutations(seed)
]


def ask_node(request: str) -> str:
    if sys.platform == "emscripten":  # Pyodide: the Node it runs in imports the harness
        from _repo_js import load  # type: ignore[import-not-found]
        from pyodide.ffi import run_sync  # type: ignore[import-not-found]

        harness = run_sync(load(HARNESS))
        return str(run_sync(harness.answer(request)))
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not on PATH: the site's checks need a JavaScript engine")
    done = subprocess.run(
        # pages/ has no package.json saying its .js files are ES modules (the browser does not
        # need one), so Node finds out by parsing them and warns that it did.
        [node, "--disable-warning=MODULE_TYPELESS_PACKAGE_JSON", HARNESS],
        input=request.encode(), capture_output=True, timeout=120, cwd=ROOT, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode()


@pytest.fixture(scope="module")
def node_answers() -> dict[str, Any]:
    request = {
        **VECTORS,
        "addresses": VECTORS["addresses"] + MUTATIONS,
        "keccak_messages": [m.hex() for m in MESSAGES],
    }
    answers: dict[str, Any] = json.loads(ask_node(json.dumps(request)))
    answers["mutations"] = answers["addresses"][len(VECTORS["addresses"]) :]
    return answers


@pytest.mark.parametrize("index", range(len(VECTORS["addresses"])))
def test_the_site_gives_each_address_the_apis_verdict(
    node_answers: dict[str, Any], index: int
) -> None:
    entry = VECTORS["addresses"][index]
    python = python_verdict(check_address, entry["currency"], entry["address"])
    assert node_answers["addresses"][index] == python, entry["source"]
    assert python[0] == entry["verdict"]


@pytest.mark.parametrize("index", range(len(VECTORS["extra_ids"])))
def test_the_site_gives_each_tag_the_apis_verdict(node_answers: dict[str, Any], index: int) -> None:
    entry = VECTORS["extra_ids"][index]
    python = python_verdict(check_extra_id, entry["currency"], entry["extra_id"])
    assert node_answers["extra_ids"][index] == python, entry["source"]
    assert python[0] == entry["verdict"]


def test_the_site_and_the_api_agree_on_every_near_miss(node_answers: dict[str, Any]) -> None:
    python = [python_verdict(check_address, m["currency"], m["address"]) for m in MUTATIONS]
    differ = [
        (m, js, py)
        for m, js, py in zip(MUTATIONS, node_answers["mutations"], python, strict=True)
        if js != py
    ]
    assert differ == []
    assert len(MUTATIONS) > 10000
    # Only Solana's addresses, which carry no checksum, let a near miss through.
    passed = {
        m["currency"] for m, (status, _) in zip(MUTATIONS, python, strict=True) if status == "ok"
    }
    assert passed == {"sol"}


def test_scure_base_and_the_python_codec_accept_the_same_bech32_strings(
    node_answers: dict[str, Any],
) -> None:
    groups = VECTORS["bech32_strings"].values()
    strings = [s for group in groups for s in [*group["valid"], *group["invalid"]]]

    def variants(text: str) -> list[bool]:
        try:
            variant = bech32.decode(text).variant
        except bech32.Bech32Error:
            return [False, False]
        return [variant is bech32.Variant.BECH32, variant is bech32.Variant.BECH32M]

    assert node_answers["bech32_strings"] == [variants(s) for s in strings]
    assert sum(any(v) for v in node_answers["bech32_strings"]) == 14  # the BIPs' valid strings


def test_noble_hashes_and_the_python_keccak_agree_on_every_length(
    node_answers: dict[str, Any],
) -> None:
    assert node_answers["keccak256"] == [keccak256(m).hex() for m in MESSAGES]
