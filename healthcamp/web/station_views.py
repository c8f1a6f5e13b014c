"""The station page: start an encounter, type measurements fast, see them classified."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from healthcamp.access.errors import InvalidInput
from healthcamp.access.roles import Purpose, Role
from healthcamp.access.staff import Actor
from healthcamp.results.letters import tone
from healthcamp.services import exams, observations, participants, programmes
from healthcamp.web.views import staff_view

# (field name, LOINC code, label, units offered, purpose)
FIELDS: list[tuple[str, str, str, tuple[str, ...], Purpose]] = [
    ("systolic_1", "8480-6", "Systolic, reading 1", ("mm[Hg]",), Purpose.SCREENING),
    ("diastolic_1", "8462-4", "Diastolic, reading 1", ("mm[Hg]",), Purpose.SCREENING),
    ("systolic_2", "8480-6", "Systolic, reading 2", ("mm[Hg]",), Purpose.SCREENING),
    ("diastolic_2", "8462-4", "Diastolic, reading 2", ("mm[Hg]",), Purpose.SCREENING),
    ("systolic_3", "8480-6", "Systolic, reading 3", ("mm[Hg]",), Purpose.SCREENING),
    ("diastolic_3", "8462-4", "Diastolic, reading 3", ("mm[Hg]",), Purpose.SCREENING),
    ("height", "8302-2", "Height", ("cm", "m"), Purpose.SCREENING),
    ("weight", "29463-7", "Weight", ("kg",), Purpose.SCREENING),
    ("waist", "8280-0", "Waist", ("cm",), Purpose.SCREENING),
    ("fasting_glucose", "1558-6", "Glucose, fasting", ("mmol/L", "mg/dL"), Purpose.BLOOD_TESTS),
    ("random_glucose", "2339-0", "Glucose, random", ("mmol/L", "mg/dL"), Purpose.BLOOD_TESTS),
    ("hba1c", "4548-4", "HbA1c", ("%",), Purpose.BLOOD_TESTS),
    ("cholesterol", "2093-3", "Total cholesterol", ("mmol/L", "mg/dL"), Purpose.BLOOD_TESTS),
]
CODED = [
    ("abo", "883-9", "Blood group (ABO)", ("A", "B", "AB", "O")),
    ("rh", "10331-7", "Rh factor", ("positive", "negative")),
]


def _fields_for(actor: Actor) -> list[tuple[str, str, str, tuple[str, ...], Purpose]]:
    if actor.role == Role.LAB:
        return [f for f in FIELDS if f[4] == Purpose.BLOOD_TESTS]
    return FIELDS


@require_http_methods(["GET", "POST"])
@staff_view
def start(request: HttpRequest, actor: Actor, participant_id: uuid.UUID) -> HttpResponse:
    person = participants.participant_read(
        actor=actor, purpose=Purpose.SCREENING, participant_id=participant_id
    )
    sites = next(
        (p.sites for p in programmes.programmes(actor=actor) if p.id == person.programme_id), ()
    )
    error = ""
    if request.method == "POST":
        chosen = request.POST.get("site_id", "")
        try:
            if not (chosen.isdigit() and len(chosen) < 10):
                raise InvalidInput({"site_id": "Choose the site where this visit takes place."})
            encounter = exams.encounter_start(
                actor=actor, participant_id=participant_id, site_id=int(chosen)
            )
        except InvalidInput as problem:
            error = " ".join(problem.errors.values())
        else:
            return redirect("web:station", participant_id=participant_id, encounter_id=encounter)
    return render(
        request,
        "web/station_start.html",
        {
            "actor": actor,
            "p": person,
            "sites": sites,
            "error": error,
        },
        status=422 if error else 200,
    )


@require_http_methods(["GET", "POST"])
@staff_view
def station(
    request: HttpRequest, actor: Actor, participant_id: uuid.UUID, encounter_id: uuid.UUID
) -> HttpResponse:
    purpose = Purpose.BLOOD_TESTS if actor.role == Role.LAB else Purpose.SCREENING
    person = participants.participant_read(
        actor=actor, purpose=purpose, participant_id=participant_id
    )
    errors: dict[str, str] = {}
    recorded: list[observations.ObservationView] = []
    if request.method == "POST":
        entries = [
            (name, code, request.POST.get(name, "").strip(), request.POST.get(f"{name}_unit", ""))
            for name, code, _label, _units, _p in _fields_for(actor)
        ]
        entries += [
            (name, code, request.POST.get(name, "").strip(), "")
            for name, code, _label, _values in CODED
        ]
        for name, code, value, unit in entries:
            if not value:
                continue
            try:
                recorded += exams.observation_record(
                    actor=actor, encounter_id=encounter_id, code=code, value=value, unit=unit
                )
            except InvalidInput as problem:
                errors[name] = " ".join(problem.errors.values())
    context: dict[str, Any] = {
        "actor": actor,
        "p": person,
        "encounter_id": encounter_id,
        "fields": [
            {
                "name": name,
                "label": label,
                "units": units,
                "error": errors.get(name, ""),
                "value": request.POST.get(name, "") if errors.get(name) else "",
            }
            for name, _code, label, units, _p in _fields_for(actor)
        ],
        "coded": [
            {"name": name, "label": label, "values": values, "error": errors.get(name, "")}
            for name, _code, label, values in CODED
        ],
        "recorded": [(o, tone(o.classification, o.critical)) for o in recorded],
        "critical": any(o.critical for o in recorded),
    }
    return render(request, "web/station.html", context, status=422 if errors else 200)
