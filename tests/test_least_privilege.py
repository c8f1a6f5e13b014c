"""Least privilege: staff act within their programmes, erasing a whole record is the
coordinator's, guardian names stay at the desk, and no page showing a person is cached.

Issue 13, findings 9, 10 and 17.
"""

from __future__ import annotations

from datetime import date

import pytest

from healthcamp.access.staff import staff_add
from healthcamp.audit.selectors import log_for_participant
from healthcamp.services import consent, participants, programmes
from tests.conftest import ALL_PURPOSES, participant_body, publish_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_camp(db: None):
    """A second coordinator with a programme, a site and a person of their own."""
    boss = staff_add(username="other-coordinator", role="coordinator", password="pw-123456-x")
    camp = programmes.programme_create(actor=boss.actor, name="Other Camp")
    programmes.site_create(actor=boss.actor, programme_id=camp.id, name="River Hall")
    desk = staff_add(
        username="other-desk", role="registrar", password="pw-123456-x", programme_ids=[camp.id]
    )
    person = participants.participant_register(
        actor=desk.actor,
        programme_id=camp.id,
        given_name="Juma",
        family_name="Otieno",
        date_of_birth=date(1979, 5, 1),
        sex="male",
        preferred_language="sw",
    )
    return boss, camp, desk, person


def test_a_coordinator_cannot_touch_another_coordinators_programme(
    api_as, coordinator, programme, other_camp
) -> None:
    """Finding 9: sites, documents, reads and erasure in another programme are 403 and audited."""
    _boss, camp, _desk, person = other_camp
    me = api_as(coordinator)
    attempts = {
        "site": me.post(f"/programmes/{camp.id}/sites", {"name": "Sneaky Hall"}),
        "document": me.post(
            f"/programmes/{camp.id}/consent-documents",
            {
                "language": "en",
                "version": 9,
                "title": "Ours now",
                "body": "We measure things.",
                "purposes": [{"code": "screening", "description": "Measurements."}],
            },
        ),
        "read": me.get(f"/participants/{person.id}", purpose="registration"),
        "export": me.get(f"/participants/{person.id}/fhir"),
        "erase": me.post(f"/participants/{person.id}/erase", {}),
        "unreturned": me.get(f"/programmes/{camp.id}/unreturned-results"),
        "referrals": me.get(f"/programmes/{camp.id}/referrals", status="open"),
    }
    answered = {what: r.status_code for what, r in attempts.items()}
    assert answered == dict.fromkeys(attempts, 403), answered
    assert "not a member of programme" in attempts["read"].json()["message"]
    refused = log_for_participant(participant_id=person.id.hex)
    assert {line.outcome for line in refused[:3]} == {"denied"}
    assert (
        participants.participant_read(
            actor=other_camp[2].actor,
            purpose=participants.parse_purpose("registration"),
            participant_id=person.id,
        ).given_name
        == "Juma"
    )  # still there, still theirs


def test_a_registrar_of_one_programme_cannot_register_into_another(
    api_as, registrar, programme, other_camp
) -> None:
    _boss, camp, _desk, _person = other_camp
    response = api_as(registrar).post("/participants", participant_body(camp.id))
    assert response.status_code == 403
    assert (
        api_as(registrar).post("/participants", participant_body(programme.id)).status_code == 201
    )


def test_a_coordinator_adds_members_to_their_own_programme_only(
    api_as, coordinator, programme, other_camp
) -> None:
    boss, camp, _desk, person = other_camp
    newcomer = staff_add(username="newcomer", role="clinician", password="pw-123456-x")
    assert (
        api_as(coordinator)
        .post(f"/programmes/{camp.id}/members", {"username": "newcomer"})
        .status_code
        == 403
    )
    added = api_as(boss).post(f"/programmes/{camp.id}/members", {"username": "newcomer"})
    assert added.status_code == 201, added.content
    assert added.json() == {"programme_id": camp.id, "username": "newcomer"}
    unknown = api_as(boss).post(f"/programmes/{camp.id}/members", {"username": "nobody"})
    assert unknown.status_code == 404
    assert "no staff member called 'nobody'" in unknown.json()["message"]
    # The newcomer now works there (screening needs consent, so a registration-free act:
    # the consent list is a desk act; a clinician reads consent for registration).
    seen = api_as(newcomer).get(f"/participants/{person.id}/consents")
    assert seen.status_code == 200


def test_programmes_listed_are_the_members_own(coordinator, programme, other_camp) -> None:
    names = [p.name for p in programmes.programmes(actor=coordinator.actor)]
    assert names == ["Test Camp"]


