"""The clinical reviewer's table: one visit per case, what the guideline says it means.

Each case is a visit (sex, age in months, the values as a station types them) and the
result the guideline gives for one measure of it: the label, the advice level, and
what the visit as a whole must do (its overall level and what it refers). The `source`
names the guideline and the table or page the boundary comes from.

Where the rules and a guideline disagree, the case keeps the guideline's answer (so the
test fails) and its `note` quotes the guideline; the rules are fixed, not the case.
"""

from __future__ import annotations

from dataclasses import dataclass

Entry = tuple[str, str, str]  # (LOINC or local code, value as typed, unit as typed)

# --- codes -----------------------------------------------------------------------------
SYS, DIA, BP = "8480-6", "8462-4", "85354-9"
PULSE, HEIGHT, WEIGHT, BMI, WAIST = "8867-4", "8302-2", "29463-7", "39156-5", "56115-9"
GLUCOSE, FASTING_H, HBA1C, CHOL = "14743-9", "87527-8", "4548-4", "35200-5"
ABO, RH, PREGNANCY = "883-9", "10331-7", "82810-3"
DX_HTN, DX_DM, BP_SYMPTOMS = "hc-dx-htn", "hc-dx-dm", "hc-bp-symptoms"
VA_RIGHT, VA_LEFT, VA_GLASSES = "98499-7", "98498-9", "hc-va-glasses"

ADULT = 40 * 12  # months
MMHG = "mm[Hg]"
ABSENT = "No value (refused, not done, unable): nothing to classify, nothing to act on"

# --- the people and facts of a visit ---------------------------------------------------
PREGNANT: Entry = (PREGNANCY, "pregnant", "")
NOT_PREGNANT: Entry = (PREGNANCY, "not_pregnant", "")
PREGNANCY_UNKNOWN: Entry = (PREGNANCY, "unknown", "")
HTN_DIAGNOSED: Entry = (DX_HTN, "yes", "")
DM_DIAGNOSED: Entry = (DX_DM, "yes", "")
NO_SYMPTOMS: Entry = (BP_SYMPTOMS, "no", "")
SYMPTOMS: Entry = (BP_SYMPTOMS, "yes", "")


def fasted(hours: float) -> Entry:
    return (FASTING_H, f"{hours:g}", "h")


def bp(*readings: str) -> tuple[Entry, ...]:
    """Readings as "sys/dia", in the order they were taken."""
    rows: list[Entry] = []
    for reading in readings:
        systolic, diastolic = reading.split("/")
        rows += [(SYS, systolic, MMHG), (DIA, diastolic, MMHG)]
    return tuple(rows)


def office(reading: str, *facts: Entry) -> tuple[Entry, ...]:
    """Two equal readings (the protocol is complete) and what the person told us."""
    return (*facts, *bp(reading, reading))


def body(bmi: float, height_cm: float = 200.0) -> tuple[Entry, ...]:
    """Height and weight that give exactly this BMI (to the 0.1 kg/m2 it is shown in)."""
    weight = round(bmi * (height_cm / 100) ** 2, 2)
    return ((HEIGHT, f"{height_cm:g}", "cm"), (WEIGHT, f"{weight:g}", "kg"))


@dataclass(frozen=True)
class Case:
    id: str
    source: str
    sex: str
    age_months: int
    entries: tuple[Entry, ...]
    code: str  # the result under test
    label: str
    level: str
    overall: str | None = None  # the decision's level; None: the same as `level`
    refer: tuple[tuple[str, str], ...] | None = None  # None: this result, if soon/urgent
    advice: str | None = None
    note: str = ""  # why the case matters (a reported bug, a guideline's words)

    @property
    def expected_overall(self) -> str:
        return self.overall or self.level

    @property
    def expected_refer(self) -> tuple[tuple[str, str], ...]:
        if self.refer is not None:
            return self.refer
        return ((self.code, self.level),) if self.level in ("soon", "urgent") else ()


CASES: list[Case] = []


def case(
    id: str,
    source: str,
    entries: tuple[Entry, ...],
    code: str,
    label: str,
    level: str,
    *,
    sex: str = "female",
    age_months: int = ADULT,
    **more: object,
) -> None:
    CASES.append(Case(id, source, sex, age_months, entries, code, label, level, **more))  # type: ignore[arg-type]


# =======================================================================================
# Office blood pressure, adults (ESH 2023)
# =======================================================================================
ESH = (
    "ESH 2023 Guidelines for the management of arterial hypertension (J Hypertens "
    "2023;41:1874-2071), Table 5 'Classification of office BP': optimal <120 and <80; "
    "normal 120-129 and/or 80-84; high-normal 130-139 and/or 85-89; grade 1 140-159 "
    "and/or 90-99; grade 2 160-179 and/or 100-109; grade 3 >=180 and/or >=110 mmHg; "
    "'the BP category is defined by the highest level of BP, whether systolic or diastolic'"
)
ESH_PROTOCOL = (
    "ESH 2023, section 4 'Blood pressure measurement' (office BP, Table 4): 2-3 readings "
    "1-2 min apart, an additional reading if the first two differ by >10 mmHg; office BP "
    "is the average of the last two readings"
)
ESH_SEVERE = (
    "ESH 2023, hypertensive urgencies and emergencies: a grade 3 BP without acute "
    "hypertension-mediated organ damage or symptoms is not an emergency (prompt review, "
    "within days); with acute symptoms (chest pain, dyspnoea, neurological signs) it is "
    "managed as an emergency"
)
HYPOTENSION = (
    "Systolic BP < 90 mmHg: hypotension (conventional definition; "
    "ESH 2023 Table 5 has no lower band)"
)
ESH_CHILD_16 = (
    "ESH 2016 children and adolescents (Lurbe E et al., J Hypertens 2016;34:1887-1920), "
    "classification table, column '16 years and older': the adult cut-offs apply "
    "(normal <130/85, high-normal 130-139/85-89, hypertension >=140/90)"
)
M = "male"

