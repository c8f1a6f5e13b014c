"""Participants' records built in memory, as the services hand them to the FHIR export.

Values go through the catalogue's own reading (`catalogue.read`) and decisions through
the clinical rules (`decide_visit`), so the export sees what a station would have stored
and what the letter shows. No database.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from healthcamp.access.roles import Action, Role
from healthcamp.audit.selectors import LogLine
from healthcamp.clinical import catalogue
from healthcamp.consent.records import ConsentView, DecisionView, DocumentView, PurposeText
from healthcamp.consent.rules import text_sha256
from healthcamp.purposes import CONSENT_PURPOSES, Purpose
from healthcamp.services.observations import ObservationView, Visit, VisitResults, decide_visit
from healthcamp.services.referrals import ReferralView

PARTICIPANT = uuid.UUID("6f1c2b3a-1d2e-4f50-8a9b-0c1d2e3f4a5b")
PURPOSE_TEXT = {
    "screening": "Blood pressure, height, weight, waist and eyesight, to tell you how you are.",
    "blood_tests": "A drop of blood for sugar, cholesterol and blood group.",
    "results_contact": "We may call you about your results.",
    "referral_sharing": "If you need care, we send your results to the clinic you go to.",
    "programme_statistics": "Counts of everyone's results, never your name, to plan care.",
    "deidentified_research": "Your results without your name or card, for health research.",
}


@dataclass
class Rows:
    """Makes stored values one after another in a visit (ids and times rise)."""

    encounter_id: uuid.UUID
    at: datetime
    ids: itertools.count[int]
    made: list[ObservationView] = field(default_factory=list)

    def add(self, code: str, value: str, unit: str = "") -> ObservationView | None:
        m = catalogue.measure(code)
        try:
            reading = catalogue.read(m, value, unit or m.unit, confirmed=True)
        except catalogue.MeasureError:
            return None  # a value the station would refuse is never stored
        self.at += timedelta(minutes=1, seconds=30)
        row = ObservationView(
            id=next(self.ids),
            encounter_id=self.encounter_id,
            code=code,
            name=m.name("en"),
            purpose=m.purpose,
            value=reading.value,
            code_value=reading.code_value,
            unit=reading.unit,
            original_value=reading.original_value,
            original_unit=reading.original_unit,
            classification="recorded",
            critical=False,
            source=m.sources[0] if m.sources else "",
            recorded_at=self.at,
            comparator=reading.comparator,
            absent_reason=reading.absent_reason,
        )
        self.made.append(row)
        return row


def results_of(visit: Visit, rows: list[ObservationView], sex: str, born: date) -> VisitResults:
    ordered = sorted(rows, key=lambda o: (o.recorded_at, o.id))
    decision = decide_visit(found=ordered, sex=sex, born=born, on=visit.started_at.date())
    return VisitResults(visit, decision, tuple(ordered))


def document(language: str = "en", version: int = 2, body: str = "") -> DocumentView:
    purposes = tuple(PurposeText(p.value, PURPOSE_TEXT[p.value]) for p in CONSENT_PURPOSES)
    title = "Your health check: what we do and why"
    body = body or "You choose what we may do. You can change your mind at any time."
    sha = text_sha256(
        language=language,
        version=version,
        title=title,
        body=body,
        purposes=[(p.code, p.description) for p in purposes],
    )
    return DocumentView(
        id=7,
        programme_id=1,
        language=language,
        version=version,
        title=title,
        body=body,
        status="published",
        sha256=sha,
        published_at=datetime(2025, 1, 5, 9, 0, tzinfo=UTC),
        purposes=purposes,
    )


@dataclass
class Record:
    """Everything record_bundle takes."""

    participant_id: str
    sex: str
    born: date
    visits: list[VisitResults]
    visits_without_values: list[Visit]
    referrals: list[ReferralView]
    consents: list[ConsentView]
    log: list[LogLine]

    def kwargs(self) -> dict[str, Any]:
        return {
            "participant_id": self.participant_id,
            "sex": self.sex,
            "born": self.born,
            "visits": self.visits,
            "visits_without_values": self.visits_without_values,
            "referrals": self.referrals,
            "consents": self.consents,
            "log": self.log,
        }


def full_record() -> Record:
    """A woman of 52 with two visits, three BP readings, a meter HI, refusals, answers,
    a referral, a witnessed consent renewed once, and her access log."""
    born = date(1973, 4, 12)
    ids = itertools.count(100)
    first = Visit(uuid.UUID(int=1), datetime(2025, 3, 1, 9, 0, tzinfo=UTC), "Market square")
    rows = Rows(first.id, first.started_at, ids)
    for systolic, diastolic in ((166, 101), (150, 95), (146, 92)):
        rows.add("8480-6", str(systolic))
        rows.add("8462-4", str(diastolic))
    rows.add("8867-4", "72", "/min")
    rows.add("8302-2", "1.62", "m")
    rows.add("29463-7", "70", "kg")
    rows.add("56115-9", "refused")
    rows.add("87527-8", "10", "h")
    rows.add("14743-9", "HI", "mmol/L")
    rows.add("35200-5", "5.6", "mmol/L")
    rows.add("4548-4", "not_done", "%")
    rows.add("883-9", "B")
    rows.add("10331-7", "negative")
    rows.add("82810-3", "not_pregnant")
    rows.add("hc-dx-htn", "no")
    rows.add("98499-7", "6/12", "snellen")
    rows.add("98498-9", "unable")
    rows.add("hc-va-glasses", "yes")
    visit_one = results_of(first, rows.made, "female", born)
    second = Visit(uuid.UUID(int=2), datetime(2025, 9, 2, 10, 0, tzinfo=UTC), "Market square")
    rows = Rows(second.id, second.started_at, ids)
    rows.add("8480-6", "128")
    rows.add("8462-4", "82")
    visit_two = results_of(second, rows.made, "female", born)
    empty = Visit(
        uuid.UUID(int=3),
        datetime(2025, 10, 1, 8, 0, tzinfo=timezone(timedelta(hours=6))),
        "School hall",
    )
    referral = ReferralView(
        id=uuid.UUID(int=10),
        participant_id=PARTICIPANT,
        clinic="Town clinic",
        urgency="urgent",
        measure_code="14743-9",
        measure="Blood sugar",
        classification="meter_high",
        status="open",
        created_at=datetime(2025, 3, 1, 9, 40, tzinfo=UTC),
        updated_at=datetime(2025, 3, 1, 9, 40, tzinfo=UTC),
    )
    bp_referral = ReferralView(
        id=uuid.UUID(int=11),
        participant_id=PARTICIPANT,
        clinic="",
        urgency="soon",
        measure_code="85354-9",
        measure="Blood pressure",
        classification="hypertension_grade_1",
        status="attended",
        created_at=datetime(2025, 3, 1, 9, 45, tzinfo=UTC),
        updated_at=datetime(2025, 3, 20, 12, 0, tzinfo=UTC),
    )
    older = ConsentView(
        id=1,
        participant_id=PARTICIPANT,
        document=document(version=1),
        method="witnessed_mark",
        recorded_by="registrar-1",
        witness="registrar-2",
        paper_reference="",
        guardian_name="",
        guardian_relationship="",
        assent=None,
        recorded_at=datetime(2025, 3, 1, 8, 50, tzinfo=UTC),
        decisions=tuple(DecisionView(p.value, True, None) for p in CONSENT_PURPOSES),
        current=False,
        renewal_due=False,
    )
    newer = ConsentView(
        id=2,
        participant_id=PARTICIPANT,
        document=document(version=2),
        method="paper",
        recorded_by="registrar-1",
        witness="",
        paper_reference="P-2025-0042",
        guardian_name="",
        guardian_relationship="",
        assent=None,
        recorded_at=datetime(2025, 9, 2, 9, 55, tzinfo=UTC),
        decisions=(
            DecisionView("screening", True, None),
            DecisionView("blood_tests", True, datetime(2025, 9, 3, 8, 0, tzinfo=UTC)),
            DecisionView("referral_sharing", True, None),
            DecisionView("deidentified_research", False, None),
        ),
        current=True,
        renewal_due=False,
    )
    log = [
        LogLine(
            1,
            datetime(2025, 3, 1, 8, 45, tzinfo=UTC),
            "registrar",
            "Market square",
            "participant.register",
            "registration",
            "allowed",
            1,
        ),
        LogLine(
            2,
            datetime(2025, 3, 1, 9, 5, tzinfo=UTC),
            "clinician",
            "Market square",
            "observation.record",
            "screening",
            "allowed",
            1,
        ),
        LogLine(
            3,
            datetime(2025, 3, 2, 11, 0, tzinfo=UTC),
            "analyst",
            "",
            "participant.search",
            "programme_statistics",
            "denied",
            12,
        ),
        LogLine(
            4,
            datetime(2025, 9, 4, 19, 30, tzinfo=UTC),
            "participant",
            "",
            "participant.export_own_record",
            "own_record",
            "allowed",
            1,
        ),
    ]
    return Record(
        str(PARTICIPANT),
        "female",
        born,
        [visit_one, visit_two],
        [empty],
        [referral, bp_referral],
        [older, newer],
        log,
    )


def minor_consent(*, assent: bool | None, relationship: str = "parent") -> ConsentView:
    return ConsentView(
        id=3,
        participant_id=PARTICIPANT,
        document=document(language="ug", body="سىز تاللايسىز."),
        method="on_screen",
        recorded_by="registrar-1",
        witness="",
        paper_reference="",
        guardian_name="Guardian Name",
        guardian_relationship=relationship,
        assent=assent,
        recorded_at=datetime(2025, 5, 1, 10, 0, tzinfo=UTC),
        decisions=(DecisionView("screening", True, None),),
        current=True,
        renewal_due=True,
    )


# --------------------------------------------------------------------------- generated

SITES = ["Market square", "School hall", "Mosque courtyard", "Bazar 3"]
ZONES = [
    UTC,
    timezone(timedelta(hours=6)),
    timezone(timedelta(hours=-3, minutes=-30)),
    timezone(timedelta(hours=5, minutes=45)),
]
MEASURED = [
    m for m in catalogue.load().values() if not m.derived and not m.part_of and m.code != "85354-9"
]


@st.composite
def value_for(draw: st.DrawFn, m: catalogue.Measure) -> tuple[str, str]:
    """(typed value, unit) as a station would type it for this measure."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from(catalogue.ABSENT)), m.unit
    if m.kind == "coded":
        return draw(st.sampled_from(m.coded)), ""
    if m.meter is not None and draw(st.integers(0, 4)) == 0:
        return draw(st.sampled_from(catalogue.METER)), m.unit
    if m.kind == "acuity" and draw(st.booleans()):
        return draw(st.sampled_from(["6/6", "6/9", "6/12", "20/40", "6/60", "3/60"])), "snellen"
    low, high = m.plausible or (0.0, 100.0)
    canonical = draw(st.floats(low, high, allow_nan=False, allow_infinity=False))
    unit = draw(st.sampled_from(m.units))
    typed = m.conversions[unit].from_canonical(canonical) if unit in m.conversions else canonical
    return f"{typed:.{draw(st.integers(0, 2))}f}", unit


