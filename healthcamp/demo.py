"""A sample programme with synthetic participants, made through the access layer."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from healthcamp.access.errors import Conflict
from healthcamp.access.staff import Actor, staff_add
from healthcamp.clinical import catalogue
from healthcamp.consent.rules import age_on
from healthcamp.demo_consent import DOCUMENTS, ORDER
from healthcamp.imports import results
from healthcamp.services import consent, enrolment, exams, participants, programmes, referrals

PROGRAMME = "Riverside Community Health Check 2026"
SITES = ("Riverside Market Hall", "North Clinic Courtyard")
CLINICS = ("Riverside District Hospital, outpatients", "St Anne's Community Clinic")

# Synthetic names by language; none is a real person's record.
NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "en": (
        ("Amelia", "Oliver", "Grace", "Thomas", "Ruth", "Samuel"),
        ("Hughes", "Walker", "Bennett", "Clarke", "Morgan", "Price"),
    ),
    "es": (
        ("Lucía", "Mateo", "Valentina", "Andrés", "Camila", "Joaquín"),
        ("García", "Martínez", "Rodríguez", "Peña", "Núñez", "Ibáñez"),
    ),
    "ar": (
        ("مريم", "يوسف", "فاطمة", "عمر", "ليلى", "خالد"),
        ("حداد", "الخوري", "منصور", "سالم", "ناصر", "عيسى"),
    ),
    "ug": (
        ("ئايگۈل", "مۇھەممەت", "گۈلنار", "ئەركىن", "زۇلپىيە", "ئابدۇللا"),
        ("تۇرسۇن", "ئەھمەت", "قادىر", "ياقۇپ", "ھېيت", "سابىر"),
    ),
    "sw": (
        ("Amani", "Neema", "Baraka", "Zawadi", "Juma", "Imani"),
        ("Mwangi", "Otieno", "Wanjiru", "Mushi", "Njoroge", "Achieng"),
    ),
    "zh": (("伟", "芳", "娜", "敏", "静", "磊"), ("王", "李", "张", "刘", "陈", "杨")),
    "hi": (
        ("Aarav", "Priya", "Vihaan", "Ananya", "Ishaan", "Kavya"),
        ("Sharma", "Patel", "Iyer", "Reddy", "Gupta", "Nair"),
    ),
    "ru": (
        ("Анна", "Иван", "Ольга", "Дмитрий", "Елена", "Сергей"),
        ("Иванова", "Смирнов", "Кузнецова", "Попов", "Соколова", "Лебедев"),
    ),
}

LANGUAGES = sorted(NAMES)

STAFF = (
    ("coordinator", "coordinator", "demo-coordinator-pass"),
    ("registrar", "registrar", "demo-registrar-pass"),
    ("clinician", "clinician", "demo-clinician-pass"),
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    password: str
    token: str | None


# One synthetic person who came twice, a year apart, to try the participant portal with.
PORTAL_PERSON = ("Lucía", "Ibáñez", date(1970, 5, 14), "es")
PORTAL_FILE = "demo-portal"  # in HEALTHCAMP_HOME: the card code to sign in with


def portal_card() -> str:
    """The portal person's card code, written when the demo was seeded."""
    from django.conf import settings

    path = settings.HOME / PORTAL_FILE
    return path.read_text(encoding="ascii").strip() if path.exists() else ""