for reading, label, level in [
    ("89/60", "hypotension", "watch"),
    ("90/60", "optimal", "fine"),
    ("119/79", "optimal", "fine"),
    ("120/70", "normal", "fine"),
    ("129/70", "normal", "fine"),
    ("130/70", "high_normal", "watch"),
    ("139/70", "high_normal", "watch"),
    ("140/70", "hypertension_grade_1", "act"),
    ("159/70", "hypertension_grade_1", "act"),
    ("160/70", "hypertension_grade_2", "act"),
    ("179/70", "hypertension_grade_2", "act"),
    ("110/79", "optimal", "fine"),
    ("110/80", "normal", "fine"),
    ("110/84", "normal", "fine"),
    ("110/85", "high_normal", "watch"),
    ("110/89", "high_normal", "watch"),
    ("110/90", "hypertension_grade_1", "act"),
    ("110/99", "hypertension_grade_1", "act"),
    ("110/100", "hypertension_grade_2", "act"),
    ("110/109", "hypertension_grade_2", "act"),
    ("150/105", "hypertension_grade_2", "act"),  # the higher of the two categories
    ("125/92", "hypertension_grade_1", "act"),
    ("165/85", "hypertension_grade_2", "act"),
]:
    case(
        f"bp-adult-{reading}",
        HYPOTENSION if label == "hypotension" else ESH,
        office(reading),
        BP,
        label,
        level,
        sex=M,
    )

for reading, symptoms, level, note in [
    ("180/70", NO_SYMPTOMS, "soon", ""),
    ("180/70", SYMPTOMS, "urgent", ""),
    (
        "110/110",
        NO_SYMPTOMS,
        "soon",
        "reported bug: diastolic 110-119 without symptoms is soon, not urgent",
    ),
    (
        "110/119",
        NO_SYMPTOMS,
        "soon",
        "reported bug: diastolic 110-119 without symptoms is soon, not urgent",
    ),
    (
        "150/115",
        NO_SYMPTOMS,
        "soon",
        "reported bug: diastolic 110-119 without symptoms is soon, not urgent",
    ),
    ("200/125", NO_SYMPTOMS, "soon", ""),
    ("200/125", SYMPTOMS, "urgent", ""),
]:
    case(
        f"bp-adult-grade3-{reading}-{symptoms[1]}-symptoms",
        f"{ESH}; {ESH_SEVERE}",
        office(reading, symptoms),
        BP,
        "hypertension_grade_3",
        level,
        sex=M,
        note=note,
    )

case(
    "bp-protocol-186/112-then-162/102-is-174/107-grade-2",
    ESH_PROTOCOL + "; " + ESH,
    (NO_SYMPTOMS, *bp("186/112", "162/102")),
    BP,
    "hypertension_grade_2",
    "act",
    sex=M,
    refer=(),
    note="reported bug: the office value is the mean of the last two (174/107), grade 2, "
    "no referral",
)
case(
    "bp-protocol-third-reading-mean-of-last-two",
    ESH_PROTOCOL,
    bp("150/95", "130/80", "128/78"),  # 129/79: normal
    BP,
    "normal",
    "fine",
    sex=M,
)
case(
    "bp-protocol-single-severe-reading-not-referred-yet",
    ESH_PROTOCOL + "; " + ESH_SEVERE,
    bp("200/120"),
    BP,
    "hypertension_grade_3",
    "soon",
    sex=M,
    refer=(),
    note="one reading and no symptom answer: the protocol is not finished, nothing referred yet",
)
for reading, label, level, advice in [
    ("150/95", "hypertension_grade_1", "care", "continue_care_hypertension"),
    ("170/95", "hypertension_grade_2", "care", "continue_care_hypertension"),
    ("135/85", "high_normal", "watch", None),
]:
    case(
        f"bp-diagnosed-htn-{reading}",
        ESH + "; already treated: continue care (advice becomes care, not 'confirm')",
        office(reading, HTN_DIAGNOSED),
        BP,
        label,
        level,
        sex=M,
        advice=advice,
    )
case(
    "bp-diagnosed-htn-grade-3-stays-soon",
    f"{ESH}; {ESH_SEVERE}",
    office("185/100", HTN_DIAGNOSED, NO_SYMPTOMS),
    BP,
    "hypertension_grade_3",
    "soon",
    sex=M,
)
case(
    "bp-16-years-adult-cut-offs",
    ESH_CHILD_16 + "; " + ESH,
    office("142/85", (HEIGHT, "170", "cm")),
    BP,
    "hypertension_grade_1",
    "act",
    sex=M,
    age_months=192,
)
case(
    "bp-17-years-adult-cut-offs-normal",
    ESH_CHILD_16 + "; " + ESH,
    office("125/75", (HEIGHT, "165", "cm")),
    BP,
    "normal",
    "fine",
    age_months=17 * 12,
)
case(
    "bp-pregnancy-unknown-uses-adult-bands",
    ESH + " (pregnancy status unknown: not pregnant assumed)",
    office("145/92", PREGNANCY_UNKNOWN),
    BP,
    "hypertension_grade_1",
    "act",
    age_months=30 * 12,
)

