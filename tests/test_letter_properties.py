"""Over random visits: no letter row says something its next step contradicts, and no
letter mentions a referral that does not exist."""

from __future__ import annotations

import uuid
from collections import namedtuple
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from healthcamp.clinical import rules
from healthcamp.clinical.visit import Recorded
from healthcamp.lib import languages
from healthcamp.results import letters, meanings
from healthcamp.services import consent
from tests.conftest import ALL_PURPOSES, participant_body
from tests.test_clinical_properties import decided, visits

SEVERE = ("act", "soon", "urgent")
Referral = namedtuple("Referral", "clinic urgency")


def _said_today(language: str, text: str) -> bool:
    with translation.override(language):
        return letters.when("urgent") in text.lower()


def _in(language: str, sentence: object) -> str:
    with translation.override(language):
        return str(sentence)


@settings(max_examples=150, deadline=None)
@given(visits(), st.sampled_from(languages.shipped()))
def test_no_row_contradicts_the_next_step(
    v: tuple[str, int, list[Recorded]], language: str
) -> None:
    decision = decided(*v)
    lines = letters.letter_lines(decision, language=language, pictures=False)
    step = letters.next_step(decision, language)
    assert step == _in(language, meanings.NEXT_STEP[decision.level])
    worst = max((line.level for line in lines), key=rules.RANK.__getitem__, default="neutral")
    assert worst == decision.level  # the next step is the most severe row, no more, no less
    for line, result in zip(lines, decision.results, strict=True):
        assert line.meaning == _in(language, meanings.MEANING.get(result.finding.advice, ""))
        assert line.tone == letters.tone(line.level)
        # A row never calls for more than the next step does: "today" only when urgent.
        if _said_today(language, line.meaning) and language == "en":
            assert line.level == "urgent" or "go today if" in line.meaning.lower()
        # Rows never claim a referral: the letter says that only when one exists.
        with translation.override(language):
            referred = letters.referral_sentence(Referral("X", "soon"), language).split("X")[0]
        assert referred.strip() not in line.meaning
        # Colour is never the only cue: a drawn band has words beside it.
        if line.picture or line.picture_text:
            assert line.picture_text


# ---- the letter as printed, over visits recorded through the API -----------------------

VALUES = st.one_of(
    st.tuples(
        st.just("14743-9"),
        st.sampled_from(["2.1", "4.5", "9.0", "12.5", "20", "HI"]),
        st.just("mmol/L"),
    ),
    st.tuples(st.just("35200-5"), st.sampled_from(["150", "220", "260"]), st.just("mg/dL")),
    st.tuples(st.just("87527-8"), st.sampled_from(["1", "9"]), st.just("h")),
    st.tuples(st.just("hc-bp-symptoms"), st.sampled_from(["yes", "no"]), st.just("")),
    st.tuples(st.just("56115-9"), st.sampled_from(["80", "110"]), st.just("cm")),
)
PRESSURES = st.lists(st.tuples(st.integers(95, 200), st.integers(55, 125)), min_size=0, max_size=3)


def _login(staff: Any) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=staff.actor.username))
    return client


@pytest.mark.django_db
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(pressures=PRESSURES, values=st.lists(VALUES, max_size=4))
def test_a_letter_names_a_referral_only_when_one_exists(
    api_as, registrar, clinician, programme, document, pressures, values
) -> None:
    body = participant_body(programme.id, preferred_language="en", sex="male")
    pid = api_as(registrar).post("/participants", body).json()["id"]
    consent.consent_record(
        actor=registrar.actor,
        participant_id=uuid.UUID(pid),
        document_id=document.id,
        decisions=dict.fromkeys(ALL_PURPOSES, True),
        method="on_screen",
    )
    site = apps.get_model("registry", "Site").objects.filter(programme_id=programme.id)[0].pk
    eid = api_as(clinician).post(f"/participants/{pid}/encounters", {"site_id": site}).json()["id"]
    typed = [v for (s, d) in pressures for v in (("8480-6", s, "mm[Hg]"), ("8462-4", d, "mm[Hg]"))]
    for code, value, unit in [*typed, *values]:
        body = {"code": code, "value": value, "unit": unit, "confirmed": True}
        answer = api_as(clinician).post(f"/encounters/{eid}/observations", body)
        assert answer.status_code in (201, 422), answer.content
    page = _login(clinician).get(f"/participants/{pid}/letter/")
    if not apps.get_model("exams", "Observation").objects.filter(encounter_id=eid).exists():
        assert page.status_code == 404
        return
    html = page.content.decode()
    # Open ones: a referral the visit's values no longer need was closed, and is not named.
    referrals = apps.get_model("exams", "Referral").objects.filter(
        participant_id=pid, status="open"
    )
    assert html.count("We referred you") == referrals.count()
    for referral in referrals:
        assert letters.when(referral.urgency) in html
