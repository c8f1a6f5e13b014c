"""Staff members: creation, and who is acting behind a token or a web session."""

from __future__ import annotations

import functools
import hashlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from healthcamp.access.errors import Conflict, InvalidInput
from healthcamp.access.models import ApiToken, ProgrammeMembership, StaffMember
from healthcamp.access.roles import ROLE_VALUES, STAFF_ROLES, Role
from healthcamp.registry.models import Programme

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
            # Someone not signed in: at the portal, or at the API without a valid token.
            return "portal:visitor" if self.username == "visitor" else f"api:{self.username}"
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


def new_token(staff: StaffMember, label: str) -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    days = settings.API_TOKEN_DAYS
    ApiToken.objects.create(
        staff=staff,
        token_hash=_hash_token(token),
        label=label,
        expires_at=timezone.now() + timedelta(days=days) if days else None,
    )
    return token


def _programmes_exist(programme_ids: Sequence[int]) -> list[int]:
    wanted = sorted(set(programme_ids))
    found = set(Programme.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    if missing := [p for p in wanted if p not in found]:
        raise InvalidInput(
            {
                "programme": f"There is no programme {', '.join(map(str, missing))}; "
                "check the programme id."
            }
        )
    return wanted


def staff_add(
    *,
    username: str,
    role: str,
    password: str | None = None,
    programme_ids: Sequence[int] = (),
) -> NewStaff:
    """Create a staff member with a web password and an API token (shown once).

    programme_ids: the programmes they work for (a coordinator who creates a programme
    joins it by creating it).
    """
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
    with transaction.atomic():
        if user_model.objects.filter(username=username).exists():
            raise Conflict(
                f"A staff member called {username!r} already exists; choose another name."
            )
        wanted = _programmes_exist(programme_ids)
        user = user_model.objects.create_user(username=username, password=password)
        staff = StaffMember.objects.create(user=user, role=parsed_role.value)
        ProgrammeMembership.objects.bulk_create(
            ProgrammeMembership(staff=staff, programme_id=p) for p in wanted
        )
        token = new_token(staff, "default")
    return NewStaff(Actor(staff.pk, username, parsed_role), token, password)


# last_used_at is written at most this often: a station's every request is not a write.
_LAST_USED_GRAIN = timedelta(minutes=5)


@functools.cache
def _token_sql(vendor: str) -> str:
    """The ORM's own SQL for a token's row and its member, compiled once per process.

    Every API request looks its token up; building this join through the ORM was a third
    of a guarded read's server time. Only the compiled text is kept: the row itself is
    read again on every request, so a token revoked, a role changed or a member
    deactivated - by any process, any way - counts from the very next request. (A cache
    of the answer would need a shared signal to stay right across a server's workers,
    and checking that signal is the same one round trip as this read.)
    """
    del vendor  # part of the cache key only
    query = (
        ApiToken.objects.filter(token_hash="", revoked_at__isnull=True)
        .values_list(
            "pk",
            "staff_id",
            "staff__user__username",
            "staff__role",
            "staff__user__is_active",
            "expires_at",
            "last_used_at",
        )
        .order_by()[:1]
    ).query
    sql, params = query.get_compiler(connection=connection).as_sql()
    assert list(params) == [""]  # noqa: S101 - the hash is its only parameter
    return str(sql)


def _aware(value: datetime | str | None) -> datetime | None:
    """A datetime read without the ORM: SQLite gives it naive (stored in UTC)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and timezone.is_naive(value):
        return value.replace(tzinfo=UTC)
    return value


def actor_for_token(token: str) -> Actor | None:
    """The staff member behind a live token: not revoked, not expired, member active."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    with connection.cursor() as cursor:
        cursor.execute(_token_sql(connection.vendor), [_hash_token(token)])
        row = cursor.fetchone()
    if row is None or not row[4]:
        return None
    token_id, staff_id, username, role, _active, expires, used = row
    expires_at, last_used = _aware(expires), _aware(used)
    now = timezone.now()
    if expires_at is not None and expires_at <= now:
        return None
    if last_used is None or now - last_used > _LAST_USED_GRAIN:
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
    return Actor(staff_id, username, Role(role))


def actor_for_user(user: AbstractBaseUser | AnonymousUser) -> Actor | None:
    if not user.is_authenticated:
        return None
    row = StaffMember.objects.filter(user_id=user.pk).values_list("pk", "role").first()
    if row is None:
        return None
    return Actor(row[0], user.get_username(), Role(row[1]))


def actor_named(username: str) -> Actor | None:
    """An active staff member by username: who acts at the console (`import --as`)."""
    row = (
        StaffMember.objects.filter(user__username=username, user__is_active=True)
        .values_list("pk", "role")
        .first()
    )
    return None if row is None else Actor(row[0], username, Role(row[1]))


def staff_directory() -> list[Actor]:
    """Active staff by name and role (to choose a witness); nothing else about them."""
    rows = (
        StaffMember.objects.filter(user__is_active=True)
        .order_by("user__username")
        .values_list("pk", "user__username", "role")
    )
    return [Actor(pk, username, Role(role)) for pk, username, role in rows]
