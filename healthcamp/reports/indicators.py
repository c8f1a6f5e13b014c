"""The indicators a programme report publishes: code, title, definition in words,
numerator and denominator, source, and the fixed dimensions it may be broken down by."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from healthcamp.purposes import CONSENT_PURPOSES
from healthcamp.reports.statistics import WHO_STANDARD_SOURCE
from healthcamp.reports.words import PURPOSES, StrOrPromise, fill, number

DIMENSIONS = ("site", "sex", "age_band", "month", "day", "urgency", "answer")
MAX_DIMENSIONS = 2

RULES = "healthcamp's clinical rules, one decision per visit (healthcamp/clinical/visit.py)"


@dataclass(frozen=True)
class Indicator:
    code: str
    # Words in the active language when shown (lazy): str() them to read them.
    title: StrOrPromise
    definition: StrOrPromise
    numerator: StrOrPromise
    denominator: StrOrPromise  # "" for a count
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
            "title": str(self.title),
            "definition": str(self.definition),
            "numerator": str(self.numerator),
            "denominator": str(self.denominator) or None,
            "source": self.source,
            "kind": self.kind,
            "unit": self.unit,
            "dimensions": list(self.dimensions),
            "age_standardised": self.standardised,
        }


_PLACES = ("site", "sex", "age_band", "month")


def _prevalence(
    code: str,
    title: StrOrPromise,
    condition: StrOrPromise,
    who: StrOrPromise,
    source: str,
    min_age: int,
) -> list[Indicator]:
    crude = Indicator(
        code=code,
        title=title,
        # Translators: who is a group of people ("adults (18 years or older at the
        # visit)"), condition what was found ("raised blood pressure: ...").
        definition=fill(
            _(
                "Share of %(who)s with %(condition)s, as the clinical rules decided at their "
                "latest visit that measured it. Each person counts once, in the site, month "
                "and age band of their latest visit that decided it. Wilson 95 %% interval."
            ),
            who=who,
            condition=condition,
        ),
        # Translators: the people counted in a prevalence (who and condition as above).
        numerator=fill(_("%(who)s with %(condition)s"), capital=True, who=who, condition=condition),
        denominator=fill(_("%(who)s for whom it was decided"), capital=True, who=who),
        source=f"{source}; {RULES}",
        kind="proportion",
        unit="people",
        dimensions=_PLACES,
        default_by=("site",),
        min_age=min_age,
    )
    standardised = Indicator(
        code=f"{code}_std",
        # Translators: title is an indicator's title ("Raised blood pressure").
        title=fill(_("%(title)s, age-standardised"), title=title),
        definition=fill(
            _(
                "Share of %(who)s with %(condition)s, as the clinical rules decided at their "
                "latest visit that measured it. Each person counts once, in the site, month "
                "and age band of their latest visit that decided it. Directly age-standardised "
                "to the WHO World Standard Population over the five-year age bands present "
                "(weights rescaled to them); normal-approximation 95 %% interval. The "
                "numerator and denominator shown are the crude counts it is computed from."
            ),
            who=who,
            condition=condition,
        ),
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


ADULTS = pgettext_lazy("report: who", "adults (18 years or older at the visit)")

_LIST: list[Indicator] = [
    Indicator(
        code="registered",
        title=pgettext_lazy("report indicator", "People registered"),
        definition=_(
            "People registered in the programme who agree to programme statistics, "
            "by their sex, their age band when registered, and the month or day they registered."
        ),
        numerator=_("People registered"),
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
        title=pgettext_lazy("report indicator", "People screened"),
        definition=_(
            "People with at least one measurement (a value, not a refusal), each "
            "counted once, at their first visit with one: its site, day or month, and their age "
            "band that day."
        ),
        numerator=_("People with at least one measurement"),
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
        pgettext_lazy("report indicator", "Raised blood pressure"),
        pgettext_lazy(
            "report: condition",
            "raised blood pressure: office blood pressure at or above 140/90 mmHg (the mean of the "
            "last two readings, ESH 2023 protocol) or a diagnosis of hypertension (on treatment)",
        ),
        ADULTS,
        "ESH 2023 Guidelines, Table 5 (office blood pressure); NICE NG133 in pregnancy",
        18,
    ),
    *_prevalence(
        "diabetes",
        pgettext_lazy("report indicator", "Blood sugar in the diabetes range"),
        fill(
            pgettext_lazy(
                "report: condition",
                "blood sugar in the diabetes range (fasting glucose at or above %(fasting)s "
                "mmol/L, random glucose at or above %(random)s mmol/L, HbA1c at or above "
                "%(hba1c)s %%) or a diagnosis of diabetes",
            ),
            fasting=number("7.0"),
            random=number("11.1"),
            hba1c=number("6.5"),
        ),
        fill(
            pgettext_lazy(
                "report: who", "%(adults)s with a glucose or HbA1c result or a diabetes diagnosis"
            ),
            adults=ADULTS,
        ),
        "WHO/IDF 2006 (glucose); ADA Standards of Care 2024, Table 2.2 (HbA1c)",
        18,
    ),
    *_prevalence(
        "overweight",
        pgettext_lazy("report indicator", "Overweight (including obesity)"),
        pgettext_lazy(
            "report: condition",
            "overweight or obesity: BMI at or above 25 kg/m2 from 19 years; above +1 SD of the WHO "
            "2007 BMI-for-age reference from 5 to 18 years",
        ),
        pgettext_lazy("report: who", "people (5 years or older) with a classified BMI"),
        "WHO TRS 894 (adult BMI); WHO 2007 growth reference (BMI-for-age)",
        5,
    ),
    *_prevalence(
        "obesity",
        pgettext_lazy("report indicator", "Obesity"),
        pgettext_lazy(
            "report: condition",
            "obesity: BMI at or above 30 kg/m2 from 19 years; above +2 SD of the WHO 2007 "
            "BMI-for-age reference from 5 to 18 years",
        ),
        pgettext_lazy("report: who", "people (5 years or older) with a classified BMI"),
        "WHO TRS 894 (adult BMI); WHO 2007 growth reference (BMI-for-age)",
        5,
    ),
    *_prevalence(
        "raised_cholesterol",
        pgettext_lazy("report indicator", "Raised total cholesterol"),
        fill(
            pgettext_lazy(
                "report: condition",
                "total cholesterol at or above 240 mg/dL (%(mmol)s mmol/L), 'high' in NCEP ATP III",
            ),
            mmol=number("6.2"),
        ),
        fill(
            pgettext_lazy("report: who", "%(adults)s with a total cholesterol result"),
            adults=ADULTS,
        ),
        "NCEP ATP III (Circulation 2002;106:3143), Table II.3-1",
        18,
    ),
    Indicator(
        code="results_returned",
        title=pgettext_lazy("report indicator", "Results returned"),
        definition=fill(
            _(
                "Share of visits with at least one measurement whose results letter "
                "reached the person (handed, printed or sent; or the person declined it). "
                "Wilson 95 %% "
                "interval."
            )
        ),
        numerator=_("Visits whose results were returned"),
        denominator=_("Visits with at least one measurement"),
        source="Results returns recorded at the desk",
        kind="proportion",
        unit="visits",
        dimensions=_PLACES,
        default_by=("site",),
    ),
    Indicator(
        code="days_to_return",
        title=pgettext_lazy("report indicator", "Days until results were returned (median)"),
        definition=_(
            "Median number of days from the visit to the day its results reached the "
            "person, over visits whose results were returned; the count shown is those visits."
        ),
        numerator=_("Visits whose results were returned"),
        denominator="",
        source="Results returns recorded at the desk",
        kind="median",
        unit="visits",
        dimensions=_PLACES,
        default_by=("site",),
    ),
    Indicator(
        code="referrals_attended_30d",
        title=pgettext_lazy("report indicator", "Referrals attended within 30 days"),
        definition=fill(
            _(
                "Share of visits whose decision referred the person (its most pressing "
                "referral: urgent, soon or routine) where a referral was marked attended within 30 "
                "days of the visit. Wilson 95 %% interval."
            )
        ),
        numerator=_("Visits whose referral was attended within 30 days"),
        denominator=_("Visits with a referral"),
        source=f"Referrals made by the visit's decision and their follow-up; {RULES}",
        kind="proportion",
        unit="visits",
        dimensions=("urgency", *_PLACES),
        default_by=("urgency",),
    ),
    Indicator(
        code="critical_same_day",
        title=pgettext_lazy("report indicator", "Critical values acted on the same day"),
        definition=fill(
            _(
                "Share of visits with a critical value (a result at the clinical rules' "
                "urgent level, which raises the station's alarm and refers the person urgently "
                "on the "
                "spot) whose urgent referral was marked attended on the day of the visit. "
                "Wilson 95 %% "
                "interval."
            )
        ),
        numerator=_("Visits with a critical value whose urgent referral was attended the same day"),
        denominator=_("Visits with a critical value"),
        source=f"Critical values and their urgent referrals' follow-up; {RULES}",
        kind="proportion",
        unit="visits",
        dimensions=_PLACES,
        default_by=("site",),
    ),
    Indicator(
        code="bp_controlled",
        title=pgettext_lazy("report indicator", "BP controlled (HEARTS / Simple)"),
        definition=fill(
            _(
                "As Simple (HEARTS) states it: hypertension patients with BP <140/90 at "
                "their last visit in the last 3 months, among hypertension patients registered "
                "before "
                "the last 3 months, lost to follow-up (no visit in the last 12 months) "
                "excluded. Here: "
                "adults first found with raised blood pressure (or on treatment) at a visit "
                "before the "
                "last 3 calendar months, with a visit in the last 12 months; controlled when the "
                "office blood pressure at their latest visit in the last 3 months was below 140/90 "
                "mmHg (a latest visit without a reading, or no visit, is not controlled). "
                "Counted as "
                "of the day the report is computed, in the sex and age band of their latest visit. "
                "Wilson 95 %% interval."
            )
        ),
        numerator=_("Patients with BP <140/90 at their last visit in the last 3 months"),
        denominator=_(
            "Hypertension patients registered before the last 3 months, with a visit "
            "in the last 12 months"
        ),
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
            # Translators: purpose is what the person was asked ("Programme statistics").
            title=fill(_("Consent to: %(purpose)s"), purpose=PURPOSES[purpose.value]),
            definition=fill(
                _(
                    "People by their answer on %(purpose)s under their current consent: yes, "
                    "no, or yes and later withdrawn, among the people who agree to programme "
                    "statistics (no one else is counted in any report)."
                ),
                purpose=PURPOSES[purpose.value],
            ),
            numerator=_("People"),
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
