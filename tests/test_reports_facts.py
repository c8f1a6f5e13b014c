"""The visits' facts for reports: taken from the rules' one decision per visit, written in
the same transaction as the value that changed it, kept up with returns, referrals and
erasures, and backfilled for visits recorded before them (issue 11)."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from django.apps import apps
from hypothesis import given, settings
from hypothesis import strategies as st

from healthcamp.clinical.visit import Recorded, decide
from healthcamp.reports.facts import facts_of
from healthcamp.reports.models import VisitFact
from healthcamp.services import consent, exams, participants, referrals, returns, visit_facts
from tests.conftest import give_consent

SYS, DIA = "8480-6", "8462-4"
ADULT = 45 * 12


def _decision(*values: tuple[str, float | str], sex: str = "female", months: int = ADULT):
    rows = [
        Recorded(
            id=i,
            code=code,
            value=None if isinstance(v, str) else float(v),
            code_value=v if isinstance(v, str) else "",
            original_value=str(v),
        )
        for i, (code, v) in enumerate(values)
    ]
    return decide(sex=sex, age_months=months, rows=rows)


def _bp(systolic: float, diastolic: float) -> list[tuple[str, float]]:
    return [(SYS, systolic), (DIA, diastolic)] * 2


@pytest.mark.parametrize(
    ("readings", "label", "raised"),
    [
        (_bp(150, 85), "hypertension_grade_1", True),
        (_bp(135, 92), "hypertension_grade_1", True),
        (_bp(139, 89), "high_normal", False),
        (_bp(118, 70), "optimal", False),
        ([*_bp(118, 70), ("hc-dx-htn", "yes")], "optimal", True),  # on treatment
    ],
)
def test_raised_blood_pressure_is_the_rules_label(readings, label, raised) -> None:
    found = facts_of(_decision(*readings))
    assert (found.bp_class, found.raised_bp) == (label, raised)
    assert found.screened
    assert found.measured_screening
    assert not found.measured_blood


@settings(max_examples=60, deadline=None)
@given(st.integers(90, 200), st.integers(50, 120))
def test_raised_means_at_or_above_140_over_90_for_adults(systolic, diastolic) -> None:
    found = facts_of(_decision(*_bp(systolic, diastolic), sex="male"))
    assert found.raised_bp is (systolic >= 140 or diastolic >= 90)


def test_a_childs_percentile_category_is_not_the_adult_threshold() -> None:
    found = facts_of(_decision(*_bp(150, 95), ("8302-2", 140.0), months=10 * 12))
    assert found.bp_class.startswith("child_")
    assert found.raised_bp is None
    assert found.adult is False
    assert found.age_band == "10-14"


@pytest.mark.parametrize(
    ("values", "in_range"),
    [
        ([("87527-8", 10.0), ("14743-9", 7.2)], True),  # fasting >= 7.0
        ([("87527-8", 10.0), ("14743-9", 6.5)], False),  # impaired fasting glucose
        ([("87527-8", 0.0), ("14743-9", 11.5)], True),  # random >= 11.1
        ([("87527-8", 0.0), ("14743-9", 10.0)], False),  # needs a test: not the range
        ([("4548-4", 6.5)], True),
        ([("4548-4", 6.4)], False),
        ([("hc-dx-dm", "yes")], None),  # diagnosed: in `diabetes`, not in the range
    ],
)
def test_diabetes_range(values, in_range) -> None:
    found = facts_of(_decision(*values))
    assert found.diabetes_range is in_range
    assert found.diabetes is (True if in_range or found.diabetes_diagnosed else in_range)


@pytest.mark.parametrize(
    ("bmi_weight", "overweight", "obese"),
    [(80.0, True, False), (95.0, True, True), (60.0, False, False)],
)
def test_bmi_classes_for_adults(bmi_weight, overweight, obese) -> None:
    found = facts_of(_decision(("8302-2", 170.0), ("29463-7", bmi_weight)))
    assert (found.overweight, found.obese) == (overweight, obese)


def test_cholesterol_high_is_raised() -> None:
    assert facts_of(_decision(("35200-5", 250.0))).raised_cholesterol is True
    assert facts_of(_decision(("35200-5", 210.0))).raised_cholesterol is False
    assert facts_of(_decision(("35200-5", 250.0), months=12 * 12)).raised_cholesterol is None


# ---- written with the visit ------------------------------------------------------------


def _person(registrar, programme, document, *, born=date(1970, 5, 1)):
    record = participants.participant_register(
        actor=registrar.actor,
        programme_id=programme.id,
        given_name="Amina",
        family_name="Haddad",
        date_of_birth=born,
        sex="female",
        preferred_language="en",
    )
    give_consent(registrar, record.id, document.id)
    return record.id


def _visit(clinician, programme, pid, values):
    site = apps.get_model("registry", "Site").objects.get(programme_id=programme.id).pk
    eid = exams.encounter_start(actor=clinician.actor, participant_id=pid, site_id=site)
    for code, value, unit in values:
        exams.observation_record(
            actor=clinician.actor, encounter_id=eid, code=code, value=value, unit=unit
        )
    return eid


def _withdraw(registrar, pid, *purposes: str, erase: bool = False) -> None:
    """The person withdraws these purposes from their newest consent."""
    consent.consent_withdraw(
        actor=registrar.actor,
        participant_id=pid,
        consent_id=consent.consents_of(actor=registrar.actor, participant_id=pid)[0].id,
        purposes=list(purposes),
        erase=erase,
    )


def _pairs(systolic, diastolic):
    return [(SYS, systolic, "mm[Hg]"), (DIA, diastolic, "mm[Hg]")] * 2


@pytest.mark.django_db
def test_each_recorded_value_rewrites_the_visits_facts(
    registrar, clinician, programme, document
) -> None:
    pid = _person(registrar, programme, document)
    eid = _visit(clinician, programme, pid, _pairs(150, 85))
    fact = VisitFact.objects.get(encounter_id=eid)
    assert (fact.raised_bp, fact.bp_class, fact.age_band, fact.adult) == (
        True,
        "hypertension_grade_1",
        "55-59",
        True,
    )
    assert fact.first_screening
    assert fact.latest_bp
    assert fact.participant_id == pid
    # A third, calmer pair: the office value is the mean of the last two (ESH 2023).
    for code, value, unit in [(SYS, 115, "mm[Hg]"), (DIA, 75, "mm[Hg]")] * 2:
        exams.observation_record(
            actor=clinician.actor, encounter_id=eid, code=code, value=value, unit=unit
        )
    fact.refresh_from_db()
    assert (fact.raised_bp, fact.bp_class) == (False, "optimal")
    assert fact.diabetes is None
    # A second visit becomes the latest one for blood pressure; the first stays the first.
    second = _visit(clinician, programme, pid, _pairs(160, 100))
    latest = VisitFact.objects.get(encounter_id=second)
    fact.refresh_from_db()
    assert latest.latest_bp
    assert not fact.latest_bp
    assert fact.first_screening
    assert not latest.first_screening


@pytest.mark.django_db
def test_a_failed_recording_writes_no_fact(registrar, clinician, programme, document) -> None:
    """The facts are written inside the recording's transaction: a refusal leaves none."""
    pid = _person(registrar, programme, document)
    site = apps.get_model("registry", "Site").objects.get(programme_id=programme.id).pk
    eid = exams.encounter_start(actor=clinician.actor, participant_id=pid, site_id=site)
    _withdraw(registrar, pid, "screening")
    with pytest.raises(Exception, match="withdrew"):
        exams.observation_record(
            actor=clinician.actor, encounter_id=eid, code=SYS, value=150, unit="mm[Hg]"
        )
    assert not VisitFact.objects.filter(encounter_id=eid).exists()


