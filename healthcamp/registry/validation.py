"""Checks on the values of a participant's fields; each message says what to do."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import langcodes

from healthcamp.registry.choices import Sex

MAX_AGE_YEARS = 125
_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{4,30}$")
SEX_VALUES = ", ".join(Sex.values)


def clean_name(value: str, *, label: str) -> str:
    cleaned = unicodedata.normalize("NFC", " ".join(value.split()))
    if not cleaned:
        raise ValueError(f"Enter the participant's {label}; it cannot be empty.")
    if len(cleaned) > 100:
        raise ValueError(f"The {label} is longer than 100 characters; shorten it.")
    if any(unicodedata.category(ch).startswith("C") for ch in cleaned):
        raise ValueError(f"The {label} contains control characters; type it again.")
    if any(ch.isdigit() for ch in cleaned):
        raise ValueError(f"The {label} contains digits; a name has letters only.")
    return cleaned


def clean_date_of_birth(value: date, *, today: date) -> date:
    if value > today:
        raise ValueError(f"The date of birth {value.isoformat()} is in the future; check the year.")
    if today.year - value.year > MAX_AGE_YEARS:
        raise ValueError(
            f"The date of birth {value.isoformat()} would make the participant older "
            f"than {MAX_AGE_YEARS}; check the year."
        )
    return value


def clean_sex(value: str) -> str:
    if value not in Sex.values:
        raise ValueError(f"Sex must be one of {SEX_VALUES}, not {value!r}.")
    return value


def clean_language(value: str) -> str:
    tag = value.strip()
    if not tag or not langcodes.tag_is_valid(tag):
        raise ValueError(
            f"{value!r} is not a language tag (BCP 47); use a code such as en, ar, ug or es-MX."
        )
    return str(langcodes.standardize_tag(tag))


def clean_phone(value: str) -> str:
    cleaned = value.strip()
    if not cleaned:
        return ""
    if not _PHONE.match(cleaned) or sum(ch.isdigit() for ch in cleaned) < 6:
        raise ValueError(f"{value!r} is not a phone number; use digits with an optional leading +.")
    return cleaned
