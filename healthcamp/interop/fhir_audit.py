"""The person's access log as FHIR R4 AuditEvents: who (by role), did what, when, for which
purpose, allowed or refused. Staff are named by role only, as the portal shows the log; the
audit log's sequence number is kept so the person can ask for its proof (`healthcamp
audit prove SEQ`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from healthcamp.interop import fhir_terms as t


class LogLineLike(Protocol):
    """One entry of the log naming the person (audit.selectors.LogLine)."""

    @property
    def seq(self) -> int: ...
    @property
    def at(self) -> datetime: ...
    @property
    def role(self) -> str: ...
    @property
    def site(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def purpose(self) -> str: ...
    @property
    def outcome(self) -> str: ...
    @property
    def subjects(self) -> int: ...


def audit_event(
    line: LogLineLike,
    *,
    patient: dict[str, Any],
    observer: dict[str, Any],
    location: dict[str, Any] | None,
) -> dict[str, Any]:
    code, display = t.AUDIT_TYPES.get(line.action, t.PATIENT_RECORD)
    role = t.concept(
        t.coding(t.ROLE_SYSTEM, line.role, t.words(line.role)), text=t.words(line.role)
    )
    agent: dict[str, Any] = {"role": [role]}
    if line.role == "participant":
        agent["who"] = patient  # the person themselves, signed in to the portal
    agent["requestor"] = True
    if location is not None:
        agent["location"] = location
    event: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "type": t.coding(t.DCM, code, display),
        "subtype": [t.coding(t.ACTION_SYSTEM, line.action, t.words(line.action))],
        "action": t.AUDIT_ACTIONS.get(line.action, "E"),
        "recorded": t.instant(line.at),
        "outcome": t.AUDIT_OUTCOMES.get(line.outcome, "8"),
        "outcomeDesc": line.outcome,
        "purposeOfEvent": [t.purpose_concept(line.purpose)],
        "agent": [agent],
        "source": {
            "observer": observer,
            "type": [t.coding(t.SECURITY_SOURCE, "4", "Application Server")],
        },
        "entity": [
            {
                "what": patient,
                "type": t.coding(t.AUDIT_ENTITY_TYPE, "1", "Person"),
                "role": t.coding(t.OBJECT_ROLE, "1", "Patient"),
                "detail": [
                    {"type": "audit log sequence number", "valueString": str(line.seq)},
                    {"type": "people named in this entry", "valueString": str(line.subjects)},
                ],
            }
        ],
    }
    if line.site:
        event["source"]["site"] = line.site
    return event
