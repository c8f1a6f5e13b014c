"""Properties of the consent rules: ages, minors, what a decision means at a moment."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from hypothesis import assume, given
from hypothesis import strategies as st

from healthcamp.consent.rules import (
    ConsentStatus,
    DecisionFact,
    age_on,
    minor_requirement,
    status_of,
)

days = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
moments = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)).map(
    lambda d: d.replace(tzinfo=UTC)
)


@given(born=days, day=days)
def test_age_counts_whole_years_passed(born: date, day: date) -> None:
    """Checked against dateutil's calendar arithmetic (29 February births aside)."""
    assume(day >= born and (born.month, born.day) != (2, 29))
    assert age_on(born, day) == relativedelta(day, born).years


@given(born=days, day=days, majority=st.integers(14, 21), assent=st.integers(5, 13))
def test_guardian_below_majority_and_assent_from_assent_age(
    born: date, day: date, majority: int, assent: int
) -> None:
    need = minor_requirement(born=born, day=day, age_of_majority=majority, assent_age=assent)
    age = age_on(born, day)
    assert need.guardian == (age < majority)
    assert need.assent == (age < majority and age >= assent)


@given(granted=st.booleans(), withdrawn=st.one_of(st.none(), moments), at=moments)
def test_a_decision_means_what_it_says_at_each_moment(
    granted: bool, withdrawn: datetime | None, at: datetime
) -> None:
    status = status_of([DecisionFact("screening", granted, withdrawn)], "screening", at=at)
    if not granted:
        assert status == ConsentStatus.REFUSED
    elif withdrawn is not None and withdrawn <= at:
        assert status == ConsentStatus.WITHDRAWN
    else:
        assert status == ConsentStatus.GRANTED


@given(at=moments, gap=st.integers(1, 10**6))
def test_withdrawal_takes_effect_at_its_instant(at: datetime, gap: int) -> None:
    withdrawn = at + timedelta(seconds=gap)
    facts = [DecisionFact("screening", True, withdrawn)]
    assert status_of(facts, "screening", at=at) == ConsentStatus.GRANTED
    assert status_of(facts, "screening", at=withdrawn) == ConsentStatus.WITHDRAWN


@given(purpose=st.sampled_from(["screening", "blood_tests"]), at=moments)
def test_no_consent_or_an_unasked_purpose_is_not_consent(purpose: str, at: datetime) -> None:
    assert status_of(None, purpose, at=at) == ConsentStatus.NOT_ASKED
    other = [DecisionFact("results_contact", True, None)]
    assert status_of(other, purpose, at=at) == ConsentStatus.NOT_ASKED
