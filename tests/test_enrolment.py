"""Many people enrolled at once (services.enrolment): the desk's checks, sealing and
stored rows, a batch at a time, all or nothing, one audit entry per act naming everyone."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from django.apps import apps
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from healthcamp.access.errors import AccessDenied, InvalidInput
from healthcamp.access.roles import Purpose
from healthcamp.audit import selectors
from healthcamp.audit.chain import verify
from healthcamp.services import consent, participants
from healthcamp.services.enrolment import (
    ConsentGiven,
    Enrolment,
    EnrolmentRefused,
    participants_enrol,
)
from tests.conftest import ALL_PURPOSES

pytestmark = pytest.mark.django_db

TODAY = date.today()


def _born(years: int) -> date:
    return TODAY.replace(year=TODAY.year - years, day=1)


def _said(
    document: Any, method: str = "on_screen", no: tuple[str, ...] = (), **given: Any
) -> ConsentGiven:
    return ConsentGiven(
        document_id=document.id,
        decisions={p: p not in no for p in ALL_PURPOSES},
        given=consent.Given(method, **given),
    )


def _person(document: Any | None, **fields: Any) -> Enrolment:
    said = fields.pop("said", None)
    person = Enrolment(
        given_name="Amina",
        family_name="Haddad",
        date_of_birth=date(1984, 3, 15),
        sex="female",
        preferred_language="en",
        consent=said if said is not None else (_said(document) if document else None),
    )
    return replace(person, **fields)


def _desk(actor: Any, programme_id: int, person: Enrolment) -> Any:
    """The same person through the desk's two services, one act at a time."""
    record = participants.participant_register(
        actor=actor,
        programme_id=programme_id,
        given_name=person.given_name,
        family_name=person.family_name,
        date_of_birth=person.date_of_birth,
        sex=person.sex,
        preferred_language=person.preferred_language,
        phone=person.phone,
    )
    if person.consent:
        g = person.consent.given
        consent.consent_record(
            actor=actor,
            participant_id=record.id,
            document_id=person.consent.document_id,
            decisions=person.consent.decisions,
            method=g.method,
            witness_id=g.witness_id,
            paper_reference=g.paper_reference,
            guardian=g.guardian,
            assent=g.assent,
        )
    return record.id


def _stored(actor: Any, participant_id: Any) -> tuple[Any, ...]:
    """What a person's record says, without ids and times."""
    record = participants.participant_read(
        actor=actor, purpose=Purpose.REGISTRATION, participant_id=participant_id
    )
    views = consent.consents_of(actor=actor, participant_id=participant_id)
    answers = (
        apps.get_model("reports", "CurrentConsent")
        .objects.filter(participant_id=participant_id)
        .values(*ALL_PURPOSES)
        .first()
    )
    consent_row = (
        apps.get_model("consent", "Consent")
        .objects.filter(participant_id=participant_id)
        .values_list("form_index", flat=True)
        .first()
    )
    return (
        (record.given_name, record.family_name, record.date_of_birth, record.sex, record.phone),
        [
            (
                v.method,
                v.witness,
                v.paper_reference,
                v.guardian_name,
                v.guardian_relationship,
                v.assent,
                sorted((d.purpose, d.granted) for d in v.decisions),
            )
            for v in views
        ],
        answers,
        consent_row is not None,
    )


def test_a_batch_stores_what_the_desk_stores(
    registrar: Any, clinician: Any, programme: Any, document: Any
) -> None:
    people = [
        _person(document),
        _person(document, given_name="Yusuf", said=_said(document, no=("deidentified_research",))),
        _person(
            document,
            given_name="Layla",
            date_of_birth=_born(12),
            said=_said(document, guardian=consent.Guardian("Omar Haddad", "parent"), assent=True),
        ),
        _person(
            document, given_name="Khalid", said=_said(document, "paper", paper_reference="F-7")
        ),
        _person(
            document,
            given_name="Ruth",
            phone="+254 712 345678",
            said=_said(document, "witnessed_mark", witness_id=clinician.actor.staff_id),
        ),
        _person(None, given_name="Samuel"),  # registered, not yet asked
    ]
    enrolled = participants_enrol(actor=registrar.actor, programme_id=programme.id, people=people)
    assert [bool(e.consent_id) for e in enrolled] == [True] * 5 + [False]
    for person, done in zip(people, enrolled, strict=True):
        on_paper = person.consent is not None and person.consent.given.method == "paper"
        # A form holds one person: the desk's copy of Khalid signs form F-8.
        twin = replace(person, consent=_said(document, "paper", paper_reference="F-8"))
        by_desk = _desk(registrar.actor, programme.id, twin if on_paper else person)
        bulk, desk = _stored(registrar.actor, done.id), _stored(registrar.actor, by_desk)
        if on_paper:
            assert (bulk[1][0][2], desk[1][0][2]) == ("F-7", "F-8")
            desk[1][0] = (*desk[1][0][:2], "F-7", *desk[1][0][3:])
        assert bulk == desk


def test_each_person_sees_the_enrolment_in_their_own_log(
    registrar: Any, programme: Any, document: Any
) -> None:
    before = selectors.entry_count()
    enrolled = participants_enrol(
        actor=registrar.actor,
        programme_id=programme.id,
        people=[_person(document, given_name=n) for n in ("Amina", "Grace", "Ruth")],
    )
    assert selectors.entry_count() == before + 2  # one entry per act, naming all three
    for done in enrolled:
        actions = [line.action for line in selectors.log_for_participant(participant_id=done.id)]
        assert actions == ["consent.record", "participant.register"]
        assert [
            line.subjects for line in selectors.log_for_participant(participant_id=done.id)
        ] == [
            3,
            3,
        ]
    assert verify(check_head_file=False).ok  # the index agrees with the hashed bytes


