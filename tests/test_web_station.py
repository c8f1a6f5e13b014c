"""The station page: start a visit, type values, see them classified; bad values explained."""

from __future__ import annotations

import html

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.test import Client

from tests.conftest import ALL_PURPOSES, participant_body

pytestmark = pytest.mark.django_db


def _login(staff) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=staff.actor.username))
    return client


@pytest.fixture
def person(api_as, registrar, programme, document) -> str:
    pid = api_as(registrar).post("/participants", participant_body(programme.id)).json()["id"]
    api_as(registrar).post(
        f"/participants/{pid}/consents",
        {
            "document_id": document.id,
            "method": "on_screen",
            "decisions": dict.fromkeys(ALL_PURPOSES, True),
        },
    )
    return pid


def test_a_visit_at_the_station(clinician, programme, person) -> None:
    client = _login(clinician)
    assert "Start measurements" in client.get(f"/participants/{person}/").content.decode()
    site = apps.get_model("registry", "Site").objects.get(programme_id=programme.id).pk
    started = client.post(f"/participants/{person}/station/", {"site_id": str(site)})
    assert started.status_code == 302
    page = client.post(
        started["Location"],
        {
            "systolic_1": "900",
            "systolic_1_unit": "mm[Hg]",
            "diastolic_1": "82",
            "diastolic_1_unit": "mm[Hg]",
            "height": "1.62",
            "height_unit": "m",
            "weight": "70",
            "weight_unit": "kg",
            "fasting_glucose": "17.2",
            "fasting_glucose_unit": "mmol/L",
            "abo": "O",
        },
    )
    text = html.unescape(page.content.decode())
    assert page.status_code == 422  # one value was refused...
    assert "not plausible: a real value lies between 50 and 300 mm[Hg]" in text
    assert 'value="900"' in text  # ...and kept in its box to correct
    assert "normal" in text  # ...the others were recorded and classified
    assert "Body mass index" in text
    assert "CRITICAL value." in text  # glucose 17.2 mmol/L
    codes = set(apps.get_model("exams", "Observation").objects.values_list("code", flat=True))
    assert codes == {"8462-4", "8302-2", "29463-7", "39156-5", "1558-6", "883-9"}


@pytest.mark.parametrize("role", ["registrar", "lab", "analyst"])
def test_only_clinicians_start_a_visit(role, programme, person, request) -> None:
    staff = request.getfixturevalue(role)
    site = apps.get_model("registry", "Site").objects.get(programme_id=programme.id).pk
    response = _login(staff).post(f"/participants/{person}/station/", {"site_id": str(site)})
    assert response.status_code == 403
    assert not apps.get_model("exams", "Encounter").objects.exists()


def test_a_wrong_site_is_explained(clinician, person) -> None:
    response = _login(clinician).post(f"/participants/{person}/station/", {"site_id": "999"})
    assert response.status_code == 422
    assert "is not a site of this participant" in response.content.decode()
