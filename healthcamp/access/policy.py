"""The one decision function: may this role do this action for this purpose?

Analysts and auditors have no row here at all: they never see an individual
record. No role has a bulk export action: it does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from healthcamp.access.roles import Action, Purpose, Role

_IDENTIFY = frozenset({Purpose.REGISTRATION})
_STATION = frozenset({Purpose.SCREENING, Purpose.BLOOD_TESTS, Purpose.REFERRAL_SHARING})

PERMISSIONS: dict[Role, dict[Action, frozenset[Purpose]]] = {
    Role.COORDINATOR: {
        Action.REGISTER: _IDENTIFY,
        Action.READ: _IDENTIFY | {Purpose.RESULTS_CONTACT},
        Action.SEARCH: _IDENTIFY,
        Action.PROGRAMME_CREATE: frozenset({Purpose.PROGRAMME_SETUP}),
        Action.SITE_CREATE: frozenset({Purpose.PROGRAMME_SETUP}),
    },
    Role.REGISTRAR: {
        Action.REGISTER: _IDENTIFY,
        Action.READ: _IDENTIFY,
        Action.SEARCH: _IDENTIFY,
    },
    Role.CLINICIAN: {
        Action.READ: _STATION | {Purpose.RESULTS_CONTACT},
        Action.SEARCH: frozenset({Purpose.SCREENING}),
    },
    Role.LAB: {
        Action.READ: frozenset({Purpose.BLOOD_TESTS}),
        Action.SEARCH: frozenset({Purpose.BLOOD_TESTS}),
    },
    Role.ANALYST: {},
    Role.AUDITOR: {},
}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


def decide(*, role: Role, action: Action, purpose: Purpose) -> Decision:
    purposes = PERMISSIONS[role].get(action, frozenset())
    if purpose in purposes:
        return Decision(True, f"{role.value} may {action.value} for {purpose.value}")
    if not purposes:
        return Decision(False, f"The {role.value} role may not {_verb(action)}.")
    allowed = ", ".join(sorted(p.value for p in purposes))
    return Decision(
        False,
        f"The {role.value} role may not {_verb(action)} for {purpose.value}; "
        f"it may for: {allowed}.",
    )


def _verb(action: Action) -> str:
    return {
        Action.REGISTER: "register participants",
        Action.READ: "read a participant's record",
        Action.SEARCH: "search for participants",
        Action.PROGRAMME_CREATE: "create programmes",
        Action.SITE_CREATE: "create sites",
    }[action]


_DEFAULT_PURPOSE = {
    Role.COORDINATOR: Purpose.REGISTRATION,
    Role.REGISTRAR: Purpose.REGISTRATION,
    Role.CLINICIAN: Purpose.SCREENING,
    Role.LAB: Purpose.BLOOD_TESTS,
    Role.ANALYST: Purpose.PROGRAMME_STATISTICS,
    Role.AUDITOR: Purpose.REGISTRATION,
}


def default_purpose(role: Role) -> Purpose:
    """The purpose a role's finding of a participant serves when none is named."""
    return _DEFAULT_PURPOSE[role]