@pytest.mark.django_db
def test_returns_and_referrals_follow_the_visit(
    registrar, clinician, coordinator, programme, document
) -> None:
    pid = _person(registrar, programme, document)
    eid = _visit(clinician, programme, pid, [*_pairs(185, 115), ("hc-bp-symptoms", "no", "")])
    fact = VisitFact.objects.get(encounter_id=eid)
    assert fact.referral_urgency == "soon"
    assert fact.returned_at is None
    returns.results_returned(actor=registrar.actor, participant_id=pid, how="handed")
    referral = apps.get_model("exams", "Referral").objects.get(encounter_id=eid)
    referrals.referral_update(actor=coordinator.actor, referral_id=referral.id, status="attended")
    fact.refresh_from_db()
    assert fact.returned_at is not None
    assert fact.days_to_return == 0
    assert fact.referral_attended_at is not None
    assert fact.referral_attended_days == 0


@pytest.mark.django_db
def test_erasing_a_purpose_forgets_what_its_values_decided(
    registrar, clinician, programme, document
) -> None:
    pid = _person(registrar, programme, document)
    eid = _visit(clinician, programme, pid, [*_pairs(150, 85), ("35200-5", 250, "mg/dL")])
    _withdraw(registrar, pid, "screening", erase=True)
    fact = VisitFact.objects.get(encounter_id=eid)
    assert (fact.raised_bp, fact.bp_class, fact.latest_bp) == (None, "", False)
    assert fact.raised_cholesterol is True
    assert fact.screened


