"""The OpenAPI document is built once per process and served as built (issue 15)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from healthcamp.api.app import api

URL = "/api/v1/openapi.json"


@pytest.mark.django_db
def test_the_document_is_built_at_most_once_and_stays_the_same(monkeypatch) -> None:
    built = []
    real = api.get_openapi_schema

    def counting(**kwargs):  # type: ignore[no-untyped-def]
        built.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(api, "get_openapi_schema", counting)
    answers = [Client().get(URL) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert len(built) <= 1  # once per process: perhaps already, by an earlier test
    assert answers[0].content == answers[1].content == answers[2].content
    assert answers[0]["Content-Type"].startswith("application/json")
    document = json.loads(answers[0].content)
    assert document == json.loads(json.dumps(real(path_prefix="/api/v1/"), default=str))
    assert "/api/v1/participants" in document["paths"]
