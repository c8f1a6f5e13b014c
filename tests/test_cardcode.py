"""Card codes: the check character catches every single error and adjacent swap."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthcamp.registry import cardcode

codes = (
    st.text(alphabet=cardcode.ALPHABET, min_size=10, max_size=10)
    .filter(lambda data: cardcode.check_value(data) < 32)
    .map(lambda data: data + cardcode.ALPHABET[cardcode.check_value(data)])
)


def test_generated_codes_are_valid_and_distinct() -> None:
    """A drawn code passes its own check and has 11 characters from the alphabet."""
    drawn = {cardcode.generate() for _ in range(500)}
    assert len(drawn) == 500
    for code in drawn:
        assert len(code) == 11
        assert cardcode.is_valid(code)


@given(code=codes, position=st.integers(0, 10), replacement=st.sampled_from(cardcode.ALPHABET))
def test_every_single_character_error_is_caught(code: str, position: int, replacement: str) -> None:
    """Changing any one character, the check character included, makes the code invalid."""
    if code[position] == replacement:
        replacement = cardcode.ALPHABET[(cardcode.ALPHABET.index(replacement) + 1) % 32]
    typo = code[:position] + replacement + code[position + 1 :]
    assert not cardcode.is_valid(typo)


@given(code=codes, position=st.integers(0, 9))
def test_every_adjacent_transposition_is_caught(code: str, position: int) -> None:
    """Swapping two neighbouring different characters makes the code invalid."""
    a, b = code[position], code[position + 1]
    swapped = code[:position] + b + a + code[position + 2 :]
    assert cardcode.is_valid(swapped) == (a == b)


def test_exhaustively_for_one_code() -> None:
    """Every one of the 11 x 31 substitutions and 10 swaps of one code is caught."""
    code = cardcode.generate()
    for position in range(11):
        for ch in cardcode.ALPHABET:
            if ch != code[position]:
                assert not cardcode.is_valid(code[:position] + ch + code[position + 1 :])


@given(code=codes)
def test_reading_rules(code: str) -> None:
    """Lower case, spaces, hyphens and O/I/L for 0/1 are read as the code."""
    messy = cardcode.display(code).lower().replace("0", "o").replace("1", "l")
    assert cardcode.parse(" " + messy + " ") == code


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("ABC", "A card code has 11 characters; 3 were given."),
        ("ABCD-EFGH-JKU", "A card code never contains 'U'."),
        ("", "A card code has 11 characters; 0 were given."),
    ],
)
def test_bad_codes_say_what_is_wrong(raw: str, message: str) -> None:
    with pytest.raises(
        cardcode.CardCodeError, match=message.replace("(", r"\(").replace(")", r"\)")
    ):
        cardcode.parse(raw)


def test_a_typo_is_named_as_a_typo() -> None:
    code = cardcode.generate()
    typo = code[:3] + ("0" if code[3] != "0" else "1") + code[4:]
    with pytest.raises(cardcode.CardCodeError, match="typing mistake"):
        cardcode.parse(typo)
