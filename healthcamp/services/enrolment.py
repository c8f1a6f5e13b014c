"""Many people registered, each with the consent they gave, in one transaction.

What `participants.participant_register` and `consent.consent_record` do one person at a
time - the same checks, the same sealing, the same stored rows - for a batch: the rows go
in with one insert per table, the reports' current answers are read the door's way in one
query per purpose, and one audit entry per act names everyone in the batch (as a bulk read
does). A paper form's stack at the end of a camp day, or the demo's synthetic thousands,
then cost a few inserts instead of a dozen round trips a person.

All or nothing: any person's error refuses the batch, with every error named by position.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from healthcamp.access.errors import InvalidInput
from healthcamp.access.guard import audit, require_role
from healthcamp.access.models import StaffMember
from healthcamp.access.roles import Action, Purpose
from healthcamp.access.staff import Actor
from healthcamp.consent.models import Consent, ConsentDocument, Decision
from healthcamp.consent.rules import DecisionFact
from healthcamp.lib.bulk_rows import db_datetime, db_uuid, insert_rows
from healthcamp.registry import cardcode, validation
from healthcamp.registry.models import Participant, Programme
from healthcamp.reports import consents as current_consent
from healthcamp.services import consent, identity, paper_forms
from healthcamp.services.participants import clean_identity

MOST = 1000  # people a batch: one audit entry names them all, as a bulk read names 500


@dataclass(frozen=True)
class ConsentGiven:
    document_id: int
    decisions: Mapping[str, bool]
    given: consent.Given


@dataclass(frozen=True)
class Enrolment:
    given_name: str
    family_name: str
    date_of_birth: date
    sex: str
    preferred_language: str
    phone: str = ""
    consent: ConsentGiven | None = None  # None: registered, not yet asked


@dataclass(frozen=True)
class Enrolled:
    id: uuid.UUID
    card_code: str
    consent_id: int | None


class EnrolmentRefused(InvalidInput):
    """`by_person` maps a person's position in the batch (from 0) to their field errors;
    `errors` says the same with the position in each key ("3.family_name")."""

    def __init__(self, by_person: dict[int, dict[str, str]]) -> None:
        self.by_person = by_person
        super().__init__(
            {
                f"{n}.{field}": text
                for n, fields in by_person.items()
                for field, text in fields.items()
            }
        )


def participants_enrol(
    *, actor: Actor, programme_id: int, people: Sequence[Enrolment], today: date | None = None
) -> list[Enrolled]:
    """Register `people` (at most MOST) in the programme, and record the consent each gave.
    Raises EnrolmentRefused naming every person's errors, with nothing written."""
    purpose = Purpose.REGISTRATION
    require_role(actor, Action.REGISTER, purpose, (), programme_id=programme_id)
    if any(p.consent for p in people):
        require_role(actor, Action.CONSENT_RECORD, purpose, (), programme_id=programme_id)
    if len(people) > MOST:
        raise InvalidInput(
            {"people": gettext("At most %(most)s people at a time.") % {"most": MOST}}
        )
    programme = Programme.objects.filter(pk=programme_id).first()
    if programme is None:
        raise InvalidInput(
            {
                "programme_id": gettext("There is no programme %(id)s; check the programme id.")
                % {"id": programme_id}
            }
        )
    if not people:
        return []
    day = today or timezone.localdate()
    cleaned, references, refused = _checked(actor, programme, people, day)
    with transaction.atomic():
        indexes, held = paper_forms.indexes_for_new_people(
            programme_id=programme_id, references=references
        )
        for n, text in held.items():
            refused.setdefault(n, {})["paper_reference"] = text
        if refused:
            raise EnrolmentRefused(dict(sorted(refused.items())))
        rows = _inserted(programme, cleaned, day)
        consents = _consents(actor, rows, people, references, indexes)
        current_consent.sync_new(
            answered={pid: decisions for pid, (_, decisions) in consents.items()},
            programme_id=programme_id,
        )
        ids = [row.id for row in rows]
        audit(actor, Action.REGISTER, purpose, "allowed", ids, f"{len(ids)} enrolled together")
        if consents:
            numbers = sorted(consent_id for consent_id, _ in consents.values())
            audit(
                actor,
                Action.CONSENT_RECORD,
                purpose,
                "allowed",
                list(consents),
                f"consents {numbers[0]}-{numbers[-1]}, recorded with the enrolment",
            )
    return [
        Enrolled(row.id, row.card_code, consents[row.id][0] if row.id in consents else None)
        for row in rows
    ]


def _reference(person: Enrolment) -> tuple[str, str]:
    """The person's paper form reference as stored, or "" and why it cannot be."""
    try:
        return validation.clean_paper_reference(
            person.consent.given.paper_reference if person.consent else ""
        ), ""
    except ValueError as error:
        return "", str(error)


