"""Staff pages: who may and who may not, forbidden fields in the form, finding people again."""

from __future__ import annotations

import html

import pytest
from django.test import Client

from healthcamp.access.staff import NewStaff
from healthcamp.audit.selectors import entry_count
from tests.conftest import give_consent
from tests.forbidden_fields import FORBIDDEN_FIELDS

pytestmark = pytest.mark.django_db


def _login(staff: NewStaff) -> Client:
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username=staff.actor.username))
    return client


def _form(programme_id: int, **overrides: str) -> dict[str, str]:
    data = {
        "programme_id": str(programme_id),
        "given_name": "Zawadi",
        "family_name": "Mwangi",
        "date_of_birth": "1991-07-04",
        "sex": "female",
        "preferred_language": "sw",
        "phone": "",
    }
    data.update(overrides)
    return data


def _participants() -> int:
    from django.apps import apps

    return apps.get_model("registry", "Participant").objects.count()


def test_pages_require_login(client: Client) -> None:
    for path in ("/", "/participants/new/", "/find/card/?card_code=X"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_login_page_renders(client: Client) -> None:
    response = client.get("/login/")
    assert response.status_code == 200
    assert b'<label for="id_username">' in response.content


def test_password_log_in_and_lock_out(registrar: NewStaff, client: Client) -> None:
    """The real log-in form works; five wrong passwords pause the account."""
    ok = client.post("/login/", {"username": "registrar-1", "password": "registrar-test-password"})
    assert (ok.status_code, ok["Location"]) == (302, "/")
    other = Client()
    for _ in range(5):
        other.post("/login/", {"username": "registrar-1", "password": "wrong"})
    locked = other.post(
        "/login/", {"username": "registrar-1", "password": "registrar-test-password"}
    )
    assert locked.status_code == 429
    assert "Log-in paused" in locked.content.decode()


def test_registrar_registers_and_gets_a_card(registrar: NewStaff, programme) -> None:
    client = _login(registrar)
    response = client.post("/participants/new/", _form(programme.id))
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert "Zawadi Mwangi" in html
    assert 'src="data:image/svg+xml' in html
    # The record's own access log, in words (issue 10: never "participant.register").
    assert "registered you" in html
    assert "participant.register" not in html
    card = client.get(response["Location"] + "card/")
    assert card.status_code == 200
    assert "idcard" in card.content.decode()


def test_a_likely_duplicate_is_asked_about_before_a_card_is_made(
    registrar: NewStaff, programme
) -> None:
    client = _login(registrar)
    client.post("/participants/new/", _form(programme.id))
    second = client.post("/participants/new/", _form(programme.id, given_name="zawadi"))
    assert second.status_code == 200  # a question, and nothing made yet
    page = second.content.decode()
    assert "Is this the same person?" in page
    assert "One person in this programme is already registered" in page
    assert (
        "/find/name/?given_name=zawadi&amp;family_name=Mwangi&amp;date_of_birth=1991-07-04" in page
    )
    assert _participants() == 1
    assert "Look them up" in page
    # The answer is tied to this name and date: a bare "yes" or another person's is asked again.
    for forged in ("1", "x"):
        again = client.post("/participants/new/", _form(programme.id, confirm_new=forged))
        assert again.status_code == 200
    assert _participants() == 1
    asked = html.unescape(page.split('name="confirm_new" value="')[1].split('"')[0])
    confirmed = client.post(
        "/participants/new/", _form(programme.id, given_name="zawadi", confirm_new=asked)
    )
    assert confirmed.status_code == 302
    assert _participants() == 2
    page = client.get(confirmed["Location"]).content.decode()
    assert "1 other participant is registered with the same name and date of birth" in page
    # Asking left a trace, as a name search does, on the record it found.
    from django.apps import apps

    from healthcamp.audit.models import AuditEntry

    first = apps.get_model("registry", "Participant").objects.order_by("registered_at")[0]
    asked_about = [
        bytes(body)
        for body in AuditEntry.objects.values_list("body", flat=True)
        if b"before registering" in bytes(body)
    ]
    # The first registration asked too, and found no one: that entry names nobody.
    named = [body.split(b"\n")[0] for body in asked_about if not body.startswith(b"\n")]
    assert len(named) == 3  # the question and the two answers that were not this one's
    assert all(line == first.id.hex.encode() for line in named)


def test_the_same_name_in_another_programme_is_not_asked_about(
    registrar: NewStaff, coordinator: NewStaff, programme
) -> None:
    from healthcamp.services import programmes
    from tests.conftest import join_everyone

    other = programmes.programme_create(actor=coordinator.actor, name="Hillside")
    join_everyone(other.id)
    client = _login(registrar)
    client.post("/participants/new/", _form(programme.id))
    elsewhere = client.post("/participants/new/", _form(other.id))
    assert elsewhere.status_code == 302
    assert _participants() == 2


def test_the_qr_code_holds_exactly_the_card_code(registrar: NewStaff, programme) -> None:
    import segno

    client = _login(registrar)
    location = client.post("/participants/new/", _form(programme.id))["Location"]
    html = client.get(location).content.decode()
    code = html.split('<dd class="code">')[1].split("</dd>")[0].replace("-", "")
    expected = segno.make(code, error="m").svg_data_uri(scale=4, border=2)
    assert expected in html


@pytest.mark.parametrize("field", FORBIDDEN_FIELDS)
def test_the_form_refuses_every_forbidden_category(
    registrar: NewStaff, programme, field: str
) -> None:
    client = _login(registrar)
    before = entry_count()
    response = client.post("/participants/new/", _form(programme.id, **{field: "anything"}))
    assert response.status_code == 422
    assert "healthcamp does not collect" in response.content.decode()
    assert "Nothing was saved." in response.content.decode()
    assert _participants() == 0
    assert entry_count() == before


def test_the_form_refuses_unknown_fields(registrar: NewStaff, programme) -> None:
    response = _login(registrar).post("/participants/new/", _form(programme.id, nickname="Z"))
    assert response.status_code == 422
    assert "The form has no field 'nickname'" in html.unescape(response.content.decode())
    assert _participants() == 0


def test_the_form_explains_bad_values(registrar: NewStaff, programme) -> None:
    response = _login(registrar).post(
        "/participants/new/", _form(programme.id, given_name=" ", date_of_birth="2999-01-01")
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "This field is required." in html or "cannot be empty" in html
    assert _participants() == 0


@pytest.mark.parametrize("role", ["clinician", "lab", "analyst", "auditor"])
def test_only_registrars_and_coordinators_register(
    role: str, programme, request: pytest.FixtureRequest
) -> None:
    staff: NewStaff = request.getfixturevalue(role)
    response = _login(staff).post("/participants/new/", _form(programme.id))
    assert response.status_code == 403
    assert "may not register participants" in response.content.decode()
    assert _participants() == 0


def test_find_by_card_and_by_name(
    registrar: NewStaff, clinician: NewStaff, programme, document
) -> None:
    client = _login(registrar)
    location = client.post("/participants/new/", _form(programme.id))["Location"]
    give_consent(registrar, location.split("/")[2], document.id)
    code = client.get(location).content.decode().split('<dd class="code">')[1].split("</dd>")[0]
    found = _login(clinician).get("/find/card/", {"card_code": code.lower()})
    assert (found.status_code, found["Location"]) == (302, location)
    by_name = client.get(
        "/find/name/",
        {"given_name": "zawadi", "family_name": "MWANGI", "date_of_birth": "1991-07-04"},
    )
    assert by_name.status_code == 200
    assert location in by_name.content.decode()
    nobody = client.get(
        "/find/name/", {"given_name": "No", "family_name": "Body", "date_of_birth": "1991-07-04"}
    )
    assert "Nobody with that name" in nobody.content.decode()


def test_card_typo_is_explained(registrar: NewStaff, programme) -> None:
    response = _login(registrar).get("/find/card/", {"card_code": "ABCD"})
    assert response.status_code == 422
    assert "A card code has 11 characters; 4 were given." in response.content.decode()


@pytest.mark.parametrize("role", ["analyst", "auditor"])
def test_analysts_and_auditors_cannot_open_a_participant(
    role: str, registrar: NewStaff, programme, request: pytest.FixtureRequest
) -> None:
    location = _login(registrar).post("/participants/new/", _form(programme.id))["Location"]
    staff: NewStaff = request.getfixturevalue(role)
    response = _login(staff).get(location)
    assert response.status_code == 403
    assert "recorded in the audit log" in response.content.decode()


def test_user_without_a_role_is_refused(programme) -> None:
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user(username="visitor", password="visitor-pass-123")
    client = Client()
    client.post("/login/", {"username": "visitor", "password": "visitor-pass-123"})
    response = client.get("/")
    assert response.status_code == 403
    assert "not a staff member" in response.content.decode()


def test_pages_send_a_content_security_policy(client: Client) -> None:
    response = client.get("/login/")
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_each_error_is_tied_to_its_field(registrar: NewStaff, programme) -> None:
    """Issue 17, finding 3: aria-describedby names an element that exists and says what is wrong."""
    import re

    response = _login(registrar).post(
        "/participants/new/", _form(programme.id, given_name=" ", date_of_birth="2999-01-01")
    )
    page = response.content.decode()
    described = re.findall(r'aria-invalid="true"[^>]*aria-describedby="([^"]+)"', page)
    described += re.findall(r'aria-describedby="([^"]+)"[^>]*aria-invalid="true"', page)
    assert described, "no field is marked invalid"
    for ids in described:
        for element_id in ids.split():
            assert f'id="{element_id}"' in page, element_id
    assert re.search(r'id="id_given_name_error"><p class="error"', page)


def test_the_card_page_has_a_main_landmark(registrar: NewStaff, programme) -> None:
    """Issue 17, finding 7: the print page of a card is reachable by landmark too."""
    response = _login(registrar).post("/participants/new/", _form(programme.id))
    card = _login(registrar).get(response["Location"].rstrip("/") + "/card/")
    assert card.status_code == 200
    assert "<main>" in card.content.decode()
