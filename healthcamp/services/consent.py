"""Consent documents and participants' consent, through the access layer.

Coordinators write and publish documents; registrars record a participant's
yes or no to each purpose; anyone serving the participant can withdraw it.
Every step is checked by the policy and written to the audit log.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop, ngettext

from healthcamp.access.errors import Conflict, InvalidInput, NotFound
from healthcamp.access.guard import audit, hold, require_member, require_role
from healthcamp.access.identity_reads import limit_identity_reads
from healthcamp.access.models import StaffMember
from healthcamp.access.policy import own_or
from healthcamp.access.roles import Action, Purpose, Role
from healthcamp.access.staff import Actor
from healthcamp.consent.models import (
    BODY_MAX,
    DESCRIPTION_MAX,
    TITLE_MAX,
    Consent,
    ConsentDocument,
    Decision,
    DocumentPurpose,
)
from healthcamp.consent.records import ConsentView, DecisionView, DocumentView, PurposeText
from healthcamp.consent.rules import (
    MinorRequirement,
    minor_requirement,
)
from healthcamp.consent.rules import text_sha256 as document_sha256
from healthcamp.lib import code_words, languages
from healthcamp.purposes import CONSENT_PURPOSE_VALUES
from healthcamp.registry import validation
from healthcamp.registry.models import INT32_MAX, Participant, Programme
from healthcamp.reports import consents as current_consent
from healthcamp.services import erasure, identity, paper_forms

METHODS = {m.value for m in Consent.Method}
RELATIONSHIPS = {r.value for r in Consent.Relationship}
# Each sentence whole, per field of a document: field -> (NUL byte, too long).
_TEXT_MESSAGES = {
    "title": (
        gettext_noop("The title contains a NUL byte (\\x00); remove it."),
        gettext_noop("The title is longer than %(max)s characters; shorten it."),
    ),
    "body": (
        gettext_noop("The body contains a NUL byte (\\x00); remove it."),
        gettext_noop("The body is longer than %(max)s characters; shorten it."),
    ),
    "purposes": (
        gettext_noop("A purpose's description contains a NUL byte (\\x00); remove it."),
        gettext_noop("A purpose's description is longer than %(max)s characters; shorten it."),
    ),
}


def _no_participant(participant_id: uuid.UUID) -> str:
    return gettext("No participant with id %(id)s. Check it and try again.") % {
        "id": participant_id
    }


def _no_consent(participant_id: uuid.UUID, consent_id: int) -> str:
    return gettext("Participant %(participant)s has no consent %(consent)s.") % {
        "participant": participant_id,
        "consent": consent_id,
    }


def _purposes_in_words(codes: Sequence[str]) -> str:
    """Purposes as staff name them ("Blood tests"), never their codes."""
    return ", ".join(code_words.said(code_words.PURPOSES, code) for code in codes)


def _document_view(document: ConsentDocument) -> DocumentView:
    return DocumentView(
        id=document.pk,
        programme_id=document.programme_id,
        language=document.language,
        version=document.version,
        title=document.title,
        body=document.body,
        status=document.status,
        sha256=document.sha256,
        published_at=document.published_at,
        purposes=tuple(PurposeText(p.code, p.description) for p in document.purposes.all()),
    )


# ---- documents -----------------------------------------------------------------------


def _text_errors(title: str, body: str, purposes: Sequence[Mapping[str, str]]) -> dict[str, str]:
    """Limits the database also checks, said before it refuses (both databases alike)."""
    errors: dict[str, str] = {}
    texts = [("title", title, TITLE_MAX), ("body", body, BODY_MAX)]
    texts += [("purposes", str(p.get("description", "")), DESCRIPTION_MAX) for p in purposes]
    for field, text, limit in texts:
        nul, long = _TEXT_MESSAGES[field]
        if "\x00" in text:
            errors.setdefault(field, gettext(nul))
        elif len(text.strip()) > limit:
            errors.setdefault(field, gettext(long) % {"max": limit})
    return errors


def document_create(
    *,
    actor: Actor,
    programme_id: int,
    language: str,
    version: int,
    title: str,
    body: str,
    purposes: Sequence[Mapping[str, str]],
) -> DocumentView:
    """A draft in one language; each purpose described in plain words, data categories too."""
    require_role(
        actor, Action.CONSENT_DOCUMENT_WRITE, Purpose.PROGRAMME_SETUP, programme_id=programme_id
    )
    errors: dict[str, str] = {}
    try:
        language = validation.clean_language(language)
    except ValueError as error:
        errors["language"] = str(error)
    if not 1 <= version <= INT32_MAX:
        errors["version"] = gettext("The version is a whole number from 1 up, at most %(max)s.") % {
            "max": INT32_MAX
        }
    errors |= _text_errors(title, body, purposes)
    if not title.strip():
        errors["title"] = gettext("Give the document a title.")
    if not body.strip():
        errors["body"] = gettext("Write the document's text: what will be done, and why.")
    codes = [str(p.get("code", "")) for p in purposes]
    if not purposes:
        errors["purposes"] = gettext("List at least one purpose, from: %(codes)s.") % {
            "codes": CONSENT_PURPOSE_VALUES
        }
    unknown = [c for c in codes if c not in CONSENT_PURPOSE_VALUES.split(", ")]
    if unknown:
        errors["purposes"] = _unknown_purposes(unknown)
    elif len(set(codes)) != len(codes):
        errors["purposes"] = gettext("Each purpose appears once.")
    elif any(not str(p.get("description", "")).strip() for p in purposes):
        errors["purposes"] = gettext(
            "Describe every purpose in plain words, with the data collected for it."
        )
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        programme = Programme.objects.filter(pk=programme_id).first()
        if programme is None:
            raise NotFound(
                gettext("There is no programme %(id)s; check the programme id.")
                % {"id": programme_id}
            )
        if ConsentDocument.objects.filter(
            programme=programme, language=language, version=version
        ).exists():
            raise Conflict(
                gettext(
                    "Version %(version)s in %(language)s already exists for this programme; "
                    "a published version never changes: write a new version."
                )
                % {"version": version, "language": _language_in_words(language)}
            )
        document = ConsentDocument.objects.create(
            programme=programme,
            language=language,
            version=version,
            title=title.strip(),
            body=body.strip(),
        )
        DocumentPurpose.objects.bulk_create(
            DocumentPurpose(
                document=document,
                code=str(p["code"]),
                description=str(p["description"]).strip(),
                position=i,
            )
            for i, p in enumerate(purposes)
        )
        audit(
            actor,
            Action.CONSENT_DOCUMENT_WRITE,
            Purpose.PROGRAMME_SETUP,
            "allowed",
            detail=f"draft document {document.pk} v{version} {language}",
        )
    return _document_view(document)


def document_publish(*, actor: Actor, programme_id: int, document_id: int) -> DocumentView:
    """Fix the text for ever: its SHA-256 is stored, and it can no longer change."""
    require_role(
        actor, Action.CONSENT_DOCUMENT_WRITE, Purpose.PROGRAMME_SETUP, programme_id=programme_id
    )
    with transaction.atomic():
        document = (
            ConsentDocument.objects.select_for_update()
            .filter(pk=document_id, programme_id=programme_id)
            .first()
        )
        if document is None:
            raise NotFound(
                gettext(
                    "Programme %(programme)s has no consent document %(document)s; check both ids."
                )
                % {"programme": programme_id, "document": document_id}
            )
        if document.status == ConsentDocument.Status.PUBLISHED:
            raise Conflict(
                gettext(
                    "Document %(document)s was published on %(date)s; it cannot change. "
                    "Write a new version instead."
                )
                % {"document": document_id, "date": f"{document.published_at:%Y-%m-%d}"}
            )
        view = _document_view(document)
        document.sha256 = document_sha256(
            language=view.language,
            version=view.version,
            title=view.title,
            body=view.body,
            purposes=[(p.code, p.description) for p in view.purposes],
        )
        document.status = ConsentDocument.Status.PUBLISHED
        document.published_at = timezone.now()
        document.save(update_fields=["sha256", "status", "published_at"])
        audit(
            actor,
            Action.CONSENT_DOCUMENT_WRITE,
            Purpose.PROGRAMME_SETUP,
            "allowed",
            detail=f"published document {document.pk} sha256 {document.sha256}",
        )
    return _document_view(document)


def documents(*, actor: Actor, programme_id: int) -> list[DocumentView]:
    """A programme's documents, drafts too: for those who work for it."""
    require_member(actor, Action.CONSENT_READ, Purpose.PROGRAMME_SETUP, programme_id=programme_id)
    found = ConsentDocument.objects.filter(programme_id=programme_id).prefetch_related("purposes")
    return [_document_view(d) for d in found.order_by("-version", "language")]


