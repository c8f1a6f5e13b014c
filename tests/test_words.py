"""Every language the participant may read has every sentence English has, and each
result's sentence asks for exactly as much as its advice level."""

from __future__ import annotations

import re

import pytest

from healthcamp.clinical import catalogue
from healthcamp.results import letters, words

TABLES = [
    words.MEANING,
    words.NEXT_STEP,
    words.LETTER,
    words.PORTAL,
    words.ROLES,
    words.ACTS,
    words.PURPOSES,
    letters.WORDS,
]

# Advice keys the rules give beyond the catalogue's band labels (rules.py, visit.py,
# clinical/children.py), with the level each one comes with.
EXTRA_LEVELS = {
    "hypertension_grade_3_symptoms": "urgent",
    "continue_care_hypertension": "care",
    "continue_care_diabetes": "care",
    "child_bp_normal": "fine",
    "child_bp_high_normal": "watch",
    "child_bp_hypertension_stage_1": "act",
    "child_bp_hypertension_stage_2": "soon",
    "child_bp_not_classified_no_height": "act",
    "child_bp_not_classified_age": "neutral",
    "child_thinness_severe": "act",
    "child_thinness": "act",
    "child_normal": "fine",
    "child_overweight": "watch",
    "child_obesity": "act",
    "not_classified_under_5": "neutral",
    "meter_high": "urgent",
    "meter_low": "urgent",
    "rh_negative_pregnant": "watch",
    "not_classified_child": "neutral",
    "not_classified_pregnancy": "neutral",
    "not_classified_sex": "neutral",
    "not_classified": "neutral",
    "absent_refused": "neutral",
    "absent_not_done": "neutral",
    "absent_unable": "neutral",
}

# "You were referred" belongs to the letter's referral line, never to a result's sentence.
REFERRAL_WORDS = {
    "en": ("refer",),
    "ar": ("أحل", "إحال", "محال"),
    "ug": ("يوللا",),
    "es": ("deriv",),
}


def band_levels() -> dict[str, str]:
    """Each band label in the catalogue with its level: one level per label, or one
    sentence could not fit both."""
    found: dict[str, set[str]] = {}
    for m in catalogue.load().values():
        for bands in m.bands:
            for cut in bands.cuts:
                found.setdefault(cut.label, set()).add(cut.level)
    mixed = {label: levels for label, levels in found.items() if len(levels) > 1}
    assert mixed == {}
    return {label: levels.pop() for label, levels in found.items()}


def levels() -> dict[str, str]:
    return {**band_levels(), **EXTRA_LEVELS}


def placeholders(text: str) -> list[str]:
    return sorted(re.findall(r"\{(\w*)\}", text))


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("language", words.LANGUAGES)
def test_each_language_has_every_key(table: dict[str, dict[str, str]], language: str) -> None:
    assert set(table[language]) == set(table["en"])
    assert all(text.strip() for text in table[language].values())


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("language", words.LANGUAGES)
def test_placeholders_are_the_same_as_english(
    table: dict[str, dict[str, str]], language: str
) -> None:
    differ = {
        key: placeholders(text)
        for key, text in table[language].items()
        if placeholders(text) != placeholders(table["en"][key])
    }
    assert differ == {}


def test_letter_placeholders_are_the_ones_the_callers_fill() -> None:
    filled_in = {key: placeholders(text) for key, text in words.LETTER["en"].items()}
    assert {key: names for key, names in filled_in.items() if names} == {
        "visit": ["date", "site"],
        "contact": ["site"],
        "contact_site": ["site"],
        "referred": ["clinic", "when"],
        "referred_no_clinic": ["when"],
        "entered": ["value"],
        "readings": ["n", "total"],
        "healthy_range": ["range"],
        "picture": ["band", "name", "range", "value"],
    }
    for language in words.LANGUAGES:
        phrases = words.LETTER[language]
        filled = phrases["referred"].format(clinic="X", when=phrases["when_soon"])
        assert phrases["when_soon"] in filled


def test_every_advice_key_has_a_meaning_and_no_stale_ones() -> None:
    """Every band label in the catalogue and every key the rules add has a sentence;
    a sentence no rule can give is a sentence nobody checks."""
    assert set(words.MEANING["en"]) == set(levels())


def test_english_sentences_match_their_level() -> None:
    meaning = words.MEANING["en"]
    for key, level in levels().items():
        text = meaning[key].lower()
        if level in ("neutral", "fine", "watch"):
            assert "today" not in text, key
            assert "within a week" not in text, key
        if level == "urgent":
            assert "today" in text, key


@pytest.mark.parametrize("language", words.LANGUAGES)
def test_each_sentence_asks_for_as_much_as_its_level(language: str) -> None:
    """The words for "today", "within a week" and "in the next few weeks" are the ones the
    referral line uses, so a row and the referral say the same thing in every language."""
    when = words.LETTER[language]
    today, week, weeks = when["when_urgent"], when["when_soon"], when["when_routine"]
    sentences = [(key, level, words.MEANING[language][key]) for key, level in levels().items()]
    sentences += [
        (f"next step {level}", level, text) for level, text in words.NEXT_STEP[language].items()
    ]
    for key, level, text in sentences:
        if level in ("neutral", "fine", "watch", "care", "act"):
            assert today not in text, key
            assert week not in text, key
        if level == "act":
            assert weeks in text, key
        if level == "soon":
            assert week in text, key
        if level == "urgent":
            assert today in text, key


def test_next_step_has_every_level() -> None:
    assert set(words.NEXT_STEP["en"]) == set(catalogue.LEVELS)


@pytest.mark.parametrize("language", words.LANGUAGES)
def test_no_result_sentence_says_the_person_was_referred(language: str) -> None:
    for table in (words.MEANING, words.NEXT_STEP):
        for key, text in table[language].items():
            assert not any(w in text.lower() for w in REFERRAL_WORDS[language]), key


def test_arabic_advice_uses_no_gendered_imperative() -> None:
    """The letter goes to women and men: "يُنصح بمراجعة", not "راجع"/"راجعي"."""
    imperative = re.compile(
        r"(?<!\w)(راجع|راجعي|اذهب|اذهبي|كل|كلي|اشرب|اشربي|اسأل|اسألي|أخبر|أخبري)(?!\w)"
    )
    for table in (words.MEANING, words.NEXT_STEP, words.LETTER):
        for key, text in table["ar"].items():
            bare = re.sub("[\u064b-\u0652]", "", text)  # without vowel marks: "كُل" is "كل"
            assert not imperative.search(bare), key


def test_spanish_uses_no_straight_quotes() -> None:
    for table in (words.MEANING, words.NEXT_STEP, words.LETTER):
        assert not [key for key, text in table["es"].items() if '"' in text]


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
