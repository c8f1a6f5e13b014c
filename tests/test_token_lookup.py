"""The token look-up keeps its compiled SQL, never its answer (issue 15): whatever changes
a token or its member, by whatever path, counts from the very next request."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from healthcamp.access import staff as access_staff
from healthcamp.access.models import ApiToken, StaffMember
from healthcamp.access.roles import Role

pytestmark = pytest.mark.django_db

# A registrar may look a card up (422: this code is not a card code); an analyst may not.
LOOK_UP = ("/participants", {"card_code": "X"})


def _status(client) -> int:  # type: ignore[no-untyped-def]
    path, query = LOOK_UP
    return int(client.get(path, **query).status_code)


def test_every_change_counts_from_the_very_next_request(api_as, registrar) -> None:
    client = api_as(registrar)
    assert _status(client) == 422
    # A role changed behind every service's back (an admin's UPDATE, another process).
    StaffMember.objects.filter(user__username="registrar-1").update(role=Role.ANALYST.value)
    assert _status(client) == 403
    StaffMember.objects.filter(user__username="registrar-1").update(role=Role.REGISTRAR.value)
    assert _status(client) == 422
    get_user_model().objects.filter(username="registrar-1").update(is_active=False)
    assert _status(client) == 401
    get_user_model().objects.filter(username="registrar-1").update(is_active=True)
    assert _status(client) == 422  # nothing negative is kept either
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _status(client) == 401
    ApiToken.objects.update(expires_at=None, revoked_at=timezone.now())
    assert _status(client) == 401
    ApiToken.objects.update(revoked_at=None)
    assert _status(client) == 422
    ApiToken.objects.all().delete()
    assert _status(client) == 401


def test_the_look_up_is_one_query_compiled_once(registrar) -> None:
    access_staff._token_sql.cache_clear()
    assert access_staff.actor_for_token(registrar.token) == registrar.actor
    with CaptureQueriesContext(connection) as seen:
        actor = access_staff.actor_for_token(registrar.token)
    assert actor == registrar.actor
    assert len(seen.captured_queries) == 1  # last use is written at most every 5 minutes
    assert access_staff._token_sql.cache_info().misses == 1
    assert access_staff.actor_for_token(registrar.token + "x") is None
    assert access_staff.actor_for_token("not-a-token") is None


def test_last_use_is_still_written_and_read_in_utc(registrar) -> None:
    long_ago = timezone.now() - timedelta(hours=2)
    ApiToken.objects.update(last_used_at=long_ago, expires_at=timezone.now() + timedelta(days=1))
    assert access_staff.actor_for_token(registrar.token) == registrar.actor
    used = ApiToken.objects.get().last_used_at
    assert used is not None
    assert used > long_ago + timedelta(hours=1)
