"""Guarded reads and writes of participants: the only door to their records.

Each function takes the acting staff member, the purpose and the target;
asks the policy; does the work; and appends an audit entry in the same
transaction. Denied attempts are appended too, then raised.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from healthcamp.access.errors import AccessDenied, InvalidInput, NotFound
from healthcamp.access.guard import audit as _audit
from healthcamp.access.guard import (
    check_consent,
    deny,
    hold,
    hold_as_member,
    is_consented,
    member_denial,
    member_programmes,
    require_role,
    split_by_consent,
)
from healthcamp.access.identity_reads import limit_identity_reads
from healthcamp.access.policy import default_purpose, needs_consent
from healthcamp.access.roles import PURPOSE_VALUES, Action, Purpose, Role
from healthcamp.access.staff import Actor
from healthcamp.audit import chain
from healthcamp.audit.selectors import LogLine
from healthcamp.audit.selectors import log_page as audit_log_page
from healthcamp.lib.paging import Page
from healthcamp.registry import cardcode, validation
from healthcamp.registry.models import Participant, Programme
from healthcamp.services import identity


class _Sealed(NamedTuple):
    """A participant row as stored: identity still sealed."""

    id: uuid.UUID
    programme_id: int
    card_code: str
    sex: str
    preferred_language: str
    registered_at: datetime
    kek_id: str
    wrapped_key: bytes
    given_name_sealed: bytes
    family_name_sealed: bytes
    date_of_birth_sealed: bytes
    phone_sealed: bytes


_FIELDS = _Sealed._fields


class ParticipantRecord(NamedTuple):
    """What a guarded read hands out: plain values, never a model instance.

    A named tuple, because bulk reads build thousands of them.
    """

    id: uuid.UUID
    programme_id: int
    card_code: str
    given_name: str
    family_name: str
    date_of_birth: date
    sex: str
    preferred_language: str
    phone: str
    registered_at: datetime

    @property
    def card_code_display(self) -> str:
        return cardcode.display(self.card_code)


def parse_purpose(value: str) -> Purpose:
    try:
        return Purpose(value)
    except ValueError:
        raise InvalidInput(
            {
                # The codes a request sends: pages choose the purpose themselves.
                "purpose": gettext("%(value)s is not a purpose; use one of %(codes)s.")
                % {"value": repr(value), "codes": PURPOSE_VALUES}
            }
        ) from None


def _not_found(actor: Actor, action: Action, purpose: Purpose, what: str, said: str) -> NotFound:
    """what: for the audit log (English, as every entry); said: for the reader."""
    with transaction.atomic():
        _audit(actor, action, purpose, "not_found", (), what)
    return NotFound(said)


def no_participant(participant_id: uuid.UUID) -> str:
    """No one with this id, in the reader's language."""
    return gettext("No participant with id %(id)s. Check it and try again.") % {
        "id": participant_id
    }


_ID = Participant._meta.pk


@functools.cache
def _by_id_sql(vendor: str) -> str:
    """The ORM's own SQL for fetching one participant by id, compiled once per database kind.

    Compiling the query is about half the cost of a single-row read; the guarded read
    runs on every station screen, so it reuses the compiled text.
    """
    del vendor  # part of the cache key only
    query = Participant.objects.filter(pk=uuid.UUID(int=0)).query
    sql, _params = query.get_compiler(connection=connection).as_sql()
    return str(sql)


@functools.cache
def _sealed_by_id_sql(vendor: str) -> str:
    """The ORM's SQL for one participant's stored columns (_Sealed's order), compiled once."""
    del vendor  # part of the cache key only
    query = Participant.objects.filter(pk=uuid.UUID(int=0)).values_list(*_FIELDS).query
    sql, _params = query.get_compiler(connection=connection).as_sql()
    return str(sql)


def _sealed_by_id(participant_id: uuid.UUID) -> list[_Sealed]:
    """SQLite: the stored row through a plain cursor, with the backend's own converters for
    the two columns SQLite keeps as text. Not raw(): raw() works out the model's field order
    on every call, about a quarter of a guarded read's time here."""
    with connection.cursor() as cursor:
        cursor.execute(
            _sealed_by_id_sql(connection.vendor),
            [_ID.get_db_prep_value(participant_id, connection)],
        )
        rows = cursor.fetchall()
    ops: Any = connection.ops  # SQLite's: it has the converters below
    return [
        _Sealed._make(
            (
                ops.convert_uuidfield_value(row[0], None, connection),
                *row[1:5],
                ops.convert_datetimefield_value(row[5], None, connection),
                *row[6:],
            )
        )
        for row in rows
    ]


def _record(row: tuple[Any, ...]) -> ParticipantRecord:
    return _open(_Sealed._make(row))


