"""The station page: start a visit, type what was measured, see the visit's decision.

The fields come from the catalogue (healthcamp/clinical/catalogues): every measure the
actor's role may record, in the catalogue's order, except those computed from others
(BMI, the blood pressure panel). Blood pressure is typed as readings, a systolic and
diastolic pair per row, because the office protocol (ESH 2023) works on readings.

What the values mean is never decided here: the page shows the decision the services
return (services/exams.py, clinical/visit.py), in words a nurse reads at a glance.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, translation
from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from healthcamp.access.errors import AccessDenied, InvalidInput, NotFound
from healthcamp.access.policy import consent_refused, default_purpose, permitted
from healthcamp.access.roles import Action, Purpose
from healthcamp.access.staff import Actor
from healthcamp.clinical import catalogue, rules
from healthcamp.clinical.visit import (
    BP,
    BP_REPEAT_GAP,
    DIASTOLIC,
    SYSTOLIC,
    Decision,
    Result,
    age_in_months,
    bp_pairs,
)
from healthcamp.lib import code_words
from healthcamp.lib.figures import written
from healthcamp.results import letters
from healthcamp.services import exams, participants, programmes
from healthcamp.services.observations import ObservationView
from healthcamp.web import station_device
from healthcamp.web.forms import CardSearchForm
from healthcamp.web.views import desk_context, staff_view

# ---- words -------------------------------------------------------------------------------

# What each label, advice and level means, for staff (translated: lib/code_words.py).
LABELS = code_words.CLASSIFICATIONS
ADVICE = code_words.ADVICE
LEVELS = code_words.LEVELS
# What the station still has to do, as instructions; the measure that answers each one.
PROMPTS: dict[str, tuple[Promise, str]] = {
    "second_bp_reading": (
        _("Take a second blood pressure reading, 1 to 2 minutes after the first."),
        SYSTOLIC,
    ),
    "third_bp_reading": (
        _("Take a third reading: the first two differ by more than 10 mmHg."),
        SYSTOLIC,
    ),
    "bp_symptom_check": (
        _(
            "Reading of 180/110 or more: let the person rest 5 minutes, measure again, and ask "
            "about chest pain, breathlessness, weakness, severe headache or blurred vision; "
            "record the answer below."
        ),
        "hc-bp-symptoms",
    ),
    "ask_fasting_hours": (
        _(
            "Ask how many hours since the person last ate or had a sweet drink, and record it "
            "below: it decides which glucose range applies."
        ),
        "87527-8",
    ),
    "ask_pregnancy": (
        _(
            "Ask whether she is pregnant and record the answer below: pregnancy changes the "
            "blood pressure and glucose ranges."
        ),
        "82810-3",
    ),
    "complete_bp_pair": (
        _(
            "A blood pressure reading has only one of its two numbers: record the reading "
            "again, systolic and diastolic together."
        ),
        SYSTOLIC,
    ),
    "measure_height": (
        _(
            "Measure the child's height: a child's blood pressure is read against children of "
            "the same age, sex and height."
        ),
        "8302-2",
    ),
}
# Units as people read them, where the catalogue's display unit does not say it; the rest
# as the letter writes them (lib/code_words.py).
UNIT_WORDS: dict[str, Promise] = {
    "/min": pgettext_lazy("unit", "beats a minute"),  # the station's words; the letter: /min
}
# Instead of a value: why there is none; a meter's display beyond its range.
INSTEAD = code_words.ABSENT
METER: dict[str, Promise] = {"HI": _("Meter shows HI"), "LO": _("Meter shows LO")}
MAX_READINGS = 9  # rows a form may post


def words(label: str) -> str:
    found = LABELS.get(label)
    return str(found) if found is not None else label.replace("_", " ").capitalize()


def unit_words(m: catalogue.Measure, unit: str) -> str:
    if unit in UNIT_WORDS:
        return str(UNIT_WORDS[unit])
    if unit in code_words.UNITS:
        return code_words.unit(unit)
    return m.display_unit if unit == m.unit and m.display_unit else unit


def _name(m: catalogue.Measure) -> str:
    """A measure's name in the page's language (catalogue data, in every shipped one)."""
    return m.name(translation.get_language() or "en")


def _humane(message: str, m: catalogue.Measure) -> str:
    """The catalogue's messages name UCUM codes; staff read the units they know."""
    for unit in (*m.units, *catalogue.SNELLEN_UNITS):
        human = unit_words(m, unit)
        if human != unit:
            message = re.sub(rf"(?<![\w\[{{/]){re.escape(unit)}(?![\w\]}}])", human, message)
    return message.replace("'snellen'", "Snellen")


