"""The participant portal: a person signs in with their card and sees their own record.

Signing in needs the card code and the date of birth, and the PIN when the person set
one. A card code is 10 random Crockford base-32 characters (about 10^15 codes), so a
stranger cannot guess one; what the lockout protects is a known card whose birth date
or PIN someone tries to guess. Every try is counted against its card (whoever tries,
from anywhere) and against its card from its address; a device the card signed in from
before counts against itself instead of the card. Checking the current PIN before a
change or removal is such a try too. Every wrong try on an existing card is in that
person's access log.

The limits, each over the last WINDOW:
- CARD_FAILURE_LIMIT wrong tries on a card lock it for every device that never signed
  in with it (those are the guessers);
- a device the card signed in from before (its signed cookie, see Device) is limited by
  its own wrong tries on that card, DEVICE_FAILURE_LIMIT, and not by the card's: a
  guesser elsewhere cannot lock the holder out of their own phone;
- ADDRESS_FAILURE_LIMIT wrong tries on one card from one address, for everyone: a
  bound on many devices at one address, counted per card so that one person behind a
  shared address (camp Wi-Fi, NAT) can never lock out everyone else behind it.
A right try clears its card's count. A card locked for everyone can be opened at the
desk (portal_pin_reset), with the person there holding their card.
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
from django.utils.translation import gettext

from healthcamp.access.errors import InvalidInput, NotFound
from healthcamp.access.guard import audit, require_role
from healthcamp.access.models import PortalFailure
from healthcamp.access.roles import Action, Purpose, Role
from healthcamp.access.staff import Actor, participant_actor
from healthcamp.audit import tree
from healthcamp.audit.models import AuditSubject
from healthcamp.audit.selectors import FoldedLine, LogLine, folded_log_page
from healthcamp.audit.selectors import log_page as audit_log_page
from healthcamp.consent import records
from healthcamp.exams.models import Observation, Referral
from healthcamp.lib.paging import Page
from healthcamp.registry import cardcode
from healthcamp.registry.models import Participant
from healthcamp.services import consent, exams, identity, observations, referrals
from healthcamp.services.observations import VisitResults

WINDOW = timedelta(minutes=15)
CARD_FAILURE_LIMIT = 5
DEVICE_FAILURE_LIMIT = 5
ADDRESS_FAILURE_LIMIT = 20  # per address and card
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


class WrongCurrentPin(InvalidInput):
    """The current PIN asked for before a change or removal was wrong (counted, audited)."""

    def __init__(self, *, tries_left: int) -> None:
        super().__init__({"current_pin": "That is not your current PIN. Nothing was changed."})
        self.tries_left = tries_left


@dataclass(frozen=True)
class Device:
    """The browser a try comes from, as its signed cookie says: a random id of its own,
    and the cards that signed in from it before (card_tag of each).

    The web face signs the cookie, so neither can be made up; a try on one of those
    cards is limited by this device's own wrong tries, not by the card's.
    """

    id: str
    cards: tuple[str, ...] = ()


def _tag(*parts: str) -> str:
    # Keyed, so the table of recent failures (and a device's cookie) does not list
    # which cards were tried, or from where.
    joined = "\0".join(parts).encode()
    return hmac.new(settings.SECRET_KEY.encode(), joined, hashlib.sha256).hexdigest()


def card_tag(code: str) -> str:
    """The card's keyed HMAC: what a device's cookie names, never the code itself."""
    return _tag(code)


def _card_key(code: str) -> str:
    return "card:" + card_tag(code)


def _pair_key(address: str, code: str) -> str:
    return "pair:" + _tag("address", address, code)


def _device_key(device_id: str, code: str) -> str:
    return "device:" + _tag("device", device_id, code)


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


@dataclass(frozen=True)
class _Try:
    code: str
    now: datetime
    limits: dict[str, int]  # the keys that can lock this try, with their limits
    cleared: list[str]  # the keys a right try clears
    mine: list[int]  # this try's own failure rows


def _begin_try(*, code: str, address: str, device: Device | None) -> _Try:
    """Write the try down as a failure on each of its keys, then refuse it if locked.

    Written (and committed: autocommit, outside any transaction) before anything is
    checked, so concurrent tries see each other and a burst cannot slip past a limit.
    A refused try counts for nothing.
    """
    now = timezone.now()
    PortalFailure.objects.filter(at__lte=now - WINDOW).delete()  # keep only the window
    card, pair = _card_key(code), _pair_key(address, code)
    if device is not None and card_tag(code) in device.cards:
        own = _device_key(device.id, code)
        limits = {own: DEVICE_FAILURE_LIMIT, pair: ADDRESS_FAILURE_LIMIT}
        written = [card, own, pair]  # still counts against the card, for everyone else
    else:
        limits = {card: CARD_FAILURE_LIMIT, pair: ADDRESS_FAILURE_LIMIT}
        written = [card, pair]
    mine = [PortalFailure.objects.create(key=key, at=now).pk for key in written]
    if (until := _locked_until(limits, now, mine)) is not None:
        PortalFailure.objects.filter(pk__in=mine).delete()
        raise SignInLocked(until)
    return _Try(code, now, limits, written, mine)


def _right(attempt: _Try) -> None:
    """A right try clears its card's count (and this device's and address's on it)."""
    PortalFailure.objects.filter(Q(key__in=attempt.cleared) | Q(pk__in=attempt.mine)).delete()


