"""The OpenAPI document in-process: built from the route table, and the response models it is built
from hold the answers the API really gives (the black-box tier fuzzes the rest)."""

from __future__ import annotations

from typing import Any

from orders.api import responses as out
from orders.api.routes import ROUTES
from orders.ports import OutboundRequest, OutboundResponse
from tests.core.conftest import MakeHarness
from tests.support.inprocess import Harness


async def test_the_document_describes_every_route_with_this_deployments_choices(
    make_harness: MakeHarness,
) -> None:
    harness = make_harness(SUPPORTED_CURRENCIES="btc,xrp", PUBLIC_API_URL="https://api.test")
    reply = await harness.call("GET", "/openapi.json")

    assert reply.status == 200
    document: dict[str, Any] = reply.json
    assert document["openapi"] == "3.1.0" and document["servers"] == [{"url": "https://api.test"}]
    for route in ROUTES:
        operation = document["paths"][route.pattern][route.method.lower()]
        assert operation["operationId"] == route.name and "500" in operation["responses"]
    quote = document["paths"]["/api/quote"]["get"]["parameters"]
    assert [p["schema"].get("enum") for p in quote][:2] == [["btc", "xrp"], ["btc", "xrp"]]
    body = document["components"]["schemas"]["CreateOrderBody"]["properties"]
    assert body["to_currency"]["enum"] == ["btc", "xrp"] and "x-currency" not in body["to_currency"]
    assert document["paths"]["/api/ipn/{processor}"]["post"]["parameters"][0]["schema"] == {
        "type": "string",
        "enum": ["sandbox"],
    }


async def test_answers_fit_the_models_the_document_is_made_of(make_harness: MakeHarness) -> None:
    harness = make_harness(WEBHOOK_URL="https://hook.example/x", WEBHOOK_SECRET="whsec_c2VjcmV0")

    async def down(request: OutboundRequest) -> OutboundResponse:
        return OutboundResponse(503)

    harness.outbound.answer = down
    fit = {
        "/health": out.Health,
        "/api/currencies": out.Currencies,
        "/api/quote?from=btc&to=usdttrc20&amount=0.01": out.Quote,
        "/api/order/ord_nosuchorder": out.Error,
    }
    for path, model in fit.items():
        model.model_validate((await harness.call("GET", path)).json)

    order = await harness.create(email="alice@example.com")
    out.Order.model_validate(order)
    paid = await harness.call("POST", f"/api/sandbox/pay/{order['id']}", {"amount": "0.004"})
    out.SandboxPaid.model_validate(paid.json)
    refund = {"status": "refunded", "refund_tx_hash": "ab" * 32, "refund_amount": "0.004",
              "internal_note": "refunded the part payment"}  # fmt: skip
    updated = await harness.call("PUT", f"/api/order/{order['id']}", refund,
                                 headers=harness.admin())  # fmt: skip
    out.Order.model_validate(updated.json)
    operator_answers = {
        "/api/admin/orders?limit=1": out.OperatorOrders,
        f"/api/admin/orders/{order['id']}": out.OperatorOrderDetail,
        "/api/admin/queue": out.Queue,
        "/api/admin/stats": out.Stats,
    }
    for path, model in operator_answers.items():
        model.model_validate((await harness.call("GET", path, headers=harness.admin())).json)

    await harness.app.webhooks.deliver_due_count()
    listed = await harness.call("GET", "/api/admin/webhooks", headers=harness.admin())
    events = out.WebhookEvents.model_validate(listed.json)
    assert events.events and events.events[0].attempt_log
    again = await harness.call(
        "POST", f"/api/admin/webhooks/{events.events[0].event_id}/redeliver",
        headers=harness.admin(),
    )  # fmt: skip
    out.Redelivery.model_validate(again.json)


async def test_a_callback_answer_fits_its_model(harness: Harness) -> None:
    reply = await harness.call("POST", "/api/ipn/sandbox", {"payment_id": 1})
    assert reply.status == 401
    out.Error.model_validate(reply.json)


async def test_every_operation_lists_what_any_request_may_be_answered(harness: Harness) -> None:
    document: dict[str, Any] = (await harness.call("GET", "/openapi.json")).json
    for route in ROUTES:
        responses = document["paths"][route.pattern][route.method.lower()]["responses"]
        # A body over 16 KiB (any method), a query parameter given twice (any route), a Worker
        # whose settings do not parse, a bug.
        assert {"413", "422", "503", "500"} <= set(responses), route.name
        for status, answer in responses.items():
            headers = answer["headers"]
            assert headers["X-Request-Id"]["required"], (route.name, status)
            assert headers["X-Content-Type-Options"]["required"], (route.name, status)
    paths = document["paths"]
    choose = paths["/api/order/{id}/choice"]["post"]["responses"]
    assert "choice_unavailable" in choose["409"]["description"] and "412" not in choose
    # Only the operator's If-Match and the processor's side (the order changing under it five
    # times running) are answered 412.
    assert "412" in paths["/api/order/{id}"]["put"]["responses"]
    assert "412" in paths["/api/ipn/{processor}"]["post"]["responses"]
    assert "412" in paths["/api/sandbox/pay/{id}"]["post"]["responses"]
    assert "502" in paths["/api/currencies"]["get"]["responses"]