def _said(problem: Exception, m: catalogue.Measure) -> str:
    """A refused value's reason in the page's language: the catalogue's own error (raised
    directly, or the cause of the service's InvalidInput) translated, with the measure's
    name and the units as people read them; any other message made humane."""
    cause = problem if isinstance(problem, catalogue.MeasureError) else problem.__cause__
    if isinstance(cause, catalogue.MeasureError):
        return cause.said(
            gettext,
            language=translation.get_language() or "en",
            unit=lambda u: unit_words(m, u),
            number=written,
        )
    if isinstance(problem, InvalidInput):
        return _humane(" ".join(v for k, v in problem.errors.items() if k != "confirm"), m)
    return _humane(str(problem), m)


def _choices(table: dict[str, Promise]) -> list[tuple[str, str]]:
    return [(code, str(words)) for code, words in table.items()]


# ---- the fields ----------------------------------------------------------------------------


@dataclass
class Entry:
    """One input of the form (a number with its unit, or a coded answer)."""

    name: str
    code: str
    label: str
    kind: str  # number, coded
    units: list[tuple[str, str]] = field(default_factory=list)  # (UCUM, as people read it)
    unit: str = ""
    answers: list[tuple[str, str]] = field(default_factory=list)
    instead_choices: list[tuple[str, str]] = field(default_factory=list)
    hint: str = ""
    value: str = ""
    instead: str = ""
    error: str = ""
    confirm: bool = False  # the value is rare: "Yes, I read it right"
    recorded: str = ""
    autofocus: bool = False
    inputmode: str = "decimal"
    short: str = ""  # the visible label where its group says the rest (a reading's row)

    @property
    def id(self) -> str:
        return f"id_{self.name}"

    @property
    def describedby(self) -> str:
        """The error first, then the hint and what is already recorded."""
        ids = [
            f"{self.id}_error" if self.error else "",
            f"{self.id}_hint" if self.hint else "",
            f"{self.id}_recorded" if self.recorded else "",
        ]
        return " ".join(i for i in ids if i)

    @property
    def unit_label(self) -> str:
        return dict(self.units).get(self.unit, "")


@dataclass
class Row:
    """One blood pressure reading: a systolic and diastolic pair."""

    number: int
    systolic: Entry
    diastolic: Entry
    instead: str = ""
    instead_choices: list[tuple[str, str]] = field(default_factory=list)
    # A reading the protocol asks for only when the first two differ: folded until then
    # (the server opens it once they do; the page's script as soon as they are typed).
    optional: bool = False

    @property
    def instead_name(self) -> str:
        return f"bp_{self.number}_instead"

    @property
    def error(self) -> str:
        return self.systolic.error or self.diastolic.error


@dataclass
class Section:
    key: str
    title: str
    entries: list[Entry] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)  # blood pressure only
    recorded_rows: list[tuple[str, str, str]] = field(default_factory=list)  # words, s, d
    symptoms: Entry | None = None  # blood pressure only: asked after a reading >= 180/110
    show_symptoms: bool = False


def _fields_for(actor: Actor) -> list[catalogue.Measure]:
    """The measures this role may record (the lab: blood tests only), in the catalogue's
    order; computed ones (BMI, the blood pressure panel) are never typed."""
    return [
        m
        for m in catalogue.load().values()
        if not m.derived
        and m.kind != "panel"
        and permitted(
            role=actor.role, action=Action.OBSERVATION_RECORD, purpose=Purpose(m.purpose)
        ).allowed
    ]


def _asked(m: catalogue.Measure, sex: str, months: int) -> bool:
    """A question the catalogue asks only of some people (pregnancy: women 15-49)."""
    return not m.asked or rules.matches(m.asked, rules.Person(sex=sex, age_months=months))