def _tries_left(attempt: _Try) -> int:
    left = [
        limit - PortalFailure.objects.filter(key=key, at__gt=attempt.now - WINDOW).count()
        for key, limit in attempt.limits.items()
    ]
    return max(min(left), 0)


@functools.cache
def _decoy_hash() -> str:
    return make_password("not a PIN anyone has")


@dataclass(frozen=True)
class SignedIn:
    actor: Actor
    language: str
    card: str  # card_tag of the card: the device it came from may remember it


def portal_sign_in(
    *,
    card_code: str,
    date_of_birth: date | None,
    pin: str,
    address: str,
    device: Device | None = None,
) -> SignedIn:
    """The participant's own actor when card, birth date (and PIN, if set) match.

    Each try is written down as a failure before anything is checked (see _begin_try);
    a right try then clears its card's count.
    """
    try:
        code = cardcode.parse(card_code)
    except cardcode.CardCodeError as error:
        # A typo, not a guess at someone's birth date: nothing to count.
        raise SignInRefused(f"{error}") from None
    attempt = _begin_try(code=code, address=address, device=device)
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
            _right(attempt)
            actor = participant_actor(participant.id)
            audit(actor, Action.PORTAL_SIGN_IN, Purpose.OWN_RECORD, "allowed", [participant.id])
            return SignedIn(actor, participant.preferred_language, card_tag(code))
    raise SignInRefused(
        "The card code, date of birth or PIN do not match. Check them and try again.",
        tries_left=_tries_left(attempt),
    )


def portal_pin_set(
    *,
    actor: Actor,
    pin: str,
    current_pin: str = "",
    address: str = "",
    device: Device | None = None,
) -> None:
    """Set (or, with an empty pin, remove) the PIN the portal asks for from now on.

    Changing or removing a PIN needs the current one: on a shared phone, whoever picks
    it up must not lock the person out. That check is a try like a sign-in's, under the
    same limits (address and device: where it comes from), and audited either way.
    Raises SignInLocked when the limit is reached, WrongCurrentPin when it is wrong.
    """
    participant_id = _own(actor)
    require_role(actor, Action.PORTAL_PIN_SET, Purpose.OWN_RECORD, [participant_id])
    pin = pin.strip()
    if pin and (not pin.isdigit() or not pin.isascii() or len(pin) not in PIN_LENGTHS):
        raise InvalidInput({"pin": gettext("A PIN is 4 to 8 digits (0-9).")})
    found = Participant.objects.filter(pk=participant_id).first()
    if found is None:
        raise SignInRefused(gettext("This record no longer exists."))
    checked = found.portal_pin
    if checked:
        _check_current_pin(actor, found, current_pin.strip(), address=address, device=device)
    with transaction.atomic():
        participant = Participant.objects.select_for_update().filter(pk=participant_id).first()
        if participant is None:
            raise SignInRefused(gettext("This record no longer exists."))
        if participant.portal_pin != checked:  # changed meanwhile: another tab, the desk
            raise InvalidInput(
                {
                    "current_pin": gettext(
                        "Your PIN was changed meanwhile. Nothing was changed; try again."
                    )
                }
            )
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


