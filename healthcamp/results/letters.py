"""Results letters: HTML and PDF, in the participant's language, with a picture per value."""

from __future__ import annotations

import base64
import functools
import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext
from matplotlib.figure import Figure

from healthcamp.clinical import catalogue, rules, visit
from healthcamp.clinical.rules import Person
from healthcamp.clinical.visit import BP, Decision, Result
from healthcamp.lib import code_words, languages
from healthcamp.results import meanings

# The tone a level is drawn in; words always say the same, so colour is never the only cue.
TONE = {
    "neutral": "neutral",
    "fine": "good",
    "watch": "watch",
    "care": "watch",
    "act": "act",
    "soon": "act",
    "urgent": "urgent",
}
COLOURS = {
    "good": "#3a8f5c",
    "watch": "#d9a400",
    "act": "#c0392b",
    "urgent": "#8e1f17",
    "neutral": "#9aa5ab",
}


def tone(level: str) -> str:
    return TONE.get(level, "neutral")


@dataclass(frozen=True)
class Drawn:
    """What a result's picture draws: the cut-offs it was read on and its value on them."""

    bands: catalogue.BandSet
    value: float
    measure: catalogue.Measure  # blood pressure: the number that set its category

    @property
    def plausible(self) -> tuple[float, float]:
        assert self.measure.plausible is not None  # noqa: S101 - picture_bands checked it
        return self.measure.plausible


def picture_bands(result: Result, person: Person) -> Drawn | None:
    """The cut-offs the result was read on, and where the value sits on them: only a
    band the catalogue draws (no adult bands for a child read on growth charts)."""
    code, value = result.code, result.value
    if result.code == BP:
        # The number that set the category (ESH: the higher of the two) is the one drawn.
        code, value = max(
            result.components,
            key=lambda c: visit.severity(
                rules.classify(
                    catalogue.measure(c[0]),
                    catalogue.Reading(c[1], "", "mm[Hg]", str(c[1]), "mm[Hg]"),
                    person,
                )
            ),
        )
    if value is None or result.comparator:
        return None
    m = catalogue.measure(code)
    bands = rules.band_set(m, person, m.unit)
    if bands is None or m.plausible is None or result.finding.source != bands.source:
        return None
    return Drawn(bands, value, m)


def range_picture(bands: catalogue.BandSet, value: float, plausible: tuple[float, float]) -> str:
    """A band of the healthy and unhealthy ranges, with a mark where the value sits."""
    low = min(plausible[0], value)
    top = max(value * 1.1, _usual_top(bands, value))
    picture = _band_picture(bands, plausible)
    with picture.lock:  # one figure per set of cut-offs, redrawn with this value's mark
        picture.marker.set_xdata([value])
        picture.axes.set_xlim(low, top)
        cuts = _spaced([c for c in picture.cuts if low < c < top], gap=(top - low) * 0.08)
        picture.axes.set_xticks(cuts, [f"{c:g}" for c in cuts])
        buffer = io.BytesIO()
        picture.figure.savefig(buffer, format="svg")
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _spaced(cuts: list[float], *, gap: float) -> list[float]:
    """The cut-offs far enough apart for their numbers not to run into each other."""
    kept: list[float] = []
    for cut in cuts:
        if not kept or cut - kept[-1] >= gap:
            kept.append(cut)
    return kept


def _usual_top(bands: catalogue.BandSet, value: float) -> float:
    cuts = bands.cuts
    return (cuts[-2].bound or value) * 1.25 if len(cuts) > 1 else value * 1.5


@dataclass
class _BandPicture:
    figure: Figure
    axes: Any
    marker: Any
    cuts: list[float]
    lock: threading.Lock


@functools.cache
def _band_picture(bands: catalogue.BandSet, plausible: tuple[float, float]) -> _BandPicture:
    """The bands of one set of cut-offs, drawn once; each letter only moves the mark.

    The bands reach far past any plausible value, so any x-range shows them whole.
    """
    start = min(plausible[0], 0.0)
    far = max(plausible[1], _usual_top(bands, plausible[1])) * 2
    figure = Figure(figsize=(3.6, 0.55))
    axes = figure.add_axes((0.02, 0.35, 0.96, 0.45))
    for cut in bands.cuts:
        end = cut.bound if cut.bound is not None else far
        axes.barh(
            0, end - start, left=start, height=1, color=COLOURS[tone(cut.level)], edgecolor="white"
        )
        start = end
    (marker,) = axes.plot([0], [0], marker="v", markersize=11, color="#1d2a33", clip_on=False)
    # Ticks at the cut-offs themselves: the numbers a reader compares their value with.
    axes.yaxis.set_visible(False)
    axes.tick_params(axis="x", labelsize=7, length=2)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    cuts = [c.bound for c in bands.cuts if c.bound is not None]
    return _BandPicture(figure, axes, marker, cuts, threading.Lock())