# =======================================================================================
# Blood pressure in pregnancy (NICE NG133)
# =======================================================================================
NICE = (
    "NICE NG133 Hypertension in pregnancy (2019, updated 2023), terms used: "
    "'hypertension: BP of 140/90 mmHg or more'; 'severe hypertension: BP of 160/110 mmHg "
    "or more'; gestational hypertension table: 140/90-159/109 do not routinely admit "
    "(specialist assessment), >=160/110 admit"
)
for reading, label, level in [
    ("139/89", "normal_pregnancy", "fine"),
    ("120/70", "normal_pregnancy", "fine"),
    ("140/80", "hypertension_pregnancy", "soon"),
    ("130/90", "hypertension_pregnancy", "soon"),
    ("159/109", "hypertension_pregnancy", "soon"),
    ("160/100", "severe_hypertension_pregnancy", "urgent"),
    ("150/110", "severe_hypertension_pregnancy", "urgent"),
    ("90/60", "normal_pregnancy", "fine"),
    ("89/60", "hypotension", "watch"),
]:
    case(
        f"bp-pregnant-{reading}",
        HYPOTENSION if label == "hypotension" else NICE,
        office(reading, PREGNANT, NO_SYMPTOMS),
        BP,
        label,
        level,
        age_months=28 * 12,
    )
case(
    "bp-pregnant-diagnosed-htn-stays-soon",
    NICE + "; chronic hypertension in pregnancy is still referred (NG133 1.3)",
    office("150/95", PREGNANT, HTN_DIAGNOSED),
    BP,
    "hypertension_pregnancy",
    "soon",
    age_months=28 * 12,
)
case(
    "bp-pregnant-15-year-old-severe",
    NICE + " (no lower age limit: the guideline covers every pregnant woman)",
    office("165/112", PREGNANT, NO_SYMPTOMS, (HEIGHT, "160", "cm")),
    BP,
    "severe_hypertension_pregnancy",
    "urgent",
    age_months=15 * 12,
    note="NICE NG133 has no lower age limit; a pregnant 15-year-old at 165/112 has severe "
    "hypertension in pregnancy",
)

# =======================================================================================
# Blood pressure, children (ESH 2016 classification, Fourth Report percentiles)
# =======================================================================================
ESH_CHILD = (
    "ESH 2016 children and adolescents (Lurbe E et al., J Hypertens 2016;34:1887-1920), "
    "classification for 0-15 years: normal <90th; high-normal >=90th to <95th; stage 1 "
    "95th to 99th percentile + 5 mmHg; stage 2 >99th percentile + 5 mmHg; percentiles "
    "for sex, age and height from the Fourth Report (Pediatrics 2004;114:555), Tables 3 "
    "(boys) and 4 (girls)"
)
FOURTH_TABLE5 = (
    "Fourth Report (Pediatrics 2004;114:555), Table 5: stage 2 hypertension 'evaluate or "
    "refer to source of care within 1 week or immediately if the patient is symptomatic'"
)
for sex, years, height, reading, label, level, extra, note in [
    # girls 10 y, 140 cm (about the 60th height centile): Table 4 at 50th-75th height:
    # SBP 90th 115-116, 95th 119-120, 99th 126-127; DBP 90th 74-75, 95th 78-79, 99th 86
    ("female", 10, "140", "100/60", "child_normal", "fine", (), ""),
    ("female", 10, "140", "117/70", "child_high_normal", "watch", (), ""),
    (
        "female",
        10,
        "140",
        "124/81",
        "child_hypertension_stage_1",
        "act",
        (),
        "reported bug: a 10-year-old girl of 140 cm at 124/81 is not fine (>= 95th centile)",
    ),
    # Stage 2 asks about symptoms first (Fourth Report Table 5: "immediately if symptomatic").
    ("female", 10, "140", "140/85", "child_hypertension_stage_2", "soon", (NO_SYMPTOMS,), ""),
    # boys 11 y, 145 cm: Table 3: SBP 99th 127-132 (+5 = 132-137), DBP 99th 86-90
    (
        "male",
        11,
        "145",
        "185/97",
        "child_hypertension_stage_2",
        "soon",
        (NO_SYMPTOMS,),
        "reported bug: an 11-year-old at 185/97 is read on children's centiles, not adult cut-offs",
    ),
    ("male", 11, "145", "105/60", "child_normal", "fine", (), ""),
    # boys 5 y, 110 cm (about the 50th centile): SBP 95th 112-116, 99th+5 125-128
    ("male", 5, "110", "95/55", "child_normal", "fine", (), ""),
    ("male", 5, "110", "118/60", "child_hypertension_stage_1", "act", (), ""),
    ("male", 5, "110", "130/90", "child_hypertension_stage_2", "soon", (NO_SYMPTOMS,), ""),
    # girls 15 y, 162 cm: SBP 95th 126-129, 99th+5 138-141
    ("female", 15, "162", "105/65", "child_normal", "fine", (NOT_PREGNANT,), ""),
    (
        "female",
        15,
        "162",
        "150/85",
        "child_hypertension_stage_2",
        "soon",
        (NOT_PREGNANT, NO_SYMPTOMS),
        "",
    ),
]:
    case(
        f"bp-child-{sex}-{years}y-{height}cm-{reading}",
        ESH_CHILD,
        office(reading, (HEIGHT, height, "cm"), *extra),
        BP,
        label,
        level,
        sex=sex,
        age_months=years * 12,
        note=note,
    )