@st.composite
def visit_results(
    draw: st.DrawFn, *, sex: str, born: date, started: datetime, ids: itertools.count[int]
) -> VisitResults:
    visit = Visit(draw(st.uuids()), started, draw(st.sampled_from(SITES)))
    rows = Rows(visit.id, started, ids)
    for _ in range(draw(st.integers(0, 3))):  # blood pressure readings
        if draw(st.integers(0, 7)) == 0:
            reason = draw(st.sampled_from(catalogue.ABSENT))
            rows.add("8480-6", reason)
            rows.add("8462-4", reason)
            continue
        rows.add("8480-6", str(draw(st.integers(70, 230))))
        if draw(st.integers(0, 9)):
            rows.add("8462-4", str(draw(st.integers(40, 135))))
    for m in draw(st.lists(st.sampled_from(MEASURED), max_size=10, unique_by=lambda m: m.code)):
        for _ in range(draw(st.integers(1, 2))):
            value, unit = draw(value_for(m))
            rows.add(m.code, value, unit)
    if not rows.made:
        rows.add("8867-4", str(draw(st.integers(40, 140))), "/min")
    return results_of(visit, rows.made, sex, born)


@st.composite
def consents(draw: st.DrawFn, *, born: date, first: datetime, minor: bool) -> list[ConsentView]:
    made = []
    count = draw(st.integers(0, 2))
    for n in range(count):
        at = first - timedelta(minutes=10) + timedelta(days=30 * n)
        method = draw(st.sampled_from(["on_screen", "witnessed_verbal", "witnessed_mark", "paper"]))
        purposes = draw(st.lists(st.sampled_from(CONSENT_PURPOSES), min_size=1, unique=True))
        decisions = []
        for p in purposes:
            granted = draw(st.booleans())
            withdrawn = at + timedelta(days=draw(st.integers(1, 60)))
            decisions.append(
                DecisionView(
                    p.value, granted, withdrawn if granted and draw(st.booleans()) else None
                )
            )
        sha_ok = draw(st.integers(0, 5)) > 0
        doc = document(
            language=draw(st.sampled_from(["en", "ug", "ar", "fr", "zh-Hans"])), version=n + 1
        )
        if not sha_ok:  # a document whose stored hash does not match its text
            doc = replace(doc, sha256="0" * 64)
        made.append(
            ConsentView(
                id=n + 1,
                participant_id=PARTICIPANT,
                document=doc,
                method=method,
                recorded_by="registrar-1",
                witness="registrar-2" if method.startswith("witnessed") else "",
                paper_reference="P-7" if method == "paper" else "",
                guardian_name="A. Guardian" if minor else "",
                guardian_relationship=draw(st.sampled_from(["parent", "legal_guardian"]))
                if minor
                else "",
                assent=draw(st.sampled_from([True, False, None])) if minor else None,
                recorded_at=at,
                decisions=tuple(decisions),
                current=n == count - 1,
                renewal_due=draw(st.booleans()),
            )
        )
    return made