def _check_current_pin(
    actor: Actor, participant: Participant, current_pin: str, *, address: str, device: Device | None
) -> None:
    if not current_pin:  # left empty: no guess made, nothing to count
        raise InvalidInput(
            {"current_pin": gettext("Enter your current PIN to change or remove it.")}
        )
    attempt = _begin_try(code=participant.card_code, address=address, device=device)
    if check_password(current_pin, participant.portal_pin):
        _right(attempt)
        return
    with transaction.atomic():
        audit(
            actor,
            Action.PORTAL_PIN_SET,
            Purpose.OWN_RECORD,
            "denied",
            [participant.id],
            "wrong current PIN",
        )
    raise WrongCurrentPin(tries_left=_tries_left(attempt))


def portal_pin_reset(*, actor: Actor, participant_id: uuid.UUID, card_code: str) -> bool:
    """At the desk: remove a forgotten PIN and lift the card's sign-in lock.

    Only with the person there holding their card: the code scanned or typed from it
    must be the record's (a mismatch is refused and audited). The person's log shows
    the reset. Returns whether there was a PIN to remove.
    """
    action, purpose = Action.PORTAL_PIN_RESET, Purpose.REGISTRATION
    require_role(actor, action, purpose, [participant_id])
    try:
        code = cardcode.parse(card_code)
    except cardcode.CardCodeError as error:
        raise InvalidInput({"card_code": f"{error}"}) from None
    with transaction.atomic():
        participant = Participant.objects.select_for_update().filter(pk=participant_id).first()
        if participant is None:
            raise NotFound(
                gettext("There is no participant %(id)s: check the link.") % {"id": participant_id}
            )
        if participant.card_code == code:
            had_pin = bool(participant.portal_pin)
            participant.portal_pin = ""
            participant.save(update_fields=["portal_pin"])
            PortalFailure.objects.filter(key=_card_key(code)).delete()
            detail = "PIN removed and sign-in lock lifted" if had_pin else "sign-in lock lifted"
            audit(actor, action, purpose, "allowed", [participant_id], f"{detail}, card shown")
            return had_pin
    with transaction.atomic():
        audit(actor, action, purpose, "denied", [participant_id], "card code did not match")
    raise InvalidInput(
        {
            "card_code": gettext(
                "That is not this person's card code: scan or type the code on the card they "
                "hold. Nothing was changed."
            )
        }
    )


def _own(actor: Actor) -> uuid.UUID:
    if actor.participant_id is None:
        raise InvalidInput({"actor": "Only a participant signed in to the portal acts here."})
    return actor.participant_id


FoldedPage = Page[FoldedLine]  # the log, identical entries of a day as one line


@dataclass(frozen=True)
class PortalRecord:
    participant_id: uuid.UUID
    given_name: str
    family_name: str
    language: str
    sex: str
    card_code: str
    has_pin: bool
    visits: list[observations.Visit]  # oldest first
    results: list[VisitResults]  # each visit's decision, oldest first
    not_shown: list[str]  # measuring purposes withdrawn or refused: their values hidden
    consents: list[records.ConsentView]  # newest first
    referrals: list[referrals.ReferralView]
    log: Page[LogLine]  # a page, newest first; the first includes this view
    # The same log with identical entries of a day folded (when asked for), newest first.
    folded: FoldedPage | None = None