@transaction.atomic  # all of it or nothing: a failed seed leaves no half-made demo
def seed(
    *, participants_count: int, progress: Callable[[int], None] | None = None
) -> list[DemoLogin]:
    """Create demo staff, the programme and its people; a second run adds nothing.

    People are enrolled a thousand at a time (services.enrolment), so a growth bench's
    hundred thousand take minutes; every act still goes through the access layer."""
    logins: list[DemoLogin] = []
    actors: dict[str, Actor] = {}
    for username, role, password in STAFF:
        try:
            new = staff_add(username=username, role=role, password=password)
        except Conflict:
            logins.append(DemoLogin(username, role, password, None))
            continue
        actors[role] = new.actor
        logins.append(DemoLogin(username, role, password, new.token))
    if "coordinator" not in actors:
        return logins  # seeded before
    coordinator, registrar = actors["coordinator"], actors["registrar"]
    programme = programmes.programme_create(actor=coordinator, name=PROGRAMME)
    for member in actors.values():  # every demo login works for the demo programme
        if member is not coordinator:
            programmes.member_add(
                actor=coordinator, programme_id=programme.id, username=member.username
            )
    for site in SITES:
        programmes.site_create(actor=coordinator, programme_id=programme.id, name=site)
    # Where urgent and routine referrals go (the first is where critical values are sent).
    for clinic in CLINICS:
        referrals.clinic_create(actor=coordinator, programme_id=programme.id, name=clinic)
    documents = _publish_documents(coordinator, programme.id)
    site_ids = [site.id for site in programmes.programmes(actor=coordinator)[0].sites]
    rng = random.Random(2026)
    today = date(2026, 11, 1)
    visits: list[str] = []
    for first in range(0, participants_count, enrolment.MOST):
        count = min(enrolment.MOST, participants_count - first)
        people = [
            _new_person(rng, first + n, documents, today, actors["clinician"]) for n in range(count)
        ]
        enrolled = enrolment.participants_enrol(
            actor=registrar, programme_id=programme.id, people=people
        )
        for n, (person, done) in enumerate(zip(people, enrolled, strict=True), start=first):
            granted = _withdrawn_one(rng, registrar, person, done)
            if n % 3 == 0 and (granted & _VISIT_PURPOSES):
                visits += _visit_rows(rng, done.card_code, site_ids[n % len(site_ids)], granted)
        if len(visits) >= VISIT_ROWS or first + count >= participants_count:
            _record_visits(actors["clinician"], programme.id, visits)
            visits = []
        if progress:
            progress(count)
    _portal_person(registrar, actors["clinician"], documents, site_ids)
    return logins


def _portal_person(
    registrar: Actor, clinician: Actor, documents: dict[str, int], site_ids: list[int]
) -> None:
    from django.conf import settings

    given, family, born, language = PORTAL_PERSON
    person = participants.participant_register(
        actor=registrar,
        programme_id=programmes.programmes(actor=registrar)[0].id,
        given_name=given,
        family_name=family,
        date_of_birth=born,
        sex="female",
        preferred_language=language,
    )
    consent.consent_record(
        actor=registrar,
        participant_id=person.id,
        document_id=documents.get(language, documents["en"]),
        decisions=dict.fromkeys(ORDER, True),
        method="on_screen",
    )
    now = timezone.now()
    visits = (
        (now - timedelta(days=372), (132, 84, 71.0, 5.6)),
        (now - timedelta(days=180), (141, 90, 73.5, 6.4)),
        (now - timedelta(days=2), (152, 96, 75.2, 7.1)),
    )
    for at, (systolic, diastolic, weight, glucose) in visits:
        encounter = exams.encounter_start(
            actor=clinician, participant_id=person.id, site_id=site_ids[0], at=at
        )
        for code, value, unit in (
            # ESH 2023: two readings a minute or two apart; the letter shows their mean.
            ("8480-6", systolic + 4, "mm[Hg]"),
            ("8462-4", diastolic + 2, "mm[Hg]"),
            ("8480-6", systolic, "mm[Hg]"),
            ("8462-4", diastolic, "mm[Hg]"),
            ("8867-4", 72, "/min"),
            ("8302-2", 162, "cm"),
            ("29463-7", weight, "kg"),
            ("56115-9", 84, "cm"),
            ("hc-dx-htn", "no", ""),
            ("hc-dx-dm", "no", ""),
            ("87527-8", 10, "h"),
            ("14743-9", glucose, "mmol/L"),
        ):
            exams.observation_record(
                actor=clinician, encounter_id=encounter, code=code, value=value, unit=unit, at=at
            )
    (settings.HOME / PORTAL_FILE).write_text(person.card_code + "\n", encoding="ascii")


def _publish_documents(coordinator: Actor, programme_id: int) -> dict[str, int]:
    published = {}
    for language, text in DOCUMENTS.items():
        descriptions = text["purposes"]
        assert isinstance(descriptions, tuple)  # noqa: S101
        draft = consent.document_create(
            actor=coordinator,
            programme_id=programme_id,
            language=language,
            version=1,
            title=str(text["title"]),
            body=str(text["body"]),
            purposes=[
                {"code": code, "description": description}
                for code, description in zip(ORDER, descriptions, strict=True)
            ],
        )
        consent.document_publish(actor=coordinator, programme_id=programme_id, document_id=draft.id)
        published[language] = draft.id
    return published


