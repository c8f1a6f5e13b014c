"""A world for `healthcamp import` run as a real process (tests/test_import_crash.py): a
programme with a site, a published consent document, a lab member and PEOPLE consenting
people, made through the services in the command's own database. Prints JSON."""

SET_UP = """
import json, os, sys, django
from datetime import date
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthcamp.settings")
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from healthcamp.access.staff import staff_add
from healthcamp.purposes import CONSENT_PURPOSES
from healthcamp.services import consent, participants, programmes
boss = staff_add(username="coord", role="coordinator", password=None, programme_ids=[])
made = programmes.programme_create(actor=boss.actor, name="Import Camp")
site = programmes.site_create(actor=boss.actor, programme_id=made.id, name="Hall")
staff_add(username="lab-1", role="lab", password=None, programme_ids=[made.id])
desk = staff_add(username="desk-1", role="registrar", password=None, programme_ids=[made.id])
purposes = [p.value for p in CONSENT_PURPOSES]
draft = consent.document_create(actor=boss.actor, programme_id=made.id, language="en",
    version=1, title="What we do", body="We measure and tell you.",
    purposes=[{"code": p, "description": f"We use it for {p}."} for p in purposes])
doc = consent.document_publish(actor=boss.actor, programme_id=made.id, document_id=draft.id)
cards = []
for n in range(int(sys.argv[1])):
    person = participants.participant_register(actor=desk.actor, programme_id=made.id,
        given_name="Amina", family_name="Haddad" + "".join(chr(97 + n // 26**i % 26)
        for i in range(3)), date_of_birth=date(1950 + n % 40, 1 + n % 12, 1 + n % 28),
        sex="female", preferred_language="en", phone="")
    consent.consent_record(actor=desk.actor, participant_id=person.id, document_id=doc.id,
        decisions=dict.fromkeys(purposes, True), method="on_screen")
    cards.append(person.card_code)
print(json.dumps({"programme": made.id, "site": site.id, "cards": cards}))
"""