def documents_to_edit(*, actor: Actor, programme_id: int) -> list[DocumentView]:
    """The documents on the coordinator's programme page, drafts too: those who write
    them only."""
    require_role(
        actor, Action.CONSENT_DOCUMENT_WRITE, Purpose.PROGRAMME_SETUP, programme_id=programme_id
    )
    return documents(actor=actor, programme_id=programme_id)


def current_version(programme_id: int) -> int | None:
    versions = ConsentDocument.objects.filter(
        programme_id=programme_id, status=ConsentDocument.Status.PUBLISHED
    ).values_list("version", flat=True)
    return max(versions, default=None)


def document_for(*, programme_id: int, language: str) -> DocumentView | None:
    """The current version in this language, else in its base language, else English, else any."""
    version = current_version(programme_id)
    if version is None:
        return None
    published = list(
        ConsentDocument.objects.filter(
            programme_id=programme_id, version=version, status=ConsentDocument.Status.PUBLISHED
        ).prefetch_related("purposes")
    )
    base = language.partition("-")[0]
    for wanted in (language, base, "en"):
        for document in published:
            if document.language == wanted:
                return _document_view(document)
    return _document_view(published[0]) if published else None


def languages_of(*, programme_id: int) -> list[str]:
    """The languages the current version is published in."""
    version = current_version(programme_id)
    if version is None:
        return []
    return sorted(
        ConsentDocument.objects.filter(
            programme_id=programme_id, version=version, status=ConsentDocument.Status.PUBLISHED
        ).values_list("language", flat=True)
    )


