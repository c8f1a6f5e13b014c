"""Codes as the people in front of a page read them, in the active language: sex, consent
purposes, answers and methods, referral urgency and status, how results were returned,
staff roles, units (UCUM as people write it) and coded answers. Nobody sees `not_stated`,
`witnessed_verbal` or `mm[Hg]`.

A code missing here reads as words (underscores to spaces), never as an identifier; the
tests check every code the models and the catalogue can hold has its words.
"""

from __future__ import annotations

import re
from typing import Protocol

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

SEX: dict[str, Promise] = {
    "female": pgettext_lazy("sex", "Female"),
    "male": pgettext_lazy("sex", "Male"),
    "other": pgettext_lazy("sex", "Other"),
    "not_stated": pgettext_lazy("sex", "Prefers not to say"),
}
# A purpose as staff name it (the participant's own words are in log_words.PURPOSES).
PURPOSES: dict[str, Promise] = {
    "registration": pgettext_lazy("purpose", "Registration"),
    "screening": pgettext_lazy("purpose", "Screening measurements"),
    "blood_tests": pgettext_lazy("purpose", "Blood tests"),
    "results_contact": pgettext_lazy("purpose", "Contact about results"),
    "referral_sharing": pgettext_lazy("purpose", "Sharing results with a referral clinic"),
    "programme_statistics": pgettext_lazy("purpose", "Programme statistics"),
    "deidentified_research": pgettext_lazy("purpose", "Research without a name"),
    "programme_setup": pgettext_lazy("purpose", "Programme set-up"),
    "own_record": pgettext_lazy("purpose", "The participant's own record"),
    "audit": pgettext_lazy("purpose", "Checking the audit log"),
}
CONSENT_STATUS: dict[str, Promise] = {
    "granted": pgettext_lazy("consent answer", "Yes"),
    "refused": pgettext_lazy("consent answer", "No"),
    "withdrawn": pgettext_lazy("consent answer", "Withdrawn"),
}
CONSENT_METHODS: dict[str, Promise] = {
    "on_screen": pgettext_lazy("consent method", "Confirmed on screen"),
    "witnessed_verbal": pgettext_lazy("consent method", "Spoken, witnessed"),
    "witnessed_mark": pgettext_lazy("consent method", "Mark or thumbprint on paper, witnessed"),
    "paper": pgettext_lazy("consent method", "Signed paper form"),
}
GUARDIANS: dict[str, Promise] = {
    "parent": pgettext_lazy("guardian", "Parent"),
    "legal_guardian": pgettext_lazy("guardian", "Legal guardian"),
}
URGENCY: dict[str, Promise] = {
    "urgent": pgettext_lazy("referral", "urgent"),
    "soon": pgettext_lazy("referral", "soon"),
    "routine": pgettext_lazy("referral", "routine"),
}
REFERRAL_STATUS: dict[str, Promise] = {
    "open": pgettext_lazy("referral status", "open"),
    "attended": pgettext_lazy("referral status", "attended"),
    "closed": pgettext_lazy("referral status", "closed"),
}
RETURNED: dict[str, Promise] = {
    "handed": pgettext_lazy("results returned", "Handed to the participant"),
    "printed": pgettext_lazy("results returned", "Printed for the participant"),
    "sent": pgettext_lazy("results returned", "Sent to the participant"),
    "declined": pgettext_lazy("results returned", "The participant declined the letter"),
}
ROLES: dict[str, Promise] = {
    "coordinator": pgettext_lazy("staff role", "coordinator"),
    "registrar": pgettext_lazy("staff role", "registrar"),
    "clinician": pgettext_lazy("staff role", "clinician"),
    "lab": pgettext_lazy("staff role", "laboratory"),
    "analyst": pgettext_lazy("staff role", "analyst"),
    "auditor": pgettext_lazy("staff role", "auditor"),
    "participant": pgettext_lazy("staff role", "participant"),
    "visitor": pgettext_lazy("staff role", "visitor"),
}
# UCUM codes as people write them; those not here are already what people write
# (cm, kg, mmol/L, mg/dL, mmol/mol, %).
UNITS: dict[str, Promise | str] = {
    "mm[Hg]": "mmHg",
    "kg/m2": "kg/m²",
    "[lb_av]": "lb",
    "[in_i]": "in",
    "{logMAR}": "logMAR",
    "/min": pgettext_lazy("unit", "/min"),
    "h": pgettext_lazy("unit", "hours"),
    "snellen": pgettext_lazy("unit", "Snellen (6/12)"),
}
# The catalogue's coded answers (healthcamp/clinical/catalogues, "answers"), by code; the
# catalogue's own display (LOINC's, in English) stays in the FHIR export.
ANSWERS: dict[str, Promise] = {
    "A": pgettext_lazy("blood group", "A"),
    "B": pgettext_lazy("blood group", "B"),
    "AB": pgettext_lazy("blood group", "AB"),
    "O": pgettext_lazy("blood group", "O"),
    "positive": pgettext_lazy("answer", "Positive"),
    "negative": pgettext_lazy("answer", "Negative"),
    "pregnant": pgettext_lazy("answer", "Pregnant"),
    "not_pregnant": pgettext_lazy("answer", "Not pregnant"),
    "unknown": pgettext_lazy("answer", "Unknown"),
    "yes": pgettext_lazy("answer", "Yes"),
    "no": pgettext_lazy("answer", "No"),
}
# Why a measurement has no value.
ABSENT: dict[str, Promise] = {
    "refused": _("Refused"),
    "not_done": _("Not done"),
    "unable": _("Unable to measure"),
}

