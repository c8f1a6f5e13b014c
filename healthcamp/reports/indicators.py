"""The indicators a programme report publishes: code, title, definition in words,
numerator and denominator, source, and the fixed dimensions it may be broken down by."""

from __future__ import annotations

from dataclasses import dataclass

from healthcamp.purposes import CONSENT_PURPOSES
from healthcamp.reports.statistics import WHO_STANDARD_SOURCE

DIMENSIONS = ("site", "sex", "age_band", "month", "day", "urgency", "answer")
MAX_DIMENSIONS = 2

RULES = "healthcamp's clinical rules, one decision per visit (healthcamp/clinical/visit.py)"
PERSON_LEVEL = (
    " Each person counts once, in the site, month and age band of their latest visit that "
    "decided it."
)


@dataclass(frozen=True)
class Indicator:
    code: str
    title: str
    definition: str
    numerator: str
    denominator: str  # "" for a count
    source: str
    kind: str  # count | proportion | median
    unit: str  # what one counted thing is: people, visits, referrals
    dimensions: tuple[str, ...]
    default_by: tuple[str, ...] = ()
    standardised: bool = False
    min_age: int = 0  # the age bands shown start at the band holding this age
    alone: tuple[str, ...] = ()  # dimensions never crossed with another (a day)

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "title": self.title,
            "definition": self.definition,
            "numerator": self.numerator,
            "denominator": self.denominator or None,
            "source": self.source,
            "kind": self.kind,
            "unit": self.unit,
            "dimensions": list(self.dimensions),
            "age_standardised": self.standardised,
        }


_PLACES = ("site", "sex", "age_band", "month")


def _prevalence(
    code: str, title: str, condition: str, who: str, source: str, min_age: int
) -> list[Indicator]:
    crude = Indicator(
        code=code,
        title=title,
        definition=f"Share of {who} with {condition}, as the clinical rules decided at their "
        f"latest visit that measured it.{PERSON_LEVEL} Wilson 95 % interval.",
        numerator=f"{who.capitalize()} with {condition}",
        denominator=f"{who.capitalize()} for whom it was decided",
        source=f"{source}; {RULES}",
        kind="proportion",
        unit="people",
        dimensions=_PLACES,
        default_by=("site",),
        min_age=min_age,
    )
    standardised = Indicator(
        code=f"{code}_std",
        title=f"{title}, age-standardised",
        definition=f"{crude.definition[: -len(' Wilson 95 % interval.')]} Directly age-"
        "standardised to the WHO World Standard Population over the five-year age bands "
        "present (weights rescaled to them); normal-approximation 95 % interval. The "
        "numerator and denominator shown are the crude counts it is computed from.",
        numerator=crude.numerator,
        denominator=crude.denominator,
        source=f"{crude.source}; {WHO_STANDARD_SOURCE}",
        kind="proportion",
        unit="people",
        dimensions=("site", "sex", "month"),
        default_by=("site",),
        standardised=True,
        min_age=min_age,
    )
    return [crude, standardised]


ADULTS = "adults (18 years or older at the visit)"

