"""The site's address checks in Chromium: pages/js/addresses.js and the codecs vendored beside it
load as plain ES modules under the site's Content-Security-Policy, Base58Check's SHA-256 comes from
the browser's crypto.subtle, and every vector gets the API's verdict, word for word."""

from __future__ import annotations

import pytest

from orders.domain.addresses import check_address, check_extra_id
from tests.support.address_vectors import VECTORS, python_verdict

pytestmark = pytest.mark.browser

JUDGE_ALL = """async ({ addresses, extraIds }) => {
  const { checkAddress, checkExtraId, UnsupportedCurrency } = await import("/js/addresses.js");
  const judge = async (check, currency, value) => {
    try {
      const { status, message } = await check(currency, value);
      return [status, message];
    } catch (error) {
      if (error instanceof UnsupportedCurrency) return ["unsupported", ""];
      throw error;
    }
  };
  return {
    addresses: await Promise.all(addresses.map(([c, a]) => judge(checkAddress, c, a))),
    extraIds: await Promise.all(extraIds.map(([c, t]) => judge(checkExtraId, c, t))),
  };
}"""


def test_the_browser_gives_every_vector_the_apis_verdict(page, host):
    page.goto(host.site)
    addresses = [[e["currency"], e["address"]] for e in VECTORS["addresses"]]
    extra_ids = [[e["currency"], e["extra_id"]] for e in VECTORS["extra_ids"]]

    answers = page.evaluate(JUDGE_ALL, {"addresses": addresses, "extraIds": extra_ids})

    assert answers["addresses"] == [python_verdict(check_address, *a) for a in addresses]
    assert answers["extraIds"] == [python_verdict(check_extra_id, *t) for t in extra_ids]
    assert answers["addresses"][0] == ["ok", ""]
    # The page fixture fails the test on any CSP violation or console error it saw.