case(
    "bp-child-stage-2-with-symptoms-is-urgent",
    ESH_CHILD + "; " + FOURTH_TABLE5,
    office("185/97", (HEIGHT, "145", "cm"), SYMPTOMS),
    BP,
    "child_hypertension_stage_2",
    "urgent",
    sex=M,
    age_months=11 * 12,
    note="the Fourth Report sends a symptomatic child with stage 2 hypertension 'immediately'",
)
case(
    "bp-child-no-height-but-normal-at-every-height",
    ESH_CHILD + "; Table 3, boys 10 y: the 90th centile at the 5th height centile is 111/73, "
    "so 95/55 is below the 90th centile whatever the height",
    office("95/55"),
    BP,
    "child_normal",
    "fine",
    sex=M,
    age_months=10 * 12,
    note="without a height the rules answer 'act'; the table answers 'normal' for any height",
)
case(
    "bp-child-under-1-year-not-classified",
    ESH_CHILD + " (the percentile tables start at 1 year)",
    office("90/50", (HEIGHT, "65", "cm")),
    BP,
    "child_not_classified_age",
    "neutral",
    sex=M,
    age_months=6,
)

# =======================================================================================
# Pulse, adults
# =======================================================================================
PULSE_SRC = (
    "2018 ACC/AHA/HRS bradycardia guideline, section 2 (sinus bradycardia < 50/min); "
    "2015 ACC/AHA/HRS SVT guideline, section 2 (tachycardia > 100/min)"
)
for value, label, level in [
    ("49", "slow", "watch"),
    ("50", "normal", "fine"),
    ("100", "normal", "fine"),
    ("101", "fast", "watch"),
]:
    case(f"pulse-adult-{value}", PULSE_SRC, ((PULSE, value, "/min"),), PULSE, label, level, sex=M)
case(
    "pulse-child-not-on-adult-bands",
    PULSE_SRC + " (adult definitions; a child's resting rate is higher)",
    ((PULSE, "110", "/min"),),
    PULSE,
    "not_classified_child",
    "neutral",
    age_months=8 * 12,
)

# =======================================================================================
# Glucose
# =======================================================================================
WHO2006 = (
    "WHO/IDF 2006 Definition and diagnosis of diabetes mellitus and intermediate "
    "hyperglycaemia, Table 1 and p. 3: fasting (no caloric intake for at least 8 h) "
    ">= 7.0 mmol/L (126 mg/dL) diabetes; impaired fasting glucose 6.1-6.9 mmol/L "
    "(110-125 mg/dL)"
)
ADA_HYPO = (
    "ADA Standards of Care in Diabetes 2024, section 6, Table 6.4 'Classification of "
    "hypoglycemia': level 1 < 70 mg/dL (3.9 mmol/L) and >= 54 mg/dL (3.0 mmol/L); "
    "level 2 < 54 mg/dL (3.0 mmol/L)"
)
CRISIS = (
    "Very high glucose >= 16.7 mmol/L (300 mg/dL): same-day assessment for hyperglycaemic "
    "crisis (ADA Standards of Care 2024, section 16; WHO HEARTS-D 2020)"
)
RANDOM = (
    "WHO HEARTS-D (2020) diagnosis algorithm: random glucose 7.8-11.0 mmol/L "
    "(140-199 mg/dL) needs a fasting glucose or HbA1c test; >= 11.1 mmol/L (200 mg/dL) "
    "diabetes range (WHO 2006: random >= 11.1 with symptoms); fasting is >= 8 h "
    "(WHO 2006 p. 3), so < 8 h or not asked is random"
)
WHO2013 = (
    "WHO 2013 Diagnostic criteria and classification of hyperglycaemia first detected "
    "in pregnancy, Table 1/section 4: gestational diabetes fasting 5.1-6.9 mmol/L "
    "(92-125 mg/dL); diabetes in pregnancy fasting >= 7.0 mmol/L (126 mg/dL)"
)


def glucose_source(label: str, base: str) -> str:
    if label in ("very_low", "low"):
        return ADA_HYPO
    if label == "very_high":
        return CRISIS
    return base


FASTING_MMOL = [
    ("2.9", "very_low", "urgent"),
    ("3.0", "low", "watch"),
    ("3.8", "low", "watch"),
    ("3.9", "normal", "fine"),
    ("6.0", "normal", "fine"),
    ("6.1", "impaired_fasting_glucose", "act"),
    ("6.9", "impaired_fasting_glucose", "act"),
    ("7.0", "diabetes_range", "act"),
    ("16.6", "diabetes_range", "act"),
    ("16.7", "very_high", "urgent"),
]
FASTING_MGDL = [
    ("53", "very_low", "urgent"),
    ("54", "low", "watch"),
    ("69", "low", "watch"),
    ("70", "normal", "fine"),
    ("109", "normal", "fine"),
    ("110", "impaired_fasting_glucose", "act"),
    ("125", "impaired_fasting_glucose", "act"),
    ("126", "diabetes_range", "act"),
    ("299", "diabetes_range", "act"),
    ("300", "very_high", "urgent"),
]
RANDOM_MMOL = [
    ("2.9", "very_low", "urgent"),
    ("3.0", "low", "watch"),
    ("3.8", "low", "watch"),
    ("3.9", "normal", "fine"),
    ("7.7", "normal", "fine"),
    ("7.8", "needs_test", "act"),
    ("11.0", "needs_test", "act"),
    ("11.1", "diabetes_range", "act"),
    ("16.6", "diabetes_range", "act"),
    ("16.7", "very_high", "urgent"),
]
RANDOM_MGDL = [
    ("53", "very_low", "urgent"),
    ("54", "low", "watch"),
    ("69", "low", "watch"),
    ("70", "normal", "fine"),
    ("139", "normal", "fine"),
    ("140", "needs_test", "act"),
    ("199", "needs_test", "act"),
    ("200", "diabetes_range", "act"),
    ("299", "diabetes_range", "act"),
    ("300", "very_high", "urgent"),
]
BUGS = {
    ("70", "mg/dL"): "reported bug: 70 mg/dL is not low (level 1 is < 70)",
    ("300", "mg/dL"): "reported bug: 300 mg/dL is very high (urgent)",
    ("7.8", "mmol/L"): "reported bug: random 7.8-11.0 mmol/L needs a test, never fine",
    ("11.0", "mmol/L"): "reported bug: random 7.8-11.0 mmol/L needs a test, never fine",
}
for table, unit, facts, kind, base in [
    (FASTING_MMOL, "mmol/L", (fasted(8),), "fasting-8h", WHO2006),
    (FASTING_MGDL, "mg/dL", (fasted(10),), "fasting-10h", WHO2006),
    (RANDOM_MMOL, "mmol/L", (fasted(2),), "random-2h", RANDOM),
    (RANDOM_MGDL, "mg/dL", (fasted(7.9),), "random-7.9h", RANDOM),
]:
    for value, label, level in table:
        note = BUGS.get((value, unit), "")
        case(
            f"glucose-{kind}-{value}-{unit}",
            glucose_source(label, base),
            (*facts, (GLUCOSE, value, unit)),
            GLUCOSE,
            label,
            level,
            note=note,
        )
