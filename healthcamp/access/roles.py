"""The vocabulary of the access policy: roles, actions, purposes."""

from __future__ import annotations

from enum import StrEnum

from healthcamp.purposes import PURPOSE_VALUES, Purpose

__all__ = ["PURPOSE_VALUES", "ROLE_VALUES", "STAFF_ROLES", "Action", "Purpose", "Role"]


class Role(StrEnum):
    COORDINATOR = "coordinator"
    REGISTRAR = "registrar"
    CLINICIAN = "clinician"
    LAB = "lab"
    ANALYST = "analyst"
    AUDITOR = "auditor"
    # The person themselves, signed in to the portal: acts on their own record only.
    PARTICIPANT = "participant"
    # Someone trying to sign in to the portal: may do nothing; their failed tries are
    # logged for the card holder to see.
    VISITOR = "visitor"


STAFF_ROLES: tuple[Role, ...] = tuple(r for r in Role if r not in (Role.PARTICIPANT, Role.VISITOR))


class Action(StrEnum):
    REGISTER = "participant.register"
    READ = "participant.read"
    SEARCH = "participant.search"
    PROGRAMME_CREATE = "programme.create"
    SITE_CREATE = "site.create"
    CONSENT_DOCUMENT_WRITE = "consent_document.write"
    CONSENT_RECORD = "consent.record"
    CONSENT_READ = "consent.read"
    CONSENT_WITHDRAW = "consent.withdraw"
    ERASE = "participant.erase"
    ENCOUNTER_START = "encounter.start"
    OBSERVATION_RECORD = "observation.record"
    OBSERVATION_READ = "observation.read"
    CLINIC_CREATE = "clinic.create"
    REFERRAL_CREATE = "referral.create"
    REFERRAL_MANAGE = "referral.manage"
    EXPORT_OWN_RECORD = "participant.export_own_record"
    RESULTS_RETURN = "results.return"
    RESULTS_FOLLOW_UP = "results.follow_up"
    RESULTS_LETTER = "results.letter"  # print or send the person's own results letter
    REFERRAL_SHARE = "referral.share"
    PORTAL_SIGN_IN = "portal.sign_in"
    PORTAL_PIN_SET = "portal.pin_set"
    PORTAL_PIN_RESET = "portal.pin_reset"
    MEMBER_ADD = "programme.member_add"
    AUDIT_READ = "audit.read"
    AUTHENTICATE = "staff.authenticate"
    # Compute a programme report: counts over people who agree to programme statistics,
    # disclosure-controlled; never a row about a person.
    REPORT_READ = "report.read"
    REPORT_CONFIGURE = "report.configure"  # a programme's disclosure threshold k
    # Bring in a file of results (a lab's, or paper forms): every row is also an
    # observation.record for its measure's purpose, checked per row.
    RESULTS_IMPORT = "results.import"
    # Bring in paper registration forms: every row is also a participant.register and a
    # consent.record by the services, each audited; this entry names everyone the import
    # registered, so each person's log says it came from a paper form.
    REGISTRATIONS_IMPORT = "registrations.import"


ROLE_VALUES = ", ".join(r.value for r in STAFF_ROLES)
