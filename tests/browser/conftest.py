"""Browser tests: the local host as a subprocess (sandbox processor, test hooks on; the launcher
is the black-box suite's, `tests/support/localhost.py`), Debian's Chromium driven by Playwright,
and a watch on every page for console errors and CSP violations.

Every test gets a fresh browser context; the host is shared by the session except where a test
moves its clock or changes a setting (see `make_host`)."""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support.inprocess import TRON_ADDRESS, order_body
from tests.support.localhost import LocalHost

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# A valid Tron (TRC-20) address: "T" and 33 base58 characters.
# The browser tests make many quotes and orders from one address within a minute.
GENEROUS_LIMITS = {"RATE_LIMIT_ORDERS_PER_MINUTE": "1000", "RATE_LIMIT_QUOTES_PER_MINUTE": "10000"}


def tx_hash() -> str:
    """A transaction hash of its own: one transaction is recorded on one order only, and the
    tests share a host."""
    return secrets.token_hex(32)


@dataclass
class Shop:
    """The running local host as the tests use it besides the browser: the site's and the API's
    addresses, and the calls a client, the sandbox processor or the operator would make."""

    local: LocalHost

    @property
    def site(self) -> str:
        return self.local.site_url

    @property
    def api(self) -> str:
        return self.local.api_url

    def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        reply = self.local.client().request(method, path, body, headers=headers)
        return reply.status, reply.json

    def create_order(self, **overrides: Any) -> dict[str, Any]:
        status, order = self.call("POST", "/api/order", order_body(**overrides))
        assert status == 201, order
        return dict(order)

    def order(self, order_id: str) -> dict[str, Any]:
        status, order = self.call("GET", f"/api/order/{order_id}")
        assert status == 200, order
        return dict(order)

    def operator_update(self, order_id: str, **body: Any) -> dict[str, Any]:
        headers = self.local.client().admin()
        status, order = self.call("PUT", f"/api/order/{order_id}", body, headers)
        assert status == 200, order
        return dict(order)

    def advance_clock(self, seconds: float) -> None:
        self.local.advance(seconds)

    def run_cron(self) -> dict[str, int]:
        return self.local.run_cron()


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(
            f"browser tests need Chromium at {CHROMIUM} (apt-get install -y chromium); "
            "CI installs it"
        )
    return CHROMIUM


@pytest.fixture(scope="package")
def host(chromium_path: str) -> Iterator[Shop]:
    local = LocalHost(**GENEROUS_LIMITS).start()
    yield Shop(local)
    local.close()


# The support contact and operator, for the pages that show them (problem screens, terms).
SUPPORT = {
    "SUPPORT_EMAIL": "help@example.com",
    "SUPPORT_URL": "https://help.example.com/ticket",
    "OPERATOR_NAME": "Example Exchange Ltd",
    "OPERATOR_JURISDICTION": "Estonia",
}


@pytest.fixture(scope="package")
def supported_host(chromium_path: str) -> Iterator[Shop]:
    """A local host whose site names its support contact and operator."""
    local = LocalHost(**GENEROUS_LIMITS, **SUPPORT).start()
    yield Shop(local)
    local.close()


@pytest.fixture
def supported(watch: Any, supported_host: Shop) -> Shop:
    """`supported_host`, with the browser allowed to reach it."""
    watch.allowed_origins = {supported_host.site, supported_host.api}
    return supported_host


@pytest.fixture
def make_host(chromium_path: str) -> Iterator[Any]:
    """A host of the test's own, for tests that move the clock or change settings."""
    started: list[LocalHost] = []

    def make(**env: str) -> Shop:
        local = LocalHost(**{**GENEROUS_LIMITS, **env}).start()
        started.append(local)
        return Shop(local)

    yield make
    for local in started:
        local.close()