for value, unit, label in [
    ("9.0", "mmol/L", "needs_test"),
    ("150", "mg/dL", "needs_test"),
    ("6.5", "mmol/L", "normal"),
]:
    case(
        f"glucose-fasting-not-asked-{value}-{unit}-is-random",
        RANDOM,
        ((GLUCOSE, value, unit),),
        GLUCOSE,
        label,
        "act" if label == "needs_test" else "fine",
    )
case(
    "glucose-7.99h-is-not-fasting",
    RANDOM + "; " + WHO2006,
    (fasted(7.99), (GLUCOSE, "6.5", "mmol/L")),
    GLUCOSE,
    "normal",
    "fine",
)
case(
    "glucose-exactly-8h-is-fasting",
    WHO2006,
    (fasted(8), (GLUCOSE, "6.5", "mmol/L")),
    GLUCOSE,
    "impaired_fasting_glucose",
    "act",
)
for value, unit in [("45", "mmol/L"), ("800", "mg/dL"), ("34", "mmol/L")]:
    case(
        f"glucose-confirmed-{value}-{unit}-is-urgent",
        CRISIS,
        (fasted(2), (GLUCOSE, value, unit)),
        GLUCOSE,
        "very_high",
        "urgent",
        note="reported bug: 45 mmol/L and 800 mg/dL are accepted with confirmation and urgent",
    )
for raw, label, flag_label in [("HI", "meter_high", "above"), ("LO", "meter_low", "below")]:
    for unit in ("mmol/L", "mg/dL"):
        case(
            f"glucose-meter-{raw}-{unit}",
            f"{CRISIS}; {ADA_HYPO} (the meter shows {raw}: {flag_label} its range)",
            (fasted(3), (GLUCOSE, raw, unit)),
            GLUCOSE,
            label,
            "urgent",
        )
for reason in ("refused", "not_done", "unable"):
    case(
        f"glucose-{reason}",
        ABSENT,
        ((GLUCOSE, reason, ""),),
        GLUCOSE,
        "absent",
        "neutral",
    )
for facts, value, unit, label, level, advice in [
    ((fasted(2),), "9.0", "mmol/L", "needs_test", "care", "continue_care_diabetes"),
    ((fasted(12),), "8.0", "mmol/L", "diabetes_range", "care", "continue_care_diabetes"),
    ((fasted(12),), "150", "mg/dL", "diabetes_range", "care", "continue_care_diabetes"),
    ((fasted(2),), "16.7", "mmol/L", "very_high", "urgent", None),
    ((fasted(2),), "2.9", "mmol/L", "very_low", "urgent", None),
    ((fasted(2),), "5.0", "mmol/L", "normal", "fine", None),
]:
    case(
        f"glucose-diagnosed-diabetes-{value}-{unit}",
        glucose_source(label, WHO2006) + "; already diagnosed: continue care (advice becomes care)",
        (DM_DIAGNOSED, *facts, (GLUCOSE, value, unit)),
        GLUCOSE,
        label,
        level,
        advice=advice,
    )
for value, unit, label, level in [
    ("5.0", "mmol/L", "normal", "fine"),
    ("5.1", "mmol/L", "gestational_diabetes_range", "act"),
    ("6.9", "mmol/L", "gestational_diabetes_range", "act"),
    ("7.0", "mmol/L", "diabetes_range", "act"),
    ("16.6", "mmol/L", "diabetes_range", "act"),
    ("16.7", "mmol/L", "very_high", "urgent"),
    ("2.9", "mmol/L", "very_low", "urgent"),
    ("3.0", "mmol/L", "low", "watch"),
    ("3.8", "mmol/L", "low", "watch"),
    ("3.9", "mmol/L", "normal", "fine"),
    ("53", "mg/dL", "very_low", "urgent"),
    ("54", "mg/dL", "low", "watch"),
    ("69", "mg/dL", "low", "watch"),
    ("70", "mg/dL", "normal", "fine"),
    ("91", "mg/dL", "normal", "fine"),
    ("92", "mg/dL", "gestational_diabetes_range", "act"),
    ("125", "mg/dL", "gestational_diabetes_range", "act"),
    ("126", "mg/dL", "diabetes_range", "act"),
    ("299", "mg/dL", "diabetes_range", "act"),
    ("300", "mg/dL", "very_high", "urgent"),
]:
    case(
        f"glucose-pregnant-fasting-{value}-{unit}",
        glucose_source(label, WHO2013),
        (PREGNANT, fasted(9), (GLUCOSE, value, unit)),
        GLUCOSE,
        label,
        level,
        age_months=27 * 12,
    )
