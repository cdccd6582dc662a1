from orders.api.handlers import Handlers
from orders.api.routes import ROUTES, Match, resolve


def test_a_known_path_and_method_match_with_their_parameters() -> None:
    found = resolve("GET", "/api/order/ord_abc")
    assert found.match is Match.FULL
    assert found.route is not None and found.route.name == "get_order"
    assert found.params == {"id": "ord_abc"}


def test_a_known_path_with_another_method_lists_what_is_allowed() -> None:
    found = resolve("DELETE", "/api/order/ord_abc")
    assert found.match is Match.PATH
    assert set(found.allowed) == {"GET", "HEAD", "PUT", "OPTIONS"}


def test_an_unknown_path_matches_nothing() -> None:
    assert resolve("GET", "/api/orders").match is Match.NONE
    assert resolve("GET", "/api/order/a/b").match is Match.NONE


def test_an_encoded_slash_is_no_segment_boundary() -> None:
    # The path is matched as sent: a rule in front of /api/admin/* and the router agree.
    assert resolve("GET", "/api%2Fadmin%2Fqueue").match is Match.NONE
    assert resolve("GET", "/api/admin%2Fqueue").match is Match.NONE
    assert resolve("GET", "/api/%61dmin/queue").match is Match.NONE
    # Inside one segment it stays that segment's value, decoded once it is matched.
    found = resolve("GET", "/api/order/ord_a%2Fchoice")
    assert found.match is Match.FULL and found.route is not None
    assert found.route.name == "get_order" and found.params == {"id": "ord_a/choice"}


def test_each_route_carries_its_handler_and_takes_its_name() -> None:
    # A reference, not a string: the table cannot name a handler that does not exist.
    found = resolve("GET", "/api/quote")
    assert found.route is not None and found.route.handler is Handlers.quote
    assert found.route.name == "quote" and found.route.limit == "quotes"
    for route in ROUTES:
        assert route.handler.__qualname__ == f"Handlers.{route.name}"
    assert len({route.name for route in ROUTES}) == len(ROUTES)
