"""The participant portal: a person signs in with their card and sees their own record.

Signing in needs the card code and the date of birth, and the PIN when the person set
one. A card code is 10 random Crockford base-32 characters (about 10^15 codes), so a
stranger cannot guess one; what the lockout protects is a known card whose birth date
someone tries to guess: after CARD_FAILURE_LIMIT wrong tries on one card, or
ADDRESS_FAILURE_LIMIT from one address, sign-in waits out the window. Every wrong try
on an existing card is in that person's access log.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from healthcamp.access import consent, exams, identity, referrals
from healthcamp.access.errors import InvalidInput
from healthcamp.access.guard import audit, require_role
from healthcamp.access.models import PortalFailure
from healthcamp.access.roles import Action, Purpose, Role
from healthcamp.access.staff import Actor, participant_actor
from healthcamp.audit.selectors import LogLine, log_for_participant
from healthcamp.exams.models import Observation, Referral
from healthcamp.registry import cardcode
from healthcamp.registry.models import Participant

WINDOW = timedelta(minutes=15)
CARD_FAILURE_LIMIT = 5
ADDRESS_FAILURE_LIMIT = 20
PIN_LENGTHS = range(4, 9)
# Someone at the sign-in page, not (yet) known to be the card holder.
VISITOR = Actor(None, "visitor", Role.VISITOR)


class SignInRefused(Exception):
    """Wrong card, birth date or PIN; the message says what to do, never which was wrong."""

    def __init__(self, message: str, *, tries_left: int | None = None) -> None:
        super().__init__(message)
        self.tries_left = tries_left


class SignInLocked(SignInRefused):
    def __init__(self, until: datetime) -> None:
        super().__init__("Too many wrong tries.")
        self.until = until


def _card_key(code: str) -> str:
    # Keyed, so the table of recent failures does not list which cards were tried.
    digest = hmac.new(settings.SECRET_KEY.encode(), code.encode("ascii"), hashlib.sha256)
    return "card:" + digest.hexdigest()


def _locked_until(keys: dict[str, int], now: datetime, mine: list[int]) -> datetime | None:
    """When the lock on any of these keys lifts, counting every failure but this try's own."""
    for key, limit in keys.items():
        recent = list(
            PortalFailure.objects.filter(key=key, at__gt=now - WINDOW)
            .exclude(pk__in=mine)
            .order_by("-at")
            .values_list("at", flat=True)[:limit]
        )
        if len(recent) >= limit:
            return recent[-1] + WINDOW
    return None


@functools.cache
def _decoy_hash() -> str:
    return make_password("not a PIN anyone has")


@dataclass(frozen=True)
class SignedIn:
    actor: Actor
    language: str


def portal_sign_in(
    *, card_code: str, date_of_birth: date | None, pin: str, address: str
) -> SignedIn:
    """The participant's own actor when card, birth date (and PIN, if set) match.

    Each try is written down as a failure before anything is checked (and committed, so
    concurrent tries see each other): a burst of parallel guesses cannot slip past the
    limit. A right try then clears its card's count.
    """
    now = timezone.now()
    PortalFailure.objects.filter(at__lte=now - WINDOW).delete()  # keep only the window
    try:
        code = cardcode.parse(card_code)
    except cardcode.CardCodeError as error:
        # A typo, not a guess at someone's birth date: nothing to count.
        raise SignInRefused(f"{error}") from None
    keys = {_card_key(code): CARD_FAILURE_LIMIT, "address:" + address: ADDRESS_FAILURE_LIMIT}
    mine = [PortalFailure.objects.create(key=k, at=now).pk for k in keys]
    if (until := _locked_until(keys, now, mine)) is not None:
        PortalFailure.objects.filter(pk__in=mine).delete()  # a refused try counts for nothing
        raise SignInLocked(until)
    participant = Participant.objects.filter(card_code=code).first()
    born = identity.open_identity(participant).date_of_birth if participant else None
    # The PIN check costs the same whether or not the card, birth date or PIN exist, so
    # the time taken tells nothing about which of them was wrong.
    stored_pin = participant.portal_pin if participant and participant.portal_pin else ""
    pin_ok = check_password(pin, stored_pin or _decoy_hash()) or not stored_pin
    matches = participant is not None and date_of_birth is not None and born == date_of_birth
    matches = matches and pin_ok
    with transaction.atomic():
        if not matches:
            if participant is not None:  # the card holder will see the attempt
                audit(
                    VISITOR,
                    Action.PORTAL_SIGN_IN,
                    Purpose.OWN_RECORD,
                    "denied",
                    [participant.id],
                    "wrong date of birth or PIN",
                )
        else:
            assert participant is not None  # noqa: S101 - matches implies it
            PortalFailure.objects.filter(Q(key=_card_key(code)) | Q(pk__in=mine)).delete()
            actor = participant_actor(participant.id)
            audit(actor, Action.PORTAL_SIGN_IN, Purpose.OWN_RECORD, "allowed", [participant.id])
            return SignedIn(actor, participant.preferred_language)
    used = PortalFailure.objects.filter(key=_card_key(code), at__gt=now - WINDOW).count()
    raise SignInRefused(
        "The card code, date of birth or PIN do not match. Check them and try again.",
        tries_left=max(CARD_FAILURE_LIMIT - used, 0),
    )


