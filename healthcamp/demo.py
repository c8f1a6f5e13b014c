"""A sample programme with synthetic participants, made through the access layer."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from healthcamp.access import participants, programmes
from healthcamp.access.errors import Conflict
from healthcamp.access.staff import Actor, staff_add

PROGRAMME = "Riverside Community Health Check 2026"
SITES = ("Riverside Market Hall", "North Clinic Courtyard")

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


def seed(
    *, participants_count: int, progress: Callable[[int], None] | None = None
) -> list[DemoLogin]:
    """Create demo staff, the programme and its people; a second run adds nothing."""
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
    for site in SITES:
        programmes.site_create(actor=coordinator, programme_id=programme.id, name=site)
    rng = random.Random(2026)
    languages = sorted(NAMES)
    today = date(2026, 11, 1)
    for i in range(participants_count):
        language = languages[i % len(languages)]
        given, family = NAMES[language]
        participants.participant_register(
            actor=registrar,
            programme_id=programme.id,
            given_name=rng.choice(given),
            family_name=rng.choice(family),
            date_of_birth=today - timedelta(days=rng.randint(6 * 365, 88 * 365)),
            sex=rng.choice(("female", "male", "female", "male", "other", "not_stated")),
            preferred_language=language,
            phone=""
            if rng.random() < 0.4
            else f"+254 7{rng.randint(10, 99)} {rng.randint(100000, 999999)}",
        )
        if progress:
            progress(1)
    return logins