@pytest.mark.django_db
def test_an_erased_person_leaves_no_fact(registrar, clinician, coordinator, programme, document):
    pid = _person(registrar, programme, document)
    _visit(clinician, programme, pid, _pairs(150, 85))
    from healthcamp.services import erasure

    erasure.participant_erase(actor=coordinator.actor, participant_id=pid)
    assert not VisitFact.objects.exists()


@pytest.mark.django_db
def test_backfill_writes_the_same_facts_for_older_visits(
    registrar, clinician, programme, document
) -> None:
    pid = _person(registrar, programme, document)
    first = _visit(clinician, programme, pid, _pairs(150, 85))
    second = _visit(clinician, programme, pid, [("4548-4", 7.0, "%")])
    returns.results_returned(actor=registrar.actor, participant_id=pid, how="sent")
    columns = [f.name for f in VisitFact._meta.fields]
    before = list(VisitFact.objects.order_by("visit_date", "encounter_id").values(*columns))
    VisitFact.objects.all().delete()
    assert visit_facts.backfill() == 2
    after = list(VisitFact.objects.order_by("visit_date", "encounter_id").values(*columns))
    assert after == before
    assert {f["encounter"] for f in after} == {first, second}
    assert visit_facts.backfill() == 0  # nothing left to write
    assert isinstance(after[0]["encounter"], uuid.UUID)


@pytest.mark.django_db
def test_current_consent_follows_every_consent_change(
    registrar, coordinator, programme, document
) -> None:
    """What reports keep per person agrees with the consent records after each change,
    and a rebuild from the records writes the same rows."""
    from healthcamp.reports import consents
    from healthcamp.reports.models import CurrentConsent
    from tests.conftest import publish_document

    def kept() -> dict:
        return {
            row.participant_id: {
                p: getattr(row, p)
                for p in ("screening", "blood_tests", "programme_statistics")
                if getattr(row, p)
            }
            for row in CurrentConsent.objects.all()
        }

    def records() -> dict:
        return {
            pid: {
                p: a
                for p, a in given.items()
                if p in ("screening", "blood_tests", "programme_statistics")
            }
            for pid, given in consents.from_records().items()
        }

    first = _person(registrar, programme, document)
    second = _person(registrar, programme, document, born=date(1990, 1, 1))
    assert kept()[first]["programme_statistics"] == "yes"
    newer = publish_document(coordinator, programme.id, version=2, purposes=("screening",))
    give_consent(registrar, second, newer.id, purposes=("screening",))
    assert kept()[second] == {"screening": "yes"}  # the newer consent replaces the old whole
    _withdraw(registrar, first, "programme_statistics", "blood_tests")
    assert kept()[first] == {
        "screening": "yes",
        "blood_tests": "withdrawn",
        "programme_statistics": "withdrawn",
    }
    assert kept() == records()
    before = kept()
    CurrentConsent.objects.all().delete()
    assert consents.rebuild() == 2
    assert kept() == before