def _entry(m: catalogue.Measure, name: str, label: str) -> Entry:
    if m.kind == "coded":
        extra = (
            [("refused", gettext("Refused to answer")), ("not_done", gettext("Not asked"))]
            if m.role == "context"
            else _choices(INSTEAD)
        )
        return Entry(
            name,
            m.code,
            label,
            "coded",
            answers=[(a.code, code_words.answer(a.code)) for a in m.answers] + extra,
        )
    units = list(m.units)
    if m.kind == "acuity":
        units = [*catalogue.SNELLEN_UNITS, *units]  # charts give 6/12; logMAR charts too
    hint = ""
    instead = _choices(INSTEAD)
    if m.meter is not None:
        instead += _choices(METER)
        hint = gettext("Type the number, or HI or LO as the meter shows.")
    if m.kind == "acuity":
        hint = gettext("Snellen as a fraction such as 6/12, or logMAR such as 0.3.")
    return Entry(
        name,
        m.code,
        label,
        "number",
        units=[(u, unit_words(m, u)) for u in units],
        unit=units[0],
        instead_choices=instead,
        hint=hint,
        inputmode="text" if m.kind == "acuity" else "decimal",
    )


def _row(number: int) -> Row:
    sm, dm = catalogue.measure(SYSTOLIC), catalogue.measure(DIASTOLIC)
    n = {"n": number}
    systolic = _entry(sm, f"systolic_{number}", gettext("Systolic, reading %(n)s") % n)
    diastolic = _entry(dm, f"diastolic_{number}", gettext("Diastolic, reading %(n)s") % n)
    systolic.short, diastolic.short = gettext("Systolic"), gettext("Diastolic")
    systolic.inputmode = diastolic.inputmode = "numeric"
    return Row(number, systolic, diastolic, instead_choices=_choices(INSTEAD))


def _layout(measures: list[catalogue.Measure], sex: str, months: int) -> list[Section]:
    """Questions first (they change which ranges apply), then blood pressure, then the
    other measurements with the questions that belong to them, then blood tests."""
    questions = Section("questions", gettext("Ask first"))
    pressure = Section("blood_pressure", gettext("Blood pressure"))
    measured = Section("screening", gettext("Measurements"))
    blood = Section("blood_tests", gettext("Blood tests"))
    previous: catalogue.Measure | None = None  # the result a context question follows
    for m in measures:
        follows = previous is not None and previous.purpose == m.purpose
        previous = m if m.role == "result" else previous if m.role == "context" else None
        if not _asked(m, sex, months):
            continue
        entry = _entry(m, m.key, _name(m))
        if m.part_of == BP:
            previous = None  # typed as readings, below
        elif m.code == "hc-bp-symptoms":
            pressure.symptoms = entry
        elif m.role == "context" and not follows:
            questions.entries.append(entry)
            previous = None
        else:
            # A question right after a result belongs to it (fasting hours to glucose,
            # glasses to eyesight).
            (blood if m.purpose == Purpose.BLOOD_TESTS else measured).entries.append(entry)
    if any(m.part_of == BP for m in measures):
        pressure.rows = _offered(0, third_asked=False)
    return [s for s in (questions, pressure, measured, blood) if s.entries or s.rows]


# ---- what was recorded ---------------------------------------------------------------------


def shown(o: ObservationView) -> str:
    """A stored value in words: rounded, in the unit people read, answers by name."""
    m = catalogue.measure(o.code)
    if o.absent_reason:
        return code_words.said(INSTEAD, o.absent_reason)
    if m.kind == "coded":
        return code_words.answer(o.code_value)
    if o.value is None:
        return ""
    value = f"{catalogue.shown_in(m, o.value)} {unit_words(m, m.unit)}".strip()
    if o.comparator:
        return f"{o.original_value} ({o.comparator} {value})"
    if o.original_unit and o.original_unit != m.unit:
        typed = f"{o.original_value} {unit_words(m, o.original_unit)}"
        return gettext("%(value)s (typed %(typed)s)") % {"value": value, "typed": typed}
    return value


def _pairs(found: Iterable[ObservationView]) -> list[tuple[ObservationView, ObservationView]]:
    """Readings as the rules pair them (clinical.visit.bp_pairs)."""
    return bp_pairs(found, code=lambda o: o.code)[0]


