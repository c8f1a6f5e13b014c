"""The whole truth table of the role x action x purpose policy, written out by hand."""

from __future__ import annotations

import itertools

import pytest

from healthcamp.access.policy import decide, default_purpose
from healthcamp.access.roles import Action, Purpose, Role

C, R, CL, L = Role.COORDINATOR, Role.REGISTRAR, Role.CLINICIAN, Role.LAB
REG, SCR, BLD = Purpose.REGISTRATION, Purpose.SCREENING, Purpose.BLOOD_TESTS
RES, REF, SET = Purpose.RESULTS_CONTACT, Purpose.REFERRAL_SHARING, Purpose.PROGRAMME_SETUP

# Every allowed combination; everything else must be denied.
ALLOWED = {
    (C, Action.REGISTER, REG),
    (C, Action.READ, REG),
    (C, Action.READ, RES),
    (C, Action.SEARCH, REG),
    (C, Action.PROGRAMME_CREATE, SET),
    (C, Action.SITE_CREATE, SET),
    (R, Action.REGISTER, REG),
    (R, Action.READ, REG),
    (R, Action.SEARCH, REG),
    (CL, Action.READ, SCR),
    (CL, Action.READ, BLD),
    (CL, Action.READ, REF),
    (CL, Action.READ, RES),
    (CL, Action.SEARCH, SCR),
    (L, Action.READ, BLD),
    (L, Action.SEARCH, BLD),
}


@pytest.mark.parametrize(
    ("role", "action", "purpose"), list(itertools.product(Role, Action, Purpose))
)
def test_truth_table(role: Role, action: Action, purpose: Purpose) -> None:
    decision = decide(role=role, action=action, purpose=purpose)
    assert decision.allowed == ((role, action, purpose) in ALLOWED)
    assert decision.reason


@pytest.mark.parametrize("role", [Role.ANALYST, Role.AUDITOR])
def test_analysts_and_auditors_never_touch_individual_records(role: Role) -> None:
    for action, purpose in itertools.product(Action, Purpose):
        assert not decide(role=role, action=action, purpose=purpose).allowed


def test_statistics_and_research_never_open_an_identified_record() -> None:
    for role, action in itertools.product(Role, Action):
        for purpose in (Purpose.PROGRAMME_STATISTICS, Purpose.DEIDENTIFIED_RESEARCH):
            assert not decide(role=role, action=action, purpose=purpose).allowed


def test_denial_names_what_the_role_may_do() -> None:
    decision = decide(role=Role.LAB, action=Action.READ, purpose=Purpose.REGISTRATION)
    assert decision.reason == (
        "The lab role may not read a participant's record for registration; "
        "it may for: blood_tests."
    )


@pytest.mark.parametrize("role", [C, R, CL, L])
def test_default_purpose_lets_each_station_role_search(role: Role) -> None:
    assert decide(role=role, action=Action.SEARCH, purpose=default_purpose(role)).allowed
