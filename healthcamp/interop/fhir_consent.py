"""A participant's consent as a FHIR R4 Consent resource.

The resource names the participant only by reference; no name or birth date. It carries:
- each purpose as a nested provision (permit or deny, withdrawal as the end of its period)
  under a root "deny": nothing is allowed that the person did not agree to (opt-in);
- the consent document the person saw, whole, as sourceAttachment: its canonical bytes
  (the ones whose SHA-256 pins it) and R4's `hash` of them, which R4 fixes as base64
  SHA-1. The SHA-256 that healthcamp pins cannot go there, and Attachment.url is for a
  location to fetch from (validators want a host), so it names the document in
  `policy.uri` as an RFC 6920 named-information URI (`ni:///sha-256;<base64url>`), the
  standard way to name content by its hash: "the policy consented to is the text with
  this SHA-256";
- who agreed: the person (performer), or for a minor their guardian (a contained
  RelatedPerson, performer) and, where asked, the minor's own assent as a second
  `verification` with the patient (R4 has no assent element; verification records that
  agreement was checked with a named party, verified = what they said);
- the witness of a witnessed consent through R4's core extension consent-Witness, as a
  contained Practitioner named only by a pseudonymous id (staff usernames stay inside
  the programme, as in the person's access log, which names roles only);
- how it was confirmed (on screen, spoken, mark, paper) in healthcamp's own extension:
  R4's Consent has no element for it.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from typing import Any

from healthcamp.consent.records import ConsentView, DocumentView
from healthcamp.consent.rules import ConsentStatus, canonical_text
from healthcamp.interop import fhir_terms as t

METHODS = {
    "on_screen": "confirmed on screen",
    "witnessed_verbal": "spoken, witnessed",
    "witnessed_mark": "mark or thumbprint on paper, witnessed",
    "paper": "signed paper form",
}


def _status(view: ConsentView) -> str:
    statuses = {d.purpose: view.status(d.purpose) for d in view.decisions}
    if not view.current:
        return "inactive"  # replaced by a newer consent
    if any(s == ConsentStatus.GRANTED for s in statuses.values()):
        return "active"
    if all(s == ConsentStatus.REFUSED for s in statuses.values()):
        return "rejected"
    return "inactive"  # everything agreed to was withdrawn


def document_attachment(document: DocumentView) -> dict[str, Any]:
    """The consent document as the person saw it, pinned by its hash."""
    attachment: dict[str, Any] = {
        "contentType": "application/json",
        "language": document.language,
        "title": f"{document.title} - version {document.version}",
    }
    if document.published_at is not None:
        attachment["creation"] = t.instant(document.published_at)
    text = canonical_text(
        language=document.language,
        version=document.version,
        title=document.title,
        body=document.body,
        purposes=[(p.code, p.description) for p in document.purposes],
    )
    if hashlib.sha256(text).hexdigest() == document.sha256:
        attachment |= {
            "data": base64.b64encode(text).decode("ascii"),
            "size": len(text),
            # R4 fixes Attachment.hash as SHA-1: a checksum here; the pin is the SHA-256.
            "hash": base64.b64encode(hashlib.sha1(text, usedforsecurity=False).digest()).decode(),
        }
    return attachment


def document_name(document: DocumentView) -> str | None:
    """The document's SHA-256 as an RFC 6920 ni URI; None for a document not pinned."""
    try:
        digest = bytes.fromhex(document.sha256)
    except ValueError:
        return None
    if len(digest) != hashlib.sha256().digest_size:
        return None
    return f"ni:///sha-256;{base64.urlsafe_b64encode(digest).decode('ascii').rstrip('=')}"


def _witness(view: ConsentView) -> dict[str, Any]:
    # A pseudonym the programme can match to its staff list; the username itself (half of
    # a sign-in) does not leave the programme.
    pseudonym = uuid.uuid5(t.NAMESPACE, f"staff:{view.witness}")
    return {
        "resourceType": "Practitioner",
        "id": "witness",
        "identifier": [{"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{pseudonym}"}],
    }


