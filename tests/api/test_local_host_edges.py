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
