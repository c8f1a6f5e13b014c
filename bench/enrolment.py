"""What enrolling people in batches gains (issue 15's seeding at scale): the desk's two
services one person at a time (participant_register, then consent_record) against
services.enrolment a thousand at a time, and a paper-forms registrations import of a file,
measured in the same run.

    .venv/bin/python bench/enrolment.py [--engine sqlite|postgresql|both] [--people N]

Prints people a second for each and the ratios to the desk's one-at-a-time path.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._camp import Camp, camp, enrol, person
from bench._common import base_parser, run_engines, setup_django

DESK_PEOPLE = 300  # one at a time is slow: fewer people, the same per-person work


def _desk(c: Camp, first: int, count: int) -> float:
    from healthcamp.services import consent, participants

    started = time.perf_counter()
    for i in range(first, first + count):
        made = participants.participant_register(
            actor=c.desk,
            programme_id=c.programme_id,
            **person(i),
        )
        consent.consent_record(
            actor=c.desk,
            participant_id=made.id,
            document_id=c.document_id,
            decisions=dict.fromkeys(c.purposes, True),
            method="on_screen",
        )
    return count / (time.perf_counter() - started)


def _forms(c: Camp, first: int, count: int) -> bytes:
    columns = ["form_reference", "given_name", "family_name", "date_of_birth", "sex"]
    columns += ["phone", "preferred_language", "consent_method"]
    purposes = c.purposes
    lines = [",".join(columns + [f"consent:{p}" for p in purposes])]
    for i in range(first, first + count):
        p = person(i)
        cells = [f"F-{i}", p["given_name"], p["family_name"], p["date_of_birth"].isoformat()]
        cells += [p["sex"], "", "en", "paper", *(["yes"] * len(purposes))]
        lines.append(",".join(cells))
    return ("\n".join(lines) + "\n").encode()


def child(people: int) -> dict[str, float]:
    setup_django()
    from healthcamp.imports.registrations import registrations_import

    c = camp()
    desk = _desk(c, 0, DESK_PEOPLE)
    started = time.perf_counter()
    enrol(c, people, first=DESK_PEOPLE)
    batched = people / (time.perf_counter() - started)
    data = _forms(c, DESK_PEOPLE + people, people)
    started = time.perf_counter()
    summary = registrations_import(actor=c.desk, programme_id=c.programme_id, data=data)
    imported = people / (time.perf_counter() - started)
    assert summary.registered == people, summary
    return {"people": people, "desk": desk, "batched": batched, "imported": imported}


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--people", type=int, default=5000)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.people)))
        return
    for found in run_engines("enrolment.py", args):
        r = {k: float(v) for k, v in found.items() if k != "engine"}  # type: ignore[arg-type]
        print(
            f"{found['engine']:<10} desk one at a time {r['desk']:,.0f} people/s ({DESK_PEOPLE}); "
            f"enrolment in batches {r['batched']:,.0f}/s ({r['batched'] / r['desk']:.1f}x); "
            f"registrations import of {r['people']:,.0f} forms {r['imported']:,.0f}/s "
            f"({r['imported'] / r['desk']:.1f}x)"
        )


if __name__ == "__main__":
    main()
