from collections.abc import Callable, Iterator

import pytest

from tests.support.inprocess import Harness

MakeHarness = Callable[..., Harness]


@pytest.fixture
def make_harness() -> Iterator[MakeHarness]:
    """Harnesses with the given env over; each one's database is closed after the test."""
    made: list[Harness] = []

    def make(**env: str) -> Harness:
        made.append(Harness(**env))
        return made[-1]

    yield make
    for harness in made:
        harness.close()


@pytest.fixture
def harness(make_harness: MakeHarness) -> Harness:
    return make_harness()