# What each label of the catalogue and the rules means, for staff (the participant reads
# meanings.MEANING instead). A label missing here is shown as words, never as a code.
CLASSIFICATIONS: dict[str, Promise] = {
    # blood pressure (ESH 2023; NICE NG133 in pregnancy)
    "hypotension": pgettext_lazy("classification", "Low blood pressure"),
    "optimal": pgettext_lazy("classification", "Optimal"),
    "normal": pgettext_lazy("classification", "Normal"),
    "high_normal": pgettext_lazy("classification", "High-normal (ESH)"),
    "hypertension_grade_1": pgettext_lazy("classification", "Grade 1 hypertension (ESH)"),
    "hypertension_grade_2": pgettext_lazy("classification", "Grade 2 hypertension (ESH)"),
    "hypertension_grade_3": pgettext_lazy("classification", "Grade 3 hypertension (ESH)"),
    "normal_pregnancy": pgettext_lazy("classification", "Normal for pregnancy"),
    "hypertension_pregnancy": pgettext_lazy(
        "classification", "High blood pressure in pregnancy (NICE)"
    ),
    "severe_hypertension_pregnancy": pgettext_lazy(
        "classification", "Severe high blood pressure in pregnancy (NICE)"
    ),
    # children (AAP 2017 blood pressure, WHO growth references)
    "child_normal": pgettext_lazy("classification", "Normal for age"),
    "child_high_normal": pgettext_lazy("classification", "High-normal for age"),
    "child_hypertension_stage_1": pgettext_lazy("classification", "Stage 1 hypertension for age"),
    "child_hypertension_stage_2": pgettext_lazy("classification", "Stage 2 hypertension for age"),
    "child_not_classified_no_height": pgettext_lazy(
        "classification", "Not classified: a child's blood pressure needs the height"
    ),
    "child_not_classified_age": pgettext_lazy("classification", "Not classified at this age"),
    "child_thinness_severe": pgettext_lazy("classification", "Severe thinness for age"),
    "child_thinness": pgettext_lazy("classification", "Thinness for age"),
    "child_overweight": pgettext_lazy("classification", "Overweight for age"),
    "child_obesity": pgettext_lazy("classification", "Obesity for age"),
    # pulse
    "slow": pgettext_lazy("classification", "Slow pulse"),
    "fast": pgettext_lazy("classification", "Fast pulse"),
    # body mass index (WHO)
    "severe_thinness": pgettext_lazy("classification", "Severe thinness"),
    "underweight": pgettext_lazy("classification", "Underweight"),
    "overweight": pgettext_lazy("classification", "Overweight"),
    "obesity": pgettext_lazy("classification", "Obesity"),
    "severe_obesity": pgettext_lazy("classification", "Severe obesity"),
    # waist
    "waist_above": pgettext_lazy("classification", "Increased risk (waist)"),
    "waist_well_above": pgettext_lazy("classification", "Substantially increased risk (waist)"),
    # glucose, HbA1c
    "very_low": pgettext_lazy("classification", "Very low"),
    "low": pgettext_lazy("classification", "Low"),
    "impaired_fasting_glucose": pgettext_lazy("classification", "Impaired fasting glucose"),
    "gestational_diabetes_range": pgettext_lazy(
        "classification", "In the range of diabetes in pregnancy"
    ),
    "diabetes_range": pgettext_lazy("classification", "In the diabetes range"),
    "needs_test": pgettext_lazy("classification", "Raised: needs a fasting test or HbA1c"),
    "very_high": pgettext_lazy("classification", "Very high"),
    "prediabetes": pgettext_lazy("classification", "Prediabetes range"),
    "meter_high": pgettext_lazy("classification", "Above what the meter shows (HI)"),
    "meter_low": pgettext_lazy("classification", "Below what the meter shows (LO)"),
    # cholesterol
    "desirable": pgettext_lazy("classification", "Desirable"),
    "borderline_high": pgettext_lazy("classification", "Borderline high"),
    "high": pgettext_lazy("classification", "High"),
    # eyesight (WHO ICD-11 categories of distance vision)
    "mild_impairment": pgettext_lazy("classification", "Mild vision impairment"),
    "moderate_impairment": pgettext_lazy("classification", "Moderate vision impairment"),
    "severe_impairment": pgettext_lazy("classification", "Severe vision impairment"),
    "blindness_range": pgettext_lazy("classification", "In the range of blindness"),
    # blood group and other records
    "recorded": pgettext_lazy("classification", "Recorded"),
    "rh_negative_pregnant": pgettext_lazy(
        "classification", "Rh negative in pregnancy: tell her midwife or clinic"
    ),
    "absent": pgettext_lazy("classification", "Not measured"),
    "not_classified": pgettext_lazy("classification", "No healthy range applies"),
    "not_classified_pregnancy": pgettext_lazy("classification", "No range applies in pregnancy"),
    "not_classified_child": pgettext_lazy("classification", "No adult range applies at this age"),
    "not_classified_sex": pgettext_lazy("classification", "No range applies"),
    "not_classified_under_5": pgettext_lazy("classification", "Not classified under 5 years"),
}
# Advice that changes the words of a label.
ADVICE: dict[str, Promise] = {
    "hypertension_grade_3_symptoms": pgettext_lazy(
        "classification", "Grade 3 hypertension (ESH) with symptoms"
    ),
}
# Each advice level, in words: colour never says it alone.
LEVELS: dict[str, Promise] = {
    "neutral": pgettext_lazy("advice level", "Recorded"),
    "fine": pgettext_lazy("advice level", "Healthy range"),
    "watch": pgettext_lazy("advice level", "Watch: give advice"),
    "care": pgettext_lazy("advice level", "Already in care: continue treatment"),
    "act": pgettext_lazy("advice level", "Act: advise a clinic check-up"),
    "soon": pgettext_lazy("advice level", "Refer within a week"),
    "urgent": pgettext_lazy("advice level", "URGENT: act now"),
}


