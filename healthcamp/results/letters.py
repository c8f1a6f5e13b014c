"""Results letters: HTML and PDF, in the participant's language, with a picture per value."""

from __future__ import annotations

import base64
import functools
import io
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
from matplotlib.figure import Figure

from healthcamp.clinical import catalogue
from healthcamp.results.words import MEANING, NEXT_STEP, pick

GOOD = {"optimal", "normal", "desirable"}
WATCH = {
    "high_normal",
    "impaired_fasting_glucose",
    "prediabetes",
    "borderline_high",
    "overweight",
    "increased_risk",
    "underweight",
    "low",
}
COLOURS = {"good": "#3a8f5c", "watch": "#d9a400", "act": "#c0392b", "neutral": "#9aa5ab"}

# Headings in the participant's language (staff-facing words stay English elsewhere).
WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Your health check results",
        "value": "Your value",
        "means": "What it means",
        "next": "Next steps",
        "not_collected": "What we did not collect",
        "not_collected_text": "No fingerprints, photographs, DNA, or questions about religion, origin or politics.",
        "portal": "See your results and who opened your record: use the card code and your date of birth.",
        "not_measured": "Not measured, because you did not agree to it:",
    },
    "ar": {
        "title": "نتائج فحصك الصحي",
        "value": "قيمتك",
        "means": "ماذا تعني",
        "next": "الخطوات التالية",
        "not_collected": "ما لم نجمعه",
        "not_collected_text": "لا بصمات أصابع ولا صور ولا حمض نووي، ولا أسئلة عن الدين أو الأصل أو السياسة.",
        "portal": "شاهد نتائجك ومن فتح سجلك: استخدم رمز البطاقة وتاريخ ميلادك.",
        "not_measured": "لم يُقَس، لأنك لم توافق عليه:",
    },
    "ug": {
        "title": "سالامەتلىك تەكشۈرۈش نەتىجىڭىز",
        "value": "قىممىتىڭىز",
        "means": "مەنىسى",
        "next": "كېيىنكى قەدەم",
        "not_collected": "توپلىمىغانلىرىمىز",
        "not_collected_text": "بارماق ئىزى، سۈرەت، گېن ئۇچۇرى يوق؛ دىن، كېلىپ چىقىش ياكى سىياسەت توغرىسىدا سوئال يوق.",
        "portal": "نەتىجىڭىز ۋە خاتىرىڭىزنى كىم ئاچقانلىقىنى كۆرۈڭ: كارتا نومۇرى ۋە تۇغۇلغان كۈنىڭىز بىلەن.",
        "not_measured": "ئۆلچەنمىدى، چۈنكى سىز قوشۇلمىدىڭىز:",
    },
    "es": {
        "title": "Sus resultados del chequeo",
        "value": "Su valor",
        "means": "Qué significa",
        "next": "Próximos pasos",
        "not_collected": "Lo que no recogimos",
        "not_collected_text": "Ni huellas dactilares, ni fotos, ni ADN, ni preguntas sobre religión, origen o política.",
        "portal": "Vea sus resultados y quién abrió su expediente: use el código de la tarjeta y su fecha de nacimiento.",
        "not_measured": "No se midió, porque usted no lo aceptó:",
    },
}


def tone(label: str, critical: bool) -> str:
    if critical:
        return "urgent"
    if label.startswith("not_classified"):
        return "neutral"
    return "good" if label in GOOD else "watch" if label in WATCH else "act"


def range_picture(code: str, value: float, sex: str = "") -> str:
    """A band of the healthy and unhealthy ranges, with a mark where the value sits."""
    m = catalogue.measure(code)
    bands = catalogue.bands_for(m, sex)
    if not bands or m.plausible is None:
        return ""
    low = min(m.plausible[0], value)
    top = max(value * 1.1, _usual_top(bands, value))
    picture = _band_picture(code, sex)
    with picture.lock:  # one figure per measure, redrawn with this value's mark
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


def _usual_top(bands: tuple[catalogue.Band, ...], value: float) -> float:
    return (bands[-2].below or value) * 1.25 if len(bands) > 1 else value * 1.5


@dataclass
class _BandPicture:
    figure: Figure
    axes: Any
    marker: Any
    cuts: list[float]
    lock: threading.Lock


@functools.cache
def _band_picture(code: str, sex: str) -> _BandPicture:
    """The bands of one measure, drawn once; each letter only moves the mark.

    The bands reach far past any plausible value, so any x-range shows them whole.
    """
    m = catalogue.measure(code)
    bands = catalogue.bands_for(m, sex)
    assert m.plausible is not None  # noqa: S101 - checked by the caller
    start = min(m.plausible[0], 0.0)
    far = max(m.plausible[1], _usual_top(bands, m.plausible[1])) * 2
    figure = Figure(figsize=(3.6, 0.55))
    axes = figure.add_axes((0.02, 0.35, 0.96, 0.45))
    for band in bands:
        end = band.below if band.below is not None else far
        axes.barh(
            0,
            end - start,
            left=start,
            height=1,
            color=COLOURS[tone(band.label, False)],
            edgecolor="white",
        )
        start = end
    (marker,) = axes.plot([0], [0], marker="v", markersize=11, color="#1d2a33", clip_on=False)
    # Ticks at the cut-offs themselves: the numbers a reader compares their value with.
    axes.yaxis.set_visible(False)
    axes.tick_params(axis="x", labelsize=7, length=2)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    cuts = [b.below for b in bands if b.below is not None]
    return _BandPicture(figure, axes, marker, cuts, threading.Lock())


@dataclass(frozen=True)
class LetterLine:
    name: str
    shown_value: str
    meaning: str
    tone: str
    picture: str
    source: str


def letter_lines(
    observations: list,  # type: ignore[type-arg]
    sex: str,
    *,
    language: str = "en",
    pictures: bool = True,
) -> list[LetterLine]:
    meaning = pick(MEANING, language)
    lines = []
    for o in observations:
        shown = o.shown
        picture = "" if o.value is None or not pictures else range_picture(o.code, o.value, sex)
        lines.append(
            LetterLine(
                name=o.name,
                shown_value=shown,
                meaning=meaning.get(o.classification, ""),
                tone=tone(o.classification, o.critical),
                picture=picture,
                source=o.source,
            )
        )
    return lines


def next_step(lines: list[LetterLine], language: str = "en") -> str:
    tones = {line.tone for line in lines}
    step = "urgent" if "urgent" in tones else "act" if "act" in tones else "fine"
    return pick(NEXT_STEP, language)[step]


def words(language: str) -> dict[str, str]:
    return pick(WORDS, language)


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