@dataclass(frozen=True)
class ResultLine:
    name: str
    shown: str
    entered: str
    note: str
    meaning: str
    level: str
    level_words: str
    final: bool


def _result_shown(r: Result) -> str:
    m = catalogue.measure(r.code)
    if r.absent_reason:
        return code_words.said(INSTEAD, r.absent_reason)
    if m.kind == "coded":
        return code_words.answer(r.code_value or r.shown)
    if m.kind == "acuity" and not m.display_unit and r.shown:
        return f"{r.shown} logMAR"
    return code_words.humane(r.shown)


def _meaning(r: Result) -> str:
    """The label in words; nothing where there is no range to be in (weight, blood group)."""
    if r.finding.label in ("not_classified", "recorded") and not r.finding.advice:
        return ""
    advice = ADVICE.get(r.finding.advice)
    return str(advice) if advice is not None else words(r.finding.label)


def _lines(decision: Decision) -> list[ResultLine]:
    lines = []
    for r in decision.results:
        m = catalogue.measure(r.code)
        entered = r.entered
        for unit in (m.unit, *m.conversions):
            entered = entered.replace(f" {unit}", f" {unit_words(m, unit)}") if entered else ""
        lines.append(
            ResultLine(
                name=_name(m),
                shown=_result_shown(r),
                entered=entered,
                note=letters.reading_note(r),
                meaning=_meaning(r),
                level=r.finding.level,
                level_words=code_words.said(LEVELS, r.finding.level),
                final=r.final,
            )
        )
    return lines


def _alarm(r: Result, referred: set[str]) -> str:
    meaning = _meaning(r) or code_words.said(LEVELS, "urgent")
    said = {
        "name": _name(catalogue.measure(r.code)),
        "value": _result_shown(r),
        "meaning": f"{meaning[:1].lower()}{meaning[1:]}",
    }
    if r.code in referred:
        return (
            gettext("%(name)s %(value)s: %(meaning)s — act now; an urgent referral is open.") % said
        )
    return (
        gettext(
            "%(name)s %(value)s: %(meaning)s — act now: tell the person, keep them here and "
            "arrange care today; refer urgently."
        )
        % said
    )


def _soon(r: Result) -> str:
    said = {
        "name": _name(catalogue.measure(r.code)),
        "value": _result_shown(r),
        "meaning": _meaning(r),
    }
    return gettext("%(name)s %(value)s: %(meaning)s — refer within a week.") % said


# ---- the views -----------------------------------------------------------------------------


@require_POST
@staff_view
def scan(request: HttpRequest, actor: Actor) -> HttpResponse:
    """A card scanned (or typed) at a station device: straight to the person's visit of
    today at the device's site, started if there is none. One page, no click.

    A POST (with the CSRF token), answered by a redirect: a link elsewhere cannot start a
    visit with the nurse's cookie, and reloading the visit does not scan again."""
    device = station_device.device_of(request, actor)
    working = device is not None and station_device.may_work_at(actor, device)
    # At a station, the card is looked up for the station's own purpose: a person who
    # agreed to blood tests only is found at the blood-test desk.
    purpose = (
        device.station.purpose if device is not None and working else default_purpose(actor.role)
    )
    form = CardSearchForm(request.POST)
    if form.is_valid():
        try:
            found = participants.participant_find_by_card(
                actor=actor, purpose=purpose, card_code=form.cleaned_data["card_code"]
            )
        except InvalidInput as error:
            form.add_error("card_code", error.errors["card_code"])
        except NotFound as error:
            form.add_error("card_code", str(error))
        except AccessDenied as denied:
            if device is None or not working or not consent_refused(denied.reason, purpose):
                raise  # the door's own reason (not a member of that programme, ...)
            return _refused(request, None, device)  # not even found: no name to say
        else:
            if device is None or not working:
                # Set up elsewhere, or a member who does not start visits: their page.
                return redirect("web:participant", participant_id=found.id)
            try:
                encounter = exams.encounter_today(
                    actor=actor, participant_id=found.id, site_id=device.site_id, purpose=purpose
                )
            except AccessDenied as denied:
                if not consent_refused(denied.reason, purpose):
                    raise
                # The door said no (and logged it): say which agreement is missing.
                return _refused(request, found, device)
            except InvalidInput:
                # The device stands at another programme's site: the person's page instead.
                return redirect("web:participant", participant_id=found.id)
            return redirect("web:station", participant_id=found.id, encounter_id=encounter)
    return render(request, "web/desk.html", desk_context(actor, card_form=form), status=422)