def _guardian(view: ConsentView, patient: dict[str, Any]) -> dict[str, Any]:
    guardian: dict[str, Any] = {
        "resourceType": "RelatedPerson",
        "id": "guardian",
        "patient": patient,
    }
    role = t.GUARDIAN_ROLE.get(view.guardian_relationship)
    text = f"{t.words(view.guardian_relationship) or 'guardian'} of the participant"
    if role is not None:
        guardian["relationship"] = [t.concept(t.coding(t.ROLE_CODE, *role), text=text)]
    else:
        guardian["relationship"] = [t.concept(text=text)]
    return guardian


def consent_resource(
    view: ConsentView,
    *,
    patient: dict[str, Any] | None = None,
    organization: dict[str, Any] | None = None,
    resource_id: str | None = None,
) -> dict[str, Any]:
    """The Consent; patient/organization: references to use (inside a Bundle, urn:uuid).

    Alone (the consent API), the patient is `Patient/{participant id}` and no custodian
    is named.
    """
    patient = patient or {"reference": f"Patient/{view.participant_id}", "type": "Patient"}
    at = t.instant(view.recorded_at)
    contained: list[dict[str, Any]] = []
    extensions: list[dict[str, Any]] = [
        {
            "url": t.CONSENT_METHOD_EXTENSION,
            "valueCoding": t.coding(
                t.CONSENT_METHOD_SYSTEM, view.method, METHODS.get(view.method, t.words(view.method))
            ),
        }
    ]
    if view.witness:
        contained.append(_witness(view))
        extensions.append(
            {
                "url": t.CONSENT_WITNESS,
                "valueReference": {"reference": "#witness", "type": "Practitioner"},
            }
        )
    performers: list[dict[str, Any]] = []
    verification: list[dict[str, Any]] = []
    if view.guardian_name or view.guardian_relationship:
        # A minor: the guardian consents; the person's own assent is checked apart.
        contained.append(_guardian(view, patient))
        guardian = {"reference": "#guardian", "type": "RelatedPerson"}
        performers.append(guardian)
        verification.append({"verified": True, "verifiedWith": guardian, "verificationDate": at})
        if view.assent is not None:
            verification.append(
                {"verified": view.assent, "verifiedWith": patient, "verificationDate": at}
            )
        if view.assent:
            performers.append(patient)
    else:
        performers.append(patient)
        verification.append({"verified": True, "verifiedWith": patient, "verificationDate": at})
    provisions = []
    for decision in view.decisions:
        period: dict[str, str] = {"start": at}
        if decision.withdrawn_at is not None:
            period["end"] = t.instant(decision.withdrawn_at)
        provisions.append(
            {
                "type": "permit" if decision.granted else "deny",
                "period": period,
                "purpose": t.purpose_codings(decision.purpose),
            }
        )
    resource: dict[str, Any] = {"resourceType": "Consent", "id": resource_id or str(view.id)}
    if contained:
        resource["contained"] = contained
    resource["extension"] = extensions
    if view.paper_reference:
        resource["identifier"] = [
            {"type": {"text": "reference on the signed paper form"}, "value": view.paper_reference}
        ]
    resource |= {
        "status": _status(view),
        "scope": t.concept(t.coding(t.CONSENT_SCOPE, "patient-privacy", "Privacy Consent")),
        "category": [t.concept(t.coding(t.LOINC, "59284-0", "Patient Consent"))],
        "patient": patient,
        "dateTime": at,
        "performer": performers,
    }
    if organization is not None:
        resource["organization"] = [organization]
    resource["sourceAttachment"] = document_attachment(view.document)
    pinned = document_name(view.document)
    if pinned is not None:
        resource["policy"] = [{"uri": pinned}]
    resource |= {
        "policyRule": t.concept(t.coding(t.ACT_CODE, "OPTIN", "opt-in")),
        "verification": verification,
        "provision": {"type": "deny", "provision": provisions},
    }
    return resource
