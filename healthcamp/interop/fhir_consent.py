"""A participant's consent as a FHIR R4 Consent resource.

Built and validated with fhir.resources' R4B models (R4B's Consent is R4's). The
resource names the participant only by their random id; no name or birth date.
"""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.consent import Consent as FhirConsent

from healthcamp.consent.records import ConsentView
from healthcamp.consent.rules import ConsentStatus

PURPOSE_SYSTEM = "urn:healthcamp:purpose"


def _status(view: ConsentView) -> str:
    statuses = {d.purpose: view.status(d.purpose) for d in view.decisions}
    if not view.current:
        return "inactive"  # replaced by a newer consent
    if any(s == ConsentStatus.GRANTED for s in statuses.values()):
        return "active"
    if all(s == ConsentStatus.REFUSED for s in statuses.values()):
        return "rejected"
    return "inactive"  # everything agreed to was withdrawn


def consent_resource(view: ConsentView) -> dict[str, Any]:
    patient = {"reference": f"Patient/{view.participant_id}"}
    performer = (
        [{"display": f"{view.guardian_relationship.replace('_', ' ')} of the participant"}]
        if view.guardian_name
        else [patient]
    )
    provisions = []
    for decision in view.decisions:
        period: dict[str, str] = {"start": view.recorded_at.isoformat()}
        if decision.withdrawn_at is not None:
            period["end"] = decision.withdrawn_at.isoformat()
        provisions.append(
            {
                "type": "permit" if decision.granted else "deny",
                "period": period,
                "purpose": [{"system": PURPOSE_SYSTEM, "code": decision.purpose}],
            }
        )
    document = view.document
    resource = {
        "resourceType": "Consent",
        "id": str(view.id),
        "status": _status(view),
        "scope": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                    "code": "patient-privacy",
                }
            ]
        },
        "category": [
            {"coding": [{"system": "http://loinc.org", "code": "59284-0", "display": "Consent"}]}
        ],
        "patient": patient,
        "dateTime": view.recorded_at.isoformat(),
        "performer": performer,
        "sourceReference": {
            "display": f"{document.title} - version {document.version} ({document.language}), "
            f"sha256 {document.sha256}"
        },
        "policyRule": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}
            ]
        },
        "verification": [
            {
                "verified": True,
                "verificationDate": view.recorded_at.isoformat(),
                "verifiedWith": {"display": f"recorded {view.method.replace('_', ' ')}"},
            }
        ],
        "provision": {"type": "deny", "provision": provisions},
    }
    validated = FhirConsent.model_validate(resource)
    result: dict[str, Any] = validated.model_dump(mode="json", exclude_none=True)
    return result
