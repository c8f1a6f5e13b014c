"""What a result means and what to do next, as the participant reads it.

English is the source text; every other language is a translation in
locale/<lang>/LC_MESSAGES/django.po, chosen by the active language
(django.utils.translation.override). tests/test_meanings.py checks every sentence
against its advice level in every shipped language.

Each sentence asks for exactly as much as its advice level (healthcamp.clinical.catalogue
LEVELS): fine and neutral ask nothing; watch asks for a check at a future camp or a routine
visit; care says to continue care and show the letter; act says "in the next few weeks";
soon says "within a week"; urgent says "today". No sentence says the person was referred:
the letter says that separately, only when a referral exists. Translations avoid gendered
imperatives (the letter goes to women and men): Arabic says "يُنصح بـ…", "من المهم…".
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

StrOrPromise = str | Promise

MEANING: dict[str, StrOrPromise] = {
    "normal": _("In the healthy range."),
    "optimal": _("In the healthy range."),
    "desirable": _("In the healthy range."),
    "high_normal": _(
        "At the top of the healthy range. No clinic visit is needed now. Have it checked again "
        "at a future health camp or a routine clinic visit."
    ),
    "hypotension": _("Low. This is often harmless. If you feel dizzy or faint, see a clinic."),
    "hypertension_grade_1": _("Raised. See a clinic in the next few weeks for another check."),
    "hypertension_grade_2": _("High. See a clinic in the next few weeks. Treatment helps."),
    "hypertension_grade_3": _(
        "Very high. See a clinic within a week. Go today if you have chest pain, shortness of "
        "breath, weakness, a bad headache or blurred vision."
    ),
    "hypertension_grade_3_symptoms": _(
        "Very high, with warning signs. Go to a clinic or hospital today."
    ),
    "normal_pregnancy": _("In the healthy range for pregnancy."),
    "hypertension_pregnancy": _(
        "Raised for pregnancy. See your midwife or maternity clinic within a week. Go today if "
        "you have a headache, blurred vision or sudden swelling."
    ),
    "severe_hypertension_pregnancy": _(
        "Very high for pregnancy. Go to a maternity clinic or hospital today."
    ),
    "continue_care_hypertension": _(
        "Above the healthy range. Continue your care for blood pressure, and show this letter "
        "at your next clinic visit."
    ),
    "child_bp_normal": _("In the healthy range for age and height."),
    "child_bp_high_normal": _(
        "At the top of the healthy range for age and height. No clinic visit is needed now. "
        "Have it checked again at a future health camp or a routine clinic visit."
    ),
    "child_bp_hypertension_stage_1": _(
        "Raised for age and height. See a clinic in the next few weeks for another check."
    ),
    "child_bp_hypertension_stage_2": _(
        "High for age and height. See a clinic within a week. Go today if there is a bad "
        "headache, chest pain, shortness of breath or blurred vision."
    ),
    "child_bp_not_classified_no_height": _(
        "Cannot be judged without a height measurement. See a clinic in the next few weeks for "
        "a check."
    ),
    "child_bp_not_classified_age": _("Not judged here: for babies, a clinic reads blood pressure."),
    "slow": _("Slow. This is often harmless. If you feel dizzy or faint, see a clinic."),
    "fast": _(
        "Fast. Hurry, worry, coffee or strong tea can cause this. Have it checked again at a "
        "future health camp or a routine clinic visit."
    ),
    "severe_thinness": _("Very thin for your height. See a clinic in the next few weeks."),
    "underweight": _(
        "A little thin for your height. Have it checked again at a future health camp or a "
        "routine clinic visit."
    ),
    "overweight": _("Above the healthy weight for your height. Moving more and eating well help."),
    "obesity": _(
        "Well above the healthy weight for your height. See a clinic in the next few weeks: "
        "they can help."
    ),
    "severe_obesity": _(
        "Far above the healthy weight for your height. See a clinic in the next few weeks: they"
        " can help."
    ),
    "child_thinness_severe": _("Very thin for age and height. See a clinic in the next few weeks."),
    "child_thinness": _(
        "Thin for age and height. See a clinic in the next few weeks for a growth check."
    ),
    "child_normal": _("In the healthy range for age and height."),
    "child_overweight": _(
        "Above the healthy weight for age and height. Have it checked again at a future health "
        "camp or a routine clinic visit."
    ),
    "child_obesity": _(
        "Well above the healthy weight for age and height. See a clinic in the next few weeks: "
        "they can help."
    ),
    "not_classified_under_5": _(
        "Not judged here: for children under 5, a clinic reads weight on a growth chart."
    ),
    "waist_above": _("Above the healthy size. Moving more and eating well help."),
    "waist_well_above": _(
        "Well above the healthy size. This raises the risk of diabetes and heart disease. See a"
        " clinic in the next few weeks."
    ),
    "very_low": _("Very low. Eat or drink something sugary now, and go to a clinic today."),
    "low": _("Low. Eat something now. If it happens again, see a clinic."),
    "impaired_fasting_glucose": _(
        "Higher than healthy. See a clinic in the next few weeks for another test."
    ),
    "needs_test": _(
        "Higher than expected. See a clinic in the next few weeks for a sugar test before "
        "eating (fasting) or an HbA1c test."
    ),
    "diabetes_range": _("In the diabetes range. See a clinic in the next few weeks to confirm it."),
    "gestational_diabetes_range": _(
        "Higher than healthy for pregnancy. Tell your midwife or maternity clinic in the next "
        "few weeks."
    ),
    "very_high": _("Very high. Go to a clinic or hospital today."),
    "meter_high": _("Too high for the meter to show. Go to a clinic or hospital today."),
    "meter_low": _(
        "Too low for the meter to show. Eat or drink something sugary now, and go to a clinic "
        "or hospital today."
    ),
    "continue_care_diabetes": _(
        "Above the healthy range. Continue your care for diabetes, and show this letter at your"
        " next clinic visit."
    ),
    "prediabetes": _(
        "Higher than healthy, but below the diabetes range. See a clinic in the next few weeks "
        "for advice."
    ),
    "borderline_high": _(
        "Slightly high. Have it checked again at a future health camp or a routine clinic visit."
    ),
    "high": _("High. See a clinic in the next few weeks."),
    "mild_impairment": _(
        "Slightly weak sight. See an eye clinic in the next few weeks: glasses or treatment may"
        " help."
    ),
    "moderate_impairment": _(
        "Weak sight. See an eye clinic in the next few weeks: glasses or treatment may help."
    ),
    "severe_impairment": _(
        "Very weak sight. See an eye clinic in the next few weeks: glasses or treatment may help."
    ),
    "blindness_range": _(
        "Very weak sight, in the blindness range. See an eye clinic in the next few weeks: "
        "glasses or treatment may help."
    ),
    "rh_negative_pregnant": _(
        "Rh negative. Tell your midwife you are Rh negative: it matters in pregnancy."
    ),
    "not_classified_child": _(
        "Not judged here: adult ranges do not fit children. A clinic reads children's values on"
        " their own charts."
    ),
    "not_classified_pregnancy": _(
        "Not judged here: the usual healthy range does not apply in pregnancy."
    ),
    "not_classified_sex": _(
        "Not judged here: the healthy range depends on sex, and there is none for the sex recorded."
    ),
    "not_classified": _("Not judged here: there is no healthy range to compare it with."),
    "absent_refused": _("Not measured, by choice."),
    "absent_not_done": _("Not measured at this visit."),
    "absent_unable": _("Could not be measured at this visit."),
}
NEXT_STEP: dict[str, StrOrPromise] = {
    "neutral": _("Nothing here needs action. Keep this letter safe."),
    "fine": _(
        "No action is needed now. Keep this letter for the next health camp, and see a clinic "
        "at any time if unwell."
    ),
    "watch": _(
        "No clinic visit is needed now. Have these results checked again at the next health "
        "camp or a routine clinic visit, with this letter."
    ),
    "care": _("Continue the care already in place, and show this letter at the next clinic visit."),
    "act": _("See a clinic in the next few weeks, with this letter."),
    "soon": _("See a clinic within a week, with this letter."),
    "urgent": _("Go to a clinic or hospital today, with this letter."),
}


def meaning(advice: str) -> str:
    """The sentence for an advice key in the active language; "" for a key with none."""
    sentence = MEANING.get(advice)
    return str(sentence) if sentence is not None else ""


def next_step(level: str) -> str:
    """The one sentence for a visit's most severe level, in the active language."""
    return str(NEXT_STEP[level])