# Package scope, not session: Playwright's sync API keeps an event loop running in this thread
# while it is open, and the asyncio tests of the other packages need the thread to themselves.
@pytest.fixture(scope="package")
def browser(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import expect, sync_playwright

    # The page polls every few seconds; a loaded 2-core CI machine needs the slack.
    expect.set_options(timeout=15_000)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass
class PageWatch:
    """What went wrong on the pages a test visited: console errors, uncaught exceptions,
    Content-Security-Policy violations, and requests to origins other than the site and API."""

    allowed_origins: set[str]
    problems: list[str] = field(default_factory=list)
    expected: list[re.Pattern[str]] = field(default_factory=list)

    def expect_console(self, pattern: str) -> None:
        """Tolerates console errors matching `pattern` (the browser logs every 4xx it fetched)."""
        self.expected.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [p for p in self.problems if not any(e.search(p) for e in self.expected)]


def origin_of(url: str) -> str:
    found = re.match(r"^(\w+://[^/]+)", url)
    return found[1] if found else url


@pytest.fixture
def watch(host: Shop) -> PageWatch:
    """A test on a host of its own points `allowed_origins` at that host instead."""
    return PageWatch({host.site, host.api})


def open_context(browser: Any, watch: PageWatch, **options: Any) -> Any:
    context = browser.new_context(**options)
    context.expose_function(
        "reportCspViolation", lambda text: watch.problems.append(f"CSP violation: {text}")
    )
    context.add_init_script(
        "document.addEventListener('securitypolicyviolation', (e) =>"
        " window.reportCspViolation(`${e.violatedDirective} blocked ${e.blockedURI}`));"
    )

    def on_console(message: Any) -> None:
        if message.type in ("error", "warning"):
            watch.problems.append(f"console {message.type}: {message.text}")

    def on_request(request: Any) -> None:
        if request.url.startswith(("data:", "blob:", "about:")):
            return
        if origin_of(request.url) not in watch.allowed_origins:
            watch.problems.append(f"request to another origin: {request.url}")

    context.on("console", on_console)
    context.on("weberror", lambda error: watch.problems.append(f"page error: {error.error}"))
    context.on("request", on_request)
    return context


@pytest.fixture
def new_context(browser: Any, watch: PageWatch) -> Iterator[Any]:
    """Opens watched browser contexts (`new_context(viewport=...)`). The test fails if any page
    it visited logged an error, threw, broke the CSP, or reached an origin other than the site
    and the API."""
    opened: list[Any] = []

    def new(**options: Any) -> Any:
        context = open_context(browser, watch, **options)
        context.set_default_timeout(15_000)
        opened.append(context)
        return context

    yield new
    for context in opened:
        context.close()
    unexpected = watch.unexpected()
    assert not unexpected, "problems on the pages visited:\n" + "\n".join(unexpected)


@pytest.fixture
def page(new_context: Any) -> Any:
    """A page in a fresh, watched, desktop-sized context."""
    return new_context(viewport={"width": 1000, "height": 900}).new_page()


@pytest.fixture
def screenshots() -> Path | None:
    """Where to save README screenshots: set SCREENSHOTS_DIR (e.g. docs/screenshots) to take
    them; unset, the tests take none and the working tree stays clean."""
    target = os.environ.get("SCREENSHOTS_DIR")
    if not target:
        return None
    path = Path(target) if Path(target).is_absolute() else ROOT / target
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def fill_form() -> Any:
    """Fills the exchange form like a person would and waits for the quote; returns nothing."""
    from playwright.sync_api import expect

    def fill(
        page: Any, *, amount: str = "0.01", address: str = TRON_ADDRESS, email: str | None = None
    ) -> None:
        expect(page.locator("#from_currency")).to_be_enabled()
        page.select_option("#from_currency", "btc")
        page.select_option("#to_currency", "usdttrc20")
        page.fill("#amount", amount)
        page.fill("#payout_address", address)
        if email is not None:
            page.click("#optional summary")
            page.fill("#email", email)
        expect(page.locator("#quote-details")).to_be_visible()

    return fill
