"""The PostgreSQL run keeps every test that can reach a database (tests/conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.conftest import uses_the_database


@dataclass
class Item:
    markers: set[str] = field(default_factory=set)
    fixturenames: tuple[str, ...] = ()

    def get_closest_marker(self, name: str) -> Any:
        return name if name in self.markers else None


@pytest.mark.parametrize(
    ("item", "kept"),
    [
        (Item({"django_db"}), True),
        (Item({"database_url", "cli"}), True),
        (Item(fixturenames=("tmp_path", "db")), True),
        (Item(fixturenames=("live_server",)), True),
        (Item(fixturenames=("transactional_db",)), True),
        (Item({"cli"}, ("tmp_path",)), False),
        (Item(), False),
    ],
)
def test_only_tests_that_cannot_reach_a_database_are_left_to_sqlite(item: Item, kept: bool) -> None:
    assert uses_the_database(item) is kept
