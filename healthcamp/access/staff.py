"""Staff members: creation, and who is acting behind a token or a web session."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from healthcamp.access.errors import Conflict, InvalidInput
from healthcamp.access.models import ApiToken, StaffMember
from healthcamp.access.roles import ROLE_VALUES, Role

TOKEN_PREFIX = "hc_"  # noqa: S105 - a prefix, not a secret


@dataclass(frozen=True)
class Actor:
    staff_id: int
    username: str
    role: Role

    @property
    def audit_name(self) -> str:
        return f"staff:{self.staff_id}:{self.username}"


@dataclass(frozen=True)
class NewStaff:
    actor: Actor
    token: str
    password: str


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def parse_role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise InvalidInput(
            {"role": f"{value!r} is not a role; use one of {ROLE_VALUES}."}
        ) from None


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