def portal_pin_set(*, actor: Actor, pin: str, current_pin: str = "") -> None:
    """Set (or, with an empty pin, remove) the PIN the portal asks for from now on.

    Changing or removing a PIN needs the current one: on a shared phone, whoever picks
    it up must not lock the person out.
    """
    participant_id = _own(actor)
    require_role(actor, Action.PORTAL_PIN_SET, Purpose.OWN_RECORD, [participant_id])
    pin = pin.strip()
    if pin and (not pin.isdigit() or not pin.isascii() or len(pin) not in PIN_LENGTHS):
        raise InvalidInput({"pin": "A PIN is 4 to 8 digits (0-9)."})
    with transaction.atomic():
        participant = Participant.objects.select_for_update().filter(pk=participant_id).first()
        if participant is None:
            raise SignInRefused("This record no longer exists.")
        if participant.portal_pin and not check_password(current_pin, participant.portal_pin):
            raise InvalidInput({"current_pin": "Enter your current PIN to change or remove it."})
        participant.portal_pin = make_password(pin) if pin else ""
        participant.save(update_fields=["portal_pin"])
        audit(
            actor,
            Action.PORTAL_PIN_SET,
            Purpose.OWN_RECORD,
            "allowed",
            [participant_id],
            "PIN set" if pin else "PIN removed",
        )


def _own(actor: Actor) -> uuid.UUID:
    if actor.participant_id is None:
        raise InvalidInput({"actor": "Only a participant signed in to the portal acts here."})
    return actor.participant_id


@dataclass(frozen=True)
class PortalRecord:
    participant_id: uuid.UUID
    given_name: str
    family_name: str
    language: str
    sex: str
    card_code: str
    has_pin: bool
    visits: list[exams.Visit]  # oldest first
    observations: list[exams.ObservationView]  # one per measure and visit, oldest first
    consents: list[consent.ConsentView]  # newest first
    referrals: list[referrals.ReferralView]
    log: list[LogLine]  # newest first, this view included


def portal_record(*, actor: Actor) -> PortalRecord:
    """Everything held about the signed-in person, as one audited read of their own."""
    participant_id = _own(actor)
    require_role(actor, Action.READ, Purpose.OWN_RECORD, [participant_id])
    with transaction.atomic():
        participant = Participant.objects.filter(pk=participant_id).first()
        if participant is None:  # erased since signing in
            raise SignInRefused("This record no longer exists.")
        person = identity.open_identity(participant)
        language = participant.preferred_language
        visits = exams.visits(participant_id)
        observations = exams.per_visit(
            [
                exams.observation_view(o, language)
                for o in Observation.objects.filter(encounter__participant=participant).order_by(
                    "recorded_at", "pk"
                )
            ],
            sex=participant.sex,
        )
        referral_views = [
            referrals.referral_view(r, language)
            for r in Referral.objects.filter(participant=participant)
            .select_related("clinic")
            .order_by("-created_at")
        ]
        consents = consent.views_of(participant_id)
        audit(
            actor,
            Action.READ,
            Purpose.OWN_RECORD,
            "allowed",
            [participant_id],
            "the participant's own record in the portal",
        )
        log = log_for_participant(participant_id=participant_id.hex)
    return PortalRecord(
        participant_id=participant_id,
        given_name=person.given_name,
        family_name=person.family_name,
        language=language,
        sex=participant.sex,
        card_code=participant.card_code,
        has_pin=bool(participant.portal_pin),
        visits=visits,
        observations=observations,
        consents=consents,
        referrals=referral_views,
        log=log,
    )


def portal_withdraw(
    *,
    actor: Actor,
    purposes: list[str] | None,
    erase: bool,
    date_of_birth: date | None = None,
) -> consent.Withdrawal:
    """Withdraw from the consent in force: the same rule staff follow at a station.

    purposes None withdraws everything; with erase, the person is erased altogether -
    only after they type their date of birth again (a shared phone, a moment away).
    """
    participant_id = _own(actor)
    if purposes is None and erase:
        participant = Participant.objects.filter(pk=participant_id).first()
        if participant is None:
            raise SignInRefused("This record no longer exists.")
        if identity.open_identity(participant).date_of_birth != date_of_birth:
            raise InvalidInput(
                {"date_of_birth": "To delete your whole record, enter your date of birth again."}
            )
    current = consent.consents_of(actor=actor, participant_id=participant_id)
    if not current:
        raise InvalidInput({"purposes": "There is no consent to withdraw from."})
    return consent.consent_withdraw(
        actor=actor,
        participant_id=participant_id,
        consent_id=current[0].id,
        purposes=purposes,
        erase=erase,
    )


def portal_export(*, actor: Actor) -> dict[str, Any]:
    """The person's own record as a FHIR R4 Bundle, for them to keep."""
    return exams.own_record_export(actor=actor, participant_id=_own(actor))
