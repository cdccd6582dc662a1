"""NOWPayments IPN signatures: the reference vector, JavaScript's number and string rules, both
array forms, refusals, and a cross-check against real Node `JSON.stringify` and `crypto`."""

from __future__ import annotations

import json
import random
import shutil
import struct
import subprocess
import sys
from decimal import Decimal
from typing import Any

import pytest

from orders.processors.nowpayments_ipn import (
    IpnBodyError,
    js_canonical_json,
    js_number,
    sign,
    signed_body,
    verify,
)

SECRET = "test_secret"
VECTOR_BODY = (
    b'{"payment_id":5077125051,"parent_payment_id":null,"invoice_id":null,"payment_status":'
    b'"finished","pay_address":"bc1qexampleaddress","payin_extra_id":null,"price_amount":10,'
    b'"price_currency":"usd","pay_amount":0.00015,"actually_paid":0.00015,'
    b'"actually_paid_at_fiat":0,"pay_currency":"btc","order_id":"ord_42","order_description":'
    b'"Deposit","purchase_id":"6084744717","outcome_amount":0.0001461,"outcome_currency":"btc",'
    b'"payment_extra_ids":null,"fee":{"currency":"btc","depositFee":0.0000039,'
    b'"withdrawalFee":0,"serviceFee":0}}'
)
VECTOR_SIG = (
    "f76a6c231c41675ed4ec9c1fa95fba44cf655daf7fd0e19760e5f4a6cc7cb53a"
    "dc15dbeb2ea7f4aae7aa263ad213ee56bdaf1963c2e0e2fe86be6a917835d099"
)


def canonical(body: str) -> str:
    return js_canonical_json(body.encode("utf-8")).sdk


# --- the reference vector ---------------------------------------------------------------


def test_the_reference_callback_verifies() -> None:
    assert verify(VECTOR_BODY, VECTOR_SIG, SECRET)
    assert sign(js_canonical_json(VECTOR_BODY).sdk, SECRET) == VECTOR_SIG


def test_pythons_sorted_json_dumps_signs_a_different_string_and_would_reject_it() -> None:
    naive = json.dumps(json.loads(VECTOR_BODY), sort_keys=True, separators=(",", ":"))

    assert sign(naive, SECRET) != VECTOR_SIG
    # the whole difference: Python writes the 0.0000039 BTC fee in exponent form, JS does not
    assert '"depositFee":3.9e-06' in naive
    assert '"depositFee":0.0000039' in js_canonical_json(VECTOR_BODY).sdk
    assert naive.replace("3.9e-06", "0.0000039") == js_canonical_json(VECTOR_BODY).sdk


def test_the_nested_fee_object_is_sorted_too() -> None:
    assert (
        '"fee":{"currency":"btc","depositFee":0.0000039,"serviceFee":0,"withdrawalFee":0}'
        in js_canonical_json(VECTOR_BODY).sdk
    )


def test_the_same_content_reformatted_still_verifies() -> None:
    # NOWPayments signs the parsed content, not the bytes' layout
    reformatted = json.dumps(json.loads(VECTOR_BODY), indent=2).encode()
    assert verify(reformatted, VECTOR_SIG, SECRET)


def test_signed_body_reproduces_the_reference_signature_from_decimals() -> None:
    payload = json.loads(VECTOR_BODY, parse_float=Decimal)
    body, signature = signed_body(payload, SECRET)

    assert signature == VECTOR_SIG
    assert json.loads(body, parse_float=Decimal)["fee"]["depositFee"] == Decimal("0.0000039")


# --- numbers as JavaScript writes them ---------------------------------------------------


