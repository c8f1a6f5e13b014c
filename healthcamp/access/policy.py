"""The one decision function: may this role do this action, for this purpose, now?

Two questions, both must say yes: does the role's job include the action for the
purpose, and - for every purpose but registration and set-up - has the participant
consented to that purpose at this moment? Analysts and auditors never see an
individual record: an analyst's one action is a report, counts over the people whose
consent grants programme statistics (healthcamp.reports), checked per person inside its
query. No role has a bulk export action: it does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from healthcamp.access import refusal_words
from healthcamp.access.roles import Action, Purpose, Role
from healthcamp.consent.rules import ConsentStatus
from healthcamp.purposes import CONSENT_PURPOSES

_IDENTIFY = frozenset({Purpose.REGISTRATION})
_SETUP = frozenset({Purpose.PROGRAMME_SETUP})
_MEASURE = frozenset({Purpose.SCREENING, Purpose.BLOOD_TESTS})
_STATION = frozenset({Purpose.SCREENING, Purpose.BLOOD_TESTS, Purpose.REFERRAL_SHARING})
_SHARE = frozenset({Purpose.REFERRAL_SHARING})
_OWN = frozenset({Purpose.OWN_RECORD})
# Aggregates only: counts of the people who agree to programme statistics.
_STATISTICS = frozenset({Purpose.PROGRAMME_STATISTICS})

PERMISSIONS: dict[Role, dict[Action, frozenset[Purpose]]] = {
    Role.COORDINATOR: {
        Action.REGISTER: _IDENTIFY,
        Action.READ: _IDENTIFY | {Purpose.RESULTS_CONTACT},
        Action.SEARCH: _IDENTIFY,
        Action.PROGRAMME_CREATE: _SETUP,
        Action.SITE_CREATE: _SETUP,
        Action.CONSENT_DOCUMENT_WRITE: _SETUP,
        Action.CONSENT_RECORD: _IDENTIFY,
        Action.CONSENT_READ: _IDENTIFY,
        Action.CONSENT_WITHDRAW: _IDENTIFY,
        Action.ERASE: _IDENTIFY,
        Action.PORTAL_PIN_RESET: _IDENTIFY,
        Action.CLINIC_CREATE: _SETUP,
        Action.MEMBER_ADD: _SETUP,
        Action.REFERRAL_MANAGE: _IDENTIFY,
        Action.EXPORT_OWN_RECORD: _IDENTIFY,
        Action.RESULTS_RETURN: _IDENTIFY,
        Action.RESULTS_FOLLOW_UP: _IDENTIFY,
        Action.REFERRAL_SHARE: _SHARE,
        Action.RESULTS_LETTER: _MEASURE,
        Action.REPORT_READ: _STATISTICS,
        Action.REPORT_CONFIGURE: _SETUP,
        Action.REGISTRATIONS_IMPORT: _IDENTIFY,  # paper registration forms
    },
    Role.REGISTRAR: {
        Action.REGISTER: _IDENTIFY,
        Action.PORTAL_PIN_RESET: _IDENTIFY,
        Action.READ: _IDENTIFY,
        Action.SEARCH: _IDENTIFY,
        Action.CONSENT_RECORD: _IDENTIFY,
        Action.CONSENT_READ: _IDENTIFY,
        Action.CONSENT_WITHDRAW: _IDENTIFY,
        Action.RESULTS_RETURN: _IDENTIFY,
        # The desk hands the letter over: each section only with its purpose's consent.
        Action.RESULTS_LETTER: _MEASURE,
        Action.REGISTRATIONS_IMPORT: _IDENTIFY,  # paper registration forms
    },
    Role.CLINICIAN: {
        Action.READ: _STATION | {Purpose.RESULTS_CONTACT},
        Action.ENCOUNTER_START: _MEASURE,
        Action.OBSERVATION_RECORD: _MEASURE,
        Action.OBSERVATION_READ: _MEASURE | {Purpose.RESULTS_CONTACT},
        Action.REFERRAL_CREATE: _MEASURE,
        Action.REFERRAL_SHARE: _SHARE,
        Action.RESULTS_RETURN: _IDENTIFY,
        Action.RESULTS_IMPORT: _MEASURE,  # paper station forms, lab files
        # Screening at the desk; a station looks a card up for its own purpose.
        Action.SEARCH: _MEASURE,
        Action.CONSENT_READ: _IDENTIFY,
        Action.CONSENT_WITHDRAW: _IDENTIFY,
        Action.RESULTS_LETTER: _MEASURE,
    },
    Role.LAB: {
        Action.READ: frozenset({Purpose.BLOOD_TESTS}),
        Action.OBSERVATION_RECORD: frozenset({Purpose.BLOOD_TESTS}),
        Action.OBSERVATION_READ: frozenset({Purpose.BLOOD_TESTS}),
        Action.RESULTS_IMPORT: frozenset({Purpose.BLOOD_TESTS}),  # the lab's result files
        Action.SEARCH: frozenset({Purpose.BLOOD_TESTS}),
        Action.CONSENT_READ: _IDENTIFY,
        Action.CONSENT_WITHDRAW: _IDENTIFY,
    },
    # Planners: disclosure-controlled reports, never an individual record.
    Role.ANALYST: {Action.REPORT_READ: _STATISTICS},
    # The log's integrity: its entries (ids, roles, purposes, hashes) and verification;
    # never a name or a health value.
    Role.AUDITOR: {Action.AUDIT_READ: frozenset({Purpose.AUDIT})},
    # Signed in with their card: their own record, for no other purpose (the guard
    # also checks that the record is theirs).
    Role.PARTICIPANT: {
        Action.PORTAL_SIGN_IN: _OWN,
        Action.PORTAL_PIN_SET: _OWN,
        Action.READ: _OWN,
        Action.OBSERVATION_READ: _OWN,
        Action.CONSENT_READ: _OWN,
        Action.CONSENT_WITHDRAW: _OWN,
        Action.EXPORT_OWN_RECORD: _OWN,
    },
    Role.VISITOR: {},
}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str  # in English, for the audit log
    said: str = ""  # a refusal in the reader's language, in words (refusal_words)


def needs_consent(purpose: Purpose) -> bool:
    return purpose in CONSENT_PURPOSES


_WHY_NOT = {
    ConsentStatus.REFUSED: "said no to {purpose}",
    ConsentStatus.WITHDRAWN: "withdrew consent for {purpose}",
    ConsentStatus.NOT_ASKED: "has not consented to {purpose} (not asked yet, or not under "
    "the current consent document)",
}


def permitted(*, role: Role, action: Action, purpose: Purpose) -> Decision:
    """The role half alone: for acts on no participant (registering, set-up), and as a
    first check before the participant is known."""
    purposes = PERMISSIONS[role].get(action, frozenset())
    if purpose in purposes:
        return Decision(True, f"{role.value} may {action.value} for {purpose.value}")
    if not purposes:
        return Decision(
            False,
            f"The {role.value} role may not {_verb(action)}.",
            refusal_words.role_may_not(role, action),
        )
    allowed = ", ".join(sorted(p.value for p in purposes))
    return Decision(
        False,
        f"The {role.value} role may not {_verb(action)} for {purpose.value}; "
        f"it may for: {allowed}.",
        refusal_words.role_may_not_for(role, action, purpose, purposes),
    )


def decide(*, role: Role, action: Action, purpose: Purpose, consent: ConsentStatus) -> Decision:
    """The whole decision for an act on one participant, given their consent status now."""
    by_role = permitted(role=role, action=action, purpose=purpose)
    if not by_role.allowed or not needs_consent(purpose) or consent == ConsentStatus.GRANTED:
        return by_role
    return Decision(
        False, _consent_reason(consent, purpose), refusal_words.consent_missing(consent, purpose)
    )


def _consent_reason(consent: ConsentStatus, purpose: Purpose) -> str:
    why = _WHY_NOT[consent].format(purpose=purpose.value)
    return f"The participant {why}; nothing is shown or stored for it."


def consent_refused(reason: str, purpose: Purpose) -> bool:
    """Whether a refusal's reason is the person's consent for this purpose (and not, say,
    the staff member's programme): what a station may say as "has not agreed to"."""
    return any(reason == _consent_reason(status, purpose) for status in _WHY_NOT)


def _verb(action: Action) -> str:
    return {
        Action.REGISTER: "register participants",
        Action.READ: "read a participant's record",
        Action.SEARCH: "search for participants",
        Action.PROGRAMME_CREATE: "create programmes",
        Action.SITE_CREATE: "create sites",
        Action.CONSENT_DOCUMENT_WRITE: "write or publish consent documents",
        Action.CONSENT_RECORD: "record a participant's consent",
        Action.CONSENT_READ: "see a participant's consent",
        Action.CONSENT_WITHDRAW: "withdraw a participant's consent",
        Action.ERASE: "erase a participant",
        Action.ENCOUNTER_START: "start an encounter",
        Action.OBSERVATION_RECORD: "record measurements",
        Action.OBSERVATION_READ: "see measurements",
        Action.RESULTS_LETTER: "print a participant's results letter",
        Action.CLINIC_CREATE: "add referral clinics",
        Action.REFERRAL_CREATE: "refer a participant",
        Action.REFERRAL_MANAGE: "follow up referrals",
        Action.EXPORT_OWN_RECORD: "hand a participant a copy of their record",
        Action.RESULTS_RETURN: "record that results were returned",
        Action.RESULTS_FOLLOW_UP: "follow up results not yet returned",
        Action.REFERRAL_SHARE: "share results with a referral clinic",
        Action.PORTAL_SIGN_IN: "sign in to the participant portal",
        Action.PORTAL_PIN_SET: "set a portal PIN",
        Action.PORTAL_PIN_RESET: "reset a participant's portal PIN",
        Action.MEMBER_ADD: "add staff to a programme",
        Action.AUDIT_READ: "read the audit log",
        Action.AUTHENTICATE: "sign in",
        Action.REPORT_READ: "compute programme reports",
        Action.REPORT_CONFIGURE: "set a programme's smallest published count",
        Action.RESULTS_IMPORT: "import result files",
        Action.REGISTRATIONS_IMPORT: "import registration forms",
    }[action]


_DEFAULT_PURPOSE = {
    Role.COORDINATOR: Purpose.REGISTRATION,
    Role.REGISTRAR: Purpose.REGISTRATION,
    Role.CLINICIAN: Purpose.SCREENING,
    Role.LAB: Purpose.BLOOD_TESTS,
    Role.ANALYST: Purpose.PROGRAMME_STATISTICS,
    Role.AUDITOR: Purpose.AUDIT,
    Role.PARTICIPANT: Purpose.OWN_RECORD,
    Role.VISITOR: Purpose.OWN_RECORD,
}


def own_or(role: Role, purpose: Purpose) -> Purpose:
    """The purpose of an act that staff do for `purpose` and participants for themselves."""
    return Purpose.OWN_RECORD if role is Role.PARTICIPANT else purpose


def default_purpose(role: Role) -> Purpose:
    """The purpose a role's finding of a participant serves when none is named."""
    return _DEFAULT_PURPOSE[role]
