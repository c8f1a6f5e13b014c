"""The whole truth table of the policy: role x action x purpose x consent, written out by hand."""

from __future__ import annotations

import itertools

import pytest

from healthcamp.access.policy import decide, default_purpose, permitted
from healthcamp.access.roles import Action, Purpose, Role
from healthcamp.consent.rules import ConsentStatus

C, R, CL, L = Role.COORDINATOR, Role.REGISTRAR, Role.CLINICIAN, Role.LAB
P, OWN = Role.PARTICIPANT, Purpose.OWN_RECORD
REG, SCR, BLD = Purpose.REGISTRATION, Purpose.SCREENING, Purpose.BLOOD_TESTS
RES, REF, SET = Purpose.RESULTS_CONTACT, Purpose.REFERRAL_SHARING, Purpose.PROGRAMME_SETUP
A = Action

# Every combination a role's job includes; everything else must be denied.
ALLOWED = {
    (C, A.REGISTER, REG),
    (C, A.READ, REG),
    (C, A.READ, RES),
    (C, A.SEARCH, REG),
    (C, A.PROGRAMME_CREATE, SET),
    (C, A.SITE_CREATE, SET),
    (C, A.CONSENT_DOCUMENT_WRITE, SET),
    (C, A.CONSENT_RECORD, REG),
    (C, A.CONSENT_READ, REG),
    (C, A.CONSENT_WITHDRAW, REG),
    (C, A.ERASE, REG),
    (C, A.CLINIC_CREATE, SET),
    (C, A.MEMBER_ADD, SET),
    # The auditor: the log's integrity (entries hold ids, roles, purposes; no names).
    (Role.AUDITOR, A.AUDIT_READ, Purpose.AUDIT),
    (C, A.REFERRAL_MANAGE, REG),
    (C, A.EXPORT_OWN_RECORD, REG),
    (CL, A.REFERRAL_CREATE, SCR),
    (CL, A.REFERRAL_CREATE, BLD),
    (R, A.REGISTER, REG),
    (R, A.READ, REG),
    (R, A.SEARCH, REG),
    (R, A.CONSENT_RECORD, REG),
    (R, A.CONSENT_READ, REG),
    (R, A.CONSENT_WITHDRAW, REG),
    (CL, A.READ, SCR),
    (CL, A.READ, BLD),
    (CL, A.READ, REF),
    (CL, A.READ, RES),
    (CL, A.SEARCH, SCR),
    (CL, A.SEARCH, BLD),  # a blood-test station looks the card up for its purpose
    (CL, A.CONSENT_READ, REG),
    (CL, A.CONSENT_WITHDRAW, REG),
    (CL, A.ENCOUNTER_START, SCR),
    (CL, A.ENCOUNTER_START, BLD),
    (CL, A.OBSERVATION_RECORD, SCR),
    (CL, A.OBSERVATION_RECORD, BLD),
    (CL, A.OBSERVATION_READ, SCR),
    (CL, A.OBSERVATION_READ, BLD),
    (CL, A.OBSERVATION_READ, RES),
    (L, A.OBSERVATION_RECORD, BLD),
    (L, A.OBSERVATION_READ, BLD),
    (L, A.READ, BLD),
    (L, A.SEARCH, BLD),
    (L, A.CONSENT_READ, REG),
    (L, A.CONSENT_WITHDRAW, REG),
    (C, A.RESULTS_RETURN, REG),
    (C, A.RESULTS_FOLLOW_UP, REG),
    (C, A.REFERRAL_SHARE, REF),
    (CL, A.REFERRAL_SHARE, REF),
    (CL, A.RESULTS_RETURN, REG),
    (R, A.RESULTS_RETURN, REG),
    # The results letter, each section under its own purpose (and that purpose's consent).
    (C, A.RESULTS_LETTER, SCR),
    (C, A.RESULTS_LETTER, BLD),
    (R, A.RESULTS_LETTER, SCR),
    (R, A.RESULTS_LETTER, BLD),
    (CL, A.RESULTS_LETTER, SCR),
    (CL, A.RESULTS_LETTER, BLD),
    # The participant, on their own record only (the guard checks whose it is).
    (P, A.PORTAL_SIGN_IN, OWN),
    (P, A.PORTAL_PIN_SET, OWN),
    (P, A.READ, OWN),
    (P, A.OBSERVATION_READ, OWN),
    (P, A.CONSENT_READ, OWN),
    (P, A.CONSENT_WITHDRAW, OWN),
    (P, A.EXPORT_OWN_RECORD, OWN),
    # The desk removes a forgotten portal PIN, with the person and their card present.
    (C, A.PORTAL_PIN_RESET, REG),
    (R, A.PORTAL_PIN_RESET, REG),
    # Programme reports: counts over the people who agree to statistics (issue 11).
    (C, A.REPORT_READ, Purpose.PROGRAMME_STATISTICS),
    (Role.ANALYST, A.REPORT_READ, Purpose.PROGRAMME_STATISTICS),
    (C, A.REPORT_CONFIGURE, SET),
    # Result files (issue 12): who records a purpose's values may import them.
    (CL, A.RESULTS_IMPORT, SCR),
    (CL, A.RESULTS_IMPORT, BLD),
    (L, A.RESULTS_IMPORT, BLD),
    # Paper registration forms: those who register and record consent at the desk.
    (C, A.REGISTRATIONS_IMPORT, REG),
    (R, A.REGISTRATIONS_IMPORT, REG),
}
# Acts on aggregates, never on one person's record.
AGGREGATE = {A.AUDIT_READ, A.REPORT_READ}
# Purposes a participant says yes or no to; the others need no consent.
NEEDS_CONSENT = {
    SCR,
    BLD,
    RES,
    REF,
    Purpose.PROGRAMME_STATISTICS,
    Purpose.DEIDENTIFIED_RESEARCH,
}


