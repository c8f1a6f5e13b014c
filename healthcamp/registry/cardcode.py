"""Card codes: random Crockford base32 with a mod-37 check character.

The check value is the code's number modulo 37 (a prime larger than the
alphabet), so every single-character substitution and every swap of two
adjacent characters changes it. Codes whose check value would fall outside
the 32-letter alphabet are re-drawn, so a card never shows Crockford's extra
check symbols (* ~ $ = U), which are hard to read aloud.
"""

from __future__ import annotations

import secrets

from django.utils.translation import gettext, ngettext

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
DATA_LENGTH = 10  # 50 random bits: about 1.1e15 codes
CODE_LENGTH = DATA_LENGTH + 1
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
# Crockford's reading rules: letters easily confused with digits read as the digit.
_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})


class CardCodeError(ValueError):
    """A card code that cannot be right; the message says what to check."""


def _number(data: str) -> int:
    number = 0
    for ch in data:
        number = number * 32 + _VALUE[ch]
    return number


def check_value(data: str) -> int:
    return _number(data) % 37


def generate() -> str:
    while True:
        data = "".join(secrets.choice(ALPHABET) for _ in range(DATA_LENGTH))
        check = check_value(data)
        if check < 32:
            return data + ALPHABET[check]


def normalise(raw: str) -> str:
    """Upper-case, drop spaces and hyphens, apply Crockford's O/I/L aliases."""
    cleaned = "".join(raw.split()).replace("-", "").upper()
    return cleaned.translate(_ALIASES)


def is_valid(code: str) -> bool:
    if len(code) != CODE_LENGTH or any(ch not in _VALUE for ch in code):
        return False
    return check_value(code[:-1]) == _VALUE[code[-1]]


def parse(raw: str) -> str:
    """Return the canonical code, or raise CardCodeError saying what is wrong."""
    code = normalise(raw)
    if len(code) != CODE_LENGTH:
        raise CardCodeError(
            ngettext(
                "A card code has %(length)s characters; %(given)s was given. Check the code "
                "printed on the card.",
                "A card code has %(length)s characters; %(given)s were given. Check the code "
                "printed on the card.",
                len(code),
            )
            % {"length": CODE_LENGTH, "given": len(code)}
        )
    bad = sorted({ch for ch in code if ch not in _VALUE})
    if bad:
        raise CardCodeError(
            gettext(
                "A card code never contains %(characters)s. Check the code printed on the card."
            )
            % {"characters": ", ".join(repr(ch) for ch in bad)}
        )
    if not is_valid(code):
        raise CardCodeError(
            gettext(
                "This card code has a typing mistake (its check character does not match). "
                "Check each character against the card."
            )
        )
    return code


def display(code: str) -> str:
    """Groups of four for reading aloud: XXXX-XXXX-XXX."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))