for value, label in [("7.8", "needs_test"), ("11.1", "diabetes_range")]:
    case(
        f"glucose-pregnant-random-{value}",
        RANDOM + "; " + WHO2013 + " (random >= 11.1 mmol/L: diabetes in pregnancy)",
        (PREGNANT, fasted(1), (GLUCOSE, value, "mmol/L")),
        GLUCOSE,
        label,
        "act",
        age_months=27 * 12,
    )
for years, value, label, level in [
    (10, "5.0", "normal", "fine"),
    (10, "2.8", "very_low", "urgent"),
    (16, "7.2", "diabetes_range", "act"),
]:
    case(
        f"glucose-child-{years}y-fasting-{value}",
        glucose_source(label, WHO2006) + " (the criteria have no age limit)",
        (fasted(10), (GLUCOSE, value, "mmol/L")),
        GLUCOSE,
        label,
        level,
        sex=M,
        age_months=years * 12,
    )

# =======================================================================================
# HbA1c (ADA 2024)
# =======================================================================================
ADA_A1C = (
    "ADA Standards of Care in Diabetes 2024, section 2, Table 2.1 (diabetes: A1C >= 6.5% "
    "[48 mmol/mol]) and Table 2.2 (prediabetes: A1C 5.7-6.4% [39-47 mmol/mol])"
)
for value, unit, label, level in [
    ("5.6", "%", "normal", "fine"),
    ("5.7", "%", "prediabetes", "act"),
    ("6.4", "%", "prediabetes", "act"),
    ("6.5", "%", "diabetes_range", "act"),
    ("38", "mmol/mol", "normal", "fine"),
    ("39", "mmol/mol", "prediabetes", "act"),
    ("47", "mmol/mol", "prediabetes", "act"),
    ("48", "mmol/mol", "diabetes_range", "act"),
]:
    case(f"hba1c-{value}-{unit}", ADA_A1C, ((HBA1C, value, unit),), HBA1C, label, level)
case(
    "hba1c-diagnosed-diabetes-is-care",
    ADA_A1C + "; already diagnosed: continue care",
    (DM_DIAGNOSED, (HBA1C, "7.5", "%")),
    HBA1C,
    "diabetes_range",
    "care",
    advice="continue_care_diabetes",
)
case(
    "hba1c-pregnant-not-classified",
    ADA_A1C + " (the screening cut-offs are not for pregnancy)",
    (PREGNANT, (HBA1C, "5.9", "%")),
    HBA1C,
    "not_classified_pregnancy",
    "neutral",
    age_months=30 * 12,
)
ADA_PREGNANCY = (
    "ADA Standards of Care in Diabetes 2024, section 2: at the first prenatal visit, "
    "undiagnosed diabetes by the standard criteria (A1C >= 6.5% [48 mmol/mol])"
)
for value, unit, label, level in [
    ("6.4", "%", "not_classified_pregnancy", "neutral"),
    ("6.5", "%", "diabetes_range", "act"),
    ("47", "mmol/mol", "not_classified_pregnancy", "neutral"),
    ("48", "mmol/mol", "diabetes_range", "act"),
]:
    case(
        f"hba1c-pregnant-{value}-{unit}",
        ADA_PREGNANCY,
        (PREGNANT, (HBA1C, value, unit)),
        HBA1C,
        label,
        level,
        age_months=30 * 12,
    )

# =======================================================================================
# Total cholesterol (NCEP ATP III)
# =======================================================================================
ATP3 = (
    "NCEP ATP III (Circulation 2002;106:3143), Table II.3-1 / executive summary Table 2: "
    "total cholesterol < 200 mg/dL desirable, 200-239 borderline high, >= 240 high "
    "(< 5.2, 5.2-6.1, >= 6.2 mmol/L)"
)
for value, unit, label, level, note in [
    ("199", "mg/dL", "desirable", "fine", ""),
    ("200", "mg/dL", "borderline_high", "watch", "reported bug: 200 mg/dL is borderline high"),
    ("201", "mg/dL", "borderline_high", "watch", "reported bug: 201 mg/dL is borderline high"),
    ("239", "mg/dL", "borderline_high", "watch", ""),
    ("240", "mg/dL", "high", "act", ""),
    ("5.1", "mmol/L", "desirable", "fine", ""),
    ("5.2", "mmol/L", "borderline_high", "watch", ""),
    ("6.1", "mmol/L", "borderline_high", "watch", ""),
    ("6.2", "mmol/L", "high", "act", ""),
    ("7.5", "mmol/L", "high", "act", ""),
]:
    case(
        f"cholesterol-{value}-{unit}",
        ATP3,
        ((CHOL, value, unit),),
        CHOL,
        label,
        level,
        sex=M,
        note=note,
    )
for years in (10, 16, 17):
    case(
        f"cholesterol-{years}y-not-on-adult-bands",
        ATP3 + " (adult panel; children have their own cut-offs)",
        ((CHOL, "250", "mg/dL"),),
        CHOL,
        "not_classified_child",
        "neutral",
        age_months=years * 12,
    )
case("cholesterol-not-done", ABSENT, ((CHOL, "not_done", ""),), CHOL, "absent", "neutral")

