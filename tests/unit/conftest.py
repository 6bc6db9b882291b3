"""Unit tests are pure: no database, no app."""

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def db() -> Iterator[None]:
    yield
