"""Staff members: creation, and who is acting behind a token or a web session."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from healthcamp.access.errors import Conflict, InvalidInput
from healthcamp.access.models import ApiToken, StaffMember
from healthcamp.access.roles import ROLE_VALUES, STAFF_ROLES, Role

TOKEN_PREFIX = "hc_"  # noqa: S105 - a prefix, not a secret


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff member; or (staff_id None) a participant signed in to the
    portal, who may act on their own record alone, or a visitor trying to sign in."""

    staff_id: int | None
    username: str
    role: Role
    participant_id: uuid.UUID | None = None

    @property
    def audit_name(self) -> str:
        if self.role is Role.VISITOR:
            return "portal:visitor"
        if self.staff_id is None:
            return "participant:self"
        return f"staff:{self.staff_id}:{self.username}"


def participant_actor(participant_id: uuid.UUID) -> Actor:
    return Actor(None, "participant", Role.PARTICIPANT, participant_id)


@dataclass(frozen=True)
class NewStaff:
    actor: Actor
    token: str
    password: str


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def parse_role(value: str) -> Role:
    try:
        role = Role(value)
    except ValueError:
        role = Role.PARTICIPANT  # refused just below, with the same message
    if role in STAFF_ROLES:
        return role
    raise InvalidInput({"role": f"{value!r} is not a role; use one of {ROLE_VALUES}."})


def staff_add(*, username: str, role: str, password: str | None = None) -> NewStaff:
    """Create a staff member with a web password and an API token (shown once)."""
    parsed_role = parse_role(role)
    username = username.strip()
    if not username or len(username) > 150 or any(ch.isspace() for ch in username):
        raise InvalidInput({"name": "A staff name is 1 to 150 characters with no spaces."})
    user_model = get_user_model()
    password = password or secrets.token_urlsafe(12)
    try:
        validate_password(password)
    except ValidationError as error:
        raise InvalidInput({"password": " ".join(error.messages)}) from None
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        if user_model.objects.filter(username=username).exists():
            raise Conflict(
                f"A staff member called {username!r} already exists; choose another name."
            )
        user = user_model.objects.create_user(username=username, password=password)
        staff = StaffMember.objects.create(user=user, role=parsed_role.value)
        ApiToken.objects.create(staff=staff, token_hash=_hash_token(token))
    return NewStaff(Actor(staff.pk, username, parsed_role), token, password)


def actor_for_token(token: str) -> Actor | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = (
        ApiToken.objects.filter(token_hash=_hash_token(token), revoked_at__isnull=True)
        .values_list("staff_id", "staff__user__username", "staff__role", "staff__user__is_active")
        .first()
    )
    if row is None or not row[3]:
        return None
    return Actor(row[0], row[1], Role(row[2]))


def actor_for_user(user: AbstractBaseUser | AnonymousUser) -> Actor | None:
    if not user.is_authenticated:
        return None
    row = StaffMember.objects.filter(user_id=user.pk).values_list("pk", "role").first()
    if row is None:
        return None
    return Actor(row[0], user.get_username(), Role(row[1]))


def staff_directory() -> list[Actor]:
    """Active staff by name and role (to choose a witness); nothing else about them."""
    rows = (
        StaffMember.objects.filter(user__is_active=True)
        .order_by("user__username")
        .values_list("pk", "user__username", "role")
    )
    return [Actor(pk, username, Role(role)) for pk, username, role in rows]
