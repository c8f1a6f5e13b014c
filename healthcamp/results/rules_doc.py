"""docs/clinical-rules.md, generated from the rules themselves: the one page a clinician
reviews. A test fails when the page and the rules differ; regenerate it with

    .venv/bin/python -m healthcamp.results.rules_doc > docs/clinical-rules.md
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

from django.utils import translation

from healthcamp.clinical import catalogue, children, rules, visit
from healthcamp.clinical.catalogue import BandSet, Cut, Measure
from healthcamp.lib import languages
from healthcamp.results import meanings

CONDITIONS = {
    "min_age": "age ≥ {} y",
    "below_age": "age < {} y",
    "sex": "{}",
    "pregnant": "{}",
    "fasting": "{}",
}


def _when(when: dict[str, object]) -> str:
    words = []
    for key, value in when.items():
        if key == "pregnant":
            words.append("pregnant" if value else "not pregnant")
        elif key == "fasting":
            words.append(
                f"fasted ≥ {rules.FASTING_HOURS} h" if value else "random (not fasted 8 h)"
            )
        else:
            words.append(CONDITIONS[key].format(value))
    return ", ".join(words) or "everyone"


def _range(cuts: tuple[Cut, ...], i: int, unit: str) -> str:
    cut = cuts[i]
    previous = cuts[i - 1] if i else None
    low = ""
    if previous is not None and previous.bound is not None:
        low = f"{'>' if previous.inclusive else '≥'} {previous.bound:g}"
    high = ""
    if cut.bound is not None:
        high = f"{'≤' if cut.inclusive else '<'} {cut.bound:g}"
    return f"{' and '.join(p for p in (low, high) if p)} {unit}".strip()


def _band_table(bands: BandSet) -> Iterator[str]:
    checked = "" if bands.citation_checked else " (table and page not yet checked in the text)"
    yield f"*{_when(bands.when)}*, in {bands.unit} — {bands.source}{checked}"
    yield ""
    yield "| Range | Label | Level | HL7 flag |"
    yield "|---|---|---|---|"
    for i, cut in enumerate(bands.cuts):
        yield f"| {_range(bands.cuts, i, bands.unit)} | `{cut.label}` | {cut.level} | {cut.flag} |"
    yield ""


def _measure(m: Measure) -> Iterator[str]:
    yield f"### {m.names['en']} — `{m.code}`"
    yield ""
    facts = [f"purpose `{m.purpose}`", f"kind {m.kind}", f"role {m.role}"]
    if m.unit:
        facts.append(f"stored in `{m.unit}` (shown as {m.display_unit or m.unit})")
    if m.conversions:
        facts.append("also accepts " + ", ".join(f"`{u}`" for u in m.conversions))
    if m.plausible:
        facts.append(f"plausible {m.plausible[0]:g}-{m.plausible[1]:g}")
    if m.confirm_above is not None:
        facts.append(f"above {m.confirm_above:g} the station asks to confirm")
    if m.meter:
        facts.append(f"meter LO < {m.meter[0]:g}, HI > {m.meter[1]:g} (urgent)")
    if m.answers:
        facts.append(
            "answers "
            + ", ".join(f"`{a.code}`{f' ({a.loinc})' if a.loinc else ''}" for a in m.answers)
        )
    yield "; ".join(facts) + "."
    yield ""
    for bands in m.bands:
        yield from _band_table(bands)
    if m.source and not m.bands:
        yield m.source
        yield ""


SPECIAL = [
    (
        "Blood pressure, the visit's office value",
        f"At least two readings; a third when the first two differ by more than "
        f"{visit.BP_REPEAT_GAP} mmHg; the office value is the mean of the last two; the "
        "category is the higher of systolic and diastolic. A reading of "
        f"{visit.SEVERE[0]}/{visit.SEVERE[1]} or more asks for a repeat after rest and a "
        "symptom check: symptoms → urgent (today); none → soon (within a week). "
        "Referrals are made only from a complete protocol, except urgent ones.",
    ),
    (
        "Children's blood pressure (age < 16 y)",
        "Percentiles for age, sex and height (Fourth Report 2004 regression, ESH 2016 "
        "classes): normal < 90th → fine; 90th-< 95th → watch; stage 1 → act; stage 2 → "
        "soon; no height → not classified, see a clinic (act).",
    ),
    (
        "Children's BMI (5 y to < 19 y)",
        "WHO 2007 BMI-for-age z-score: severe thinness < -3 and thinness < -2 → act; "
        "normal → fine; overweight > +1 → watch; obesity > +2 → act; under 5: not "
        "classified by BMI. No adult band pictures are drawn for minors.",
    ),
    (
        "Already diagnosed or treated",
        "Hypertension (`hc-dx-htn`) or diabetes (`hc-dx-dm`) answered yes: a result at "
        'level act becomes care ("continue your care; bring this letter"). Urgent and '
        "soon stay as they are.",
    ),
    (
        "Pregnancy",
        "Asked of women 15-49 (`82810-3`). Pregnant: no BMI or waist bands; blood "
        "pressure on NICE NG133; fasting glucose on WHO 2013; Rh negative → tell the "
        "midwife (watch).",
    ),
]


def page() -> str:
    lines = [
        "# Clinical rules",
        "",
        "Generated from `healthcamp/clinical/` (catalogue "
        f"`{catalogue.DEFAULT}`), `healthcamp/results/meanings.py` and its translations in "
        "`locale/`; do not edit by hand. "
        "Regenerate: `.venv/bin/python -m healthcamp.results.rules_doc > docs/clinical-rules.md`.",
        "",
        "Levels, least to most severe: "
        + ", ".join(f"`{level}`" for level in catalogue.LEVELS)
        + ". The letter's next step is the visit's most severe level; each row's sentence "
        "agrees with its own level.",
        "",
        f"Children's references: {children.__doc__.splitlines()[0] if children.__doc__ else ''}",
        "",
        "## Rules beyond single cut-offs",
        "",
    ]
    for title, text in SPECIAL:
        lines += [f"**{title}.** {text}", ""]
    lines += ["## Measures", ""]
    for m in catalogue.load().values():
        lines += list(_measure(m))
    lines += ["## What the person reads", "", "### Next steps, by level", ""]
    shipped = languages.shipped()
    lines += ["| Level | " + " | ".join(shipped) + " |", "|---|" + "---|" * len(shipped)]
    for level in catalogue.LEVELS:
        cells = [_said(meanings.NEXT_STEP[level], lang) for lang in shipped]
        lines.append(f"| {level} | " + " | ".join(_cell(c) for c in cells) + " |")
    lines += ["", "### Sentences, by advice key", ""]
    lines += ["| Key | " + " | ".join(shipped) + " |", "|---|" + "---|" * len(shipped)]
    for key, sentence in meanings.MEANING.items():
        cells = [_said(sentence, lang) for lang in shipped]
        lines.append(f"| `{key}` | " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _said(sentence: meanings.StrOrPromise, language: str) -> str:
    with translation.override(language):
        return str(sentence)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


if __name__ == "__main__":
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthcamp.settings")
    django.setup()  # the translations are Django's catalogues
    sys.stdout.write(page())