# =======================================================================================
# Waist (WHO 2008)
# =======================================================================================
WAIST_SRC = (
    "WHO Waist circumference and waist-hip ratio, report of an expert consultation "
    "(Geneva, 8-11 December 2008), Table 5.1: increased risk men > 94 cm, women > 80 cm; "
    "substantially increased men > 102 cm, women > 88 cm"
)
for sex, value, label, level, note in [
    (M, "93.9", "normal", "fine", ""),
    (M, "94", "normal", "fine", "reported bug: exactly 94 cm (men) is not increased"),
    (M, "94.1", "waist_above", "watch", ""),
    (M, "102", "waist_above", "watch", ""),
    (M, "102.1", "waist_well_above", "act", ""),
    ("female", "79.9", "normal", "fine", ""),
    ("female", "80", "normal", "fine", "reported bug: exactly 80 cm (women) is not increased"),
    ("female", "80.1", "waist_above", "watch", ""),
    ("female", "88", "waist_above", "watch", ""),
    ("female", "88.1", "waist_well_above", "act", ""),
]:
    case(
        f"waist-{sex}-{value}",
        WAIST_SRC,
        ((WAIST, value, "cm"),),
        WAIST,
        label,
        level,
        sex=sex,
        note=note,
    )
case(
    "waist-pregnant-not-classified",
    WAIST_SRC + " (not for pregnancy)",
    (PREGNANT, (WAIST, "95", "cm")),
    WAIST,
    "not_classified_pregnancy",
    "neutral",
    age_months=30 * 12,
)
for years in (10, 16, 17):
    case(
        f"waist-{years}y-not-on-adult-bands",
        WAIST_SRC + " (adult cut-offs)",
        ((WAIST, "95", "cm"),),
        WAIST,
        "not_classified_child",
        "neutral",
        sex=M,
        age_months=years * 12,
    )
case("waist-unable", ABSENT, ((WAIST, "unable", ""),), WAIST, "absent", "neutral")

# =======================================================================================
# BMI, adults (WHO)
# =======================================================================================
WHO_BMI = (
    "WHO Obesity: preventing and managing the global epidemic (TRS 894, 2000), Table 2.1; "
    "WHO BMI classification: severe thinness < 16.0, underweight < 18.5, normal 18.5-24.9, "
    "pre-obese 25.0-29.9, obese class I-II 30.0-39.9, obese class III >= 40.0 kg/m2"
)
for value, label, level in [
    (15.9, "severe_thinness", "act"),
    (16.0, "underweight", "watch"),
    (18.4, "underweight", "watch"),
    (18.5, "normal", "fine"),
    (24.9, "normal", "fine"),
    (25.0, "overweight", "watch"),
    (29.9, "overweight", "watch"),
    (30.0, "obesity", "act"),
    (39.9, "obesity", "act"),
    (40.0, "severe_obesity", "act"),
]:
    case(f"bmi-adult-{value}", WHO_BMI, body(value), BMI, label, level)
case(
    "bmi-adult-weight-in-pounds-height-in-metres",
    WHO_BMI,
    ((HEIGHT, "1.8", "m"), (WEIGHT, "200", "[lb_av]")),  # 90.7 kg / 3.24 m2 = 28.0
    BMI,
    "overweight",
    "watch",
    sex=M,
)
case(
    "bmi-adult-weight-in-grams",
    WHO_BMI,
    ((HEIGHT, "160", "cm"), (WEIGHT, "80000", "g")),  # 31.25
    BMI,
    "obesity",
    "act",
)
case(
    "bmi-pregnant-not-classified",
    WHO_BMI + " (not for pregnancy)",
    (PREGNANT, *body(31.0, 165)),
    BMI,
    "not_classified_pregnancy",
    "neutral",
    age_months=30 * 12,
)
case("bmi-19y-adult-bands", WHO_BMI, body(24.0, 175), BMI, "normal", "fine", sex=M, age_months=230)

# =======================================================================================
# BMI-for-age, 5-19 years (WHO 2007)
# =======================================================================================
WHO2007 = (
    "WHO growth reference 5-19 years (de Onis et al., Bull WHO 2007;85:660), BMI-for-age "
    "z-score tables (bmi_boys/girls_z_WHO2007_exp): severe thinness < -3 SD, thinness "
    "< -2 SD, overweight > +1 SD, obesity > +2 SD"
)
CHILD_BMI = {
    # (sex, months): the five bands, a BMI well inside each (the table's -3/-2/+1/+2 SD)
    ("male", 66): (11.5, 12.5, 15.3, 17.5, 19.5),  # 12.1 / 13.0 / 16.7 / 18.4
    ("female", 120): (12.0, 13.0, 16.6, 20.5, 24.0),  # 12.4 / 13.5 / 19.0 / 22.6
    ("male", 120): (12.3, 13.3, 16.4, 20.0, 23.0),  # 12.8 / 13.7 / 18.5 / 21.4
    ("male", 192): (13.8, 16.0, 20.0, 25.0, 30.0),  # 15.1 / 16.5 / 23.5 / 27.9
    ("female", 192): (13.8, 15.4, 20.0, 26.0, 31.0),  # 14.6 / 16.2 / 24.1 / 28.9
    ("male", 204): (14.5, 16.3, 21.0, 26.0, 30.0),  # 15.4 / 16.9 / 24.3 / 28.6
    ("female", 204): (14.0, 15.5, 21.0, 26.5, 31.0),  # 14.7 / 16.4 / 24.5 / 29.3
}
CHILD_LEVELS = (
    ("child_thinness_severe", "act"),
    ("child_thinness", "act"),
    ("child_normal", "fine"),
    ("child_overweight", "watch"),
    ("child_obesity", "act"),
)
for (sex, months), values in CHILD_BMI.items():
    height = 110.0 if months < 100 else 140.0 if months < 150 else 165.0
    for value, (label, level) in zip(values, CHILD_LEVELS, strict=True):
        note = ""
        if months == 192 and value == 13.8:
            note = "reported bug: a 16-year-old (192 months) with BMI 13.8 is flagged"
        case(
            f"bmi-child-{sex}-{months}m-{value}",
            WHO2007,
            body(value, height),
            BMI,
            label,
            level,
            sex=sex,
            age_months=months,
            note=note,
        )
