"""The participant portal: sign-in with card and birth date, lockout, PIN, own record only,
withdrawal, the FHIR download, and the access log the person reads."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.hashers import check_password, identify_hasher
from django.test import Client
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from healthcamp.access.errors import AccessDenied, InvalidInput
from healthcamp.access.roles import Purpose
from healthcamp.access.staff import participant_actor, staff_add
from healthcamp.audit.selectors import log_for_participant
from healthcamp.registry.cardcode import display, generate
from healthcamp.services import consent, exams, participants, portal
from tests.conftest import ALL_PURPOSES, give_consent

pytestmark = pytest.mark.django_db

BORN = date(1984, 3, 15)


def _person(registrar, programme, document, *, language="ar", no=()):
    record = participants.participant_register(
        actor=registrar.actor,
        programme_id=programme.id,
        given_name="Amina",
        family_name="Haddad",
        date_of_birth=BORN,
        sex="female",
        preferred_language=language,
        phone="",
    )
    give_consent(registrar, record.id, document.id, no=no)
    return record


def _visit(clinician, programme, pid, readings):
    site = apps.get_model("registry", "Site").objects.get(programme_id=programme.id).pk
    eid = exams.encounter_start(actor=clinician.actor, participant_id=pid, site_id=site)
    for code, value, unit in readings:
        exams.observation_record(
            actor=clinician.actor, encounter_id=eid, code=code, value=value, unit=unit
        )
    return eid


def _readings(*pairs: tuple[int, int]) -> list[tuple[str, int, str]]:
    """Blood pressure readings as a station takes them: systolic and diastolic pairs."""
    return [
        (code, value, "mm[Hg]")
        for systolic, diastolic in pairs
        for code, value in (("8480-6", systolic), ("8462-4", diastolic))
    ]


def _sign_in(client, card, born=BORN, pin=""):
    return client.post("/me/", {"card_code": card, "date_of_birth": born.isoformat(), "pin": pin})


@pytest.fixture
def person(registrar, programme, document):
    return _person(registrar, programme, document)


def test_sign_in_shows_results_over_time_consent_referrals_and_the_log(
    person, clinician, programme
) -> None:
    """Card (typed with spaces and lower case, as people do) and birth date open the record;
    two visits make a trend picture; the page is Arabic and right-to-left."""
    first = _visit(clinician, programme, person.id, _readings((150, 95), (130, 84), (126, 80)))
    apps.get_model("exams", "Encounter").objects.filter(pk=first).update(
        started_at=timezone.now() - timedelta(days=400)
    )
    apps.get_model("exams", "Observation").objects.filter(encounter_id=first).update(
        recorded_at=timezone.now() - timedelta(days=400)
    )
    # Grade 3 over two readings, with symptoms: an emergency, so an urgent referral. (One
    # systolic of 185 used to refer "today"; without symptoms it is "within a week".)
    _visit(
        clinician,
        programme,
        person.id,
        [*_readings((185, 112), (183, 110)), ("hc-bp-symptoms", "yes", "")],
    )
    client = Client()
    response = _sign_in(client, display(person.card_code).lower())
    assert response.status_code == 302
    assert response.url == "/me/record/"
    page = client.get("/me/record/")
    html = page.content.decode()
    assert page.status_code == 200
    assert '<html lang="ar" dir="rtl">' in html
    assert "نتائجك" in html  # "your results"
    assert "data:image/svg+xml;base64," in html  # the trend picture
    # ESH: each visit's office value is the mean of its last two readings, as a pair in
    # mmHg (was "128 mm[Hg] (", the systolic alone in a UCUM code).
    assert "128/82 mmHg" in html
    assert "184/111 mmHg" in html
    assert "150/95" not in html  # the first reading of a visit is not its result
    assert "mm[Hg]" not in html
    assert "مرتفع جدًا" in html  # grade 3, explained in Arabic
    assert "عاجلة" in html  # the urgent referral the emergency opened
    assert "ضغط الدم</strong> · عاجلة" in html  # blood pressure, named in Arabic too
    assert "ESH 2023" in html  # the cited source, kept as written
    log = log_for_participant(participant_id=person.id.hex)
    assert [line.action for line in log[:2]] == ["participant.read", "portal.sign_in"]
    assert all(line.role == "participant" for line in log[:2])
    assert "سجّل الدخول إلى هذه الصفحة" in html  # the sign-in, in the log they read
    recorded = [line for line in log if line.action == "observation.record"]
    assert {line.site for line in recorded} == {"Market Hall"}  # where, not who
    assert 'العامل الصحي · <span dir="auto">Market Hall</span>' in html


def test_the_trend_picture_is_told_in_words_with_every_visit(person, clinician, programme) -> None:
    """A trend picture's words say what it draws: each visit's value, not only the newest."""
    import re

    first = _visit(clinician, programme, person.id, _readings((150, 95), (146, 93)))
    apps.get_model("exams", "Encounter").objects.filter(pk=first).update(
        started_at=timezone.now() - timedelta(days=400)
    )
    apps.get_model("exams", "Observation").objects.filter(encounter_id=first).update(
        recorded_at=timezone.now() - timedelta(days=400)
    )
    _visit(clinician, programme, person.id, _readings((128, 82), (126, 80)))
    client = Client()
    _sign_in(client, person.card_code)
    html = client.get("/me/record/").content.decode()
    chart = re.search(r'<img class="chart" src="[^"]*" alt="([^"]*)"', html)
    assert chart is not None
    assert "148/94 mmHg" in chart.group(1)  # the earlier visit the line starts from
    assert "127/81 mmHg" in chart.group(1)


def test_wrong_birth_date_is_refused_counted_and_shown_to_the_card_holder(person) -> None:
    client = Client()
    wrong = _sign_in(client, person.card_code, born=date(1984, 3, 16))
    assert wrong.status_code == 401
    assert "4" in wrong.content.decode()  # tries left before the wait
    newest = log_for_participant(participant_id=person.id.hex)[0]
    assert (newest.action, newest.outcome) == ("portal.sign_in", "denied")
    assert newest.role == "visitor"  # not the card holder: someone who tried their card
    assert client.get("/me/record/").status_code == 302  # not signed in
    _sign_in(client, person.card_code)
    assert "شخص يحمل رمز بطاقتك" in client.get("/me/record/").content.decode()


def test_five_wrong_tries_lock_the_card_even_with_the_right_date(person) -> None:
    for n in range(portal.CARD_FAILURE_LIMIT):
        # From different addresses: the limit is per card, whoever guesses.
        with pytest.raises(portal.SignInRefused):
            portal.portal_sign_in(
                card_code=person.card_code,
                date_of_birth=date(1990, 1, 1),
                pin="",
                address=f"10.0.0.{n}",
            )
    with pytest.raises(portal.SignInLocked) as locked:
        portal.portal_sign_in(
            card_code=person.card_code, date_of_birth=BORN, pin="", address="10.0.0.99"
        )
    assert locked.value.until > timezone.now()
    response = _sign_in(Client(), person.card_code)
    assert response.status_code == 429
    assert "15" in response.content.decode() or ":" in response.content.decode()


def test_the_lock_lifts_after_the_window(person) -> None:
    for _ in range(portal.CARD_FAILURE_LIMIT):
        with pytest.raises(portal.SignInRefused):
            portal.portal_sign_in(
                card_code=person.card_code, date_of_birth=None, pin="", address="a"
            )
    model = apps.get_model("access", "PortalFailure")
    model.objects.update(at=timezone.now() - portal.WINDOW - timedelta(seconds=1))
    actor = portal.portal_sign_in(
        card_code=person.card_code, date_of_birth=BORN, pin="", address="a"
    )
    assert actor.actor.participant_id == person.id
    assert model.objects.count() == 0  # nothing kept past the window


def test_one_address_is_limited_per_card(person) -> None:
    """Many wrong tries on one card from one address lock that card there; the card's
    holder behind the same address (camp Wi-Fi) still gets in (see test_portal_pin)."""
    phone = portal.Device("phone", (portal.card_tag(person.card_code),))
    for n in range(portal.ADDRESS_FAILURE_LIMIT):
        if n and n % portal.DEVICE_FAILURE_LIMIT == 0:  # another phone the card signed in on
            phone = portal.Device(f"phone-{n}", phone.cards)
        with pytest.raises(portal.SignInRefused):
            portal.portal_sign_in(
                card_code=person.card_code,
                date_of_birth=date(1990, 1, 1),
                pin="",
                address="203.0.113.9",
                device=phone,
            )
    with pytest.raises(portal.SignInLocked):
        portal.portal_sign_in(
            card_code=person.card_code,
            date_of_birth=BORN,
            pin="",
            address="203.0.113.9",
            device=portal.Device("yet-another-phone", phone.cards),
        )


def test_a_mistyped_card_code_says_what_is_wrong_without_counting(person) -> None:
    response = _sign_in(Client(), person.card_code[:-1] + "!")
    assert response.status_code == 422
    assert "cannot be right" in response.content.decode()
    assert apps.get_model("access", "PortalFailure").objects.count() == 0


def test_empty_form_names_each_missing_field_in_the_participants_language(person) -> None:
    response = Client().post("/me/?lang=es", {"card_code": "", "date_of_birth": "", "pin": ""})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'lang="es"' in html
    assert "Este campo es obligatorio." in html


def test_a_pin_once_set_is_needed(person) -> None:
    actor = participant_actor(person.id)
    with pytest.raises(InvalidInput, match="4 to 8 digits"):
        portal.portal_pin_set(actor=actor, pin="12ab")
    portal.portal_pin_set(actor=actor, pin="4821")
    with pytest.raises(portal.SignInRefused):
        portal.portal_sign_in(card_code=person.card_code, date_of_birth=BORN, pin="", address="a")
    assert (
        portal.portal_sign_in(
            card_code=person.card_code, date_of_birth=BORN, pin="4821", address="a"
        ).actor.participant_id
        == person.id
    )
    stored = apps.get_model("registry", "Participant").objects.get(pk=person.id).portal_pin
    assert stored
    # A hash of the PIN (argon2 outside tests), never the PIN itself.
    assert stored != "4821"
    assert identify_hasher(stored)
    assert check_password("4821", stored)
    with pytest.raises(InvalidInput, match="current PIN"):  # someone else on the phone
        portal.portal_pin_set(actor=actor, pin="")
    portal.portal_pin_set(actor=actor, pin="", current_pin="4821")
    assert (
        portal.portal_sign_in(
            card_code=person.card_code, date_of_birth=BORN, pin="", address="a"
        ).actor.participant_id
        == person.id
    )


def test_pin_page_round_trip(person) -> None:
    client = Client()
    _sign_in(client, person.card_code)
    client.post("/me/pin/", {"pin": "12"})
    assert "من 4 إلى 8 أرقام" in client.get("/me/record/").content.decode()
    client.post("/me/pin/", {"pin": "902211"})
    assert "رقم سري يحمي هذه الصفحة" in client.get("/me/record/").content.decode()
    assert _sign_in(Client(), person.card_code).status_code == 401
    assert _sign_in(Client(), person.card_code, pin="902211").status_code == 302


def test_a_participant_acts_on_their_own_record_only(
    person, registrar, programme, document
) -> None:
    other = _person(registrar, programme, document, language="en")
    me = participant_actor(person.id)
    with pytest.raises(AccessDenied, match="only their own record"):
        consent.consents_of(actor=me, participant_id=other.id)
    with pytest.raises(AccessDenied):
        participants.participant_read(actor=me, purpose=Purpose.OWN_RECORD, participant_id=other.id)
    with pytest.raises(AccessDenied):  # and never for a staff purpose
        participants.participant_read(actor=me, purpose=Purpose.SCREENING, participant_id=person.id)
    denied = list(log_for_participant(participant_id=other.id.hex))
    assert [line.outcome for line in denied[:2]] == ["denied", "denied"]


def test_participant_is_not_a_staff_role(db) -> None:
    with pytest.raises(InvalidInput, match="is not a role"):
        staff_add(username="someone", role="participant", password="a-long-password-1")


def test_withdrawing_in_the_portal_stops_measurement_at_once(
    person, clinician, programme, api_as
) -> None:
    client = Client()
    _sign_in(client, person.card_code)
    response = client.post("/me/withdraw/", {"purposes": ["screening"], "erase": "no"})
    assert response.status_code == 302
    assert "screening" in client.get("/me/record/").content.decode()
    site = apps.get_model("registry", "Site").objects.get(programme_id=programme.id).pk
    started = api_as(clinician).post(f"/participants/{person.id}/encounters", {"site_id": site})
    eid = started.json()["id"]  # blood tests are still agreed to
    refused = api_as(clinician).post(
        f"/encounters/{eid}/observations", {"code": "8480-6", "value": 120, "unit": "mm[Hg]"}
    )
    assert refused.status_code == 403
    withdrawn = [
        line
        for line in log_for_participant(participant_id=person.id.hex)
        if line.action == "consent.withdraw"
    ]
    assert [(w.role, w.purpose) for w in withdrawn] == [("participant", "own_record")]


def test_withdrawing_nothing_says_so(person) -> None:
    client = Client()
    _sign_in(client, person.card_code)
    client.post("/me/withdraw/", {"erase": "no"})
    assert "يُرجى اختيار غرض واحد على الأقل" in client.get("/me/record/").content.decode()


def test_withdrawing_everything_with_erasure_erases_the_person(person) -> None:
    client = Client()
    _sign_in(client, person.card_code)
    every = list(ALL_PURPOSES)
    # Ticking each purpose withdraws them and deletes what was collected; the person stays.
    response = client.post("/me/withdraw/", {"purposes": every[:5], "erase": "yes"})
    assert response.status_code == 302
    assert response.url == "/me/record/"
    # Deleting the whole record asks for the birth date again; without it nothing happens.
    client.post("/me/withdraw/", {"purposes": ["all"], "erase": "yes", "date_of_birth": ""})
    assert "لم يُحذف شيء" in client.get("/me/record/").content.decode()
    response = client.post(
        "/me/withdraw/", {"purposes": ["all"], "erase": "yes", "date_of_birth": BORN.isoformat()}
    )
    assert response.status_code == 302
    assert "erased=1" in response.url
    assert not apps.get_model("registry", "Participant").objects.filter(pk=person.id).exists()
    erased = next(iter(log_for_participant(participant_id=person.id.hex)))
    assert (erased.action, erased.role, erased.purpose) == (
        "participant.erase",
        "participant",
        "own_record",
    )
    assert "حُذف سجلك" in client.get(response.url).content.decode()


def test_download_is_a_valid_fhir_bundle_of_their_own_record(person, clinician, programme) -> None:
    _visit(clinician, programme, person.id, [("8480-6", 120, "mm[Hg]")])
    client = Client()
    _sign_in(client, person.card_code)
    response = client.get("/me/record.fhir.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    bundle = Bundle.model_validate_json(response.content)
    kinds = {entry.resource.get_resource_type() for entry in bundle.entry or []}
    assert {"Patient", "Encounter", "Observation", "Consent"} <= kinds
    newest = [line.action for line in log_for_participant(participant_id=person.id.hex)[:2]]
    assert "participant.export_own_record" in newest


def test_idle_sessions_end(person) -> None:
    client = Client()
    _sign_in(client, person.card_code)
    session = client.session
    session["portal_seen"] = (timezone.now() - timedelta(minutes=16)).isoformat()
    session.save()
    response = client.get("/me/record/")
    assert response.status_code == 302
    assert "expired=1" in response.url
    assert client.get("/me/record/").status_code == 302


def test_sign_out_ends_the_session(person) -> None:
    client = Client()
    _sign_in(client, person.card_code)
    assert client.post("/me/sign-out/").status_code == 302
    assert client.get("/me/record/").status_code == 302


def test_signing_in_ends_a_staff_session_in_the_same_browser(person, registrar) -> None:
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username="registrar-1"))
    assert client.get("/").status_code == 200
    _sign_in(client, person.card_code)
    assert client.get("/").status_code == 302  # back to the staff log-in


def test_a_portal_session_is_not_a_staff_session(person) -> None:
    client = Client()
    _sign_in(client, person.card_code)
    assert client.get(f"/participants/{person.id}/").status_code == 302


def test_unknown_record_after_erasure_signs_out(person, coordinator) -> None:
    from healthcamp.services import erasure

    client = Client()
    _sign_in(client, person.card_code)
    erasure.participant_erase(actor=coordinator.actor, participant_id=person.id)
    assert client.get("/me/record/").status_code == 302
    assert uuid.UUID(str(person.id)) == person.id


attempts = st.lists(
    st.tuples(
        st.sampled_from(["holder", "holder", "other", "nobody"]),  # whose card is typed
        st.sampled_from([False, False, False, True]),  # the right birth date?
        st.sampled_from(["10.0.0.1", "10.0.0.2"]),
        st.sampled_from([0, 0, 1, 4, 16]),  # minutes since the last try
        st.sampled_from([None, None, "phone-1", "phone-2"]),  # a phone the holder used
    ),
    min_size=8,
    max_size=60,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(tries=attempts)
@example(  # three wrong, right, three wrong: the right try cleared the count
    tries=[("holder", False, "10.0.0.1", 0, None)] * 3
    + [("holder", True, "10.0.0.1", 0, None)]
    + [("holder", False, "10.0.0.1", 0, None)] * 3
)
@example(  # a guesser locks the card; the holder's phone still gets in
    tries=[("holder", False, "10.0.0.2", 0, None)] * 6
    + [("holder", True, "10.0.0.1", 0, "phone-1")]
)
@example(  # twenty wrong tries on other cards from one address lock no one else out
    tries=[("nobody", False, "10.0.0.1", 0, None), ("other", False, "10.0.0.1", 0, None)] * 10
    + [("holder", True, "10.0.0.1", 0, None)]
)
def test_lockout_follows_its_rule(tries, person, registrar, programme, document) -> None:
    """Against a model: in the last 15 minutes, a try is refused unawares when its card
    has 5 wrong tries (or, from a phone the card signed in on before, that phone has 5
    on it), or its card 20 from its address; a right try clears its card's count, and
    its address's and phone's on that card."""
    from unittest import mock

    other = _person(registrar, programme, document, language="en")
    nobody = generate()
    cards = {"holder": person.card_code, "other": other.card_code, "nobody": nobody}
    holders = (portal.card_tag(person.card_code),)
    failures: list[tuple[tuple[str, ...], Any]] = []
    apps.get_model("access", "PortalFailure").objects.all().delete()
    now = timezone.now()
    for card, right, address, minutes, phone in tries:
        now += timedelta(minutes=minutes)
        recent = [key for key, at in failures if at > now - portal.WINDOW]
        trusted = phone is not None and card == "holder"
        keys = [("card", card), ("pair", address, card)] + ([("phone", phone)] if trusted else [])
        locked = recent.count(("pair", address, card)) >= portal.ADDRESS_FAILURE_LIMIT or (
            recent.count(("phone", phone)) >= portal.DEVICE_FAILURE_LIMIT
            if trusted
            else recent.count(("card", card)) >= portal.CARD_FAILURE_LIMIT
        )
        succeeds = right and card != "nobody" and not locked
        with mock.patch("django.utils.timezone.now", return_value=now):
            try:
                portal.portal_sign_in(
                    card_code=cards[card],
                    date_of_birth=BORN if right else date(1999, 9, 9),
                    pin="",
                    address=address,
                    device=portal.Device(phone, holders) if phone else None,
                )
                outcome = "in"
            except portal.SignInLocked:
                outcome = "locked"
            except portal.SignInRefused:
                outcome = "refused"
        assert outcome == ("locked" if locked else "in" if succeeds else "refused"), (
            card,
            right,
            address,
            phone,
        )
        if outcome == "refused":
            failures += [(key, now) for key in keys]
        elif outcome == "in":
            failures = [(key, at) for key, at in failures if key not in keys]


def test_a_staff_log_in_in_the_same_browser_ends_the_portal_session(person, registrar) -> None:
    from django.contrib.auth import get_user_model

    client = Client()
    _sign_in(client, person.card_code)
    client.force_login(get_user_model().objects.get(username="registrar-1"))
    assert client.get("/me/record/").status_code == 302  # staff never act as the person
    assert client.post("/me/pin/", {"pin": "1234"}).status_code == 302
    stored = apps.get_model("registry", "Participant").objects.get(pk=person.id).portal_pin
    assert stored == ""


def test_erased_while_signed_in_every_page_signs_out(person, coordinator) -> None:
    from healthcamp.services import erasure

    client = Client()
    _sign_in(client, person.card_code)
    erasure.participant_erase(actor=coordinator.actor, participant_id=person.id)
    for response in (
        client.get("/me/record.fhir.json"),
        client.post("/me/withdraw/", {"purposes": ["screening"], "erase": "no"}),
    ):
        assert response.status_code == 302
    assert client.post("/me/pin/", {"pin": "1234"}).status_code == 302


def test_the_sign_in_page_speaks_the_browsers_language_or_the_chosen_one(db) -> None:
    arabic = Client().get("/me/", headers={"accept-language": "ar-EG,ar;q=0.9,en;q=0.5"})
    assert '<html lang="ar" dir="rtl">' in arabic.content.decode()
    swahili = Client().get("/me/", headers={"accept-language": "sw"})
    assert '<html lang="sw" dir="ltr">' in swahili.content.decode()
    unknown = Client().get("/me/", headers={"accept-language": "pt-BR"})  # no catalogue
    assert '<html lang="en" dir="ltr">' in unknown.content.decode()
    chosen = Client().get("/me/?lang=ug-CN", headers={"accept-language": "ar"})
    assert '<html lang="ug" dir="rtl">' in chosen.content.decode()


def test_behind_a_proxy_the_configured_header_names_the_client(settings) -> None:
    from django.test import RequestFactory

    from healthcamp.web.portal_views import client_address

    request = RequestFactory().post(
        "/me/", REMOTE_ADDR="10.9.9.9", headers={"x-forwarded-for": "1.2.3.4, 198.51.100.7"}
    )
    assert client_address(request) == "10.9.9.9"  # not trusted unless configured
    settings.CLIENT_ADDRESS_HEADER = "X-Forwarded-For"
    assert client_address(request) == "198.51.100.7"  # what the proxy itself appended
    bare = RequestFactory().post("/me/", REMOTE_ADDR="10.9.9.9")
    assert client_address(bare) == "10.9.9.9"


def test_each_portal_page_has_its_own_title(person) -> None:
    """Issue 17, finding 7: the sign-in page and the record are told apart by their titles."""
    import re

    client = Client()
    signing_in = client.get("/me/?lang=en").content.decode()
    _sign_in(client, person.card_code)
    record = client.get("/me/record/").content.decode()
    titles = [re.search(r"<title>(.*?)</title>", page).group(1) for page in (signing_in, record)]
    assert titles[0].startswith("Sign in")
    assert titles[0] != titles[1]


def test_a_withdrawn_purpose_is_hidden_in_the_portal_and_said_so(
    registrar, clinician, programme, document
) -> None:
    """As the letter (issue 9): withdrawing measurements hides them and nothing else."""
    person = _person(registrar, programme, document, language="en")
    _visit(clinician, programme, person.id, [*_readings((150, 95)), ("14743-9", 5.4, "mmol/L")])
    current = consent.consents_of(actor=registrar.actor, participant_id=person.id)[0]
    consent.consent_withdraw(
        actor=registrar.actor,
        participant_id=person.id,
        consent_id=current.id,
        purposes=["screening"],
        erase=False,
    )
    client = Client()
    _sign_in(client, person.card_code)
    html = client.get("/me/record/").content.decode()
    assert "5.4 mmol/L" in html
    assert "150/95" not in html
    assert "measurements at the stations" in html
