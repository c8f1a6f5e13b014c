"""Staff administration: tokens listed, added and revoked, members deactivated, members
added to a programme. The operator's and coordinators' side of healthcamp.access.staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from healthcamp.access.errors import InvalidInput, NotFound
from healthcamp.access.models import ProgrammeMembership, StaffMember
from healthcamp.access.roles import Role
from healthcamp.access.staff import Actor, new_token
from healthcamp.lib import languages


def _member(username: str) -> StaffMember:
    staff = StaffMember.objects.select_related("user").filter(user__username=username).first()
    if staff is None:
        raise NotFound(
            gettext("There is no staff member called %(name)s; check the name.")
            % {"name": repr(username)}
        )
    return staff


@dataclass(frozen=True)
class TokenInfo:
    """What a member may know of a token: never the secret (only its hash is kept)."""

    label: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= timezone.now():
            return "expired"
        return "live"


def staff_tokens(*, username: str) -> list[TokenInfo]:
    staff = _member(username)
    return [
        TokenInfo(t.label, t.created_at, t.expires_at, t.last_used_at, t.revoked_at)
        for t in staff.tokens.order_by("created_at", "pk")
    ]


def staff_revoke(*, username: str, label: str | None = None) -> int:
    """Revoke a member's live tokens (all, or those with one label); returns how many."""
    staff = _member(username)
    live = staff.tokens.filter(revoked_at__isnull=True)
    if label is not None:
        if not staff.tokens.filter(label=label).exists():
            names = ", ".join(sorted(set(staff.tokens.values_list("label", flat=True))))
            raise NotFound(
                gettext("%(name)s has no token called %(label)s; their tokens: %(labels)s.")
                % {"name": username, "label": repr(label), "labels": names or gettext("none")}
            )
        live = live.filter(label=label)
    return live.update(revoked_at=timezone.now())


def staff_token_add(*, username: str, label: str) -> str:
    """A new token for a member (a second device); shown once."""
    label = label.strip()
    if not label or len(label) > 40 or not label.isprintable():
        raise InvalidInput({"label": gettext("A token's name is 1 to 40 printable characters.")})
    staff = _member(username)
    with transaction.atomic():
        return new_token(staff, label)


def staff_deactivate(*, username: str) -> int:
    """A member who leaves: cannot log in, every token revoked. Returns tokens revoked."""
    staff = _member(username)
    with transaction.atomic():
        staff.user.is_active = False
        staff.user.save(update_fields=["is_active"])
        return staff.tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


def membership_add(*, programme_id: int, username: str) -> Actor:
    """Inside a guarded act (access.programmes.member_add): add an existing member."""
    staff = _member(username)
    ProgrammeMembership.objects.get_or_create(staff=staff, programme_id=programme_id)
    return Actor(staff.pk, username, Role(staff.role))


def staff_language(*, user_id: int) -> str:
    """The language a staff member chose for their pages; "" when they chose none."""
    found = StaffMember.objects.filter(user_id=user_id).values_list("language", flat=True)
    return next(iter(found), "")


def staff_language_set(*, actor: Actor, language: str) -> str:
    """The acting member's own pages from now on in this shipped language ("" for the
    browser's). Touches no participant, so no purpose and no audit entry."""
    if language and not languages.is_shipped(language):
        reader = translation.get_language() or "en"
        listed = ", ".join(languages.name(code, reader=reader) for code in languages.shipped())
        raise InvalidInput(
            {
                "language": gettext("Choose one of the languages listed: %(languages)s.")
                % {"languages": listed}
            }
        )
    if actor.staff_id is None:
        raise InvalidInput(
            {"language": gettext("Only a staff member has pages to set a language for.")}
        )
    chosen = languages.supported(language) if language else ""
    StaffMember.objects.filter(pk=actor.staff_id).update(language=chosen)
    return chosen