def test_one_persons_errors_refuse_the_batch_and_nothing_is_written(
    registrar: Any, programme: Any, document: Any
) -> None:
    Participant = apps.get_model("registry", "Participant")
    before, entries = Participant.objects.count(), selectors.entry_count()
    people = [
        _person(document),
        _person(document, family_name="Haddad 2"),  # a digit in a name
        _person(document, date_of_birth=_born(10)),  # a child: no guardian, no assent
        _person(document, said=_said(document, "witnessed_mark")),  # no witness named
        _person(document, given_name="Grace"),
    ]
    with pytest.raises(EnrolmentRefused) as refused:
        participants_enrol(actor=registrar.actor, programme_id=programme.id, people=people)
    assert {n: sorted(f) for n, f in refused.value.by_person.items()} == {
        1: ["family_name"],
        2: ["assent", "guardian"],
        3: ["witness_id"],
    }
    assert "1.family_name" in refused.value.errors
    assert Participant.objects.count() == before
    assert selectors.entry_count() == entries


def test_a_paper_form_already_held_or_named_twice_is_refused(
    registrar: Any, programme: Any, document: Any
) -> None:
    def on(reference: str) -> Enrolment:
        return _person(document, said=_said(document, "paper", paper_reference=reference))

    participants_enrol(actor=registrar.actor, programme_id=programme.id, people=[on("F-1")])
    with pytest.raises(EnrolmentRefused) as refused:
        participants_enrol(
            actor=registrar.actor,
            programme_id=programme.id,
            people=[on("f-1"), on("F-2"), on("F-3"), on("F-2")],  # case ignored, as the desk does
        )
    assert sorted(refused.value.by_person) == [0, 3]
    assert "F-2" in refused.value.by_person[3]["paper_reference"]


def test_only_a_role_that_registers_may_enrol(
    clinician: Any, registrar: Any, programme: Any, document: Any
) -> None:
    with pytest.raises(AccessDenied):
        participants_enrol(actor=clinician.actor, programme_id=programme.id, people=[_person(None)])
    with pytest.raises(InvalidInput, match="At most"):
        participants_enrol(
            actor=registrar.actor, programme_id=programme.id, people=[_person(None)] * 1001
        )
    with pytest.raises(InvalidInput, match="no programme"):
        participants_enrol(actor=registrar.actor, programme_id=999_999, people=[_person(None)])


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(answers=st.lists(st.lists(st.booleans(), min_size=6, max_size=6), min_size=1, max_size=4))
def test_reports_count_enrolled_answers_as_the_desk_does(
    registrar: Any, programme: Any, document: Any, answers: list[list[bool]]
) -> None:
    """Any mix of yes and no: the reports' current answers equal those the desk's
    consent_record keeps for the same decisions."""
    CurrentConsent = apps.get_model("reports", "CurrentConsent")
    people = [
        _person(
            document,
            given_name="Amina",
            date_of_birth=_born(30) - timedelta(days=n),
            said=ConsentGiven(
                document_id=document.id,
                decisions=dict(zip(ALL_PURPOSES, yes, strict=True)),
                given=consent.Given("on_screen"),
            ),
        )
        for n, yes in enumerate(answers)
    ]
    enrolled = participants_enrol(actor=registrar.actor, programme_id=programme.id, people=people)
    for person, done in zip(people, enrolled, strict=True):
        by_desk = _desk(registrar.actor, programme.id, person)
        rows = CurrentConsent.objects.filter(participant_id__in=[done.id, by_desk])
        bulk, desk = (
            rows.filter(participant_id=pid).values(*ALL_PURPOSES).get()
            for pid in (done.id, by_desk)
        )
        assert bulk == desk


def test_a_card_code_taken_meanwhile_is_drawn_again(
    registrar: Any, programme: Any, document: Any, monkeypatch: Any
) -> None:
    """Another desk's registration can take a drawn code between the check and the insert:
    the unique key refuses the batch's insert (an IntegrityError on either engine, COPY
    included), and the batch draws its codes again."""
    from healthcamp.services import enrolment

    taken = participants.participant_register(
        actor=registrar.actor,
        programme_id=programme.id,
        given_name="Grace",
        family_name="Bennett",
        date_of_birth=date(1990, 1, 1),
        sex="female",
        preferred_language="en",
    ).card_code
    draws = iter([[taken, "Z" * 11], None])
    real = enrolment._unused_codes

    def first_clashes(count: int) -> list[str]:
        drawn = next(draws)
        return drawn[:count] if drawn else real(count)

    monkeypatch.setattr(enrolment, "_unused_codes", first_clashes)
    done = participants_enrol(
        actor=registrar.actor, programme_id=programme.id, people=[_person(None), _person(None)]
    )
    assert len({d.card_code for d in done} | {taken}) == 3


def test_a_bad_name_and_a_bad_form_reference_are_both_named(
    registrar: Any, programme: Any, document: Any
) -> None:
    """A person refused for their name still has their form reference read: it is named as
    a problem too, never an error of the service itself."""
    person = _person(
        document, family_name="H4ddad", said=_said(document, "paper", paper_reference="<none>")
    )
    with pytest.raises(EnrolmentRefused) as refused:
        participants_enrol(actor=registrar.actor, programme_id=programme.id, people=[person])
    assert sorted(refused.value.by_person[0]) == ["family_name", "paper_reference"]
