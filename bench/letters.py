"""Results letters per second, HTML and PDF, against rendering the same template to a
string without its pictures, in the same run.

    .venv/bin/python bench/letters.py [--engine sqlite|postgresql|both] [--letters N]
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import base_parser, best_of, run_engines, setup_django


def child(letters_count: int, rounds: int) -> dict[str, float]:
    setup_django()
    from django.template.loader import render_to_string

    from healthcamp.access.staff import staff_add
    from healthcamp.results import letter_page, letters
    from healthcamp.services import consent, exams, participants, programmes

    coordinator = staff_add(username="c", role="coordinator").actor
    registrar = staff_add(username="r", role="registrar").actor
    clinician = staff_add(username="k", role="clinician").actor
    programme = programmes.programme_create(actor=coordinator, name="Bench").id
    for name in ("r", "k"):
        programmes.member_add(actor=coordinator, programme_id=programme, username=name)
    site = programmes.site_create(actor=coordinator, programme_id=programme, name="Hall").id
    draft = consent.document_create(
        actor=coordinator,
        programme_id=programme,
        language="ar",
        version=1,
        title="Bench",
        body="Bench.",
        purposes=[{"code": "screening", "description": "Measurements."}],
    )
    consent.document_publish(actor=coordinator, programme_id=programme, document_id=draft.id)
    person = participants.participant_register(
        actor=registrar,
        programme_id=programme,
        given_name="مريم",
        family_name="حداد",
        date_of_birth=date(1970, 5, 1),
        sex="female",
        preferred_language="ar",
    )
    consent.consent_record(
        actor=registrar,
        participant_id=person.id,
        document_id=draft.id,
        decisions={"screening": True},
        method="on_screen",
    )
    encounter = exams.encounter_start(actor=clinician, participant_id=person.id, site_id=site)
    for code, value, unit in (
        ("8480-6", 146, "mm[Hg]"),
        ("8462-4", 90, "mm[Hg]"),
        ("8480-6", 142, "mm[Hg]"),
        ("8462-4", 88, "mm[Hg]"),
        ("8302-2", 160, "cm"),
        ("29463-7", 71, "kg"),
        ("56115-9", 92, "cm"),
    ):
        exams.observation_record(
            actor=clinician, encounter_id=encounter, code=code, value=value, unit=unit
        )
    data = exams.letter_data(actor=clinician, participant_id=person.id)

    def context(pictures: bool) -> dict[str, object]:
        shown = letter_page.context(data, paper="a4", portal_url="/me/", pictures=pictures)
        return {**shown, "inline_css": letters.css()}

    def baseline() -> int:
        for _ in range(letters_count):
            render_to_string("web/letter.html", context(pictures=False))
        return letters_count

    def html() -> int:
        for _ in range(letters_count):
            render_to_string("web/letter.html", context(pictures=True))
        return letters_count

    def pdf() -> int:
        for _ in range(letters_count):
            letters.pdf(render_to_string("web/letter.html", context(pictures=True)))
        return letters_count

    base = best_of(rounds, baseline)
    with_pictures = best_of(rounds, html)
    as_pdf = best_of(rounds, pdf)
    return {
        "baseline_per_s": base,
        "html_per_s": with_pictures,
        "pdf_per_s": as_pdf,
        "html": with_pictures / base,
        "pdf": as_pdf / base,
    }


def main() -> int:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--letters", type=int, default=20)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.letters, args.rounds)))
        return 0
    print(f"Results letters, {args.letters} per round, best of {args.rounds} rounds")
    print(
        "{:<11} {:<5} {:>14} {:>10} {:>7}".format(
            "engine", "kind", "no-pictures/s", "letters/s", "ratio"
        )
    )
    for r in run_engines("letters.py", args):
        for kind in ("html", "pdf"):
            print(
                f"{r['engine']:<11} {kind:<5} {float(r['baseline_per_s']):>14.1f}"  # type: ignore[arg-type]
                f" {float(r[f'{kind}_per_s']):>10.1f} {float(r[kind]):>6.3f}x"
            )  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    sys.exit(main())