def _refused(
    request: HttpRequest,
    person: participants.ParticipantRecord | None,
    device: station_device.Device,
) -> HttpResponse:
    """The door's refusal at a station, said plainly: which agreement is missing."""
    purpose = code_words.said(code_words.PURPOSES, device.station.purpose)
    if person is None:
        message = gettext(
            "The card's holder has not agreed to “%(purpose)s”, so nothing can be measured "
            "for them at this station. Nothing was recorded. If they want to change their "
            "choice, send them to the registration desk."
        ) % {"purpose": purpose}
    else:
        message = gettext(
            "%(name)s has not agreed to “%(purpose)s”, so nothing can be measured for them at "
            "this station. Nothing was recorded. If they want to change their choice, send "
            "them to the registration desk."
        ) % {"name": f"{person.given_name} {person.family_name}", "purpose": purpose}
    context = {"message": message, "person_id": person.id if person else None}
    return render(request, "web/problem.html", context, status=403)


@require_http_methods(["GET", "POST"])
@staff_view
def start(request: HttpRequest, actor: Actor, participant_id: uuid.UUID) -> HttpResponse:
    person = participants.participant_read(
        actor=actor,
        purpose=participants.purpose_for(actor=actor, participant_id=participant_id),
        participant_id=participant_id,
    )
    sites = next(
        (p.sites for p in programmes.programmes(actor=actor) if p.id == person.programme_id), ()
    )
    error = ""
    if request.method == "POST":
        chosen = request.POST.get("site_id", "")
        try:
            if not (chosen.isdigit() and len(chosen) < 10):
                raise InvalidInput(
                    {"site_id": gettext("Choose the site where this visit takes place.")}
                )
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
        {"actor": actor, "p": person, "sites": sites, "error": error},
        status=422 if error else 200,
    )


class _Recorder:
    """Records what one form posted, field by field; keeps what failed, and why."""

    def __init__(self, actor: Actor, encounter_id: uuid.UUID) -> None:
        self.actor, self.encounter_id = actor, encounter_id
        self.referred: set[str] = set()
        self.count = 0
        self.refused: dict[str, str] = {}  # purpose -> why the person's consent stops it

    def record(self, entry: Entry, value: str, unit: str, *, confirmed: bool = False) -> bool:
        m = catalogue.measure(entry.code)
        if m.purpose in self.refused:  # asked once; the door said no for this purpose
            entry.error = self.refused[m.purpose]
            return False
        try:
            done = exams.observation_record(
                actor=self.actor,
                encounter_id=self.encounter_id,
                code=entry.code,
                value=value,
                unit=unit,
                confirmed=confirmed,
            )
        except InvalidInput as problem:
            entry.confirm = problem.errors.get("confirm", "") == "required"
            entry.error = _said(problem, m)
            return False
        except AccessDenied as denied:
            entry.error = self._refuse(m.purpose, denied)
            return False
        self.count += len(done.made)
        self.referred.update(done.referred)
        return True

    def _refuse(self, purpose: str, denied: AccessDenied) -> str:
        """Consent withdrawn (or never given) for this purpose: kept, so it is asked once;
        the other purposes' values stand."""
        why = str(denied)
        for p in Purpose:
            why = why.replace(p.value, code_words.said(code_words.PURPOSES, p))
        self.refused[purpose] = gettext("Not recorded: %(why)s") % {"why": why}
        return self.refused[purpose]

    def record_pair(self, s: Entry, d: Entry) -> bool:
        """A reading's two numbers in one act (one consent check, one decision): both
        stored or neither, and what stopped them said on both boxes."""
        purpose = catalogue.measure(s.code).purpose
        if purpose in self.refused:  # asked once; the door said no for this purpose
            s.error = d.error = self.refused[purpose]
            return False
        try:
            done = exams.observations_record(
                actor=self.actor,
                encounter_id=self.encounter_id,
                values=[
                    exams.Typed(s.code, as_number(s.value), s.unit),
                    exams.Typed(d.code, as_number(d.value), d.unit),
                ],
            )
        except InvalidInput as problem:
            s.error = d.error = _said(problem, catalogue.measure(s.code))
            return False
        except AccessDenied as denied:
            s.error = d.error = self._refuse(purpose, denied)
            return False
        self.count += len(done.made)
        self.referred.update(done.referred)
        return True


