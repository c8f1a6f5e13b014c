"""What the participant reads, in every shipped language: each result's sentence asks for
exactly as much as its advice level, nothing claims a referral, and no code is left
without words. (The catalogues themselves are checked in tests/test_translations.py.)"""

from __future__ import annotations

import re
from collections import namedtuple

import pytest
from django.utils import translation

from healthcamp.clinical import catalogue
from healthcamp.lib import languages
from healthcamp.results import letters, log_words, meanings

SHIPPED = languages.shipped()
Referral = namedtuple("Referral", "clinic urgency")

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
    "fr": ("orient", "adress"),
    "sw": ("tumekupeleka", "rufaa"),
    "hi": ("रेफ़र", "रेफर", "भेजा"),
    "zh-hans": ("转诊", "转介"),
    "ru": ("направил", "направлен"),
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


def said(language: str, sentence: object) -> str:
    with translation.override(language):
        return str(sentence)


def test_every_shipped_language_has_its_referral_words() -> None:
    assert set(REFERRAL_WORDS) >= set(SHIPPED)


def test_every_advice_key_has_a_meaning_and_no_stale_ones() -> None:
    """Every band label in the catalogue and every key the rules add has a sentence;
    a sentence no rule can give is a sentence nobody checks."""
    assert set(meanings.MEANING) == set(levels())


def test_english_sentences_match_their_level() -> None:
    for key, level in levels().items():
        text = said("en", meanings.MEANING[key]).lower()
        if level in ("neutral", "fine", "watch"):
            assert "today" not in text, key
            assert "within a week" not in text, key
        if level == "urgent":
            assert "today" in text, key


@pytest.mark.parametrize("language", SHIPPED)
def test_each_sentence_asks_for_as_much_as_its_level(language: str) -> None:
    """The words for "today", "within a week" and "in the next few weeks" are the ones the
    referral line uses, so a row and the referral say the same thing in every language."""
    with translation.override(language):
        today, week, weeks = letters.when("urgent"), letters.when("soon"), letters.when("x")
        sentences = [(key, level, str(meanings.MEANING[key])) for key, level in levels().items()]
        sentences += [
            (f"next step {level}", level, str(text)) for level, text in meanings.NEXT_STEP.items()
        ]
    assert len({today, week, weeks}) == 3
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


@pytest.mark.parametrize("language", SHIPPED)
def test_the_referral_line_says_when_in_the_same_words(language: str) -> None:
    for urgency in ("urgent", "soon", "routine"):
        with translation.override(language):
            when = letters.when(urgency)
        named = letters.referral_sentence(Referral("North Clinic", urgency), language)
        unnamed = letters.referral_sentence(Referral("", urgency), language)
        assert when in named
        assert "North Clinic" in named
        assert when in unnamed


def test_next_step_has_every_level() -> None:
    assert set(meanings.NEXT_STEP) == set(catalogue.LEVELS)


@pytest.mark.parametrize("language", SHIPPED)
def test_no_result_sentence_says_the_person_was_referred(language: str) -> None:
    for table in (meanings.MEANING, meanings.NEXT_STEP):
        for key, sentence in table.items():
            text = said(language, sentence).lower()
            assert not any(w in text for w in REFERRAL_WORDS[language]), key


# Imperatives say "you" as a man or as a woman ("راجع" / "راجعي"): the letter and the
# portal are read by both, so they say "يُنصح بمراجعة", "يُرجى إدخال".
ARABIC_IMPERATIVES = (
    "راجع|راجعي|اذهب|اذهبي|اشرب|اشربي|اسأل|اسألي|أخبر|أخبري|استخدم|استخدمي|تحقق|تحققي|"
    "حاول|حاولي|اختر|اختاري|أدخل|أدخلي|نزل|نزلي|انتقل|انتقلي|احتفظ|احتفظي|احذف|احذفي|"
    "اكتب|اكتبي|أضف|أضيفي|احفظ|احفظي|أحضر|أحضري|قارن|قارني"
)


def _bare(text: str) -> str:
    return re.sub("[\u064b-\u0652]", "", text)  # without vowel marks: "كُل" is "كل"


def test_arabic_advice_uses_no_gendered_imperative() -> None:
    """The letter goes to women and men: "يُنصح بمراجعة", not "راجع"/"راجعي"."""
    imperative = re.compile(rf"(?<!\w)({ARABIC_IMPERATIVES}|كل|كلي)(?!\w)")
    for table in (meanings.MEANING, meanings.NEXT_STEP):
        for key, sentence in table.items():
            assert not imperative.search(_bare(said("ar", sentence))), key


def test_no_arabic_message_uses_a_gendered_imperative() -> None:
    """Every message of the Arabic catalogue: the portal, the letter, the pages."""
    import polib

    imperative = re.compile(rf"(?<!\w)({ARABIC_IMPERATIVES})(?!\w)")
    catalogue_ar = polib.pofile(str(languages_catalogue("ar")))
    found = [
        e.msgid
        for e in catalogue_ar
        for text in (e.msgstr, *e.msgstr_plural.values())
        if imperative.search(_bare(text))
    ]
    assert found == []


def languages_catalogue(language: str) -> object:
    from healthcamp.lib.message_catalogues import LOCALE

    return LOCALE / language / "LC_MESSAGES" / "django.po"


def test_spanish_uses_no_straight_quotes() -> None:
    import polib

    catalogue_es = polib.pofile(str(languages_catalogue("es")))
    # Quotes inside markup (<bdi dir="ltr">) are HTML, not Spanish.
    assert [e.msgid for e in catalogue_es if '"' in re.sub(r"<[^>]*>", "", e.msgstr)] == []


def test_every_audited_act_has_plain_words() -> None:
    from healthcamp.access.roles import Action

    assert {a.value for a in Action} - set(log_words.ACTS) == {
        "programme.create",
        "site.create",
        "consent_document.write",
        "clinic.create",
        "programme.member_add",
        "audit.read",
        "staff.authenticate",
        "report.read",
        "report.configure",
    }  # acts on no one's record: they never appear in a person's log


def test_regional_codes_fall_back_to_the_language_and_unknown_ones_to_english() -> None:
    assert languages.supported("ar-EG") == "ar"
    assert languages.supported("es-MX") == "es"
    assert languages.supported("pt-BR") == "en"
    assert not languages.is_shipped("pt")
    with translation.override("ar-EG"):
        assert str(meanings.NEXT_STEP["urgent"]) == said("ar", meanings.NEXT_STEP["urgent"])
    assert said("ar", meanings.NEXT_STEP["urgent"]) != said("en", meanings.NEXT_STEP["urgent"])


def test_every_purpose_has_plain_words() -> None:
    from healthcamp.purposes import Purpose

    assert {p.value for p in Purpose} == set(log_words.PURPOSES)
