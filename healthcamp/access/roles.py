"""The vocabulary of the access policy: roles, actions, purposes."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    COORDINATOR = "coordinator"
    REGISTRAR = "registrar"
    CLINICIAN = "clinician"
    LAB = "lab"
    ANALYST = "analyst"
    AUDITOR = "auditor"


class Action(StrEnum):
    REGISTER = "participant.register"
    READ = "participant.read"
    SEARCH = "participant.search"
    PROGRAMME_CREATE = "programme.create"
    SITE_CREATE = "site.create"


class Purpose(StrEnum):
    REGISTRATION = "registration"
    SCREENING = "screening"
    BLOOD_TESTS = "blood_tests"
    RESULTS_CONTACT = "results_contact"
    REFERRAL_SHARING = "referral_sharing"
    PROGRAMME_STATISTICS = "programme_statistics"
    DEIDENTIFIED_RESEARCH = "deidentified_research"
    PROGRAMME_SETUP = "programme_setup"


ROLE_VALUES = ", ".join(r.value for r in Role)
PURPOSE_VALUES = ", ".join(p.value for p in Purpose)
