"""Checks on the values of a participant's fields; each message says what to do."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import langcodes
from django.utils.translation import gettext, gettext_noop

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
# How a tag is written: English in the API's description (LANGUAGE_FORM), the reader's
# language in a message (language_form()).
_LANGUAGE_FORM = gettext_noop(
    "language[-Script][-REGION]: a language healthcamp offers (%(languages)s), optionally a "
    "script (%(scripts)s) and a country code or 419 (for example ar, uz-Cyrl, es-MX, zh-Hans-CN)"
)
_LANGUAGE_VALUES = {"languages": ", ".join(LANGUAGES), "scripts": ", ".join(SCRIPTS)}
LANGUAGE_FORM = _LANGUAGE_FORM % _LANGUAGE_VALUES
# A paper form's reference as printed on it: letters, digits, hyphens and slashes.
PAPER_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9/-]{0,31}")
_PAPER_REFERENCE_FORM = gettext_noop(
    "up to %(max)s letters (A-Z), digits, hyphens and slashes, starting with a letter or "
    "digit and holding at least one digit (for example F-2024/0173)"
)
PAPER_REFERENCE_FORM = _PAPER_REFERENCE_FORM % {"max": PAPER_REFERENCE_MAX}


def language_form() -> str:
    """LANGUAGE_FORM in the active language."""
    return gettext(_LANGUAGE_FORM) % _LANGUAGE_VALUES


def paper_reference_form() -> str:
    """PAPER_REFERENCE_FORM in the active language."""
    return gettext(_PAPER_REFERENCE_FORM) % {"max": PAPER_REFERENCE_MAX}


# Each message whole, for each name a form asks for (a translator sees the sentence, not a
# phrase glued into it): (whose, label) -> problem -> message, translated when raised.
_NAME_MESSAGES: dict[tuple[str, str], dict[str, str]] = {
    ("participant's", "given name"): {
        "empty": gettext_noop("Enter the participant's given name; it cannot be empty."),
        "long": gettext_noop(
            "The participant's given name is longer than %(max)s characters; shorten it."
        ),
        "control": gettext_noop(
            "The participant's given name contains control characters; type it again."
        ),
        "digits": gettext_noop(
            "The participant's given name contains digits; a name has letters only."
        ),
    },
    ("participant's", "family name"): {
        "empty": gettext_noop("Enter the participant's family name; it cannot be empty."),
        "long": gettext_noop(
            "The participant's family name is longer than %(max)s characters; shorten it."
        ),
        "control": gettext_noop(
            "The participant's family name contains control characters; type it again."
        ),
        "digits": gettext_noop(
            "The participant's family name contains digits; a name has letters only."
        ),
    },
    ("guardian's", "name"): {
        "empty": gettext_noop("Enter the guardian's name; it cannot be empty."),
        "long": gettext_noop("The guardian's name is longer than %(max)s characters; shorten it."),
        "control": gettext_noop("The guardian's name contains control characters; type it again."),
        "digits": gettext_noop("The guardian's name contains digits; a name has letters only."),
    },
}


def _name_message(whose: str, label: str, problem: str) -> str:
    """The message for one problem with one kind of name, in the active language."""
    known = _NAME_MESSAGES.get((whose, label))
    if known is not None:
        message = gettext(known[problem])
        return message % {"max": NAME_MAX} if problem == "long" else message
    what = f"{whose} {label}".strip()  # any other name: English, as before
    return {
        "empty": f"Enter the {what}; it cannot be empty.",
        "long": f"The {what} is longer than {NAME_MAX} characters; shorten it.",
        "control": f"The {what} contains control characters; type it again.",
        "digits": f"The {what} contains digits; a name has letters only.",
    }[problem]


def clean_name(value: str, *, label: str, whose: str = "participant's") -> str:
    """A person's name: letters, marks, spaces and punctuation; no digits, no controls."""
    cleaned = unicodedata.normalize("NFC", " ".join(value.split()))
    problem = ""
    if not cleaned:
        problem = "empty"
    elif len(cleaned) > NAME_MAX:
        problem = "long"
    elif any(unicodedata.category(ch).startswith("C") for ch in cleaned):
        problem = "control"
    elif any(ch.isdigit() for ch in cleaned):
        problem = "digits"
    if problem:
        raise ValueError(_name_message(whose, label, problem))
    return cleaned


def clean_date_of_birth(value: date, *, today: date) -> date:
    if value > today:
        raise ValueError(
            gettext("The date of birth %(date)s is in the future; check the year.")
            % {"date": value.isoformat()}
        )
    if today.year - value.year > MAX_AGE_YEARS:
        raise ValueError(
            gettext(
                "The date of birth %(date)s would make the participant older than %(max)s; "
                "check the year."
            )
            % {"date": value.isoformat(), "max": MAX_AGE_YEARS}
        )
    return value


def clean_sex(value: str) -> str:
    if value not in Sex.values:
        # The codes a request sends (a page offers the words as choices).
        raise ValueError(
            gettext("Sex must be one of %(values)s, not %(value)s.")
            % {"values": SEX_VALUES, "value": repr(value)}
        )
    return value


def clean_language(value: str) -> str:
    """A language tag from the closed list, as language[-Script][-REGION], canonical case."""
    tag = value.strip().replace("_", "-")
    match = _TAG.fullmatch(tag) if len(tag) <= LANGUAGE_MAX else None
    if match is None:
        raise ValueError(
            gettext("%(tag)s is not a language tag healthcamp accepts; use %(form)s.")
            % {"tag": repr(value[:40]), "form": language_form()}
        )
    language = match["language"].lower()
    script = (match["script"] or "").title()
    region = (match["region"] or "").upper()
    if language not in LANGUAGES:
        raise ValueError(
            gettext(
                "%(tag)s is not a language tag healthcamp offers: %(language)s is not one of "
                "its languages; use %(form)s."
            )
            % {"tag": repr(tag), "language": repr(language), "form": language_form()}
        )
    if script and script not in SCRIPTS:
        raise ValueError(
            gettext(
                "%(tag)s is not a language tag healthcamp accepts: the script is one of "
                "%(scripts)s; use %(form)s."
            )
            % {"tag": repr(tag), "scripts": ", ".join(SCRIPTS), "form": language_form()}
        )
    canonical = "-".join(part for part in (language, script, region) if part)
    if region and (_PRIVATE_REGIONS.match(region) or not langcodes.tag_is_valid(canonical)):
        raise ValueError(
            gettext(
                "%(tag)s is not a language tag healthcamp accepts: %(region)s is not a country "
                "code; use %(form)s."
            )
            % {"tag": repr(tag), "region": repr(region), "form": language_form()}
        )
    return canonical


def clean_paper_reference(value: str) -> str:
    """The reference printed on a signed paper form; empty when there is none."""
    cleaned = value.strip()
    if not cleaned:
        return ""
    if not PAPER_REFERENCE.fullmatch(cleaned) or not any(ch.isdigit() for ch in cleaned):
        raise ValueError(
            gettext("%(value)s is not a paper form reference; write it as %(form)s.")
            % {"value": repr(value[:40]), "form": paper_reference_form()}
        )
    return cleaned


def clean_phone(value: str) -> str:
    cleaned = value.strip()
    if not cleaned:
        return ""
    if not _PHONE.match(cleaned) or sum(ch.isdigit() for ch in cleaned) < 6:
        raise ValueError(
            gettext("%(value)s is not a phone number; use digits with an optional leading +.")
            % {"value": repr(value)}
        )
    return cleaned
