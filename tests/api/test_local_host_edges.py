"""What the local host's own server refuses, it refuses in the API's shape; and it trusts a
client-address header only when told a proxy in front sets it."""

from __future__ import annotations

import gzip
import http.client
import socket

import pytest

from tests.support.inprocess import order_body
from tests.support.localhost import Client, LocalHost, Reply, local_host

QUOTE = "/api/quote?from=btc&to=eth&amount=0.01"


@pytest.fixture
def local(host: LocalHost | None) -> LocalHost:
    if host is None:
        pytest.skip("these are the local host's own edges; ONECASH_API_URL points elsewhere")
    return host


def assert_api_error(reply: Reply, status: int, code: str) -> None:
    assert reply.status == status, reply.body
    assert reply.headers["Content-Type"] == "application/json; charset=utf-8"
    assert reply.json["error"]["code"] == code and reply.json["error"]["details"] == []
    assert reply.json["request_id"] == reply.headers["X-Request-Id"]


def test_a_body_over_a_mebibyte_is_413_in_the_api_shape(local: LocalHost) -> None:
    reply = local.client().request("POST", "/api/order", raw=b"x" * (1024 * 1024 + 1))
    assert_api_error(reply, 413, "payload_too_large")


def test_a_chunked_body_over_16_kib_is_413_without_a_content_length(local: LocalHost) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", local.api_port, timeout=10)
    try:
        chunks = iter([b'{"email": "', b"a" * 20_000, b'"}'])
        connection.request("POST", "/api/order", body=chunks, encode_chunked=True,
                           headers={"Content-Type": "application/json"})  # fmt: skip
        response = connection.getresponse()
        reply = Reply(response.status, response.headers, response.read())
    finally:
        connection.close()
    assert_api_error(reply, 413, "payload_too_large")


def test_an_announced_oversized_body_is_refused_before_it_is_sent(local: LocalHost) -> None:
    # Only the head goes out: an answer proves the server did not wait for 50 MB to arrive.
    with socket.create_connection(("127.0.0.1", local.api_port), timeout=5) as conn:
        conn.sendall(
            b"POST /api/order HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 50000000\r\n\r\n"
        )
        answer = conn.recv(65536)
    status_line, _, rest = answer.partition(b"\r\n")
    # The reason phrase is Python's: "Request Entity Too Large" before 3.13, "Content Too Large"
    # since (RFC 9110). The code is what a client acts on.
    assert status_line.split(b" ")[:2] == [b"HTTP/1.1", b"413"]
    assert b"x-request-id:" in rest.lower() and b'"code":"payload_too_large"' in rest


@pytest.mark.parametrize(
    "encoding", ["gzip", "br", "snappy"], ids=["not-really-gzip", "brotli", "unknown"]
)
def test_a_body_is_taken_as_sent_whatever_its_content_encoding(
    local: LocalHost, encoding: str
) -> None:
    reply = local.client().request("POST", "/api/order", raw=b"plainly not compressed",
                                   headers={"Content-Encoding": encoding})  # fmt: skip
    assert_api_error(reply, 400, "invalid_json")


def test_a_compressed_body_is_not_unpacked_as_the_edge_would_not(local: LocalHost) -> None:
    packed = gzip.compress(b'{"from_currency": "btc"}')
    reply = local.client().request("POST", "/api/order", raw=packed,
                                   headers={"Content-Encoding": "gzip"})  # fmt: skip
    assert_api_error(reply, 400, "invalid_json")


@pytest.mark.parametrize("path", ["/api/order/ord_a%0Ab", "/%0A", "/api/%00", "/api/quote%0D%0A"])
def test_odd_paths_are_404_in_the_api_shape(local: LocalHost, path: str) -> None:
    assert_api_error(local.client().request("GET", path), 404, "not_found")


@pytest.mark.parametrize("path", ["/index%00.html", "/a%0Ab"])
def test_odd_site_paths_get_the_site_404_page(local: LocalHost, path: str) -> None:
    reply = Client(local.site_url).request("GET", path)
    assert reply.status == 404 and reply.headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"Page not found" in reply.body


