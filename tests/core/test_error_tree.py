"""The error tree in `orders.errors`' docstring names every error class, with its status and code,
in the order of their statuses."""

from __future__ import annotations

import re

from orders import errors


def classes() -> list[type[errors.ApiError]]:
    found = [
        value
        for value in vars(errors).values()
        if isinstance(value, type) and issubclass(value, errors.ApiError)
    ]
    return [c for c in found if c is not errors.ApiError]


def drawn() -> list[tuple[str, int, str]]:
    lines = re.findall(r"^[├└]── (\w+) +(\d{3}) (\w+)", errors.__doc__ or "", re.MULTILINE)
    return [(name, int(status), code) for name, status, code in lines]


def test_the_tree_names_every_error_class() -> None:
    assert sorted(name for name, _, _ in drawn()) == sorted(c.__name__ for c in classes())


def test_each_line_gives_its_class_status_and_code() -> None:
    for name, status, code in drawn():
        error = getattr(errors, name)
        assert (error.status, error.code) == (status, code), name


def test_the_tree_goes_by_status() -> None:
    statuses = [status for _, status, _ in drawn()]
    assert statuses == sorted(statuses)