def said(table: dict[str, Promise], code: str) -> str:
    """A code in words in the active language; a code with no words yet as plain words."""
    words = table.get(code)
    return str(words) if words is not None else code.replace("_", " ")


def in_sentence(words: str) -> str:
    """A name as it reads inside a sentence: "Blood tests" as "blood tests" (a first
    letter lowered only when the next is lower case, so "HIV test" stays as it is)."""
    if len(words) > 1 and words[0].isupper() and words[1].islower():
        return words[0].lower() + words[1:]
    return words


def unit(code: str) -> str:
    """A unit as people write it ("mm[Hg]" as "mmHg")."""
    words = UNITS.get(code)
    return str(words) if words is not None else code


def answer(code: str) -> str:
    return said(ANSWERS, code)


# A unit right after a number, as the rules write values ("8.0 hours", "98 [lb_av]").
_UNIT_AFTER_NUMBER = re.compile(
    r"(?<=\d) (mm\[Hg\]|kg/m2|\[lb_av\]|\[in_i\]|\{logMAR\}|/min|h|hours)(?=$|[\s),;])"
)
_DISPLAYED = {"hours": "h"}  # the catalogue's display units that are English words


def humane(text: str) -> str:
    """A value as the rules write it, with its unit as people write it, in the active
    language ("8.0 hours" reads "8.0 horas" in Spanish; "138 mm[Hg]" reads "138 mmHg")."""
    return _UNIT_AFTER_NUMBER.sub(lambda m: " " + unit(_DISPLAYED.get(m[1], m[1])), text)


class _Shown(Protocol):
    @property
    def shown(self) -> str: ...

    @property
    def code_value(self) -> str: ...


def value(result: _Shown, *, coded: bool) -> str:
    """A result's value in words: a coded answer by name, a number with its unit."""
    if coded and result.code_value:
        return answer(result.code_value)
    return humane(result.shown)