@pytest.mark.django_db
def test_critical_values_recorded_and_followed_up_count_same_day(
    registrar, clinician, coordinator, analyst, programme, document
) -> None:
    """End to end, nothing set by hand: a grade 3 pressure with symptoms is the rules'
    urgent level, opens an urgent referral, and counts as acted on the same day only when
    that referral is marked attended that day."""
    from healthcamp.reports import services as reports
    from healthcamp.reports.models import ReportPolicy

    ReportPolicy.objects.create(programme_id=programme.id, k=5)
    referral_of = apps.get_model("exams", "Referral").objects
    for n in range(10):
        pid = _person(registrar, programme, document, born=date(1960 + n, 5, 1))
        eid = _visit(clinician, programme, pid, [*_pairs(190, 125), ("hc-bp-symptoms", "yes", "")])
        fact = VisitFact.objects.get(encounter_id=eid)
        assert (fact.critical, fact.referral_urgency) == (True, "urgent")
        if n < 5:
            referral = referral_of.get(encounter_id=eid, urgency="urgent")
            referrals.referral_update(
                actor=coordinator.actor, referral_id=referral.id, status="attended"
            )
    calm = _person(registrar, programme, document)  # no critical value: not in the rate
    _visit(clinician, programme, calm, _pairs(120, 80))
    table = reports.indicator_table(
        actor=analyst.actor, programme_id=programme.id, code="critical_same_day", by=""
    ).as_dict()
    total = next(c for c in table["margins"] if c["group"] == {})
    assert (total["numerator"], total["denominator"]) == (5, 10)


@pytest.mark.django_db
def test_the_latest_reading_marker_skips_visits_without_a_blood_pressure(
    registrar, clinician, programme, document
) -> None:
    """BP controlled reads each person's latest visit with a reading: a later visit that
    only weighed them leaves the marker where it was; a later reading moves it."""
    import importlib

    from healthcamp.reports import facts

    pid = _person(registrar, programme, document)
    first = _visit(clinician, programme, pid, _pairs(150, 95))
    weighed = _visit(clinician, programme, pid, [("29463-7", 70, "kg")])
    marked = dict(VisitFact.objects.filter(participant_id=pid).values_list("pk", "latest_reading"))
    assert marked == {first: True, weighed: False}
    second = _visit(clinician, programme, pid, _pairs(120, 78))
    marked = dict(VisitFact.objects.filter(participant_id=pid).values_list("pk", "latest_reading"))
    assert marked == {first: False, weighed: False, second: True}
    # The migration marks facts written before the column the same way.
    VisitFact.objects.update(latest_reading=False)
    migration = importlib.import_module("healthcamp.reports.migrations.0006_latest_reading")
    migration.mark_latest_readings(apps, None)
    again = dict(VisitFact.objects.filter(participant_id=pid).values_list("pk", "latest_reading"))
    assert again == marked
    # An erased screening forgets the readings: no visit is marked any more.
    facts.forget(participant_id=pid, purpose="screening")
    assert not VisitFact.objects.filter(participant_id=pid, latest_reading=True).exists()


@pytest.mark.django_db
def test_visits_are_counted_exactly_while_statistics_are_granted(
    registrar, clinician, coordinator, programme, document
) -> None:
    """`counted` on each visit agrees with the person's current answer after a recording,
    a withdrawal, a new consent, a recording after the withdrawal, a rebuild and the
    migration that filled the column."""
    import importlib

    from healthcamp.reports import consents
    from healthcamp.reports.models import CurrentConsent

    def counted() -> dict:
        return dict(VisitFact.objects.values_list("pk", "counted"))

    def granted() -> dict:
        yes = set(
            CurrentConsent.objects.filter(programme_statistics="yes").values_list(
                "participant_id", flat=True
            )
        )
        return {pk: pid in yes for pk, pid in VisitFact.objects.values_list("pk", "participant_id")}

    stays = _person(registrar, programme, document)
    leaves = _person(registrar, programme, document, born=date(1990, 1, 1))
    never = _person(registrar, programme, document, born=date(1985, 1, 1))
    for pid in (stays, leaves, never):
        _visit(clinician, programme, pid, _pairs(130, 85))
    assert all(counted().values())
    for pid in (leaves, never):
        _withdraw(registrar, pid, "programme_statistics")
    _visit(clinician, programme, leaves, _pairs(125, 80))  # recorded after withdrawing
    assert counted() == granted()
    assert sum(counted().values()) == 1
    give_consent(registrar, leaves, document.id)  # asked again: says yes to everything
    assert counted() == granted()
    assert sum(counted().values()) == 3
    VisitFact.objects.update(counted=False)  # a rebuild, and the migration, recount
    consents.rebuild()
    assert counted() == granted()
    VisitFact.objects.update(counted=False)
    migration = importlib.import_module("healthcamp.reports.migrations.0007_counted")
    migration.count_consenting(apps, None)
    assert counted() == granted()
