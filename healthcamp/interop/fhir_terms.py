"""The words healthcamp's FHIR R4 export speaks: code systems, fixed codes and mappings.

Standard terminologies first (LOINC, UCUM, HL7 v3, FHIR's own code systems); where no
standard code fits, healthcamp's own code under HEALTHCAMP_FHIR, an address the project
must own and publish (see CODE_SYSTEMS below). Pure data and tiny helpers, no Django.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from typing import Any

# healthcamp's own FHIR namespace. The project must own this address and publish the
# code systems below under it; a code system URL that nobody can resolve is only a name.
HEALTHCAMP_FHIR = "https://healthcamp.org/fhir"
PURPOSE_SYSTEM = f"{HEALTHCAMP_FHIR}/CodeSystem/purpose"
MEASURE_SYSTEM = f"{HEALTHCAMP_FHIR}/CodeSystem/measure"
ACTION_SYSTEM = f"{HEALTHCAMP_FHIR}/CodeSystem/audit-action"
ROLE_SYSTEM = f"{HEALTHCAMP_FHIR}/CodeSystem/role"
CONSENT_METHOD_SYSTEM = f"{HEALTHCAMP_FHIR}/CodeSystem/consent-method"
CONSENT_METHOD_EXTENSION = f"{HEALTHCAMP_FHIR}/StructureDefinition/consent-method"
CODE_SYSTEMS = (PURPOSE_SYSTEM, MEASURE_SYSTEM, ACTION_SYSTEM, ROLE_SYSTEM, CONSENT_METHOD_SYSTEM)

# Stable ids: the same row gives the same urn:uuid in every export of the record.
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, HEALTHCAMP_FHIR)

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
SNOMED = "http://snomed.info/sct"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
DATA_ABSENT = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
REFERENCE_MEANING = "http://terminology.hl7.org/CodeSystem/referencerange-meaning"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
DCM = "http://dicom.nema.org/resources/ontology/DCM"
AUDIT_ACTION = "http://hl7.org/fhir/audit-event-action"
AUDIT_ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"
SECURITY_SOURCE = "http://terminology.hl7.org/CodeSystem/security-source-type"
CONSENT_WITNESS = "http://hl7.org/fhir/StructureDefinition/consent-Witness"

PROFILE = "http://hl7.org/fhir/StructureDefinition/"
# R4's vital-signs profiles by LOINC code; the rest of the vital signs use the base one.
VITAL_PROFILES = {
    "85354-9": "bp",
    "8867-4": "heartrate",
    "8302-2": "bodyheight",
    "29463-7": "bodyweight",
    "39156-5": "bmi",
}
# What the R4 vital-signs profile covers here: its value set (observation-vitalsignresult)
# plus waist circumference, a body measurement taken at the same station.
VITAL_SIGNS = frozenset(
    {"85354-9", "8480-6", "8462-4", "8867-4", "8302-2", "29463-7", "39156-5", "56115-9"}
)
PREGNANCY = "82810-3"
GLUCOSE = "14743-9"
# LOINC 14770-2 "Fasting glucose [Moles/volume] in Capillary blood by Glucometer": the same
# test as 14743-9 when the person had not eaten for at least 8 hours (WHO 2006).
FASTING_GLUCOSE = "14770-2"

INTERPRETATIONS = {
    "N": "Normal",
    "L": "Low",
    "H": "High",
    "LL": "Critical low",
    "HH": "Critical high",
    "A": "Abnormal",
}
DATA_ABSENT_REASONS = {
    "refused": ("asked-declined", "Asked But Declined"),
    "not_done": ("not-performed", "Not Performed"),
    "unable": ("error", "Error"),
}

# Consent purposes as v3 PurposeOfUse (v3-ActReason), where one fits. healthcamp's own
# purpose code always comes first and stays authoritative; the v3 code is for systems
# that only read the standard one.
# - screening, blood_tests: TREAT - the checks are health care for this person.
# - results_contact: TREAT - being contacted is returning this person's own results and
#   following them up, part of their care; PATRQT would mean "disclosed because the
#   patient asked", which a standing permission to be contacted is not.
# - referral_sharing: COC - sent to a named clinic so that care continues there.
# - programme_statistics: HOPERAT - aggregate figures to run and plan the programme
#   (healthcare operations); not PUBHLTH, which means reporting to a public-health
#   authority such as notifiable conditions.
# - deidentified_research: HRESCH - healthcare research.
# - own_record: PATRQT - the person asked to see, take or change their own record.
# - registration, programme_setup, audit: no v3 code says "identifying someone at the
#   desk", "setting up a programme" or "checking the log's integrity" precisely; they
#   carry healthcamp's code only.
PURPOSE_OF_USE = {
    "screening": ("TREAT", "treatment"),
    "blood_tests": ("TREAT", "treatment"),
    "results_contact": ("TREAT", "treatment"),
    "referral_sharing": ("COC", "coordination of care"),
    "programme_statistics": ("HOPERAT", "healthcare operations"),
    "deidentified_research": ("HRESCH", "healthcare research"),
    "own_record": ("PATRQT", "patient requested"),
}

# Audit actions as FHIR's AuditEvent.action: Create, Read, Update, Delete, Execute.
AUDIT_ACTIONS = {
    "participant.register": "C",
    "participant.read": "R",
    "participant.search": "E",
    "participant.erase": "D",
    "participant.export_own_record": "R",
    "programme.create": "C",
    "programme.member_add": "C",
    "site.create": "C",
    "consent_document.write": "C",
    "consent.record": "C",
    "consent.read": "R",
    "consent.withdraw": "U",
    "encounter.start": "C",
    "observation.record": "C",
    "observation.read": "R",
    "clinic.create": "C",
    "referral.create": "C",
    "referral.manage": "U",
    "referral.share": "R",
    "results.return": "R",
    "results.follow_up": "U",
    "portal.sign_in": "E",
    "portal.pin_set": "U",
    "portal.pin_reset": "U",
    "audit.read": "R",
    "staff.authenticate": "E",
}
# The DICOM audit event type of each kind of action; everything else touches the record.
AUDIT_TYPES = {
    "participant.export_own_record": ("110106", "Export"),
    "participant.search": ("110112", "Query"),
    "portal.sign_in": ("110114", "User Authentication"),
    "staff.authenticate": ("110114", "User Authentication"),
}
PATIENT_RECORD = ("110110", "Patient Record")
# 0 success; 4 the request was refused (like an HTTP 4xx); 8 anything else went wrong.
AUDIT_OUTCOMES = {"allowed": "0", "denied": "4"}

SERVICE_STATUS = {"open": "active", "attended": "completed", "closed": "revoked"}
PRIORITY = {"urgent": "urgent", "soon": "asap", "routine": "routine"}
GENDER = {"female": "female", "male": "male", "other": "other", "not_stated": "unknown"}
GUARDIAN_ROLE = {"parent": ("PRN", "parent"), "legal_guardian": ("GUARD", "guardian")}

_LOINC_CODE = re.compile(r"^\d{1,7}-\d$")


def code_system(code: str) -> str:
    """LOINC for LOINC-shaped codes; healthcamp's own system for its own (hc-...)."""
    return LOINC if _LOINC_CODE.match(code) else MEASURE_SYSTEM


