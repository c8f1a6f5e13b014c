"""Checks on the values of a participant's fields; each message says what to do."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import langcodes

from healthcamp.registry.choices import Sex

MAX_AGE_YEARS = 125
NAME_MAX = 100  # a person's given or family name, a guardian's name
PHONE_MAX = 32
LANGUAGE_MAX = 35  # the column; a tag healthcamp accepts is at most 12 characters
PAPER_REFERENCE_MAX = 32
_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{4,30}$")
SEX_VALUES = ", ".join(Sex.values)

# The languages healthcamp offers at registration (the registration form lists them),
# with their names in their own script. A preferred language is one of these, optionally
# with a script and a region (uz-Cyrl, es-MX): nothing else fits in the field, so it
# cannot carry private-use or extension subtags (en-x-anything).
LANGUAGES: dict[str, str] = {
    "en": "English",
    "ar": "العربية — Arabic",
    "ug": "ئۇيغۇرچە — Uyghur",
    "es": "Español — Spanish",
    "fr": "Français — French",
    "sw": "Kiswahili — Swahili",
    "hi": "हिन्दी — Hindi",
    "zh": "中文 — Chinese",
    "ru": "Русский — Russian",
    "pt": "Português — Portuguese",
    "tr": "Türkçe — Turkish",
    "uz": "Oʻzbek — Uzbek",
    "kk": "Қазақ — Kazakh",
    "fa": "فارسی — Persian",
    "ur": "اردو — Urdu",
}
SCRIPTS = ("Arab", "Cyrl", "Deva", "Hans", "Hant", "Latn")
# ISO 3166-1 codes reserved for private use (XK, Kosovo, is in common use): none is a region.
_PRIVATE_REGIONS = re.compile(r"^(AA|Q[M-Z]|X[A-JL-Z]|ZZ)$")
_TAG = re.compile(
    r"(?P<language>[A-Za-z]{2,3})(?:-(?P<script>[A-Za-z]{4}))?(?:-(?P<region>[A-Za-z]{2}|419))?"
)
LANGUAGE_FORM = (
    "language[-Script][-REGION]: a language healthcamp offers "
    f"({', '.join(LANGUAGES)}), optionally a script ({', '.join(SCRIPTS)}) "
    "and a country code or 419 (for example ar, uz-Cyrl, es-MX, zh-Hans-CN)"
)
# A paper form's reference as printed on it: letters, digits, hyphens and slashes.
PAPER_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9/-]{0,31}")
PAPER_REFERENCE_FORM = (
    f"up to {PAPER_REFERENCE_MAX} letters (A-Z), digits, hyphens and slashes, "
    "starting with a letter or digit and holding at least one digit (for example F-2024/0173)"
)


def clean_name(value: str, *, label: str, whose: str = "participant's") -> str:
    """A person's name: letters, marks, spaces and punctuation; no digits, no controls."""
    what = f"{whose} {label}".strip()
    cleaned = unicodedata.normalize("NFC", " ".join(value.split()))
    if not cleaned:
        raise ValueError(f"Enter the {what}; it cannot be empty.")
    if len(cleaned) > NAME_MAX:
        raise ValueError(f"The {what} is longer than {NAME_MAX} characters; shorten it.")
    if any(unicodedata.category(ch).startswith("C") for ch in cleaned):
        raise ValueError(f"The {what} contains control characters; type it again.")
    if any(ch.isdigit() for ch in cleaned):
        raise ValueError(f"The {what} contains digits; a name has letters only.")
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
    """A language tag from the closed list, as language[-Script][-REGION], canonical case."""
    tag = value.strip().replace("_", "-")
    match = _TAG.fullmatch(tag) if len(tag) <= LANGUAGE_MAX else None
    if match is None:
        raise ValueError(
            f"{value[:40]!r} is not a language tag healthcamp accepts; use {LANGUAGE_FORM}."
        )
    language = match["language"].lower()
    script = (match["script"] or "").title()
    region = (match["region"] or "").upper()
    if language not in LANGUAGES:
        raise ValueError(
            f"{tag!r} is not a language tag healthcamp offers: {language!r} is not one of its "
            f"languages; use {LANGUAGE_FORM}."
        )
    if script and script not in SCRIPTS:
        raise ValueError(
            f"{tag!r} is not a language tag healthcamp accepts: the script is one of "
            f"{', '.join(SCRIPTS)}; use {LANGUAGE_FORM}."
        )
    canonical = "-".join(part for part in (language, script, region) if part)
    if region and (_PRIVATE_REGIONS.match(region) or not langcodes.tag_is_valid(canonical)):
        raise ValueError(
            f"{tag!r} is not a language tag healthcamp accepts: {region!r} is not a country "
            f"code; use {LANGUAGE_FORM}."
        )
    return canonical


def clean_paper_reference(value: str) -> str:
    """The reference printed on a signed paper form; empty when there is none."""
    cleaned = value.strip()
    if not cleaned:
        return ""
    if not PAPER_REFERENCE.fullmatch(cleaned) or not any(ch.isdigit() for ch in cleaned):
        raise ValueError(
            f"{value[:40]!r} is not a paper form reference; write it as {PAPER_REFERENCE_FORM}."
        )
    return cleaned


def clean_phone(value: str) -> str:
    cleaned = value.strip()
    if not cleaned:
        return ""
    if not _PHONE.match(cleaned) or sum(ch.isdigit() for ch in cleaned) < 6:
        raise ValueError(f"{value!r} is not a phone number; use digits with an optional leading +.")
    return cleaned