@pytest.mark.parametrize(
    ("literal", "javascript"),
    [
        ("1e-7", "1e-7"),
        ("0.000001", "0.000001"),
        ("0.0000001", "1e-7"),
        ("0.0000039", "0.0000039"),
        ("3.9e-6", "0.0000039"),
        ("0.00015", "0.00015"),
        ("15.0", "15"),
        ("1E2", "100"),
        ("1e21", "1e+21"),
        ("1e20", "100000000000000000000"),
        ("2.5e+25", "2.5e+25"),
        ("-0.0", "0"),
        ("-0", "0"),
        ("12345678901234567890", "12345678901234567000"),
        ("123456789012345680000", "123456789012345680000"),
        ("9007199254740993", "9007199254740992"),
        ("0.30000000000000004", "0.30000000000000004"),
        ("5e-324", "5e-324"),
        ("1.7976931348623157e308", "1.7976931348623157e+308"),
        ("-1.5e-9", "-1.5e-9"),
        ("1e400", "null"),
    ],
)
def test_numbers_are_written_the_way_javascript_writes_them(literal: str, javascript: str) -> None:
    assert canonical('{"n":' + literal + "}") == '{"n":' + javascript + "}"


def test_a_sum_that_is_not_exact_in_binary_keeps_its_shortest_digits() -> None:
    assert js_number(0.1 + 0.2) == "0.30000000000000004"
    assert js_number(1 / 3) == "0.3333333333333333"


# --- strings and keys --------------------------------------------------------------------


def test_non_ascii_text_and_slashes_stay_unescaped() -> None:
    body = '{"city":"Zürich ⚡ 日本","emoji":"😀","pair":"\\ud83d\\ude00","url":"https://a/b"}'
    assert (
        canonical(body) == '{"city":"Zürich ⚡ 日本","emoji":"😀","pair":"😀","url":"https://a/b"}'
    )


def test_strings_are_escaped_as_json_stringify_escapes_them() -> None:
    body = r'{"s":"q\"b\\ \b\f\n\r\t \u0001\u001f \u007f\u2028 \/"}'
    assert canonical(body) == '{"s":"q\\"b\\\\ \\b\\f\\n\\r\\t \\u0001\\u001f \x7f\u2028 /"}'


def test_lone_surrogates_are_written_as_lowercase_escapes() -> None:
    assert canonical(r'{"s":"\uD800x\uDFFF"}') == r'{"s":"\ud800x\udfff"}'


def test_keys_sort_by_utf16_code_units_with_integer_keys_first_in_numeric_order() -> None:
    body = '{"b":1,"a":2,"B":3,"\uffff":4,"😀":5,"10":6,"9":7,"01":8}'
    # integer-like keys: JS objects list them first, numerically, whatever the sort said;
    # "😀" (U+D83D U+DE00 in UTF-16) sorts before U+FFFF although its code point is higher
    assert canonical(body) == '{"9":7,"10":6,"01":8,"B":3,"a":2,"b":1,"😀":5,"\uffff":4}'


def test_a_repeated_key_keeps_its_last_value_as_json_parse_does() -> None:
    assert canonical('{"a":1,"b":2,"a":3}') == '{"a":3,"b":2}'


# --- the two array forms -----------------------------------------------------------------


def test_arrays_have_two_forms_the_sdks_and_the_docs() -> None:
    forms = js_canonical_json(b'{"items":[{"b":1,"a":2},"x",[3]],"z":[]}')

    assert forms.sdk == '{"items":[{"a":2,"b":1},"x",[3]],"z":[]}'
    assert forms.docs == '{"items":{"0":{"a":2,"b":1},"1":"x","2":{"0":3}},"z":{}}'


def test_the_docs_form_lists_array_indexes_numerically() -> None:
    docs = js_canonical_json(b'{"l":[0,1,2,3,4,5,6,7,8,9,10]}').docs
    assert docs == '{"l":{"0":0,"1":1,"2":2,"3":3,"4":4,"5":5,"6":6,"7":7,"8":8,"9":9,"10":10}}'


@pytest.mark.parametrize("form", ["sdk", "docs"])
def test_a_signature_over_either_array_form_verifies(form: str) -> None:
    body = b'{"payment_id":1,"payment_extra_ids":[{"b":1,"a":0.0000001}]}'
    signature = sign(getattr(js_canonical_json(body), form), SECRET)
    assert verify(body, signature, SECRET)


# --- refusals ----------------------------------------------------------------------------


@pytest.mark.parametrize("signature", [None, "", "   ", VECTOR_SIG[:-1] + "0", VECTOR_SIG[:64]])
def test_a_missing_or_wrong_signature_is_refused(signature: str | None) -> None:
    assert not verify(VECTOR_BODY, signature, SECRET)