def minor_requirement_for(*, programme_id: int, born: date) -> MinorRequirement:
    """Whether a guardian's consent, and the person's own assent, are needed today."""
    programme = Programme.objects.get(pk=programme_id)
    return minor_requirement(
        born=born,
        day=timezone.localdate(),
        age_of_majority=programme.age_of_majority,
        assent_age=programme.assent_age,
    )


# ---- participants' consent ------------------------------------------------------------


@dataclass(frozen=True)
class Guardian:
    name: str
    relationship: str


def views_of(participant_id: uuid.UUID) -> list[ConsentView]:
    newest_version = current_version(
        Participant.objects.filter(pk=participant_id).values_list("programme_id", flat=True)[0]
    )
    consents = list(
        Consent.objects.filter(participant_id=participant_id)
        .select_related("participant", "document", "recorded_by__user", "witness__user")
        .prefetch_related("decisions", "document__purposes")
        .order_by("-recorded_at", "-id")
    )
    return [
        ConsentView(
            id=c.pk,
            participant_id=c.participant_id,
            document=_document_view(c.document),
            method=c.method,
            recorded_by=c.recorded_by.user.get_username(),
            witness=c.witness.user.get_username() if c.witness else "",
            paper_reference=identity.open_for(
                c.participant, field="paper_reference", sealed=bytes(c.paper_reference_sealed)
            ),
            guardian_name=identity.open_for(
                c.participant, field="guardian_name", sealed=bytes(c.guardian_name_sealed)
            ),
            guardian_relationship=c.guardian_relationship,
            assent=c.assent,
            recorded_at=c.recorded_at,
            decisions=tuple(
                DecisionView(d.purpose, d.granted, d.withdrawn_at)
                for d in sorted(c.decisions.all(), key=lambda d: d.purpose)
            ),
            current=i == 0,
            renewal_due=i == 0 and (newest_version or 0) > c.document.version,
        )
        for i, c in enumerate(consents)
    ]


def _unknown_purposes(unknown: Sequence[str]) -> str:
    """Codes a request sent that name no purpose, and the codes it may send."""
    return gettext("Unknown purpose %(unknown)s; use: %(codes)s.") % {
        "unknown": ", ".join(map(repr, unknown)),
        "codes": CONSENT_PURPOSE_VALUES,
    }


def _language_in_words(tag: str) -> str:
    return languages.name(tag, reader=translation.get_language() or "en")


