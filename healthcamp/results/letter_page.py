"""The results letter as a document: HTML or PDF, A4 or US Letter. One renderer for the
staff page and the API, so a print service gets the very letter the desk prints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import segno
from django.template.loader import render_to_string

from healthcamp.clinical import catalogue
from healthcamp.consent.records import is_rtl
from healthcamp.registry.cardcode import display as cardcode_display
from healthcamp.results import letters
from healthcamp.results.words import LETTER, pick
from healthcamp.services.exams import LetterData

FORMATS = ("html", "pdf")
PAPERS = {"a4": "A4", "letter": "letter"}


@dataclass(frozen=True)
class Rendered:
    body: bytes
    content_type: str
    filename: str


def context(
    data: LetterData, *, paper: str, portal_url: str, pictures: bool = True
) -> dict[str, Any]:
    """What the letter template shows; paper is checked by the caller (PAPERS)."""
    language = data.language
    said = pick(LETTER, language)
    visit = data.results.visit
    return {
        "letter": data,
        "w": letters.words(language),
        "said": said,
        "rtl": is_rtl(language),
        "lines": letters.letter_lines(data.results.decision, language=language, pictures=pictures),
        "visit_line": said["visit"].format(date=f"{visit.started_at:%Y-%m-%d}", site=visit.site),
        # "the clinic named below" only when a referral names one
        "contact": said["contact" if data.referrals else "contact_site"].format(site=visit.site),
        "next_step": letters.next_step(data.results.decision, language, data.referrals),
        "next_tone": letters.tone(letters.step_level(data.results.decision, data.referrals)),
        "referrals": [letters.referral_sentence(r, language) for r in data.referrals],
        "earlier": _earlier(data, language),
        "not_shown": [said[f"purpose_{p}"] for p in data.not_consented],
        "paper": PAPERS[paper],
        "card": cardcode_display(data.card_code),
        # The letter's QR opens the portal with the card code filled in; the code after
        # "#" is a fragment: it stays on the phone, out of every server log.
        "qr": segno.make(
            f"{portal_url}?lang={language}#card={data.card_code}", error="m"
        ).svg_data_uri(scale=4, border=2),
        "portal_url": portal_url,
    }


def render(data: LetterData, *, fmt: str, paper: str, portal_url: str) -> Rendered:
    """fmt and paper are checked by the caller (FORMATS, PAPERS)."""
    shown = context(data, paper=paper, portal_url=portal_url)
    name = f"results-{data.card_code}-{data.results.visit.started_at:%Y-%m-%d}"
    if fmt == "pdf":
        # The PDF carries its own styles: WeasyPrint fetches nothing.
        html = render_to_string("web/letter.html", {**shown, "inline_css": letters.css()})
        return Rendered(letters.pdf(html), "application/pdf", f"{name}.pdf")
    html = render_to_string("web/letter.html", shown)
    return Rendered(html.encode("utf-8"), "text/html; charset=utf-8", f"{name}.html")


def _earlier(data: LetterData, language: str) -> list[tuple[str, list[str]]]:
    """Older visits only as a trend: each measure's earlier values, oldest first."""
    by_measure: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for past in data.earlier:
        for result in past.decision.results:
            names[result.code] = catalogue.measure(result.code).name(language)
            by_measure.setdefault(result.code, []).append(
                f"{past.visit.started_at:%Y-%m-%d}: {result.shown}"
            )
    return [(names[code], values) for code, values in by_measure.items()]