_LIST: list[Indicator] = [
    Indicator(
        code="registered",
        title="People registered",
        definition="People registered in the programme who agree to programme statistics, "
        "by their sex, their age band when registered, and the month or day they registered.",
        numerator="People registered",
        denominator="",
        source="The programme's registrations (registry)",
        kind="count",
        unit="people",
        dimensions=("sex", "age_band", "month", "day"),
        default_by=("sex",),
        alone=("day",),
    ),
    Indicator(
        code="screened",
        title="People screened",
        definition="People with at least one measurement (a value, not a refusal), each "
        "counted once, at their first visit with one: its site, day or month, and their age "
        "band that day.",
        numerator="People with at least one measurement",
        denominator="",
        source=f"Visits' recorded values; {RULES}",
        kind="count",
        unit="people",
        dimensions=("site", "sex", "age_band", "month", "day"),
        default_by=("site",),
        alone=("day",),
    ),
    *_prevalence(
        "raised_bp",
        "Raised blood pressure",
        "raised blood pressure: office blood pressure at or above 140/90 mmHg (the mean of the "
        "last two readings, ESH 2023 protocol) or a diagnosis of hypertension (on treatment)",
        ADULTS,
        "ESH 2023 Guidelines, Table 5 (office blood pressure); NICE NG133 in pregnancy",
        18,
    ),
    *_prevalence(
        "diabetes",
        "Blood sugar in the diabetes range",
        "blood sugar in the diabetes range (fasting glucose at or above 7.0 mmol/L, random "
        "glucose at or above 11.1 mmol/L, HbA1c at or above 6.5 %) or a diagnosis of diabetes",
        f"{ADULTS} with a glucose or HbA1c result or a diabetes diagnosis",
        "WHO/IDF 2006 (glucose); ADA Standards of Care 2024, Table 2.2 (HbA1c)",
        18,
    ),
    *_prevalence(
        "overweight",
        "Overweight (including obesity)",
        "overweight or obesity: BMI at or above 25 kg/m2 from 19 years; above +1 SD of the WHO "
        "2007 BMI-for-age reference from 5 to 18 years",
        "people (5 years or older) with a classified BMI",
        "WHO TRS 894 (adult BMI); WHO 2007 growth reference (BMI-for-age)",
        5,
    ),
    *_prevalence(
        "obesity",
        "Obesity",
        "obesity: BMI at or above 30 kg/m2 from 19 years; above +2 SD of the WHO 2007 "
        "BMI-for-age reference from 5 to 18 years",
        "people (5 years or older) with a classified BMI",
        "WHO TRS 894 (adult BMI); WHO 2007 growth reference (BMI-for-age)",
        5,
    ),
    *_prevalence(
        "raised_cholesterol",
        "Raised total cholesterol",
        "total cholesterol at or above 240 mg/dL (6.2 mmol/L), 'high' in NCEP ATP III",
        f"{ADULTS} with a total cholesterol result",
        "NCEP ATP III (Circulation 2002;106:3143), Table II.3-1",
        18,
    ),
    Indicator(
        code="results_returned",
        title="Results returned",
        definition="Share of visits with at least one measurement whose results letter "
        "reached the person (handed, printed or sent; or the person declined it). Wilson 95 % "
        "interval.",
        numerator="Visits whose results were returned",
        denominator="Visits with at least one measurement",
        source="Results returns recorded at the desk",
        kind="proportion",
        unit="visits",
        dimensions=_PLACES,
        default_by=("site",),
    ),
    Indicator(
        code="days_to_return",
        title="Days until results were returned (median)",
        definition="Median number of days from the visit to the day its results reached the "
        "person, over visits whose results were returned; the count shown is those visits.",
        numerator="Visits whose results were returned",
        denominator="",
        source="Results returns recorded at the desk",
        kind="median",
        unit="visits",
        dimensions=_PLACES,
        default_by=("site",),
    ),
    Indicator(
        code="referrals_attended_30d",
        title="Referrals attended within 30 days",
        definition="Share of visits whose decision referred the person (its most pressing "
        "referral: urgent, soon or routine) where a referral was marked attended within 30 "
        "days of the visit. Wilson 95 % interval.",
        numerator="Visits whose referral was attended within 30 days",
        denominator="Visits with a referral",
        source=f"Referrals made by the visit's decision and their follow-up; {RULES}",
        kind="proportion",
        unit="visits",
        dimensions=("urgency", *_PLACES),
        default_by=("urgency",),
    ),
    Indicator(
        code="critical_same_day",
        title="Critical values acted on the same day",
        definition="Share of visits with a critical value (a result at the clinical rules' "
        "urgent level, which raises the station's alarm and refers the person urgently on the "
        "spot) whose urgent referral was marked attended on the day of the visit. Wilson 95 % "
        "interval.",
        numerator="Visits with a critical value whose urgent referral was attended the same day",
        denominator="Visits with a critical value",
        source=f"Critical values and their urgent referrals' follow-up; {RULES}",
        kind="proportion",
        unit="visits",
        dimensions=_PLACES,
        default_by=("site",),
    ),
    Indicator(
        code="bp_controlled",
        title="BP controlled (HEARTS / Simple)",
        definition="As Simple (HEARTS) states it: hypertension patients with BP <140/90 at "
        "their last visit in the last 3 months, among hypertension patients registered before "
        "the last 3 months, lost to follow-up (no visit in the last 12 months) excluded. Here: "
        "adults first found with raised blood pressure (or on treatment) at a visit before the "
        "last 3 calendar months, with a visit in the last 12 months; controlled when the "
        "office blood pressure at their latest visit in the last 3 months was below 140/90 "
        "mmHg (a latest visit without a reading, or no visit, is not controlled). Counted as "
        "of the day the report is computed, in the sex and age band of their latest visit. "
        "Wilson 95 % interval.",
        numerator="Patients with BP <140/90 at their last visit in the last 3 months",
        denominator="Hypertension patients registered before the last 3 months, with a visit "
        "in the last 12 months",
        source="Simple.org / HEARTS dashboard, 'BP controlled' (simpledotorg/simple-server, "
        "config/locales/en.yml: bp_controlled_copy, denominator_copy); WHO HEARTS technical "
        "package, Systems for monitoring; the rules' office blood pressure class",
        kind="proportion",
        unit="people",
        dimensions=("sex", "age_band"),
        default_by=("sex",),
        min_age=18,
    ),
    *[
        Indicator(
            code=f"consent_{purpose.value}",
            title=f"Consent to {purpose.value.replace('_', ' ')}",
            definition=f"People by their answer on {purpose.value.replace('_', ' ')} under "
            "their current consent: yes, no, or yes and later withdrawn, among the people who "
            "agree to programme statistics (no one else is counted in any report).",
            numerator="People",
            denominator="",
            source="Consent records (each person's newest consent)",
            kind="count",
            unit="people",
            dimensions=("answer", "sex", "age_band"),
            default_by=("answer",),
        )
        for purpose in CONSENT_PURPOSES
    ],
]

INDICATORS: dict[str, Indicator] = {i.code: i for i in _LIST}