def _typed(post: Any, entry: Entry) -> None:
    """What was typed into one field, kept for the page shown back."""
    entry.value = post.get(entry.name, "").strip()[:40]
    if entry.kind == "number":
        entry.error = _decimal_mark_error(entry.value)
        chosen = post.get(f"{entry.name}_unit", "")
        if chosen in dict(entry.units):
            entry.unit = chosen
        entry.instead = post.get(f"{entry.name}_instead", "")


_THOUSANDS_POINT = re.compile(r"[+-]?\d+\.\d{3}")


def decimal_comma() -> bool:
    """Whether the page's language writes decimals with a comma (Django's locale formats)."""
    return str(formats.get_format("DECIMAL_SEPARATOR")) == ","


def as_number(typed: str) -> str:
    """A number as typed in the page's language, with a point for the catalogue: "6,5"
    is 6.5 in French; in English a comma is refused (_decimal_mark_error), since there
    "1,500" means fifteen hundred."""
    return typed.replace(",", ".") if decimal_comma() else typed


def _decimal_mark_error(typed: str) -> str:
    if typed.endswith((",", ".", catalogue.ARABIC_DECIMAL)):
        return gettext("Type the digits after the decimal mark, or leave the mark out.")
    if decimal_comma() and "," not in typed and _THOUSANDS_POINT.fullmatch(typed):
        # "1.500" is 1500 where the decimal mark is a comma, 1.5 where it is a point.
        return gettext(
            "Is it %(decimal)s or %(thousands)s? Type it with one decimal comma, as in 6,5, "
            "and no thousands mark."
        ) % {
            "decimal": typed.replace(".", ",").rstrip("0").rstrip(","),
            "thousands": typed.replace(".", ""),
        }
    if "," not in typed:
        return ""
    if not decimal_comma():
        return gettext("Write decimals with a point, as in 6.5, and no thousands mark.")
    if "." in typed or typed.count(",") > 1:
        return gettext("Type the number with one decimal comma, as in 6,5, and no thousands mark.")
    return ""


def _record_entry(recorder: _Recorder, post: Any, entry: Entry) -> None:
    _typed(post, entry)
    if entry.error:
        return
    if entry.kind == "coded":
        if entry.value and recorder.record(entry, entry.value, ""):
            entry.value = ""
        return
    if entry.value and entry.instead:
        chosen = dict(entry.instead_choices).get(entry.instead, entry.instead)
        entry.error = gettext("Type a value or choose “%(choice)s”, not both.") % {"choice": chosen}
        return
    value = entry.value or entry.instead
    if not value:
        return
    confirmed = post.get(f"{entry.name}_confirm") == "yes"
    if recorder.record(entry, as_number(value), entry.unit, confirmed=confirmed):
        entry.value, entry.instead = "", ""


def _record_readings(recorder: _Recorder, post: Any) -> list[Row]:
    """Blood pressure rows in order; a row with a problem stops the rows after it, so the
    readings keep their order (the protocol compares the first two)."""
    kept: list[Row] = []
    for number in range(1, MAX_READINGS + 1):
        row = _row(number)
        _typed(post, row.systolic)
        _typed(post, row.diastolic)
        row.instead = post.get(row.instead_name, "")
        if row.instead not in ("", *INSTEAD):
            row.instead = ""
        s, d = row.systolic, row.diastolic
        if not (s.value or d.value or row.instead):
            continue
        n = {"n": number}
        if kept:
            s.error = gettext("Not recorded yet: correct reading %(n)s first.") % {
                "n": kept[0].number
            }
            kept.append(row)
            continue
        if row.instead and (s.value or d.value):
            s.error = gettext("Type reading %(n)s, or say why it was not taken, not both.") % n
        elif row.instead:
            for entry in (s, d):
                recorder.record(entry, row.instead, catalogue.measure(entry.code).unit)
            continue
        elif not s.value:
            s.error = gettext("Type the systolic (top) number of reading %(n)s too.") % n
        elif not d.value:
            d.error = gettext("Type the diastolic (bottom) number of reading %(n)s too.") % n
        else:
            _check_pair(s, d)
        if s.error or d.error:
            kept.append(row)
            continue
        # Both checked: recorded together, so a pair is never split by a typing slip.
        if recorder.record_pair(s, d):
            continue
        kept.append(row)
    return kept


