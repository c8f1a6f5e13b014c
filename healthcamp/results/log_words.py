"""The access log as a participant reads it: who opened their record, what was done,
and why, in plain words in the active language (translations in locale/).

Acts on no one's record (creating a programme, a site, a clinic...) never appear in a
person's log, so they have no words here; tests/test_translations.py checks the rest.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

ROLES: dict[str, Promise] = {
    "coordinator": pgettext_lazy("access log: who", "coordinator"),
    "registrar": pgettext_lazy("access log: who", "registration desk"),
    "clinician": pgettext_lazy("access log: who", "health worker"),
    "lab": pgettext_lazy("access log: who", "laboratory"),
    "participant": pgettext_lazy("access log: who", "you"),
    "visitor": pgettext_lazy("access log: who", "someone with your card code"),
}
ACTS: dict[str, Promise] = {
    "participant.register": pgettext_lazy("access log: what", "registered you"),
    "participant.read": pgettext_lazy("access log: what", "opened your record"),
    "participant.search": pgettext_lazy("access log: what", "looked you up"),
    "consent.record": pgettext_lazy("access log: what", "recorded your consent"),
    "consent.read": pgettext_lazy("access log: what", "looked at your consent"),
    "consent.withdraw": pgettext_lazy("access log: what", "withdrew consent"),
    "participant.erase": pgettext_lazy("access log: what", "deleted your record"),
    "encounter.start": pgettext_lazy("access log: what", "started a visit"),
    "observation.record": pgettext_lazy("access log: what", "recorded a result"),
    "results.import": pgettext_lazy("access log: what", "entered your results from a file"),
    "registrations.import": pgettext_lazy("access log: what", "registered you from a paper form"),
    "observation.read": pgettext_lazy("access log: what", "looked at your results"),
    "referral.create": pgettext_lazy("access log: what", "referred you to a clinic"),
    "referral.manage": pgettext_lazy("access log: what", "followed up a referral"),
    "referral.share": pgettext_lazy("access log: what", "shared results with a clinic"),
    "participant.export_own_record": pgettext_lazy(
        "access log: what", "gave you a copy of your record"
    ),
    "results.return": pgettext_lazy("access log: what", "gave you your results"),
    "results.letter": pgettext_lazy("access log: what", "printed your results letter"),
    "results.follow_up": pgettext_lazy("access log: what", "checked whose results are still owed"),
    "portal.sign_in": pgettext_lazy("access log: what", "signed in to this page"),
    "portal.pin_set": pgettext_lazy("access log: what", "changed the PIN"),
    "portal.pin_reset": pgettext_lazy(
        "access log: what", "removed your PIN and lifted the sign-in lock (you showed your card)"
    ),
}
# A purpose as the participant would say it: why their record was opened, what they
# withdrew.
PURPOSES: dict[str, Promise] = {
    "registration": pgettext_lazy("purpose, in the participant's words", "identifying you"),
    "screening": pgettext_lazy("purpose, in the participant's words", "measurements"),
    "blood_tests": pgettext_lazy("purpose, in the participant's words", "blood tests"),
    "results_contact": pgettext_lazy("purpose, in the participant's words", "your results"),
    "referral_sharing": pgettext_lazy("purpose, in the participant's words", "a referral"),
    "programme_statistics": pgettext_lazy("purpose, in the participant's words", "statistics"),
    "deidentified_research": pgettext_lazy("purpose, in the participant's words", "research"),
    "programme_setup": pgettext_lazy("purpose, in the participant's words", "set-up"),
    "own_record": pgettext_lazy("purpose, in the participant's words", "you, yourself"),
    "audit": pgettext_lazy("purpose, in the participant's words", "checking the log"),
}
OUTCOMES: dict[str, Promise] = {
    "allowed": pgettext_lazy("access log: outcome", "allowed"),
    "denied": pgettext_lazy("access log: outcome", "refused"),
    "not_found": pgettext_lazy("access log: outcome", "not found"),
}


def _said(table: dict[str, Promise], code: str) -> str:
    # A code with no words yet reads as words, never as an identifier.
    words = table.get(code)
    return str(words) if words is not None else code.replace("_", " ").replace(".", " ")


def role(code: str) -> str:
    return _said(ROLES, code)


def act(code: str) -> str:
    return _said(ACTS, code)


def purpose(code: str) -> str:
    return _said(PURPOSES, code)


def outcome(code: str) -> str:
    return _said(OUTCOMES, code)