@st.composite
def records(draw: st.DrawFn) -> Record:
    sex = draw(st.sampled_from(["female", "male", "other", "not_stated"]))
    born = draw(st.dates(date(1935, 1, 1), date(2021, 12, 31)))
    ids = itertools.count(1)
    starts = sorted(
        draw(
            st.lists(
                st.datetimes(datetime(2023, 1, 1), datetime(2026, 6, 30)),
                min_size=1,
                max_size=3,
                unique=True,
            )
        )
    )
    zone = draw(st.sampled_from(ZONES))
    visits = [
        draw(visit_results(sex=sex, born=born, started=s.replace(tzinfo=zone), ids=ids))
        for s in starts
    ]
    empty = [
        Visit(
            draw(st.uuids()),
            s.replace(tzinfo=UTC) + timedelta(days=2),
            draw(st.sampled_from(SITES)),
        )
        for s in starts[: draw(st.integers(0, 1))]
    ]
    referrals = []
    for v in visits:
        wanted = [code for code, _ in v.decision.refer]
        wanted += draw(
            st.lists(
                st.sampled_from(["85354-9", "14743-9", "8480-6", "39156-5", "4548-4"]), max_size=1
            )
        )
        for code in wanted:
            created = v.visit.started_at + timedelta(minutes=draw(st.integers(5, 90)))
            referrals.append(
                ReferralView(
                    id=draw(st.uuids()),
                    participant_id=PARTICIPANT,
                    clinic=draw(st.sampled_from(["", "Town clinic", "District hospital"])),
                    urgency=draw(st.sampled_from(["urgent", "soon", "routine"])),
                    measure_code=code,
                    measure=catalogue.measure(code).name("en"),
                    classification=draw(
                        st.sampled_from(["hypertension_grade_2", "meter_high", "obesity", ""])
                    ),
                    status=draw(st.sampled_from(["open", "attended", "closed"])),
                    created_at=created,
                    updated_at=created + timedelta(days=draw(st.integers(0, 20))),
                )
            )
    minor = (starts[0].date() - born).days < 18 * 365
    consent_list = draw(consents(born=born, first=visits[0].visit.started_at, minor=minor))
    log = [
        LogLine(
            seq=seq,
            at=visits[0].visit.started_at + timedelta(hours=seq),
            role=draw(st.sampled_from([r.value for r in Role])),
            site=draw(st.sampled_from(["", *SITES])),
            action=draw(st.sampled_from([a.value for a in Action])),
            purpose=draw(st.sampled_from([p.value for p in Purpose])),
            outcome=draw(st.sampled_from(["allowed", "denied"])),
            subjects=draw(st.integers(1, 40)),
        )
        for seq in draw(st.lists(st.integers(1, 10_000), max_size=6, unique=True))
    ]
    return Record(str(draw(st.uuids())), sex, born, visits, empty, referrals, consent_list, log)