def test_a_signature_made_with_another_secret_is_refused() -> None:
    assert not verify(VECTOR_BODY, sign(js_canonical_json(VECTOR_BODY).sdk, "other"), SECRET)


@pytest.mark.parametrize("secret", [None, "", "   \n"])
def test_an_unset_secret_refuses_everything(secret: str | None) -> None:
    assert not verify(VECTOR_BODY, VECTOR_SIG, secret)


def test_a_tampered_amount_is_refused() -> None:
    tampered = VECTOR_BODY.replace(b'"actually_paid":0.00015', b'"actually_paid":0.015')
    assert not verify(tampered, VECTOR_SIG, SECRET)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[1,2]",
        b'"text"',
        b"null",
        b'{"a":NaN}',
        b'{"a":1',
        b"\xff{}",
        b"\xef\xbb\xbf{}",
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused(body: bytes) -> None:
    assert not verify(body, VECTOR_SIG, SECRET)
    with pytest.raises(IpnBodyError):
        js_canonical_json(body)


def test_whitespace_around_the_secret_is_ignored() -> None:
    assert verify(VECTOR_BODY, VECTOR_SIG, "  test_secret\n")
    assert sign("x", "\ufeff s \t") == sign("x", "s")
    with pytest.raises(ValueError, match="empty"):
        sign("x", " \n ")


def test_an_uppercase_or_padded_signature_is_the_same_signature() -> None:
    assert verify(VECTOR_BODY, f" {VECTOR_SIG.upper()} ", SECRET)


def test_signed_body_signs_what_a_javascript_parser_reads() -> None:
    payload = {"amount": Decimal("0.123456789012345678901"), "tiny": Decimal("1E-7"), "s": "⚡/"}
    body, signature = signed_body(payload, SECRET)

    assert body == '{"amount":0.123456789012345678901,"tiny":0.0000001,"s":"⚡/"}'.encode()
    assert js_canonical_json(body).sdk == '{"amount":0.12345678901234568,"s":"⚡/","tiny":1e-7}'
    assert verify(body, signature, SECRET)


# --- cross-check against real Node -------------------------------------------------------

# One JavaScript function, `(crypto, input) => output`, run by the real Node that hosts the test:
# through `node -e` on CPython, and directly in Pyodide, which runs inside Node already.
NODE_ANSWER = r"""(crypto, input) => {
  function sortObjectDeep(value) {  // NOWPayments' Node SDK
    if (Array.isArray(value)) return value.map(sortObjectDeep);
    if (value && typeof value === 'object' && value.constructor === Object) {
      return Object.keys(value).sort().reduce((result, key) => {
        result[key] = sortObjectDeep(value[key]);
        return result;
      }, {});
    }
    return value;
  }
  function sortObject(obj) {  // the NOWPayments API documentation's example
    return Object.keys(obj).sort().reduce((result, key) => {
      result[key] = (obj[key] && typeof obj[key] === 'object') ? sortObject(obj[key]) : obj[key];
      return result;
    }, {});
  }
  const hmac = (s, secret) => crypto.createHmac('sha512', secret.trim()).update(s).digest('hex');
  const { bodies, numbers, secret } = JSON.parse(input);
  const forms = bodies.map((b) => {
    const v = JSON.parse(b);
    return [JSON.stringify(sortObjectDeep(v)), JSON.stringify(sortObject(v))];
  });
  const sigs = forms.map(([sdk, docs]) => [hmac(sdk, secret), hmac(docs, secret)]);
  return JSON.stringify({ forms, sigs, numbers: numbers.map(String) });
}"""
NODE_SCRIPT = f"""const answer = {NODE_ANSWER};
let input = '';
process.stdin.on('data', (c) => {{ input += c; }});
process.stdin.on('end', () => process.stdout.write(answer(require('crypto'), input)));
"""

