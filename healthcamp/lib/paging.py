"""Pages of a list: a fixed number of rows, and the total counted by the database.

A list a page shows is read a page at a time (LIMIT/OFFSET through an index) with one
COUNT beside it, so a page costs the same whatever the list's length; a list view
audits the people on the page it shows, not everyone the list could show.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

SIZE = 25  # rows a page

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    number: int  # 1-based
    pages: int  # at least 1, even for an empty list
    total: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def previous(self) -> int:
        return self.number - 1

    @property
    def next(self) -> int:
        return self.number + 1

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


@dataclass(frozen=True)
class Window:
    """Which rows a page number stands for, once the total is known."""

    number: int
    pages: int
    offset: int
    size: int


def window(*, total: int, number: int, size: int = SIZE) -> Window:
    """The page to show: number, kept within 1 and the last page (a page past the end
    shows the last one), and the rows it covers."""
    pages = max(1, -(-total // size))
    number = min(max(1, number), pages)
    return Window(number=number, pages=pages, offset=(number - 1) * size, size=size)


def page_number(raw: str | None) -> int:
    """A page number from a query string: 1 when absent or not a positive number."""
    try:
        number = int(raw or "1")
    except ValueError:
        return 1
    return number if 1 <= number <= 10**9 else 1
