"""A participant's own record as a FHIR R4 Bundle (type collection), for them to take.

Everything held about them, and nothing that identifies them beyond what the record needs:
the Patient has only gender and birth date. Every entry has a `urn:uuid:` fullUrl (uuid5
of the row's id, so a second export of the same record gives the same ids) and every
reference points at an entry of the Bundle (or at a resource contained in its resource):
- Encounter per visit, at its site (Location), run by the programme (Organization);
- Observations per visit (fhir_observations): values, the decision's meaning, BP panels;
- ServiceRequest per referral: reasonReference to the result it was made for, requester
  the programme, performer the clinic;
- Consent per consent given (fhir_consent);
- AuditEvent per line of the access log (fhir_audit), observed by healthcamp (a Device).

The result is plain JSON-ready data; tests/test_fhir_conformance.py validates it with
validators the project did not write.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Protocol

from healthcamp.clinical.visit import BP, DIASTOLIC, SYSTOLIC
from healthcamp.consent.records import ConsentView
from healthcamp.interop import fhir_terms as t
from healthcamp.interop.fhir_audit import LogLineLike, audit_event
from healthcamp.interop.fhir_consent import consent_resource
from healthcamp.interop.fhir_observations import VisitLike, VisitResultsLike, visit_observations

PROGRAMME = "health-check programme"  # when the caller does not name it


class ReferralLike(Protocol):
    """services.referrals.ReferralView."""

    @property
    def id(self) -> Any: ...
    @property
    def clinic(self) -> str: ...
    @property
    def urgency(self) -> str: ...
    @property
    def measure_code(self) -> str: ...
    @property
    def measure(self) -> str: ...
    @property
    def classification(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def updated_at(self) -> datetime: ...


def _patient_url(participant_id: str) -> str:
    try:
        return f"urn:uuid:{uuid.UUID(participant_id)}"  # the record's own random id
    except ValueError:
        return f"urn:uuid:{uuid.uuid5(t.NAMESPACE, f'patient/{participant_id}')}"


class _Builder:
    def __init__(self, participant_id: str, programme: str) -> None:
        self.ids = t.Ids(participant_id)
        self.patient_url = _patient_url(participant_id)
        self.patient = {"reference": self.patient_url, "type": "Patient"}
        self.programme = self.ids.ref("organization", "programme", "Organization")
        self.programme_name = programme or PROGRAMME
        self.entries: dict[str, dict[str, Any]] = {}

    def add(self, full_url: str, resource: dict[str, Any]) -> None:
        self.entries.setdefault(full_url, t.entry(full_url, resource))

    def location(self, site: str) -> dict[str, Any]:
        ref = self.ids.ref("location", site, "Location")
        self.add(ref["reference"], {"resourceType": "Location", "name": site, "mode": "instance"})
        return ref

    def clinic(self, name: str) -> dict[str, Any]:
        ref = self.ids.ref("clinic", name, "Organization")
        self.add(ref["reference"], {"resourceType": "Organization", "name": name})
        return ref

    def observer(self) -> dict[str, Any]:
        ref = self.ids.ref("device", "healthcamp", "Device")
        device = {
            "resourceType": "Device",
            "deviceName": [{"name": "healthcamp", "type": "user-friendly-name"}],
            "owner": self.programme,
        }
        self.add(ref["reference"], device)
        return ref

    def encounter(self, visit: VisitLike) -> None:
        url = self.ids.url("encounter", visit.id)
        resource: dict[str, Any] = {
            "resourceType": "Encounter",
            "status": "finished",
            # v3 FLD "field": care given away from a health facility, as at a health camp.
            "class": t.coding(t.ACT_CODE, "FLD", "field"),
            "subject": self.patient,
            "period": {"start": t.instant(visit.started_at)},
        }
        if visit.site:
            resource["location"] = [{"location": self.location(visit.site)}]
        resource["serviceProvider"] = self.programme
        self.add(url, resource)

    def referral(self, r: ReferralLike, results: list[tuple[datetime, dict[str, str]]]) -> None:
        code = BP if r.measure_code in (SYSTOLIC, DIASTOLIC) else r.measure_code
        # The result it was made for: the newest with that code made before it, else the
        # newest at all (a referral may be opened from a value recorded just after).
        made_for = [found[code] for at, found in results if code in found and at <= r.created_at]
        made_for = made_for or [found[code] for _, found in results if code in found]
        reason = f"{r.measure or r.measure_code}: {t.words(r.classification)}".strip(": ")
        resource: dict[str, Any] = {
            "resourceType": "ServiceRequest",
            "meta": {"lastUpdated": t.instant(r.updated_at)},
            "status": t.SERVICE_STATUS.get(r.status, "unknown"),
            "intent": "order",
        }
        if r.urgency in t.PRIORITY:
            resource["priority"] = t.PRIORITY[r.urgency]
        resource |= {
            "code": t.concept(
                t.coding(t.SNOMED, "3457005", "Patient referral"), text="Referral to a clinic"
            ),
            "subject": self.patient,
            "authoredOn": t.instant(r.created_at),
            "requester": self.programme,
        }
        if r.clinic:
            resource["performer"] = [self.clinic(r.clinic)]
        resource["reasonCode"] = [t.concept(text=reason)]
        if made_for:
            resource["reasonReference"] = [{"reference": made_for[-1], "type": "Observation"}]
        self.add(self.ids.url("referral", r.id), resource)


def record_bundle(
    *,
    participant_id: str,
    sex: str,
    born: date,
    visits: Sequence[VisitResultsLike],
    visits_without_values: Sequence[VisitLike],
    referrals: Sequence[ReferralLike],
    consents: Sequence[ConsentView],
    log: Sequence[LogLineLike],
    programme: str = "",
) -> dict[str, Any]:
    """The person's whole record as one R4 Bundle (JSON-ready dict)."""
    b = _Builder(participant_id, programme)
    b.add(
        b.patient_url,
        {
            "resourceType": "Patient",
            "gender": t.GENDER.get(sex, "unknown"),
            "birthDate": t.day(born),
        },
    )
    b.add(b.programme["reference"], {"resourceType": "Organization", "name": b.programme_name})
    all_visits = sorted(
        [*(v.visit for v in visits), *visits_without_values], key=lambda v: v.started_at
    )
    for visit in all_visits:
        b.encounter(visit)
    results: list[tuple[datetime, dict[str, str]]] = []
    for v in sorted(visits, key=lambda v: v.visit.started_at):
        entries, found = visit_observations(v, ids=b.ids, patient=b.patient)
        for url, resource in entries:
            b.add(url, resource)
        results.append((v.visit.started_at, found))
    for r in sorted(referrals, key=lambda r: r.created_at):
        b.referral(r, results)
    for c in sorted(consents, key=lambda c: c.recorded_at):
        url = b.ids.url("consent", c.id)
        resource = consent_resource(
            c,
            patient=b.patient,
            organization=b.programme,
            resource_id=url.removeprefix("urn:uuid:"),
        )
        b.add(url, resource)
    if log:
        observer = b.observer()
        for line in sorted(log, key=lambda line: line.seq):
            location = b.location(line.site) if line.site else None
            b.add(
                b.ids.url("audit", line.seq),
                audit_event(line, patient=b.patient, observer=observer, location=location),
            )
    return {"resourceType": "Bundle", "type": "collection", "entry": list(b.entries.values())}