@dataclass(frozen=True)
class LetterLine:
    name: str
    shown_value: str
    entered: str  # what was typed, when converted or a meter's HI/LO
    note: str  # e.g. the mean of the last two blood pressure readings
    meaning: str
    tone: str
    level: str
    picture: str
    picture_text: str  # the picture in words, for a screen reader and for print
    source: str


def _range_words(bands: catalogue.BandSet, unit: str) -> str:
    healthy = rules.healthy_range(bands)
    if healthy is None:
        return ""
    low, high = healthy
    if low is None and high is not None:
        return f"< {high:g} {unit}" if not bands.cuts[0].inclusive else f"≤ {high:g} {unit}"
    if high is None and low is not None:
        return f"≥ {low:g} {unit}"
    return f"{low:g}-{high:g} {unit}"


def letter_lines(
    decision: Decision, *, language: str = "en", pictures: bool = True
) -> list[LetterLine]:
    """One line per result of the visit, each saying what its level says, in the language."""
    with translation.override(language):
        return [_line(result, decision, language, pictures) for result in decision.results]


def reading_note(result: Result) -> str:
    """How a blood pressure was worked out (the mean of the last two readings, or one
    reading), in the active language; other results' notes as the rules give them."""
    if result.code != BP or not result.note:
        return result.note
    readings = len(result.from_ids) // 2
    if readings <= 1:
        return gettext("one reading")
    return ngettext(
        "mean of the last %(n)s of %(total)s reading",
        "mean of the last %(n)s of %(total)s readings",
        readings,
    ) % {"n": 2, "total": readings}


def _line(result: Result, decision: Decision, language: str, pictures: bool) -> LetterLine:
    m = catalogue.measure(result.code)
    meaning = meanings.meaning(result.finding.advice)
    shown = code_words.value(result, coded=m.kind == "coded")
    drawn = picture_bands(result, decision.person)
    picture = picture_text = ""
    if drawn is not None:
        healthy = _range_words(drawn.bands, drawn.measure.display_unit)
        picture_text = gettext("%(name)s: your value %(value)s, %(band)s. %(range)s") % {
            "name": m.name(language),
            "value": languages.isolate(shown),
            "band": meaning.rstrip("."),
            "range": gettext("Healthy range: %(range)s") % {"range": healthy} if healthy else "",
        }
        picture_text = picture_text.strip()
        if pictures:
            picture = range_picture(drawn.bands, drawn.value, drawn.plausible)
    note = reading_note(result)
    return LetterLine(
        name=m.name(language),
        shown_value=shown,
        entered=gettext("as measured: %(value)s") % {"value": code_words.humane(result.entered)}
        if result.entered
        else "",
        note=note,
        meaning=meaning,
        tone=tone(result.finding.level),
        level=result.finding.level,
        picture=picture,
        picture_text=picture_text,
        source=result.finding.source,
    )


URGENCY_LEVEL = {"urgent": "urgent", "soon": "soon", "routine": "act"}


def step_level(decision: Decision, referrals: Sequence[Any] = ()) -> str:
    """The visit's most severe level, or an open referral's if it is more pressing (a
    clinician's judgement), so the next step never contradicts the referral beneath it."""
    levels = [decision.level, *(URGENCY_LEVEL.get(r.urgency, "act") for r in referrals)]
    return max(levels, key=rules.RANK.__getitem__)


def next_step(decision: Decision, language: str = "en", referrals: Sequence[Any] = ()) -> str:
    """The one thing to do, as every row and every referral named agree."""
    with translation.override(language):
        return meanings.next_step(step_level(decision, referrals))


def when(urgency: str) -> str:
    """How soon a referral says to go, in the active language; the words each result's
    sentence uses for the same level (tests/test_meanings.py)."""
    if urgency == "urgent":
        return pgettext("go to the clinic", "today")
    if urgency == "soon":
        return pgettext("go to the clinic", "within a week")
    return pgettext("go to the clinic", "in the next few weeks")


def referral_sentence(referral: Any, language: str) -> str:
    with translation.override(language):
        if referral.clinic:
            return gettext("We referred you to %(clinic)s. Go %(when)s, with this letter.") % {
                "clinic": languages.isolate(referral.clinic),
                "when": when(referral.urgency),
            }
        return gettext(
            "We referred you to a clinic; the staff will tell you which. "
            "Go %(when)s, with this letter."
        ) % {"when": when(referral.urgency)}


STYLESHEET = Path(__file__).resolve().parent.parent / "web" / "static" / "healthcamp" / "letter.css"


@functools.cache
def css() -> str:
    return STYLESHEET.read_text(encoding="utf-8")


def pdf(html: str) -> bytes:
    """Render without fetching anything: only the data: URLs the letter embeds are read."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    return bytes(HTML(string=html, url_fetcher=fetcher).write_pdf())