def _document_errors(
    programme_id: int,
    document: ConsentDocument | None,
    document_id: int,
    decisions: Mapping[str, bool],
) -> dict[str, str]:
    if document is None:
        return {
            "document_id": gettext("There is no consent document %(document)s.")
            % {"document": document_id}
        }
    if document.programme_id != programme_id:
        return {
            "document_id": gettext(
                "Document %(document)s belongs to another programme; use one of this "
                "participant's programme."
            )
            % {"document": document_id}
        }
    if document.status != ConsentDocument.Status.PUBLISHED:
        return {
            "document_id": gettext(
                "Document %(document)s is a draft; only a published document can be agreed to."
            )
            % {"document": document_id}
        }
    asked = [p.code for p in document.purposes.all()]
    unknown = sorted(set(decisions) - set(asked))
    missing = [code for code in asked if code not in decisions]
    if unknown:
        # The codes a request sent, and those it may send (a page sends only these).
        return {
            "decisions": gettext(
                "The document does not ask about %(unknown)s; it asks about: %(asked)s."
            )
            % {"unknown": ", ".join(unknown), "asked": ", ".join(asked)}
        }
    if missing:
        return {
            "decisions": gettext("Record a yes or a no for every purpose; missing: %(codes)s.")
            % {"codes": ", ".join(missing)}
        }
    return {}


def _method_errors(
    method: str,
    witness: StaffMember | None,
    witness_id: int | None,
    recorder_id: int,
    paper_reference: str,
) -> dict[str, str]:
    if method not in METHODS:
        # A code a request sent: the ways it may send (a page offers them in words).
        return {
            "method": gettext("%(method)s is not a way of confirming; use one of %(codes)s.")
            % {"method": repr(method), "codes": sorted(METHODS)}
        }
    if method.startswith("witnessed"):
        if witness_id is None:
            return {
                "witness_id": gettext(
                    "A witnessed consent names the staff member who witnessed it."
                )
            }
        if witness is None:
            return {
                "witness_id": gettext("There is no staff member %(id)s to witness.")
                % {"id": witness_id}
            }
        if witness.pk == recorder_id:
            return {
                "witness_id": gettext("The witness is someone other than the person recording.")
            }
    if method == "paper" and not paper_reference.strip():
        return {"paper_reference": gettext("Give the reference written on the paper form.")}
    try:
        validation.clean_paper_reference(paper_reference)
    except ValueError as error:
        return {"paper_reference": str(error)}
    return {}


def _minor_errors(
    born: date,
    programme: Programme,
    guardian: Guardian | None,
    assent: bool | None,
    today: date,
) -> dict[str, str]:
    needed = minor_requirement(
        born=born,
        day=today,
        age_of_majority=programme.age_of_majority,
        assent_age=programme.assent_age,
    )
    errors: dict[str, str] = {}
    if not needed.guardian:
        if guardian is not None:
            errors["guardian"] = gettext(
                "The participant is an adult: they consent for themselves."
            )
        return errors
    if guardian is None or not guardian.name.strip():
        errors["guardian"] = gettext(
            "The participant is under %(age)s: record the consenting guardian's name and "
            "relationship. Without it nothing is collected."
        ) % {"age": programme.age_of_majority}
    elif name_error := _guardian_name_error(guardian.name):
        errors["guardian.name"] = name_error
    elif guardian.relationship not in RELATIONSHIPS:
        errors["guardian"] = gettext("The guardian's relationship is one of %(codes)s.") % {
            "codes": sorted(RELATIONSHIPS)
        }
    if needed.assent and assent is not True:
        errors["assent"] = gettext(
            "The participant is old enough to assent and has not agreed themselves; "
            "without their own yes nothing is collected."
        )
    return errors


def _guardian_name_error(name: str) -> str:
    """A guardian's name follows the rules of a participant's name (no digits, <= 100)."""
    try:
        validation.clean_name(name, label="name", whose="guardian's")
    except ValueError as error:
        return str(error)
    return ""


@dataclass(frozen=True)
class Given:
    """How a consent was given, as the desk or a file says it."""

    method: str
    witness_id: int | None = None
    paper_reference: str = ""
    guardian: Guardian | None = None
    assent: bool | None = None


def consent_errors(
    *,
    programme: Programme,
    born: Callable[[], date],
    document: ConsentDocument | None,
    document_id: int,
    decisions: Mapping[str, bool],
    given: Given,
    witness: StaffMember | None,
    recorder_id: int,
) -> dict[str, str]:
    """Every reason a consent cannot be recorded as given, by field (none: it can).

    born: the person's date of birth, asked for only when the rest is right (the desk
    opens it from the sealed record; a bulk enrolment has it in hand)."""
    errors = _document_errors(programme.pk, document, document_id, decisions)
    errors |= _method_errors(
        given.method, witness, given.witness_id, recorder_id, given.paper_reference
    )
    if errors:
        return errors
    return _minor_errors(born(), programme, given.guardian, given.assent, timezone.localdate())


