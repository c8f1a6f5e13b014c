"""A figure as the reader writes it: the active language's decimal mark ("0,5" on a French
page), the digits of the number itself unchanged."""

from __future__ import annotations

from decimal import Decimal

from django.utils import formats


def written(value: float | str) -> str:
    """A number in the active language's format; a float as short as %g writes it."""
    text = value if isinstance(value, str) else f"{value:g}"
    return formats.number_format(Decimal(text))