def _open(sealed: _Sealed | Participant) -> ParticipantRecord:
    person = identity.open_identity(sealed)
    return ParticipantRecord(
        id=sealed.id,
        programme_id=sealed.programme_id,
        card_code=sealed.card_code,
        given_name=person.given_name,
        family_name=person.family_name,
        date_of_birth=person.date_of_birth,
        sex=sealed.sex,
        preferred_language=sealed.preferred_language,
        phone=person.phone,
        registered_at=sealed.registered_at,
    )


def clean_identity(
    *,
    given_name: str,
    family_name: str,
    date_of_birth: date,
    sex: str,
    preferred_language: str,
    phone: str,
    today: date,
) -> tuple[dict[str, object], dict[str, str]]:
    """A new person's fields as stored, and an error for each field that is not right
    (the desk's one registration and the bulk enrolment check alike)."""
    errors: dict[str, str] = {}
    cleaned: dict[str, object] = {}
    checks: dict[str, Callable[[], object]] = {
        "given_name": lambda: validation.clean_name(given_name, label="given name"),
        "family_name": lambda: validation.clean_name(family_name, label="family name"),
        "date_of_birth": lambda: validation.clean_date_of_birth(date_of_birth, today=today),
        "sex": lambda: validation.clean_sex(sex),
        "preferred_language": lambda: validation.clean_language(preferred_language),
        "phone": lambda: validation.clean_phone(phone),
    }
    for field, check in checks.items():
        try:
            cleaned[field] = check()
        except ValueError as error:
            errors[field] = str(error)
    return cleaned, errors


def participant_register(
    *,
    actor: Actor,
    programme_id: int,
    given_name: str,
    family_name: str,
    date_of_birth: date,
    sex: str,
    preferred_language: str,
    phone: str = "",
    today: date | None = None,
) -> ParticipantRecord:
    purpose = Purpose.REGISTRATION
    require_role(actor, Action.REGISTER, purpose, (), programme_id=programme_id)
    cleaned, errors = clean_identity(
        given_name=given_name,
        family_name=family_name,
        date_of_birth=date_of_birth,
        sex=sex,
        preferred_language=preferred_language,
        phone=phone,
        today=today or timezone.localdate(),
    )
    programme = Programme.objects.filter(pk=programme_id).first()
    if programme is None:
        errors["programme_id"] = gettext(
            "There is no programme %(id)s; check the programme id."
        ) % {"id": programme_id}
    if errors or programme is None:
        raise InvalidInput(errors)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                participant = Participant.objects.create(
                    programme=programme,
                    card_code=cardcode.generate(),
                    sex=str(cleaned["sex"]),
                    preferred_language=str(cleaned["preferred_language"]),
                    **identity.seal_identity(
                        uuid.uuid4(),
                        identity.Identity(
                            given_name=str(cleaned["given_name"]),
                            family_name=str(cleaned["family_name"]),
                            date_of_birth=cleaned["date_of_birth"],  # type: ignore[arg-type]
                            phone=str(cleaned["phone"]),
                        ),
                        today=today or timezone.localdate(),
                    ),
                )
                _audit(actor, Action.REGISTER, purpose, "allowed", [participant.id])
            break
        except IntegrityError:  # a card code drawn twice: draw again
            continue
    else:
        raise RuntimeError("Could not draw an unused card code in five attempts.")
    return _from_instance(participant)


def _from_instance(participant: Participant) -> ParticipantRecord:
    return _open(participant)


def participant_read(
    *, actor: Actor, purpose: Purpose, participant_id: uuid.UUID
) -> ParticipantRecord:
    # PostgreSQL: the membership check rides on the hold (one round trip fewer) for staff
    # reading for a consented purpose; registration reads keep their order (the hourly
    # limit counts only people of the member's programmes).
    one_trip = (
        connection.vendor == "postgresql"
        and actor.staff_id is not None
        and purpose is not Purpose.REGISTRATION
    )
    require_role(actor, Action.READ, purpose, [participant_id], membership_in_hold=one_trip)
    limit_identity_reads(actor, purpose, [participant_id])
    found: list[_Sealed]
    if connection.vendor == "postgresql":
        outside: set[int] = set()
        with transaction.atomic():
            # Held first, so the one-statement read's snapshot sees any withdrawal that
            # committed before it, and no withdrawal commits until this read is done.
            if one_trip:
                outside = hold_as_member(actor, [participant_id])
            else:
                hold([participant_id])
            found = [] if outside else _read_and_audit(actor, purpose, participant_id)
            if not found and not outside:  # absent, or no consent now: find out which
                decision = check_consent(actor, Action.READ, purpose, participant_id)
        if outside:
            raise member_denial(actor, Action.READ, purpose, [participant_id], outside)
        if not found:
            if decision.allowed or not Participant.objects.filter(pk=participant_id).exists():
                raise _not_found(
                    actor,
                    Action.READ,
                    purpose,
                    f"id {participant_id}",
                    no_participant(participant_id),
                )
            raise deny(
                actor, Action.READ, purpose, [participant_id], decision.reason, decision.said
            )
    else:
        with transaction.atomic():
            decision = check_consent(actor, Action.READ, purpose, participant_id)
            found = _sealed_by_id(participant_id)
            if found:
                outcome = "allowed" if decision.allowed else "denied"
                detail = "" if decision.allowed else decision.reason
                _audit(actor, Action.READ, purpose, outcome, [participant_id], detail)
        if found and not decision.allowed:
            raise AccessDenied(decision.said or decision.reason, decision.reason)
    if not found:
        raise _not_found(
            actor, Action.READ, purpose, f"id {participant_id}", no_participant(participant_id)
        )
    return _open(found[0])


