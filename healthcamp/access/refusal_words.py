"""The door's refusals as the person in front of the page reads them, in the active
language: roles, acts and purposes in words, never codes. The audit log keeps the English
reason (healthcamp.access.policy); these are what the page and the API's message say."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext_lazy

from healthcamp.access.roles import Action, Purpose, Role
from healthcamp.consent.rules import ConsentStatus
from healthcamp.lib import code_words

# What each act is, as the end of "The clinician role may not ..." (lower case).
ACTS: dict[Action, Promise] = {
    Action.REGISTER: pgettext_lazy("act", "register participants"),
    Action.READ: pgettext_lazy("act", "read a participant's record"),
    Action.SEARCH: pgettext_lazy("act", "search for participants"),
    Action.PROGRAMME_CREATE: pgettext_lazy("act", "create programmes"),
    Action.SITE_CREATE: pgettext_lazy("act", "create sites"),
    Action.CONSENT_DOCUMENT_WRITE: pgettext_lazy("act", "write or publish consent documents"),
    Action.CONSENT_RECORD: pgettext_lazy("act", "record a participant's consent"),
    Action.CONSENT_READ: pgettext_lazy("act", "see a participant's consent"),
    Action.CONSENT_WITHDRAW: pgettext_lazy("act", "withdraw a participant's consent"),
    Action.ERASE: pgettext_lazy("act", "erase a participant"),
    Action.ENCOUNTER_START: pgettext_lazy("act", "start a visit"),
    Action.OBSERVATION_RECORD: pgettext_lazy("act", "record measurements"),
    Action.OBSERVATION_READ: pgettext_lazy("act", "see measurements"),
    Action.RESULTS_LETTER: pgettext_lazy("act", "print a participant's results letter"),
    Action.CLINIC_CREATE: pgettext_lazy("act", "add referral clinics"),
    Action.REFERRAL_CREATE: pgettext_lazy("act", "refer a participant"),
    Action.REFERRAL_MANAGE: pgettext_lazy("act", "follow up referrals"),
    Action.EXPORT_OWN_RECORD: pgettext_lazy("act", "hand a participant a copy of their record"),
    Action.RESULTS_RETURN: pgettext_lazy("act", "record that results were returned"),
    Action.RESULTS_FOLLOW_UP: pgettext_lazy("act", "follow up results not yet returned"),
    Action.REFERRAL_SHARE: pgettext_lazy("act", "share results with a referral clinic"),
    Action.PORTAL_SIGN_IN: pgettext_lazy("act", "sign in to the participant portal"),
    Action.PORTAL_PIN_SET: pgettext_lazy("act", "set a portal PIN"),
    Action.PORTAL_PIN_RESET: pgettext_lazy("act", "reset a participant's portal PIN"),
    Action.MEMBER_ADD: pgettext_lazy("act", "add staff to a programme"),
    Action.AUDIT_READ: pgettext_lazy("act", "read the audit log"),
    Action.AUTHENTICATE: pgettext_lazy("act", "sign in"),
    Action.REPORT_READ: pgettext_lazy("act", "compute programme reports"),
    Action.REPORT_CONFIGURE: pgettext_lazy("act", "set a programme's smallest published count"),
    Action.RESULTS_IMPORT: pgettext_lazy("act", "import result files"),
    Action.REGISTRATIONS_IMPORT: pgettext_lazy("act", "import registration forms"),
}


def _role(role: Role) -> str:
    return code_words.said(code_words.ROLES, role.value)


def _purpose(purpose: Purpose) -> str:
    return code_words.in_sentence(code_words.said(code_words.PURPOSES, purpose.value))


def _act(action: Action) -> str:
    words = ACTS.get(action)
    return str(words) if words is not None else action.value.replace("_", " ")


def role_may_not(role: Role, action: Action) -> str:
    return gettext("The %(role)s role may not %(act)s.") % {
        "role": _role(role),
        "act": _act(action),
    }


def role_may_not_for(
    role: Role, action: Action, purpose: Purpose, allowed: Iterable[Purpose]
) -> str:
    return gettext(
        "The %(role)s role may not %(act)s for %(purpose)s; it may for: %(allowed)s."
    ) % {
        "role": _role(role),
        "act": _act(action),
        "purpose": _purpose(purpose),
        "allowed": ", ".join(sorted(_purpose(p) for p in allowed)),
    }


def consent_missing(consent: ConsentStatus, purpose: Purpose) -> str:
    values = {"purpose": _purpose(purpose)}
    if consent is ConsentStatus.REFUSED:
        return (
            gettext("The participant said no to %(purpose)s; nothing is shown or stored for it.")
            % values
        )
    if consent is ConsentStatus.WITHDRAWN:
        return (
            gettext(
                "The participant withdrew consent for %(purpose)s; nothing is shown or stored "
                "for it."
            )
            % values
        )
    return (
        gettext(
            "The participant has not consented to %(purpose)s (not asked yet, or not under the "
            "current consent document); nothing is shown or stored for it."
        )
        % values
    )