@pytest.mark.parametrize("role", ["registrar", "clinician", "lab"])
def test_only_the_coordinator_erases_a_whole_record(
    api_as, request, role, registrar, coordinator, programme, document
) -> None:
    """Finding 10: withdrawing everything with erasure destroys the record: not a station's act."""
    person = api_as(registrar).post("/participants", participant_body(programme.id)).json()
    given = api_as(registrar).post(
        f"/participants/{person['id']}/consents",
        {
            "document_id": document.id,
            "decisions": dict.fromkeys(ALL_PURPOSES, True),
            "method": "on_screen",
        },
    )
    consent_id = given.json()["id"]
    path = f"/participants/{person['id']}/consents/{consent_id}/withdraw"
    station = api_as(request.getfixturevalue(role))
    refused = station.post(path, {"purposes": "all", "erase": True})
    assert refused.status_code == 403, refused.content
    assert "may not erase" in refused.json()["message"]
    # ... while withdrawing everything and keeping, or one purpose with erasure, is theirs.
    assert station.post(path, {"purposes": ["screening"], "erase": True}).status_code == 200
    done = api_as(coordinator).post(path, {"purposes": "all", "erase": True})
    assert done.status_code == 200
    assert done.json()["participant_erased"] is True


def test_guardian_names_stay_at_the_desk(registrar, clinician, lab, coordinator, programme) -> None:
    """Finding 10: lab and clinician learn consent was given, not who the guardian is."""
    doc = publish_document(coordinator, programme.id)
    child = participants.participant_register(
        actor=registrar.actor,
        programme_id=programme.id,
        given_name="Neema",
        family_name="Haddad",
        date_of_birth=date(2019, 2, 2),
        sex="female",
        preferred_language="en",
    )
    consent.consent_record(
        actor=registrar.actor,
        participant_id=child.id,
        document_id=doc.id,
        decisions=dict.fromkeys(ALL_PURPOSES, True),
        method="on_screen",
        guardian=consent.Guardian(name="Amina Haddad", relationship="parent"),
        assent=True,
    )
    seen = {
        who.actor.role.value: consent.consents_of(actor=who.actor, participant_id=child.id)[0]
        for who in (registrar, coordinator, clinician, lab)
    }
    assert seen["registrar"].guardian_name == "Amina Haddad"
    assert seen["coordinator"].guardian_name == "Amina Haddad"
    assert seen["clinician"].guardian_name == ""
    assert seen["lab"].guardian_name == ""
    assert seen["lab"].guardian_relationship == "parent"  # that a guardian consented


def test_no_page_or_answer_showing_a_person_is_cached(
    client, api_as, registrar, programme, settings
) -> None:
    """Finding 17: shared phones and tablets keep nothing in their caches."""
    person = api_as(registrar).post("/participants", participant_body(programme.id)).json()
    answer = api_as(registrar).get(f"/participants/{person['id']}", purpose="registration")
    assert "no-store" in answer["Cache-Control"]
    client.force_login(
        __import__("django.contrib.auth", fromlist=["get_user_model"])
        .get_user_model()
        .objects.get(username="registrar-1")
    )
    page = client.get(f"/participants/{person['id']}/")
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    assert "no-store" in client.get("/me/")["Cache-Control"]


def test_hsts_only_behind_https(settings) -> None:
    """Finding 17: HSTS is sent when secure cookies say the site is served over HTTPS."""
    import importlib
    import os

    from healthcamp import settings as live

    os.environ["HEALTHCAMP_SECURE_COOKIES"] = "true"
    try:
        assert importlib.reload(live).SECURE_HSTS_SECONDS == 365 * 24 * 60 * 60
    finally:
        del os.environ["HEALTHCAMP_SECURE_COOKIES"]
        assert importlib.reload(live).SECURE_HSTS_SECONDS == 0


def test_the_referral_list_says_what_for_only_with_consent_to_share(
    api_as, registrar, clinician, coordinator, programme, document
) -> None:
    """Finding 11: the follow-up list is no road to health facts without consent."""
    from tests.test_followup import _referred

    shared, _ = _referred(api_as, registrar, clinician, coordinator, programme, document)
    withheld, _ = _referred(
        api_as, registrar, clinician, coordinator, programme, document, no=("referral_sharing",)
    )
    rows = {
        r["participant_id"]: (r["measure_code"], r["classification"])
        for r in api_as(coordinator).get(f"/programmes/{programme.id}/referrals").json()
    }
    assert rows[shared] == ("85354-9", "hypertension_grade_3")  # blood pressure: the panel
    assert rows[withheld] == ("", "")