def _check_pair(s: Entry, d: Entry) -> None:
    values = []
    for entry in (s, d):
        m = catalogue.measure(entry.code)
        if entry.error:  # a decimal mark this language does not write (_typed)
            continue
        try:
            reading = catalogue.read(m, as_number(entry.value), entry.unit)
        except catalogue.MeasureError as error:
            entry.error = _said(error, m)
        else:
            values.append(reading.value)
    if len(values) == 2 and None not in values and values[0] <= values[1]:  # type: ignore[operator]
        s.error = gettext(
            "The systolic (top) number must be higher than the diastolic (bottom) one: "
            "check the two boxes are not swapped."
        )


@require_http_methods(["GET", "POST"])
@staff_view
def station(
    request: HttpRequest, actor: Actor, participant_id: uuid.UUID, encounter_id: uuid.UUID
) -> HttpResponse:
    purpose = participants.purpose_for(actor=actor, participant_id=participant_id)
    person = participants.participant_read(
        actor=actor, purpose=purpose, participant_id=participant_id
    )
    # The encounter must be this person's: the page names them over its values.
    visit = next(
        (
            v
            for v in exams.visits_of(actor=actor, participant_id=participant_id, purpose=purpose)
            if v.id == encounter_id
        ),
        None,
    )
    if visit is None:
        raise NotFound(gettext("There is no visit %(id)s for this person.") % {"id": encounter_id})
    measures = _fields_for(actor)
    months = age_in_months(person.date_of_birth, visit.started_at.date())
    sections = _layout(measures, person.sex, months)
    # A station device opens at its own part of the form; the rest follows, still there.
    device = station_device.device_of(request, actor)
    here = device.station.section if device else ""
    sections.sort(key=lambda s: s.key != here)
    entries = [e for s in sections for e in s.entries]
    pressure = next((s for s in sections if s.key == "blood_pressure"), None)
    recorder = _Recorder(actor, encounter_id)
    posted = request.method == "POST"
    kept_rows: list[Row] = []
    if posted:
        symptoms = [pressure.symptoms] if pressure and pressure.symptoms else []
        told = {m.code for m in measures if m.role == "context"}
        # What the person tells us first: it chooses the ranges the values are read with.
        for entry in [e for e in [*entries, *symptoms] if e.code in told]:
            _record_entry(recorder, request.POST, entry)
        if pressure is not None:
            kept_rows = _record_readings(recorder, request.POST)
        for entry in [e for e in entries if e.code not in told]:
            _record_entry(recorder, request.POST, entry)
    after = exams.visit_results(
        actor=actor, encounter_id=encounter_id, purpose=purpose, participant_id=participant_id
    )
    decision = after.decision
    latest = {o.code: o for o in after.observations}
    for entry in [*entries, *([pressure.symptoms] if pressure and pressure.symptoms else [])]:
        if entry.code in latest:
            entry.recorded = shown(latest[entry.code])
    if pressure is not None:
        pairs = _pairs(after.observations)
        pressure.recorded_rows = [
            (_reading(n, s, d), _plain(s), _plain(d)) for n, (s, d) in enumerate(pairs, start=1)
        ]
        # Rows typed but not recorded come back, renumbered after what was recorded.
        kept = [_renumbered(r, n) for n, r in enumerate(kept_rows, start=len(pairs) + 1)]
        pressure.rows = kept or _offered(
            len(pairs), third_asked="third_bp_reading" in decision.prompts
        )
        if pressure.symptoms is not None:
            pressure.show_symptoms = "bp_symptom_check" in decision.prompts or bool(
                pressure.symptoms.recorded or pressure.symptoms.error
            )
    recordable = {m.code for m in measures}
    prompts = [
        {"text": str(PROMPTS[p][0]), "target": _target(PROMPTS[p][1], sections)}
        if p in PROMPTS
        else {"text": words(p), "target": ""}
        for p in decision.prompts
        if p not in PROMPTS or PROMPTS[p][1] in recordable
    ]
    ordered = [
        e
        for s in sections
        for e in (
            *(e for r in s.rows for e in (r.systolic, r.diastolic)),
            *([s.symptoms] if s.symptoms and s.show_symptoms else []),
            *s.entries,
        )
    ]
    wrong = [e for e in ordered if e.error]
    # Focus the first field in error; on a new visit, the first field. Once there are
    # results, none: the page opens at its top, where the alarm and the prompts are.
    fresh_visit = not after.observations
    urgent = [r for r in decision.results if r.finding.level == "urgent"]
    # At a station device: its first box while its part holds nothing yet, or, nothing
    # urgent to read first, while the protocol wants another blood pressure reading.
    another = not urgent and bool({"second_bp_reading", "third_bp_reading"} & {*decision.prompts})
    station_first = next(
        (
            e
            for s in sections[:1]
            if s.key == here
            and (another or not (s.recorded_rows or any(e.recorded for e in s.entries)))
            for e in (*(r.systolic for r in s.rows if not r.optional), *s.entries)
        ),
        None,
    )
    first = wrong[0] if wrong else (ordered[0] if ordered and fresh_visit else None)
    first = first if wrong else station_first or first
    if first is not None:
        first.autofocus = True
    soon = [r for r in decision.results if r.finding.level == "soon"]
    context: dict[str, Any] = {
        "actor": actor,
        "p": person,
        "encounter_id": encounter_id,
        "visit": after.visit,
        "sections": sections,
        "errors": wrong,
        "posted": posted,
        "count": recorder.count,
        "results": _lines(decision),
        "level": decision.level,
        "level_words": code_words.said(LEVELS, decision.level),
        "prompts": prompts,
        "urgent": [_alarm(r, recorder.referred) for r in urgent],
        "soon": [_soon(r) for r in soon],
        "decimal_comma": decimal_comma(),
        "gap": BP_REPEAT_GAP,
        "device": device,
    }
    return render(request, "web/station.html", context, status=422 if wrong else 200)