case(
    "bmi-18y-still-on-growth-reference",
    WHO2007 + " (boys 216 months: -2 SD 17.3)",
    body(17.0, 178),
    BMI,
    "child_thinness",
    "act",
    sex=M,
    age_months=216,
)
case(
    "bmi-under-5-not-classified",
    WHO2007 + " (starts at 61 months)",
    body(15.0, 95),
    BMI,
    "not_classified_under_5",
    "neutral",
    age_months=36,
)
case(
    "bmi-pregnant-17y-not-classified",
    WHO2007 + " (not for pregnancy)",
    (PREGNANT, *body(22.0, 160)),
    BMI,
    "not_classified_pregnancy",
    "neutral",
    age_months=204,
)

# =======================================================================================
# Distance vision (WHO)
# =======================================================================================
WHO_VISION = (
    "WHO World report on vision (2019) / ICD-11 9D90, distance vision impairment: mild worse "
    "than 6/12 (logMAR 0.3) to 6/18 (0.48); moderate worse than 6/18 to 6/60 (1.0); "
    "severe worse than 6/60 to 3/60 (1.3); blindness worse than 3/60"
)
for value, unit, label in [
    ("-0.1", "{logMAR}", "normal"),
    ("0.0", "{logMAR}", "normal"),
    ("0.3", "{logMAR}", "normal"),
    ("0.32", "{logMAR}", "mild_impairment"),
    ("0.48", "{logMAR}", "mild_impairment"),
    ("0.5", "{logMAR}", "moderate_impairment"),
    ("1.0", "{logMAR}", "moderate_impairment"),
    ("1.02", "{logMAR}", "severe_impairment"),
    ("1.3", "{logMAR}", "severe_impairment"),
    ("1.32", "{logMAR}", "blindness_range"),
    ("6/6", "snellen", "normal"),
    ("6/12", "snellen", "normal"),
    ("6/18", "snellen", "mild_impairment"),
    ("6/24", "snellen", "moderate_impairment"),
    ("6/60", "snellen", "moderate_impairment"),
    ("5/60", "snellen", "severe_impairment"),
    ("3/60", "snellen", "severe_impairment"),
    ("2/60", "snellen", "blindness_range"),
    ("20/40", "snellen", "normal"),
    ("20/50", "snellen", "mild_impairment"),
    ("20/70", "snellen", "moderate_impairment"),
    ("20/200", "snellen", "moderate_impairment"),
    ("20/400", "snellen", "severe_impairment"),
]:
    case(
        f"vision-right-{value}-{unit.strip('{}')}",
        WHO_VISION,
        ((VA_RIGHT, value, unit),),
        VA_RIGHT,
        label,
        "fine" if label == "normal" else "act",
        age_months=50 * 12,
    )
for value, label in [
    ("0.3", "normal"),
    ("0.32", "mild_impairment"),
    ("0.48", "mild_impairment"),
    ("0.5", "moderate_impairment"),
    ("1.0", "moderate_impairment"),
    ("1.02", "severe_impairment"),
    ("1.3", "severe_impairment"),
    ("1.32", "blindness_range"),
]:
    case(
        f"vision-left-{value}-logMAR",
        WHO_VISION,
        ((VA_LEFT, value, "{logMAR}"),),
        VA_LEFT,
        label,
        "fine" if label == "normal" else "act",
        sex=M,
        age_months=70 * 12,
    )
case(
    "vision-left-with-glasses-6/36",
    WHO_VISION,
    ((VA_GLASSES, "yes", ""), (VA_LEFT, "6/36", "snellen")),
    VA_LEFT,
    "moderate_impairment",
    "act",
    age_months=50 * 12,
)
case(
    "vision-child-10y-6/60",
    WHO_VISION + " (the categories have no age limit)",
    ((VA_RIGHT, "6/60", "snellen"),),
    VA_RIGHT,
    "moderate_impairment",
    "act",
    sex=M,
    age_months=10 * 12,
    note="ICD-11 9D90 / World report on vision: the categories apply at every age; a "
    "10-year-old who sees 6/60 has moderate impairment and needs an eye examination",
)

# =======================================================================================
# Blood group (a fact for the record, never a reason to go anywhere)
# =======================================================================================
BLOOD_GROUP = "Blood group is recorded for the person's own records: no band, no action"
for abo, rh in [("O", "positive"), ("AB", "negative"), ("A", "positive")]:
    case(
        f"blood-group-{abo}-{rh}-abo",
        BLOOD_GROUP,
        ((ABO, abo, ""), (RH, rh, "")),
        ABO,
        "recorded",
        "neutral",
        sex=M,
        note="reported bug: blood group O positive is neutral" if abo == "O" else "",
    )
    case(
        f"blood-group-{abo}-{rh}-rh",
        BLOOD_GROUP,
        ((ABO, abo, ""), (RH, rh, "")),
        RH,
        "recorded",
        "neutral",
        sex=M,
    )
case(
    "rh-negative-pregnant-tells-midwife",
    "NICE NG201 Antenatal care (2021), 1.2.21: offer anti-D prophylaxis to Rh-negative women",
    (PREGNANT, (RH, "negative", "")),
    RH,
    "rh_negative_pregnant",
    "care",  # tell the midwife at the next antenatal visit, as the next step says
    age_months=25 * 12,
)
