"""Per-request costs of the API (issue 15): the token look-up and the OpenAPI document.

    .venv/bin/python bench/request_cost.py [--engine sqlite|postgresql|both]

Through Django's test client, in one process per engine (no HTTP server, no network):

- token look-up: `actor_for_token` (compiled SQL, the row read on every request) against
  the ORM join it replaced (built on every request), copied below as the baseline;
- an authenticated request (token checked, query validated; 422) with each look-up;
- a consent-checked read (GET /participants/{id}?purpose=screening) against that
  trivial authenticated request;
- /api/v1/openapi.json as served (built once per process) against building it anew.
"""

from __future__ import annotations

import json
import logging
import sys
import uuid
from datetime import date
from pathlib import Path
from typing import Any
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import base_parser, best_of, run_engines, setup_django


def _orm_lookup(token: str) -> Any:
    """The look-up as it was before issue 15: the ORM builds the join on each call."""
    from django.utils import timezone

    from healthcamp.access.models import ApiToken
    from healthcamp.access.roles import Role
    from healthcamp.access.staff import TOKEN_PREFIX, Actor, _hash_token

    if not token.startswith(TOKEN_PREFIX):
        return None
    row = (
        ApiToken.objects.filter(token_hash=_hash_token(token), revoked_at__isnull=True)
        .values_list(
            "pk",
            "staff_id",
            "staff__user__username",
            "staff__role",
            "staff__user__is_active",
            "expires_at",
            "last_used_at",
        )
        .first()
    )
    if row is None or not row[4]:
        return None
    _pk, staff_id, username, role, _active, expires_at, _used = row
    if expires_at is not None and expires_at <= timezone.now():
        return None
    return Actor(staff_id, username, Role(role))


def _person(registrar: Any, coordinator: Any, programme_id: int) -> uuid.UUID:
    from bench.access_overhead import _consent_all
    from healthcamp.services import participants

    person = participants.participant_register(
        actor=registrar,
        programme_id=programme_id,
        given_name="Bench",
        family_name="Reader",
        date_of_birth=date(1980, 1, 1),
        sex="female",
        preferred_language="en",
    )
    _consent_all(coordinator, registrar, programme_id, [person.id])
    return person.id


def reader_and_person() -> tuple[str, uuid.UUID]:
    """A programme with a clinician (their API token) and one consenting participant."""
    from healthcamp.access import staff as access_staff
    from healthcamp.registry.models import Programme
    from healthcamp.services.programmes import member_add, programme_create

    coordinator = access_staff.staff_add(username="bench-coordinator", role="coordinator")
    clinician = access_staff.staff_add(username="bench-clinician", role="clinician")
    registrar = access_staff.staff_add(username="bench-registrar", role="registrar")
    programme_create(actor=coordinator.actor, name="Bench")
    programme = Programme.objects.get(name="Bench").pk
    for name in ("bench-clinician", "bench-registrar"):
        member_add(actor=coordinator.actor, programme_id=programme, username=name)
    return clinician.token, _person(registrar.actor, coordinator.actor, programme)


def child(requests: int, rounds: int) -> dict[str, float]:
    setup_django()
    # Django logs every 4xx answer as a warning; the trivial request is a 422.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    from django.test import Client
    from ninja.responses import Response

    from healthcamp.access import staff as access_staff
    from healthcamp.api import app

    token, pid = reader_and_person()
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="127.0.0.1")

    def lookups(find: Any) -> Any:
        def work() -> int:
            for _ in range(requests):
                find(token)
            return requests

        return work

    def trivial() -> int:
        for _ in range(requests):
            assert client.get("/api/v1/participants", {"card_code": "X"}).status_code == 422
        return requests

    def checked() -> int:
        for _ in range(requests):
            answer = client.get(f"/api/v1/participants/{pid}", {"purpose": "screening"})
            assert answer.status_code == 200, answer.content
        return requests

    def with_orm_lookup() -> int:
        with mock.patch("healthcamp.api.app.actor_for_token", _orm_lookup):
            return trivial()

    def openapi_kept() -> int:
        for _ in range(20):
            assert client.get("/api/v1/openapi.json").status_code == 200
        return 20

    def openapi_built() -> int:
        Response(app.api.get_openapi_schema(path_prefix="/api/v1/"))
        return 1

    names = ("lookup", "lookup_orm", "request", "request_orm", "checked", "openapi")
    speeds = dict.fromkeys((*names, "openapi_built"), 0.0)
    work = {
        "lookup": lookups(access_staff.actor_for_token),
        "lookup_orm": lookups(_orm_lookup),
        "request": trivial,
        "request_orm": with_orm_lookup,
        "checked": checked,
        "openapi": openapi_kept,
        "openapi_built": openapi_built,
    }
    for _ in range(rounds):  # interleaved: the machine's noise falls on both alike
        for name, job in work.items():
            speeds[name] = max(speeds[name], best_of(1, job))
    return {
        **{f"{name}_per_s": value for name, value in speeds.items()},
        "lookup_ratio": speeds["lookup"] / speeds["lookup_orm"],
        "request_ratio": speeds["request"] / speeds["request_orm"],
        "checked_ratio": speeds["checked"] / speeds["request"],
        "openapi_ratio": speeds["openapi"] / speeds["openapi_built"],
    }


def main() -> int:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.requests, args.rounds)))
        return 0
    print(f"Per-request costs, {args.requests} requests a round, best of {args.rounds} rounds")
    rows = (
        ("token look-up: compiled vs ORM join", "lookup", "lookup_orm", "lookup_ratio"),
        ("authenticated request, same two", "request", "request_orm", "request_ratio"),
        ("checked read vs authenticated request", "checked", "request", "checked_ratio"),
        ("openapi.json: kept vs built", "openapi", "openapi_built", "openapi_ratio"),
    )
    print(f"{'engine':<11} {'what':<40} {'/s':>9} {'baseline/s':>11} {'ratio':>8}")
    for r in run_engines("request_cost.py", args):
        for label, new, old, ratio in rows:
            print(
                f"{r['engine']:<11} {label:<40} {float(r[f'{new}_per_s']):>9.0f}"  # type: ignore[arg-type]
                f" {float(r[f'{old}_per_s']):>11.1f} {float(r[ratio]):>7.2f}x"  # type: ignore[arg-type]
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
