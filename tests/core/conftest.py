import pytest

from tests.support.inprocess import Harness


@pytest.fixture
def harness() -> Harness:
    return Harness()