def consent_record(
    *,
    actor: Actor,
    participant_id: uuid.UUID,
    document_id: int,
    decisions: Mapping[str, bool],
    method: str,
    witness_id: int | None = None,
    paper_reference: str = "",
    guardian: Guardian | None = None,
    assent: bool | None = None,
) -> ConsentView:
    """Record a yes or a no for each purpose of a published document, and how it was given."""
    purpose = Purpose.REGISTRATION
    require_role(actor, Action.CONSENT_RECORD, purpose, [participant_id])
    recorded_by = actor.staff_id
    assert recorded_by is not None, "the policy lets only staff record consent"  # noqa: S101
    participant = Participant.objects.select_related("programme").filter(pk=participant_id).first()
    if participant is None:
        raise NotFound(_no_participant(participant_id))
    document = ConsentDocument.objects.filter(pk=document_id).first()
    witness = StaffMember.objects.filter(pk=witness_id).first() if witness_id else None
    errors = consent_errors(
        programme=participant.programme,
        born=lambda: identity.open_identity(participant).date_of_birth,
        document=document,
        document_id=document_id,
        decisions=decisions,
        given=Given(method, witness_id, paper_reference, guardian, assent),
        witness=witness,
        recorder_id=recorded_by,
    )
    if errors or document is None:
        raise InvalidInput(errors)
    reference = validation.clean_paper_reference(paper_reference)  # checked valid above
    with transaction.atomic():
        hold([participant_id], exclusive=True)  # the newest consent replaces the old at once
        index, errors = paper_forms.index_for_consent(
            programme_id=participant.programme_id,
            participant_id=participant_id,
            reference=reference,
        )
        if errors:
            raise InvalidInput(errors)
        consent = Consent.objects.create(
            participant=participant,
            form_index=index,
            document=document,
            method=method,
            recorded_by_id=recorded_by,
            witness=witness,
            paper_reference_sealed=identity.seal_for(
                participant, field="paper_reference", value=reference
            )
            if method == "paper"
            else b"",
            guardian_name_sealed=identity.seal_for(
                participant,
                field="guardian_name",
                value=validation.clean_name(guardian.name, label="name", whose="guardian's"),
            )
            if guardian
            else b"",
            guardian_relationship=guardian.relationship if guardian else "",
            assent=assent,
            recorded_at=timezone.now(),
        )
        Decision.objects.bulk_create(
            Decision(consent=consent, purpose=code, granted=bool(value))
            for code, value in decisions.items()
        )
        current_consent.sync(participant_id)  # reports count the new answers at once
        summary = ", ".join(
            f"{code}={'yes' if v else 'no'}" for code, v in sorted(decisions.items())
        )
        audit(
            actor,
            Action.CONSENT_RECORD,
            purpose,
            "allowed",
            [participant_id],
            f"consent {consent.pk} under document {document_id}: {summary}",
        )
    return views_of(participant_id)[0]


def consents_of(*, actor: Actor, participant_id: uuid.UUID) -> list[ConsentView]:
    """A participant's consents, newest (the one in force) first."""
    purpose = own_or(actor.role, Purpose.REGISTRATION)
    require_role(actor, Action.CONSENT_READ, purpose, [participant_id])
    limit_identity_reads(actor, purpose, [participant_id], Action.CONSENT_READ)
    with transaction.atomic():
        if not Participant.objects.filter(pk=participant_id).exists():
            raise NotFound(_no_participant(participant_id))
        views = views_of(participant_id)
        audit(actor, Action.CONSENT_READ, purpose, "allowed", [participant_id])
    if actor.role not in _SEE_GUARDIANS:
        # A station needs to know consent was given, not who the guardian is.
        views = [replace(v, guardian_name="") for v in views]
    return views


# Who sees a guardian's name: the desk that records it, and the person themselves.
_SEE_GUARDIANS = frozenset({Role.REGISTRAR, Role.COORDINATOR, Role.PARTICIPANT})