def test_opening_many_identities_by_id_is_refused_and_stands_out(
    api_as, coordinator, registrar, programme, settings
) -> None:
    """Finding 11: ids from the follow-up lists cannot be turned into a list of identities."""
    settings.IDENTITY_READS_PER_HOUR = 3
    ids = [
        api_as(registrar)
        .post("/participants", participant_body(programme.id, given_name=name))
        .json()["id"]
        for name in ("Ana", "Bea", "Cai", "Dov")
    ]
    me = api_as(coordinator)
    answers = [me.get(f"/participants/{pid}", purpose="registration").status_code for pid in ids]
    assert answers == [200, 200, 200, 403]
    # The same people again are not new identities; the card still works (the person is here).
    assert me.get(f"/participants/{ids[0]}", purpose="registration").status_code == 200
    card = api_as(registrar).get(f"/participants/{ids[3]}", purpose="registration").json()
    assert me.get("/participants", card_code=card["card_code"]).json()["results"]
    refused = log_for_participant(participant_id=ids[3].replace("-", ""))
    alert = next(line for line in refused if line.outcome == "denied")
    assert alert.action == "participant.read"
    from healthcamp.audit.models import AuditEntry

    newest = bytes(AuditEntry.objects.filter(seq=alert.seq).values_list("body", flat=True)[0])
    assert b"alert: coordinator-1 opened 3 distinct records in the last hour" in newest


def test_a_card_or_a_name_of_another_programme_finds_nothing(
    api_as, coordinator, programme, other_camp
) -> None:
    """Review of finding 9: search is an act on the person found, so it is scoped too."""
    _boss, _camp, _desk, person = other_camp
    me = api_as(coordinator)
    by_card = me.get("/participants", card_code=person.card_code)
    assert by_card.status_code == 403
    assert "Juma" not in by_card.content.decode()
    by_name = me.get(
        "/participants", given_name="Juma", family_name="Otieno", date_of_birth="1979-05-01"
    )
    assert by_name.status_code == 200
    assert by_name.json()["results"] == []
    outcomes = [line.outcome for line in log_for_participant(participant_id=person.id.hex)]
    assert outcomes[:2] == ["denied", "denied"]  # both tries are on Juma's own log


def test_another_programmes_documents_are_not_shown(api_as, coordinator, programme, other_camp):
    _boss, camp, _desk, _person = other_camp
    assert api_as(coordinator).get(f"/programmes/{camp.id}/consent-documents").status_code == 403


def test_exports_and_consent_lists_count_as_identity_reads(
    api_as, coordinator, registrar, programme, settings
) -> None:
    """Review of finding 11: the FHIR copy and the consent list are identity reads too."""
    settings.IDENTITY_READS_PER_HOUR = 1
    first, second = (
        api_as(registrar)
        .post("/participants", participant_body(programme.id, given_name=name))
        .json()["id"]
        for name in ("Ana", "Bea")
    )
    me = api_as(coordinator)
    assert me.get(f"/participants/{first}/fhir").status_code == 200
    assert me.get(f"/participants/{second}/fhir").status_code == 403
    assert me.get(f"/participants/{second}/consents").status_code == 403
    assert me.get(f"/participants/{first}/consents").status_code == 200  # the same person


def test_a_bad_site_at_the_station_is_a_clear_error(
    clinician, registrar, programme, document
) -> None:
    from tests.test_portal import _person
    from tests.test_web import _login

    person = _person(registrar, programme, document, language="en")
    page = _login(clinician).post(f"/participants/{person.id}/station/", {"site_id": "abc"})
    assert page.status_code == 422
    assert "Choose the site" in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_an_upgrade_keeps_staff_at_work_and_gives_old_tokens_an_end(api_as) -> None:
    """Staff made before programmes had members keep their reach; old tokens get a lifetime."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from healthcamp.access.models import ApiToken, ProgrammeMembership

    desk = staff_add(username="old-desk", role="registrar", password="pw-123456-x")
    boss = staff_add(username="old-boss", role="coordinator", password="pw-123456-x")
    camp = programmes.programme_create(actor=boss.actor, name="Old Camp")
    ProgrammeMembership.objects.all().delete()
    ApiToken.objects.update(expires_at=None)
    executor = MigrationExecutor(connection)
    executor.migrate([("access", "0003_programme_members_tokens_identity_reads")])
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert ProgrammeMembership.objects.filter(programme_id=camp.id).count() == 2
    assert not ApiToken.objects.filter(expires_at__isnull=True).exists()
    registered = api_as(desk).post("/participants", participant_body(camp.id))
    assert registered.status_code == 201


@pytest.mark.django_db(transaction=True)
def test_a_clinician_of_another_programme_is_refused_a_screening_read_and_it_is_logged(
    clinician, other_camp
) -> None:
    """On PostgreSQL the membership check rides on the consent hold: the same refusal,
    audited with the person named, and nothing read (both engines)."""
    from healthcamp.access.errors import AccessDenied

    _boss, camp, _desk, person = other_camp
    before = len(log_for_participant(participant_id=person.id.hex))
    with pytest.raises(AccessDenied, match=f"not a member of programme {camp.id}"):
        participants.participant_read(
            actor=clinician.actor,
            purpose=participants.parse_purpose("screening"),
            participant_id=person.id,
        )
    lines = log_for_participant(participant_id=person.id.hex)
    assert len(lines) == before + 1
    assert (lines[0].outcome, lines[0].action, lines[0].role) == (
        "denied",
        "participant.read",
        "clinician",
    )
