"""The door's refusals in the reader's language and in words (issue 10): no role, act or
purpose code in front of a person; the audit log keeps its English reason."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext

from healthcamp.access import policy
from healthcamp.access.roles import Action, Purpose, Role
from healthcamp.consent.rules import ConsentStatus
from healthcamp.lib import code_words
from healthcamp.registry import cardcode
from tests.conftest import participant_body

CODES = ("lab", "analyst", "clinician", "screening", "blood_tests", "programme_statistics")


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_a_role_refusal_is_said_in_the_requests_language(
    api_as: Any, lab: Any, programme: Any, language: str
) -> None:
    response = api_as(lab).post(
        "/participants", participant_body(programme.id), HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 403
    message = response.json()["message"]
    with translation.override(language):
        role = str(code_words.ROLES["lab"])
        expected = gettext("The %(role)s role may not %(act)s.") % {
            "role": role,
            "act": str(policy.refusal_words.ACTS[Action.REGISTER]),
        }
    assert message == expected
    assert "register participants" not in message
    assert not any(code in message.split() for code in CODES)


def test_the_audit_log_keeps_the_english_reason() -> None:
    with translation.override("fr"):
        decision = policy.permitted(
            role=Role.LAB, action=Action.REGISTER, purpose=Purpose.REGISTRATION
        )
    assert decision.reason == "The lab role may not register participants."
    assert decision.said != decision.reason


@pytest.mark.parametrize("language", ["en", "fr", "ru"])
def test_the_purposes_a_role_may_use_are_named_in_words(language: str) -> None:
    with translation.override(language):
        decision = policy.permitted(
            role=Role.CLINICIAN, action=Action.READ, purpose=Purpose.PROGRAMME_STATISTICS
        )
        screening = code_words.in_sentence(str(code_words.PURPOSES["screening"]))
    assert not decision.allowed
    assert screening in decision.said
    assert not any(code in decision.said for code in CODES if "_" in code)
    if language == "en":
        assert decision.said == (
            "The clinician role may not read a participant's record for programme "
            "statistics; it may for: blood tests, contact about results, screening "
            "measurements, sharing results with a referral clinic."
        )


@pytest.mark.parametrize(
    "status", [ConsentStatus.REFUSED, ConsentStatus.WITHDRAWN, ConsentStatus.NOT_ASKED]
)
@pytest.mark.parametrize("language", ["en", "es", "zh-hans"])
def test_a_missing_consent_names_the_purpose_in_words(status: ConsentStatus, language: str) -> None:
    with translation.override(language):
        decision = policy.decide(
            role=Role.LAB,
            action=Action.OBSERVATION_READ,
            purpose=Purpose.BLOOD_TESTS,
            consent=status,
        )
        words = code_words.in_sentence(str(code_words.PURPOSES["blood_tests"]))
    assert not decision.allowed
    assert words in decision.said
    assert "blood_tests" not in decision.said
    assert "blood_tests" in decision.reason  # the audit's English reason is unchanged
    assert policy.consent_refused(decision.reason, Purpose.BLOOD_TESTS)
    if language == "en":
        assert "blood tests" in decision.said  # lower case inside the sentence


def test_a_name_keeps_its_capitals_only_where_they_are_an_abbreviation() -> None:
    assert code_words.in_sentence("Blood tests") == "blood tests"
    assert code_words.in_sentence("HIV test") == "HIV test"
    assert code_words.in_sentence("血液检查") == "血液检查"
    assert code_words.in_sentence("") == ""


@pytest.mark.parametrize(
    ("typed", "english"),
    [
        ("ABCD", "A card code has 11 characters; 4 were given."),
        ("ABCD-EFGH-IJ!", "A card code never contains"),
        ("0000-0000-001", "typing mistake"),
    ],
)
def test_a_mistyped_card_code_is_explained_in_the_page_language(typed: str, english: str) -> None:
    with translation.override("en"), pytest.raises(cardcode.CardCodeError) as in_english:
        cardcode.parse(typed)
    assert english in str(in_english.value)
    with translation.override("fr"), pytest.raises(cardcode.CardCodeError) as in_french:
        cardcode.parse(typed)
    assert str(in_french.value) != str(in_english.value)
    assert "card" not in str(in_french.value).lower()