def words(key: str) -> str:
    """A code as words: hypertension_grade_1 -> hypertension grade 1."""
    return key.replace("_", " ").replace(".", " ").strip()


def instant(at: datetime) -> str:
    """A FHIR instant/dateTime: to the second, in UTC (a naive time is refused, never
    guessed, and UTC keeps odd historical offsets out of the +hh:mm that FHIR allows)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{at!r} has no time zone; FHIR times must say which one.")
    return at.astimezone(UTC).isoformat(timespec="seconds")


def day(on: date) -> str:
    return on.isoformat()


def coding(system: str, code: str, display: str = "") -> dict[str, Any]:
    found: dict[str, Any] = {"system": system, "code": code}
    if display:
        found["display"] = display
    return found


def concept(*codings: dict[str, Any], text: str = "") -> dict[str, Any]:
    found: dict[str, Any] = {}
    if codings:
        found["coding"] = list(codings)
    if text:
        found["text"] = text
    return found


def purpose_concept(purpose: str) -> dict[str, Any]:
    """healthcamp's purpose first, then the v3 PurposeOfUse that fits, if one does."""
    codings = [coding(PURPOSE_SYSTEM, purpose, words(purpose))]
    if purpose in PURPOSE_OF_USE:
        code, display = PURPOSE_OF_USE[purpose]
        codings.append(coding(ACT_REASON, code, display))
    return concept(*codings, text=words(purpose))


def purpose_codings(purpose: str) -> list[dict[str, Any]]:
    return list(purpose_concept(purpose)["coding"])


class Ids:
    """Stable urn:uuid fullUrls for one participant's Bundle (uuid5 of kind and row id)."""

    def __init__(self, participant_id: str) -> None:
        self.participant_id = participant_id

    def url(self, kind: str, key: object) -> str:
        return f"urn:uuid:{uuid.uuid5(NAMESPACE, f'{self.participant_id}/{kind}/{key}')}"

    def ref(self, kind: str, key: object, resource_type: str) -> dict[str, Any]:
        # Reference.type lets a reader (and a validator) check the target's kind without
        # resolving a urn:uuid.
        return {"reference": self.url(kind, key), "type": resource_type}


def entry(full_url: str, resource: dict[str, Any]) -> dict[str, Any]:
    """A Bundle entry; the resource's id is its urn:uuid's uuid, so the two agree."""
    body = {k: v for k, v in resource.items() if k not in ("resourceType", "id")}
    identified = {
        "resourceType": resource["resourceType"],
        "id": full_url.removeprefix("urn:uuid:"),
    }
    return {"fullUrl": full_url, "resource": identified | body}


# A participant's card code as a FHIR identifier: how a lab's Bundle names the subject.
CARD_SYSTEM = f"{HEALTHCAMP_FHIR}/NamingSystem/card-code"
