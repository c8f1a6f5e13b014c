"""What data is used for. Every access names one; consent is given per purpose."""

from __future__ import annotations

from enum import StrEnum


class Purpose(StrEnum):
    # Operational: identifying the person at the desk and recording their consent.
    # It needs no consent of its own (consent cannot be asked of someone unidentified).
    REGISTRATION = "registration"
    SCREENING = "screening"
    BLOOD_TESTS = "blood_tests"
    RESULTS_CONTACT = "results_contact"
    REFERRAL_SHARING = "referral_sharing"
    PROGRAMME_STATISTICS = "programme_statistics"
    DEIDENTIFIED_RESEARCH = "deidentified_research"
    # Setting up programmes, sites and consent documents: touches no participant.
    PROGRAMME_SETUP = "programme_setup"
    # The participant seeing, withdrawing from or taking a copy of their own record:
    # their right, never something they must consent to.
    OWN_RECORD = "own_record"
    # Keeping the system honest: the audit log's integrity, failed staff sign-ins.
    # Touches no participant's health data or name.
    AUDIT = "audit"


# The purposes a participant says yes or no to, one by one.
CONSENT_PURPOSES: tuple[Purpose, ...] = (
    Purpose.SCREENING,
    Purpose.BLOOD_TESTS,
    Purpose.RESULTS_CONTACT,
    Purpose.REFERRAL_SHARING,
    Purpose.PROGRAMME_STATISTICS,
    Purpose.DEIDENTIFIED_RESEARCH,
)

PURPOSE_VALUES = ", ".join(p.value for p in Purpose)
CONSENT_PURPOSE_VALUES = ", ".join(p.value for p in CONSENT_PURPOSES)
