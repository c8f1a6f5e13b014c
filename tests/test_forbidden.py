"""Recognising fields that carry data healthcamp never collects."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthcamp.access import forbidden
from tests.forbidden_fields import FORBIDDEN_FIELDS


@pytest.mark.parametrize(("field", "category"), FORBIDDEN_FIELDS.items())
def test_each_category_is_recognised(field: str, category: str) -> None:
    found = forbidden.category_of(field)
    assert found is not None
    assert found.code == category
    assert forbidden.refusal(field).startswith("healthcamp does not collect")  # type: ignore[union-attr]


def test_every_category_has_an_example() -> None:
    assert {c.code for c in forbidden.CATEGORIES} == set(FORBIDDEN_FIELDS.values())


@pytest.mark.parametrize(
    "field", ["given_name", "family_name", "date_of_birth", "sex", "phone", "preferred_language"]
)
def test_the_real_fields_are_not_refused(field: str) -> None:
    assert forbidden.category_of(field) is None


words = st.sampled_from(sorted(w for c in forbidden.CATEGORIES for w in c.words))
other = st.sampled_from(["patient", "left", "raw", "scan", "data", "x2", "value"])
separators = st.sampled_from(["_", "-", ".", " "])


@given(
    prefix=st.lists(other, max_size=2),
    word=words,
    suffix=st.lists(other, max_size=2),
    sep=separators,
)
def test_a_forbidden_word_anywhere_in_a_field_name_is_refused(
    prefix: list[str], word: str, suffix: list[str], sep: str
) -> None:
    name = sep.join([*prefix, word.upper() if len(prefix) % 2 else word, *suffix])
    assert forbidden.category_of(name) is not None