# Visits go in as a lab file would bring them (the results import: check, consent,
# decision, referrals, facts, audit) this many rows at a time: seeding stays quick at scale.
VISIT_ROWS = 30_000
_VISIT_PURPOSES = {"screening", "blood_tests"}


def _new_person(
    rng: random.Random, n: int, documents: dict[str, int], today: date, witness: Actor
) -> enrolment.Enrolment:
    """Most people consent, to most purposes; some say no; one in ten is not asked yet."""
    language = LANGUAGES[n % len(LANGUAGES)]
    given, family = NAMES[language]
    born = today - timedelta(days=rng.randint(6 * 365, 88 * 365))
    person = enrolment.Enrolment(
        given_name=rng.choice(given),
        family_name=rng.choice(family),
        date_of_birth=born,
        sex=rng.choice(("female", "male", "female", "male", "other", "not_stated")),
        preferred_language=language,
        phone=""
        if rng.random() < 0.4
        else f"+254 7{rng.randint(10, 99)} {rng.randint(100000, 999999)}",
    )
    if rng.random() < 0.1:
        return person  # not asked yet
    age = age_on(born, timezone.localdate())
    witnessed = rng.random() < 0.15
    said = enrolment.ConsentGiven(
        document_id=documents.get(language, documents["en"]),
        decisions={
            code: rng.random() < (0.6 if code == "deidentified_research" else 0.9) for code in ORDER
        },
        given=consent.Given(
            "witnessed_mark" if witnessed else "on_screen",
            witness_id=witness.staff_id if witnessed else None,
            guardian=consent.Guardian("Guardian of participant", "parent") if age < 18 else None,
            assent=True if 7 <= age < 18 else None,
        ),
    )
    return replace(person, consent=said)


def _withdrawn_one(
    rng: random.Random, registrar: Actor, person: enrolment.Enrolment, done: enrolment.Enrolled
) -> set[str]:
    """A few later withdraw one purpose (through the service, one act each): what the
    person still grants."""
    if person.consent is None or done.consent_id is None:
        return set()
    granted = {code for code, yes in person.consent.decisions.items() if yes}
    if granted and rng.random() < 0.05:
        gone = rng.choice(sorted(granted))
        consent.consent_withdraw(
            actor=registrar,
            participant_id=done.id,
            consent_id=done.consent_id,
            purposes=[gone],
            erase=False,
        )
        granted.discard(gone)
    return granted


def _visit_rows(rng: random.Random, card: str, site: int, granted: set[str]) -> list[str]:
    """One visit's values as rows of a results file: blood pressure (two readings), height,
    weight, fasting time and glucose, each only where its purpose is granted."""
    systolic, diastolic = rng.randint(105, 175), rng.randint(65, 105)
    readings = [
        ("8480-6", systolic + rng.randint(0, 8), "mm[Hg]", 1),
        ("8462-4", diastolic + rng.randint(0, 5), "mm[Hg]", 1),
        ("8480-6", systolic, "mm[Hg]", 2),
        ("8462-4", diastolic, "mm[Hg]", 2),
        ("8302-2", rng.randint(150, 190), "cm", 1),
        ("29463-7", rng.randint(48, 110), "kg", 1),
        ("87527-8", rng.choice((1, 2, 3, 9, 10, 12)), "h", 1),
        ("14743-9", round(rng.uniform(4.2, 9.5), 1), "mmol/L", 1),
    ]
    day = timezone.localdate().isoformat()
    return [
        f"{card},{day},{site},{code},{value},{unit},{reading}"
        for code, value, unit, reading in readings
        if catalogue.measure(code).purpose in granted
    ]


def _record_visits(clinician: Actor, programme_id: int, rows: list[str]) -> None:
    if rows:
        header = "card_code,visit_date,site_id,code,value,unit,reading"
        results.results_import(
            actor=clinician,
            programme_id=programme_id,
            data="\n".join([header, *rows]).encode(),
            source="demo",
        )