def _checked(
    actor: Actor, programme: Programme, people: Sequence[Enrolment], day: date
) -> tuple[list[dict[str, object]], list[str], dict[int, dict[str, str]]]:
    """Each person's cleaned fields and form reference, and the errors by position: the
    desk's own checks."""
    recorder = actor.staff_id
    assert recorder is not None, "the policy lets only staff record consent"  # noqa: S101
    document_ids = {p.consent.document_id for p in people if p.consent}
    documents = {
        d.pk: d
        for d in ConsentDocument.objects.filter(pk__in=document_ids).prefetch_related("purposes")
    }
    witness_ids = {p.consent.given.witness_id for p in people if p.consent}
    named = [w for w in witness_ids if w is not None]
    witnesses = {s.pk: s for s in StaffMember.objects.filter(pk__in=named)}
    cleaned: list[dict[str, object]] = []
    references: list[str] = []
    refused: dict[int, dict[str, str]] = {}
    for n, person in enumerate(people):
        fields, errors = clean_identity(
            given_name=person.given_name,
            family_name=person.family_name,
            date_of_birth=person.date_of_birth,
            sex=person.sex,
            preferred_language=person.preferred_language,
            phone=person.phone,
            today=day,
        )
        given = person.consent
        if given and not errors:
            errors = consent.consent_errors(
                programme=programme,
                born=lambda fields=fields: fields["date_of_birth"],  # type: ignore[misc]
                document=documents.get(given.document_id),
                document_id=given.document_id,
                decisions=given.decisions,
                given=given.given,
                witness=witnesses.get(given.given.witness_id or 0),
                recorder_id=recorder,
            )
        reference, wrong = _reference(person)
        if wrong:  # also when the person's other errors kept the consent's check from it
            errors["paper_reference"] = wrong
        if errors:
            refused[n] = errors
        cleaned.append(fields)
        references.append(reference)
    return cleaned, references, refused


def _inserted(programme: Programme, cleaned: list[dict[str, object]], day: date) -> list[_New]:
    """The participant rows, sealed as the desk seals them; card codes drawn afresh
    should one be taken meanwhile."""
    sealed = [
        identity.seal_identity(
            uuid.uuid4(),
            identity.Identity(
                given_name=str(fields["given_name"]),
                family_name=str(fields["family_name"]),
                date_of_birth=fields["date_of_birth"],  # type: ignore[arg-type]
                phone=str(fields["phone"]),
            ),
            today=day,
        )
        for fields in cleaned
    ]
    for _attempt in range(5):
        codes = _unused_codes(len(sealed))
        registered_at = db_datetime(timezone.now())
        try:
            with transaction.atomic():
                insert_rows(
                    table=Participant._meta.db_table,
                    columns=[*sealed[0], *_PLAIN],  # seal_identity's columns, the id first
                    rows=(
                        (
                            db_uuid(row["id"]),  # type: ignore[arg-type]
                            *(value for column, value in row.items() if column != "id"),
                            programme.pk,
                            code,
                            fields["sex"],
                            fields["preferred_language"],
                            registered_at,
                            "",
                        )
                        for row, fields, code in zip(sealed, cleaned, codes, strict=True)
                    ),
                )
            break
        except IntegrityError:  # a code drawn by another desk meanwhile: draw again
            continue
    else:
        raise RuntimeError("Could not draw unused card codes in five attempts.")
    return [
        _New(row["id"], code, row)  # type: ignore[arg-type]
        for row, code in zip(sealed, codes, strict=True)
    ]


_PLAIN = ["programme_id", "card_code", "sex", "preferred_language", "registered_at", "portal_pin"]


@dataclass(frozen=True)
class _New:
    id: uuid.UUID
    card_code: str
    sealed: dict[str, object]  # its key, to seal a guardian's name or a form's reference

    def seal(self, *, field: str, value: str) -> bytes:
        # An unsaved row carries the person's wrapped key as a stored one does.
        return identity.seal_for(Participant(**self.sealed), field=field, value=value)


def _unused_codes(count: int) -> list[str]:
    codes: set[str] = set()
    while len(codes) < count:
        codes |= {cardcode.generate() for _ in range(count - len(codes))}
        taken = Participant.objects.filter(card_code__in=codes).values_list("card_code", flat=True)
        codes -= set(taken)
    return list(codes)


def _consents(
    actor: Actor,
    rows: list[_New],
    people: Sequence[Enrolment],
    references: list[str],
    indexes: list[bytes | None],
) -> dict[uuid.UUID, tuple[int, list[DecisionFact]]]:
    """Each consent given, sealed with its person's key, and its decisions: by person,
    the consent's id and the decisions as the consent rules read them."""
    recorded_at = db_datetime(timezone.now())
    recorder = actor.staff_id
    made: list[tuple[object, ...]] = []
    for row, person, reference, index in zip(rows, people, references, indexes, strict=True):
        if person.consent is None:
            continue
        given = person.consent.given
        guardian = given.guardian
        made.append(
            (
                db_uuid(row.id),
                index,
                person.consent.document_id,
                given.method,
                recorder,
                given.witness_id,
                row.seal(field="paper_reference", value=reference)
                if given.method == "paper"
                else b"",
                row.seal(
                    field="guardian_name",
                    value=validation.clean_name(guardian.name, label="name", whose="guardian's"),
                )
                if guardian
                else b"",
                guardian.relationship if guardian else "",
                given.assent,
                recorded_at,
            )
        )
    if not made:
        return {}
    insert_rows(table=Consent._meta.db_table, columns=_CONSENT_COLUMNS, rows=made)
    # Each new person has exactly the one consent just written: its id, by person.
    ids = dict(
        Consent.objects.filter(participant_id__in=[r.id for r in rows]).values_list(
            "participant_id", "pk"
        )
    )
    answered = {
        row.id: (ids[row.id], person.consent.decisions)
        for row, person in zip(rows, people, strict=True)
        if person.consent
    }
    insert_rows(
        table=Decision._meta.db_table,
        columns=["consent_id", "purpose", "granted", "withdrawn_at"],
        rows=(
            (consent_id, code, bool(yes), None)
            for consent_id, decisions in answered.values()
            for code, yes in decisions.items()
        ),
    )
    return {
        pid: (consent_id, [DecisionFact(code, bool(yes), None) for code, yes in decisions.items()])
        for pid, (consent_id, decisions) in answered.items()
    }


_CONSENT_COLUMNS = [
    "participant_id",
    "form_index",
    "document_id",
    "method",
    "recorded_by_id",
    "witness_id",
    "paper_reference_sealed",
    "guardian_name_sealed",
    "guardian_relationship",
    "assent",
    "recorded_at",
]
