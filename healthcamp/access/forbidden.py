"""Data healthcamp never collects, recognised by the name of the field that carries it.

The participant schema is closed (unknown fields are refused anyway); this
module turns the refusal of these particular fields into a message that says
plainly that such data is never collected.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    code: str
    plain: str
    words: frozenset[str]
    phrases: tuple[tuple[str, ...], ...] = ()


CATEGORIES: tuple[Category, ...] = (
    Category(
        "biometric",
        "biometric identifiers (fingerprints, iris or retina scans, face images or templates, "
        "voice prints, gait)",
        frozenset(
            {
                "fingerprint",
                "fingerprints",
                "thumbprint",
                "iris",
                "retina",
                "retinal",
                "face",
                "facial",
                "faceprint",
                "voice",
                "voiceprint",
                "gait",
                "biometric",
                "biometrics",
                "palmprint",
            }
        ),
        (("finger", "print"), ("thumb", "print"), ("palm", "print")),
    ),
    Category(
        "genetic",
        "DNA or genetic data",
        frozenset(
            {
                "dna",
                "genetic",
                "genetics",
                "genome",
                "genomic",
                "genotype",
                "gene",
                "genes",
                "snp",
                "haplotype",
                "buccal",
            }
        ),
    ),
    Category(
        "ethnicity",
        "ethnicity or race",
        frozenset({"ethnicity", "ethnic", "race", "racial", "tribe", "tribal", "caste"}),
    ),
    Category(
        "religion",
        "religion or belief",
        frozenset({"religion", "religious", "faith", "belief", "beliefs", "denomination"}),
    ),
    Category(
        "political",
        "political opinion, affiliation or status",
        frozenset({"political", "politics", "party", "affiliation", "ideology"}),
    ),
    Category(
        "watchlist",
        'watchlist, "risk" or "focus person" flags',
        frozenset({"watchlist", "risk", "suspect", "suspicious", "blacklist", "flagged"}),
        (("watch", "list"), ("focus", "person"), ("person", "of", "interest"), ("black", "list")),
    ),
    Category(
        "family_network",
        "family networks or relatives' details",
        frozenset({"relatives", "kinship", "kin", "household", "associates"}),
        (("family", "network"), ("family", "members"), ("family", "tree"), ("family", "map")),
    ),
)

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SPLIT = re.compile(r"[^a-z0-9]+")


def tokens(field_name: str) -> tuple[str, ...]:
    spaced = _CAMEL.sub(" ", field_name)
    return tuple(t for t in _SPLIT.split(spaced.lower()) if t)


def category_of(field_name: str) -> Category | None:
    parts = tokens(field_name)
    joined = "".join(parts)
    for category in CATEGORIES:
        if any(p in category.words for p in parts) or joined in category.words:
            return category
        for phrase in category.phrases:
            n = len(phrase)
            if any(parts[i : i + n] == phrase for i in range(len(parts) - n + 1)):
                return category
            if "".join(phrase) in joined:
                return category
    return None


def refusal(field_name: str) -> str | None:
    """The message for a field carrying a forbidden category, or None."""
    category = category_of(field_name)
    if category is None:
        return None
    return (
        f"healthcamp does not collect {category.plain}. Remove the field '{field_name}': "
        "this kind of data is never stored, for anyone, for any reason."
    )


def refusals(field_names: Iterable[str]) -> dict[str, str]:
    found = {}
    for name in field_names:
        message = refusal(name)
        if message:
            found[name] = message
    return found