def consent_of(*, actor: Actor, participant_id: uuid.UUID, consent_id: int) -> ConsentView:
    for view in consents_of(actor=actor, participant_id=participant_id):
        if view.id == consent_id:
            return view
    raise NotFound(_no_consent(participant_id, consent_id))


@dataclass(frozen=True)
class Withdrawal:
    consent: ConsentView | None  # None once the participant is erased altogether
    withdrawn: tuple[str, ...]
    erased: int
    participant_erased: bool = False


def consent_withdraw(
    *,
    actor: Actor,
    participant_id: uuid.UUID,
    consent_id: int,
    purposes: Sequence[str] | None,
    erase: bool,
) -> Withdrawal:
    """Withdraw some purposes (or all, with None): refused from this instant on.

    erase: also delete what was already collected for those purposes, now; with every
    purpose withdrawn, erase the participant altogether (crypto-shredding).
    """
    purpose = own_or(actor.role, Purpose.REGISTRATION)
    require_role(actor, Action.CONSENT_WITHDRAW, purpose, [participant_id])
    if erase and purposes is None and actor.role is not Role.PARTICIPANT:
        # Everything + erase destroys the whole record: the coordinator's act (or the
        # person's own, in the portal), not any station's.
        require_role(actor, Action.ERASE, purpose, [participant_id])
    with transaction.atomic():
        hold([participant_id], exclusive=True)  # waits for acts already checked
        consent = (
            Consent.objects.select_for_update().filter(pk=consent_id, participant_id=participant_id)
        ).first()
        if consent is None:
            raise NotFound(_no_consent(participant_id, consent_id))
        newest = (
            Consent.objects.filter(participant_id=participant_id)
            .order_by("-recorded_at", "-id")
            .values_list("pk", flat=True)
            .first()
        )
        if newest != consent.pk:
            raise Conflict(
                gettext(
                    "Consent %(consent)s was replaced by consent %(newest)s; "
                    "withdraw from that one."
                )
                % {"consent": consent_id, "newest": newest}
            )
        active = {
            d.purpose: d for d in consent.decisions.all() if d.granted and d.withdrawn_at is None
        }
        if purposes is None:
            chosen = sorted(active)
            if not chosen:
                raise InvalidInput(
                    {"purposes": gettext("Nothing is agreed to in this consent any more.")}
                )
        else:
            unknown = [p for p in purposes if p not in CONSENT_PURPOSE_VALUES.split(", ")]
            inactive = [p for p in purposes if p not in active and p not in unknown]
            if unknown:
                raise InvalidInput({"purposes": _unknown_purposes(unknown)})
            if inactive:
                raise InvalidInput(
                    {
                        "purposes": ngettext(
                            "%(purposes)s is not agreed to now; nothing to withdraw.",
                            "%(purposes)s are not agreed to now; nothing to withdraw.",
                            len(inactive),
                        )
                        % {"purposes": _purposes_in_words(inactive)}
                    }
                )
            if not purposes:
                raise InvalidInput(
                    {"purposes": gettext("Name at least one purpose, or withdraw all.")}
                )
            chosen = sorted(set(purposes))
        now = timezone.now()
        Decision.objects.filter(pk__in=[active[p].pk for p in chosen]).update(withdrawn_at=now)
        current_consent.sync(participant_id)  # out of the very next report
        erased = (
            sum(erasure.erase(participant_id=participant_id, purpose=Purpose(p)) for p in chosen)
            if erase
            else 0
        )
        audit(
            actor,
            Action.CONSENT_WITHDRAW,
            purpose,
            "allowed",
            [participant_id],
            f"consent {consent_id}: withdrew {', '.join(chosen)}; "
            + (f"erased {erased} record(s)" if erase else "kept what was collected"),
        )
        if erase and purposes is None:
            # Withdrawing everything and asking for erasure: erase the person entirely.
            erasure.shred(actor=actor, participant_id=participant_id, reason="consent_withdrawn")
            return Withdrawal(None, tuple(chosen), erased, participant_erased=True)
    return Withdrawal(views_of(participant_id)[0], tuple(chosen), erased)


def parse_decisions(raw: Mapping[str, object]) -> dict[str, bool]:
    """Decisions from a request; every value must be a real yes or no."""
    decisions: dict[str, bool] = {}
    for code, value in raw.items():
        if not isinstance(value, bool):
            raise InvalidInput(
                {f"decisions.{code}": gettext("Each decision is true (yes) or false (no).")}
            )
        decisions[code] = value
    return decisions