def portal_record(*, actor: Actor, log_page: int = 1, fold: bool = False) -> PortalRecord:
    """Everything held about the signed-in person, as one audited read of their own, with
    a page of their access log (log_page; newest first), folded by day when fold."""
    participant_id = _own(actor)
    require_role(actor, Action.READ, Purpose.OWN_RECORD, [participant_id])
    with transaction.atomic():
        participant = Participant.objects.filter(pk=participant_id).first()
        if participant is None:  # erased since signing in
            raise SignInRefused(gettext("This record no longer exists."))
        person = identity.open_identity(participant)
        language = participant.preferred_language
        visits = exams.visits(participant_id)
        # As the letter: a purpose withdrawn hides its values here too, and the page says so
        # (the person's copy of everything held is the FHIR download).
        shown = observations.consented_purposes(participant_id)
        measured = observations.by_visit(
            [
                observations.observation_view(o, language)
                for o in Observation.objects.filter(
                    encounter__participant=participant, purpose__in=shown
                ).order_by("recorded_at", "pk")
            ],
            visits=visits,
            sex=participant.sex,
            born=person.date_of_birth,
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
        # Folded, the full page is read for its count of entries (the link to all of them).
        log = audit_log_page(participant_id=participant_id.hex, number=1 if fold else log_page)
        folded = (
            folded_log_page(participant_id=participant_id.hex, number=log_page) if fold else None
        )
    return PortalRecord(
        participant_id=participant_id,
        given_name=person.given_name,
        family_name=person.family_name,
        language=language,
        sex=participant.sex,
        card_code=participant.card_code,
        has_pin=bool(participant.portal_pin),
        visits=visits,
        results=measured,
        not_shown=[
            p.value for p in (Purpose.SCREENING, Purpose.BLOOD_TESTS) if p.value not in shown
        ],
        consents=consents,
        referrals=referral_views,
        log=log,
        folded=folded,
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
            raise SignInRefused(gettext("This record no longer exists."))
        if identity.open_identity(participant).date_of_birth != date_of_birth:
            raise InvalidInput(
                {
                    "date_of_birth": gettext(
                        "To delete your whole record, enter your date of birth again."
                    )
                }
            )
    current = consent.consents_of(actor=actor, participant_id=participant_id)
    if not current:
        raise InvalidInput({"purposes": gettext("There is no consent to withdraw from.")})
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


def own_entry_proof(*, actor: Actor, seq: int) -> dict[str, Any]:
    """One entry of the person's own log with its inclusion proof in a signed checkpoint,
    and the log's verifier key: for them to check on the page or keep as evidence.

    Only an entry that names the signed-in person and no one else: any other number is
    NotFound, the same whether the entry names someone else or does not exist. The read is audited
    (and so is itself in their log, covered by the checkpoint the proof is made in).
    A checkpoint is signed first when none covers the entry yet.
    """
    participant_id = _own(actor)
    require_role(actor, Action.READ, Purpose.OWN_RECORD, [participant_id])
    if not Participant.objects.filter(pk=participant_id).exists():  # erased since signing in
        raise SignInRefused(gettext("This record no longer exists."))
    if not AuditSubject.objects.filter(participant_id=participant_id, entry_id=seq).exists():
        raise NotFound(gettext("There is no entry %(seq)s in your log.") % {"seq": seq})
    # The proof carries the entry's bytes: an entry that also names other people (a bulk
    # read) would hand over their ids. Those are proved to the auditor, not here.
    if AuditSubject.objects.filter(entry_id=seq).exclude(participant_id=participant_id).exists():
        raise NotFound(
            gettext(
                "Entry %(seq)s also names other people, so its proof is not handed out here; "
                "the programme's auditor can check it."
            )
            % {"seq": seq}
        )
    with transaction.atomic():
        audit(
            actor,
            Action.READ,
            Purpose.OWN_RECORD,
            "allowed",
            [participant_id],
            f"the proof of log entry {seq}",
        )
    newest = tree.latest()
    if newest is None or newest.size < seq:
        tree.issue()
    try:
        proof = tree.proof_of(seq=seq)
    except LookupError as error:
        raise NotFound(str(error)) from None
    return {**proof, "key": tree.public_key()}