def test_a_client_address_header_is_ignored_unless_trusted() -> None:
    with local_host(RATE_LIMIT_QUOTES_PER_MINUTE="2") as h:
        api = h.client()
        statuses = [
            api.request("GET", QUOTE, headers={"CF-Connecting-IP": f"198.51.100.{n}"}).status
            for n in range(3)
        ]
        assert statuses == [200, 200, 429]  # every request counts against the real peer


def test_a_trusted_client_address_header_names_the_client() -> None:
    with local_host(RATE_LIMIT_ORDERS_PER_MINUTE="1",
                    TRUST_CLIENT_IP_HEADER="X-Forwarded-For") as h:  # fmt: skip
        api = h.client()
        first = api.request("POST", "/api/order", order_body(),
                            headers={"X-Forwarded-For": "203.0.113.1, 198.51.100.7"})  # fmt: skip
        again = api.request("POST", "/api/order", order_body(),
                            headers={"X-Forwarded-For": "198.51.100.7"})  # fmt: skip
        other = api.request("POST", "/api/order", order_body(),
                            headers={"X-Forwarded-For": "198.51.100.8"})  # fmt: skip
        assert [first.status, again.status, other.status] == [201, 429, 201]


@pytest.mark.parametrize(
    "path", ["/api%2Fadmin%2Fqueue", "/api/admin%2Fqueue", "/api%2fadmin/queue"]
)
def test_an_encoded_slash_does_not_reach_the_operator_api(local: LocalHost, path: str) -> None:
    # A rule in front of /api/admin/* sees these paths as something else: so does the router.
    api = local.client()
    assert api.request("GET", "/api/admin/queue", headers=api.admin()).status == 200
    assert_api_error(api.request("GET", path, headers=api.admin()), 404, "not_found")


def test_an_encoded_slash_stays_inside_its_segment(local: LocalHost) -> None:
    api = local.client()
    order = api.request("POST", "/api/order", order_body()).json
    reply = api.request("POST", f"/api/order/{order['id']}%2Fchoice",
                        {"key": order["customer_key"], "choice": "refund"})  # fmt: skip
    assert_api_error(reply, 405, "method_not_allowed")  # the order's own path, not its choice
    assert api.request("GET", f"/api/order/{order['id']}").json["status"] == "awaiting_payment"


def test_a_query_parameter_given_twice_is_422_naming_it(local: LocalHost) -> None:
    reply = local.client().request("GET", QUOTE + "&amount=4")
    assert reply.status == 422 and reply.json["error"]["code"] == "validation_error"
    assert [d["field"] for d in reply.json["error"]["details"]] == ["amount"]
    assert reply.json["request_id"] == reply.headers["X-Request-Id"]


def test_every_answer_and_refusal_says_nosniff(local: LocalHost) -> None:
    api = local.client()
    answers = [
        api.request("GET", QUOTE),
        api.request("GET", "/nowhere"),
        api.request("GET", "/api/admin/orders.csv", headers=api.admin()),
        api.request("POST", "/api/order", raw=b"x" * (1024 * 1024 + 1)),  # aiohttp's own limit
    ]
    assert [a.status for a in answers] == [200, 404, 200, 413]
    assert {a.headers["X-Content-Type-Options"] for a in answers} == {"nosniff"}


@pytest.mark.parametrize("token", [b"\xff", b"caf\xc3", b"\xc3\xa9t\xc3\xa9"])
def test_a_token_that_is_not_ascii_is_401(local: LocalHost, token: bytes) -> None:
    with socket.create_connection(("127.0.0.1", local.api_port), timeout=5) as conn:
        conn.sendall(b"GET /api/admin/queue HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                     b"Authorization: Bearer " + token + b"\r\n\r\n")  # fmt: skip
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.split(b" ")[:2] == [b"HTTP/1.1", b"401"], answer
    assert b'"code":"unauthorized"' in rest and b"x-request-id:" in rest.lower()