def _reading(number: int, s: ObservationView, d: ObservationView) -> str:
    if s.absent_reason and d.absent_reason:
        return gettext("Reading %(n)s: not taken (%(why)s)") % {"n": number, "why": shown(s)}
    systolic = shown(s).removesuffix(f" {unit_words(catalogue.measure(SYSTOLIC), 'mm[Hg]')}")
    return gettext("Reading %(n)s: %(value)s") % {"n": number, "value": f"{systolic}/{shown(d)}"}


def _offered(recorded: int, *, third_asked: bool) -> list[Row]:
    """Two readings to type (ESH 2023); a further one folded, opened when it is due; none
    once the protocol's three are recorded."""
    if recorded >= 3:
        return []
    rows = [_row(n) for n in range(recorded + 1, 3)]
    more = _row(max(recorded + 1, 3))
    more.optional = not (recorded == 2 and third_asked)
    return [*rows, more]


def _plain(o: ObservationView) -> str:
    """A recorded reading's number for the page's script (empty when not taken)."""
    return "" if o.value is None else f"{o.value:g}"


def _renumbered(row: Row, number: int) -> Row:
    fresh = _row(number)
    for old, new in ((row.systolic, fresh.systolic), (row.diastolic, fresh.diastolic)):
        new.value, new.unit, new.error = old.value, old.unit, old.error
    fresh.instead = row.instead
    return fresh


def _target(code: str, sections: list[Section]) -> str:
    """The id of the field that answers a prompt, for a link to it."""
    for s in sections:
        if code == SYSTOLIC and s.rows:
            return s.rows[0].systolic.id
        if s.symptoms is not None and s.symptoms.code == code:
            return s.symptoms.id
        for e in s.entries:
            if e.code == code:
                return e.id
    return ""