# Granted, and not withdrawn, under the participant's newest consent (the SQL twin of
# consent.rules.status_of, for PostgreSQL's one-statement read; the consent state
# machine test runs against both).
_PG_CONSENTED = """
 AND COALESCE((
    SELECT d.granted AND d.withdrawn_at IS NULL
    FROM consent_consent c
    LEFT JOIN consent_decision d ON d.consent_id = c.id AND d.purpose = %s
    WHERE c.participant_id = "registry_participant"."id"
    ORDER BY c.recorded_at DESC, c.id DESC
    LIMIT 1
 ), FALSE)"""


def _read_and_audit(actor: Actor, purpose: Purpose, participant_id: uuid.UUID) -> list[_Sealed]:
    """PostgreSQL: consent check, read and audit entry in one statement (one transaction).

    Saves the round trips that dominate a guarded single read there. Returns nothing,
    and writes nothing, when the participant is absent or has no consent now; the
    caller then records which.
    """
    new = chain.entry(
        actor=actor.audit_name,
        role=actor.role.value,
        action=Action.READ.value,
        purpose=purpose.value,
        outcome="allowed",
        subjects=[participant_id.hex],
    )
    target = _by_id_sql(connection.vendor)
    params: list[Any] = [_ID.get_db_prep_value(participant_id, connection)]
    if needs_consent(purpose):
        target += _PG_CONSENTED
        params.append(purpose.value)
    sql = chain.pg_append_sql(target)
    params += chain.pg_append_params(new)
    found = _fetch_named(sql, params)
    if found and found[0]["audit_seq"] is None:  # no head row yet (new/flushed db)
        chain.pg_start_head()
        found = _fetch_named(sql, params)
    if not found:
        return []
    row = found[0]
    chain.appended(chain.Head(row["audit_seq"], bytes(row["audit_hash"]), bytes(row["audit_prev"])))
    return [_Sealed(**{name: row[name] for name in _FIELDS})]


def _fetch_named(sql: str, params: list[Any]) -> list[dict[str, Any]]:
    # A plain cursor, not raw(): raw() works out the model's field order on every call,
    # which cost as much as the statement's round trip.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column.name for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def participants_read_bulk(
    *, actor: Actor, purpose: Purpose, participant_ids: Sequence[uuid.UUID]
) -> list[ParticipantRecord]:
    """Read many records for one purpose: one audit entry naming every participant read."""
    require_role(actor, Action.READ, purpose, participant_ids)
    limit_identity_reads(actor, purpose, participant_ids)
    with transaction.atomic():
        allowed, _refused = split_by_consent(actor, Action.READ, purpose, participant_ids)
        rows = list(Participant.objects.filter(pk__in=allowed).values_list(*_FIELDS))
        _audit(actor, Action.READ, purpose, "allowed", [row[0] for row in rows])
    return [_record(row) for row in rows]


def participant_find_by_card(
    *, actor: Actor, purpose: Purpose, card_code: str
) -> ParticipantRecord:
    require_role(actor, Action.SEARCH, purpose, ())
    try:
        code = cardcode.parse(card_code)
    except cardcode.CardCodeError as error:
        raise InvalidInput({"card_code": str(error)}) from None
    with transaction.atomic():
        row = Participant.objects.filter(card_code=code).values_list(*_FIELDS).first()
    if row is not None:
        # A card of another programme's person: refused and audited like any act outside.
        require_role(actor, Action.SEARCH, purpose, [row[0]])
    with transaction.atomic():
        if row is not None:
            record = _record(row)
            decision = check_consent(actor, Action.SEARCH, purpose, record.id)
            outcome = "allowed" if decision.allowed else "denied"
            detail = "by card code" if decision.allowed else decision.reason
            _audit(actor, Action.SEARCH, purpose, outcome, [record.id], detail)
    if row is None:
        shown = cardcode.display(code)
        raise _not_found(
            actor,
            Action.SEARCH,
            purpose,
            f"card code {shown}",
            gettext("No participant with card code %(code)s. Check it and try again.")
            % {"code": shown},
        )
    if not decision.allowed:
        raise AccessDenied(decision.said or decision.reason, decision.reason)
    return record


