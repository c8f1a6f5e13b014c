"""Every language the participant may read has every sentence English has."""

from __future__ import annotations

import pytest

from healthcamp.clinical import catalogue
from healthcamp.results import letters, words


@pytest.mark.parametrize(
    "table",
    [
        words.MEANING,
        words.NEXT_STEP,
        words.PORTAL,
        words.ROLES,
        words.ACTS,
        words.PURPOSES,
        letters.WORDS,
    ],
)
@pytest.mark.parametrize("language", words.LANGUAGES)
def test_each_language_has_every_key(table: dict[str, dict[str, str]], language: str) -> None:
    assert set(table[language]) == set(table["en"])
    assert all(text.strip() for text in table[language].values())


def test_every_classification_in_the_catalogue_has_a_meaning() -> None:
    labels = {
        band.label
        for m in catalogue.load().values()
        for bands in (m.bands, *m.bands_by_sex.values())
        for band in bands
    }
    assert labels - set(words.MEANING["en"]) == set()


def test_every_audited_act_has_plain_words() -> None:
    from healthcamp.access.roles import Action

    assert {a.value for a in Action} - set(words.ACTS["en"]) == {
        "programme.create",
        "site.create",
        "consent_document.write",
        "clinic.create",
        "programme.member_add",
        "audit.read",
        "staff.authenticate",
    }  # acts on no one's record: they never appear in a person's log


def test_regional_codes_fall_back_to_the_language_and_unknown_ones_to_english() -> None:
    assert words.pick(words.PORTAL, "ar-EG") is words.PORTAL["ar"]
    assert words.pick(words.PORTAL, "sw") is words.PORTAL["en"]


def test_every_purpose_has_plain_words() -> None:
    from healthcamp.purposes import Purpose

    assert {p.value for p in Purpose} == set(words.PURPOSES["en"])
