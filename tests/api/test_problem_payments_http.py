"""Every problem payment driven end to end over HTTP with the sandbox, as a customer's browser
and the operator would: a late deposit, a short one, an over-payment, and the refund a customer
chooses, through the operator's queue to the hash on the customer's order."""

from __future__ import annotations

from typing import Any

from tests.support.inprocess import BTC_ADDRESS, order_body
from tests.support.localhost import Client

BTC_TYPO = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdx"  # one character off: bad checksum


def create(api: Client, **overrides: Any) -> tuple[dict[str, Any], str]:
    reply = api.request("POST", "/api/order", order_body(**overrides))
    assert reply.status == 201, reply.body
    order = dict(reply.json)
    return order, order.pop("customer_key")


def pay(api: Client, order_id: str, **body: Any) -> dict[str, Any]:
    reply = api.request("POST", f"/api/sandbox/pay/{order_id}", body)
    assert reply.status == 200, reply.body
    return reply.json["order"]  # type: ignore[no-any-return]


def choose(api: Client, order_id: str, key: str, choice: str, **fields: Any) -> Any:
    body = {"key": key, "choice": choice, **fields}
    return api.request("POST", f"/api/order/{order_id}/choice", body)


def test_a_late_deposit_continues_at_a_fresh_quote(api: Client) -> None:
    order, key = create(api)
    late = pay(api, order["id"], late=True, amount="0.008")
    assert late["status"] == "action_required" and late["action"]["reason"] == "late_deposit"
    offer = choose(api, order["id"], key, "fresh_quote").json["action"]["offer"]
    assert offer["amount"] == "0.008" and offer["to_amount"]
    paid = choose(api, order["id"], key, "continue")
    assert paid.status == 200 and paid.json["status"] == "paid"
    assert paid.json["to"]["amount"] == offer["to_amount"]
    assert paid.headers["ETag"] == api.request("GET", f"/api/order/{order['id']}").headers["ETag"]


def test_a_chosen_refund_goes_through_the_operator_queue_to_the_customer(api: Client) -> None:
    order, key = create(api)
    pay(api, order["id"], late=True)
    typo = choose(api, order["id"], key, "refund", refund_address=BTC_TYPO)
    assert typo.status == 422 and "checksum" in typo.json["error"]["details"][0]["message"]
    refunding = choose(api, order["id"], key, "refund", refund_address=BTC_ADDRESS)
    assert refunding.status == 200 and refunding.json["status"] == "refunding"

    queue = api.request("GET", "/api/admin/queue", headers=api.admin()).json["items"]
    item = next(i for i in queue if i["order"]["id"] == order["id"])
    assert item["reason"] == "refund" and item["order"]["refund_address"] == BTC_ADDRESS
    sent = {"status": "refunded", "refund_tx_hash": "ef" * 32, "refund_amount": "0.01"}
    assert api.request("PUT", f"/api/order/{order['id']}", sent, headers=api.admin()).status == 200
    shown = api.request("GET", f"/api/order/{order['id']}").json
    assert shown["status"] == "refunded" and shown["refund"]["tx_hash"] == "ef" * 32


def test_a_short_deposit_then_the_rest(api: Client) -> None:
    order, key = create(api)
    short = pay(api, order["id"], amount="0.003")
    assert short["action"]["reason"] == "underpaid" and short["action"]["remaining"] == "0.007"
    waiting = choose(api, order["id"], key, "send_rest").json
    assert waiting["status"] == "partially_paid"
    paid = pay(api, order["id"], amount="0.007")
    assert paid["status"] == "paid" and paid["payment"]["received"] == "0.01"


def test_a_short_deposit_paid_out_at_the_locked_rate(api: Client) -> None:
    order, key = create(api)
    short = pay(api, order["id"], amount="0.005")
    promised = short["action"]["partial_payout"]["amount"]
    paid = choose(api, order["id"], key, "partial_payout").json
    assert paid["status"] == "paid" and paid["to"]["amount"] == promised
    assert paid["rate"] == order["rate"]


def test_an_over_payment_goes_ahead_with_its_excess_shown(api: Client) -> None:
    order, key = create(api)
    over = pay(api, order["id"], amount="0.015")
    assert over["status"] == "paid" and over["excess"] == "0.005"
    placed = choose(api, order["id"], key, "refund_address", refund_address=BTC_ADDRESS)
    assert placed.status == 200 and placed.json["refund_address"] == BTC_ADDRESS


def test_without_the_key_nothing_changes(api: Client) -> None:
    order, _ = create(api)
    before = pay(api, order["id"], amount="0.004")
    refused = choose(api, order["id"], "not-the-key", "partial_payout")
    assert refused.status == 403 and refused.json["error"]["code"] == "forbidden"
    assert api.request("GET", f"/api/order/{order['id']}").json == before