def test_truth_table() -> None:
    """Every cell of role x action x purpose x consent, checked in one test (one pytest
    item per cell cost over a minute of the suite); the failure lists the wrong cells."""
    wrong = []
    for role, action, purpose, consent in itertools.product(Role, Action, Purpose, ConsentStatus):
        decision = decide(role=role, action=action, purpose=purpose, consent=consent)
        expected = (role, action, purpose) in ALLOWED and (
            purpose not in NEEDS_CONSENT or consent == ConsentStatus.GRANTED
        )
        if decision.allowed != expected or not decision.reason:
            wrong.append((role.value, action.value, purpose.value, consent.value, expected))
    assert wrong == []


def test_role_half_alone() -> None:
    wrong = [
        (role.value, action.value, purpose.value)
        for role, action, purpose in itertools.product(Role, Action, Purpose)
        if permitted(role=role, action=action, purpose=purpose).allowed
        != ((role, action, purpose) in ALLOWED)
    ]
    assert wrong == []


@pytest.mark.parametrize("role", [Role.ANALYST, Role.AUDITOR])
def test_analysts_and_auditors_never_touch_individual_records(role: Role) -> None:
    for action, purpose, consent in itertools.product(Action, Purpose, ConsentStatus):
        if action in AGGREGATE:
            continue  # the log's own bytes, or a report's counts: no record
        assert not decide(role=role, action=action, purpose=purpose, consent=consent).allowed


def test_statistics_and_research_never_open_an_identified_record() -> None:
    for role, action in itertools.product(Role, set(Action) - AGGREGATE):
        for purpose in (Purpose.PROGRAMME_STATISTICS, Purpose.DEIDENTIFIED_RESEARCH):
            assert not permitted(role=role, action=action, purpose=purpose).allowed


@pytest.mark.parametrize(
    ("consent", "reason"),
    [
        (ConsentStatus.REFUSED, "The participant said no to screening; nothing is shown"),
        (ConsentStatus.WITHDRAWN, "The participant withdrew consent for screening"),
        (ConsentStatus.NOT_ASKED, "The participant has not consented to screening"),
    ],
)
def test_consent_denials_say_why(consent: ConsentStatus, reason: str) -> None:
    decision = decide(role=CL, action=A.READ, purpose=SCR, consent=consent)
    assert not decision.allowed
    assert decision.reason.startswith(reason)


def test_role_denial_names_what_the_role_may_do() -> None:
    decision = permitted(role=Role.LAB, action=Action.READ, purpose=Purpose.REGISTRATION)
    assert decision.reason == (
        "The lab role may not read a participant's record for registration; "
        "it may for: blood_tests."
    )


@pytest.mark.parametrize("role", [C, R, CL, L])
def test_default_purpose_lets_each_station_role_search(role: Role) -> None:
    assert permitted(role=role, action=Action.SEARCH, purpose=default_purpose(role)).allowed