def participant_search(
    *,
    actor: Actor,
    purpose: Purpose,
    given_name: str,
    family_name: str,
    date_of_birth: date,
) -> list[ParticipantRecord]:
    """Find by name and date of birth; an empty result is audited too."""
    require_role(actor, Action.SEARCH, purpose, ())
    errors = {}
    if not given_name.strip():
        errors["given_name"] = gettext("Enter the given name to search for.")
    if not family_name.strip():
        errors["family_name"] = gettext("Enter the family name to search for.")
    if errors:
        raise InvalidInput(errors)
    _exact, tolerant = identity.name_indexes(
        given=given_name, family=family_name, born=date_of_birth
    )
    with transaction.atomic():
        # The tolerant blind index: case, accents, spacing and script do not matter,
        # and no name is ever compared in the clear in the database.
        candidates = Participant.objects.filter(tolerant_index=tolerant).order_by("registered_at")
        theirs = member_programmes(actor) if actor.staff_id is not None else None
        rows = list(candidates.values_list(*_FIELDS))
        if outside := [r[0] for r in rows if theirs is not None and r[1] not in theirs]:
            # Someone of another programme matched: not shown, and on their record.
            _audit(
                actor,
                Action.SEARCH,
                purpose,
                "denied",
                outside,
                "by name and date of birth: not a member of their programme",
            )
        matches = [_record(row) for row in rows if row[0] not in outside]
        # Without consent for the purpose, a match is neither shown nor named as allowed.
        allowed, _refused = split_by_consent(actor, Action.SEARCH, purpose, [r.id for r in matches])
        found = [record for record in matches if record.id in set(allowed)]
        _audit(
            actor,
            Action.SEARCH,
            purpose,
            "allowed" if found else "not_found",
            [record.id for record in found],
            "by name and date of birth",
        )
    return found


def purpose_for(*, actor: Actor, participant_id: uuid.UUID) -> Purpose:
    """The purpose a staff page reads this person for: the role's own, or for a clinician
    the first measuring purpose the person still agrees to, so withdrawing measurements
    alone leaves their blood tests readable (and the other way round)."""
    purpose = default_purpose(actor.role)
    if actor.role is not Role.CLINICIAN:
        return purpose
    return next(
        (
            p
            for p in (Purpose.SCREENING, Purpose.BLOOD_TESTS)
            if is_consented(actor, Action.READ, p, participant_id)
        ),
        purpose,
    )


def participant_with_log(
    *, actor: Actor, purpose: Purpose, participant_id: uuid.UUID, log_page: int = 1
) -> tuple[ParticipantRecord, Page[LogLine]]:
    """The record and a page of who did what to it (newest first); the first page
    includes this very read."""
    record = participant_read(actor=actor, purpose=purpose, participant_id=participant_id)
    return record, audit_log_page(participant_id=participant_id.hex, number=log_page)


def registered_alike(
    *,
    actor: Actor,
    programme_id: int,
    given_name: str,
    family_name: str,
    date_of_birth: date,
) -> int:
    """Before a new card is made: how many people of this programme already carry this
    name and birth date (tolerantly: case, accents, spacing and script aside).

    A count only, within the programme, of the people a name search would show (consent
    as the search checks it), and audited as that search is, on each of their records:
    asking is a look-up, and leaves the same trace.
    """
    # Part of registering: whoever may not register is refused as registering refuses.
    require_role(actor, Action.REGISTER, Purpose.REGISTRATION, (), programme_id=programme_id)
    _exact, tolerant = identity.name_indexes(
        given=given_name, family=family_name, born=date_of_birth
    )
    purpose = Purpose.REGISTRATION
    with transaction.atomic():
        ids = list(
            Participant.objects.filter(
                tolerant_index=tolerant, programme_id=programme_id
            ).values_list("pk", flat=True)
        )
        allowed, _refused = split_by_consent(actor, Action.SEARCH, purpose, ids)
        _audit(
            actor,
            Action.SEARCH,
            purpose,
            "allowed" if allowed else "not_found",
            list(allowed),
            "before registering: the same name and date of birth",
        )
    return len(allowed)


def likely_duplicates(*, actor: Actor, participant_id: uuid.UUID) -> int:
    """How many other participants share this one's name and birth date (tolerantly).

    A count only: the registrar then searches by name and date of birth to look.
    """
    require_role(actor, Action.SEARCH, Purpose.REGISTRATION, [participant_id])
    tolerant = (
        Participant.objects.filter(pk=participant_id)
        .values_list("tolerant_index", flat=True)
        .first()
    )
    if tolerant is None:
        return 0
    return Participant.objects.filter(tolerant_index=tolerant).exclude(pk=participant_id).count()
