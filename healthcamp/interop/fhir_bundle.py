"""A participant's own record as a FHIR R4 Bundle (validated with fhir.resources R4B).

Patient carries only what the record needs (id, gender, birth date); observations use
LOINC codes and UCUM units; referrals are ServiceRequests; consents are Consents.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from healthcamp.consent.records import ConsentView
from healthcamp.interop.fhir_consent import consent_resource

GENDER = {"female": "female", "male": "male", "other": "other", "not_stated": "unknown"}
SERVICE_STATUS = {"open": "active", "attended": "completed", "closed": "revoked"}


def _observation(o: Any, patient: str) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"obs-{o.id}",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": o.code, "display": o.name}]},
        "subject": {"reference": patient},
        "encounter": {"reference": f"Encounter/{o.encounter_id}"},
        "effectiveDateTime": o.recorded_at.isoformat(),
        "interpretation": [{"text": o.classification}],
    }
    if o.code_value:
        resource["valueCodeableConcept"] = {"text": o.code_value}
    else:
        resource["valueQuantity"] = {
            "value": o.value,
            "unit": o.unit,
            "system": "http://unitsofmeasure.org",
            "code": o.unit,
        }
    return resource


def record_bundle(
    *,
    participant_id: str,
    sex: str,
    born: date,
    encounters: list[tuple[str, datetime, str]],
    observations: list[Any],
    referrals: list[Any],
    consents: list[ConsentView],
) -> dict[str, Any]:
    patient = f"Patient/{participant_id}"
    resources: list[dict[str, Any]] = [
        {
            "resourceType": "Patient",
            "id": participant_id,
            "gender": GENDER.get(sex, "unknown"),
            "birthDate": born.isoformat(),
        }
    ]
    for encounter_id, started, site in encounters:
        resources.append(
            {
                "resourceType": "Encounter",
                "id": encounter_id,
                "status": "finished",
                "class": {
                    "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                    "code": "AMB",
                },
                "subject": {"reference": patient},
                "period": {"start": started.isoformat()},
                "location": [{"location": {"display": site}}],
            }
        )
    resources += [_observation(o, patient) for o in observations]
    for r in referrals:
        resources.append(
            {
                "resourceType": "ServiceRequest",
                "id": str(r.id),
                "status": SERVICE_STATUS[r.status],
                "intent": "order",
                "priority": r.urgency,
                "code": {"text": "Referral to a clinic"},
                "subject": {"reference": patient},
                "authoredOn": r.created_at.isoformat(),
                "reasonCode": [
                    {
                        "coding": [{"system": "http://loinc.org", "code": r.measure_code}],
                        "text": r.classification,
                    }
                ],
                "performer": [{"display": r.clinic or "clinic to be assigned"}],
            }
        )
    resources += [consent_resource(c) for c in consents]
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": f"urn:uuid:{participant_id}/{res['resourceType']}/{res['id']}",
                "resource": res,
            }
            for res in resources
        ],
    }
    result: dict[str, Any] = Bundle.model_validate(bundle).model_dump(
        mode="json", exclude_none=True
    )
    return result