TRICKY_BODIES = [
    VECTOR_BODY.decode(),
    '{"b":1,"a":{"d":[3,{"z":1,"y":2}],"c":null,"e":{}}}',
    '{"items":[{"b":2,"a":1},[1,2,[3]],[],{}],"n":0,"l":[0,1,2,3,4,5,6,7,8,9,10,11]}',
    '{"10":"a","9":"b","a":1,"01":2,"-1":3,"4294967294":4,"4294967295":5,"1.5":6,"0":7}',
    '{"é":1,"z":2,"\\ud83d\\ude00":3,"\\uffff":4,"Z":5,"":6,"\\u0000":7}',
    r'{"s":"Zürich ⚡ 日本 😀 a/b \"q\" back\\ \u0000\u001f\u007f\u2028 \ud800 \uDC00x \t\/"}',
    '{"n":[1e21,1e20,1e-7,1e-6,0.000001,1.5e-9,-0,-0.0,5e-324,1.7976931348623157e308,'
    "12345678901234567890,0.1,0.30000000000000004,15.0,1E2,2.5e+25,123456789012345680000,"
    "1e400,-1e400,9007199254740993,0.0000039,123e-20,0.000001234]}",
    '{"a":1,"b":2,"a":3}',
    '{"__proto__":{"x":1},"a":1}',
    '{"b":{"__proto__":5,"c":1},"a":[{"__proto__":null}]}',
    '{"b":{"constructor":1,"z":2,"a":[{"d":1,"c":2}],"10":0,"2":1},"a":1}',
    '{ "b" : 1 ,\n "a" : [ 1 , 2 ],\t"c":true,"d":false }',
    '{"deep":' + '{"k":[' * 40 + "1" + "]}" * 40 + "}",
    '{"id":9007199254740993,"big":123456789012345678901234567890,"neg":-1e-300}',
]


def random_doubles(count: int) -> list[float]:
    rng = random.Random(20261126)  # noqa: S311 - test data, seeded so a failure reproduces
    values: list[float] = []
    while len(values) < count:
        (bits,) = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))
        if bits == bits and abs(bits) != float("inf"):
            values.append(bits)
        values.append(round(rng.uniform(0, 10), rng.randint(1, 18)))
        values.append(rng.random() * 10.0 ** rng.randint(-25, 25))
    return values


def ask_node(request: str) -> str:
    if sys.platform == "emscripten":  # Pyodide: the Node it runs in answers directly
        import js  # type: ignore[import-not-found]

        return str(js.eval(NODE_ANSWER)(js.process.getBuiltinModule("node:crypto"), request))
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not on PATH: the JavaScript cross-check needs a real JSON.stringify")
    done = subprocess.run(
        [node, "-e", NODE_SCRIPT], input=request.encode(), capture_output=True, timeout=60,
        check=True,
    )  # fmt: skip
    return done.stdout.decode()


@pytest.fixture(scope="module")
def node_answers() -> dict[str, Any]:
    request = {"bodies": TRICKY_BODIES, "numbers": random_doubles(3000), "secret": SECRET}
    answers: dict[str, Any] = json.loads(ask_node(json.dumps(request)))
    answers["request"] = request
    return answers


@pytest.mark.parametrize("index", range(len(TRICKY_BODIES)))
def test_both_forms_match_nodes_json_stringify(node_answers: dict[str, Any], index: int) -> None:
    forms = js_canonical_json(TRICKY_BODIES[index].encode("utf-8"))
    assert [forms.sdk, forms.docs] == node_answers["forms"][index]


@pytest.mark.parametrize("index", range(len(TRICKY_BODIES)))
def test_signatures_made_by_node_verify(node_answers: dict[str, Any], index: int) -> None:
    body = TRICKY_BODIES[index].encode("utf-8")
    sdk_sig, docs_sig = node_answers["sigs"][index]
    assert verify(body, sdk_sig, SECRET)
    assert verify(body, docs_sig, SECRET)


def test_numbers_match_nodes_string_conversion(node_answers: dict[str, Any]) -> None:
    numbers = node_answers["request"]["numbers"]
    mismatches = [
        (x, js_number(x), js)
        for x, js in zip(numbers, node_answers["numbers"], strict=True)
        if js_number(x) != js
    ]
    assert mismatches == []
