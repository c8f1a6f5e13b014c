"""Every indicator computed by hand on a small synthetic programme (issue 11).

The programmes are written straight into the tables (tests/reports_programme.py); the
expected figures are counted here from the people listed, and the intervals come from
scipy's own Wilson interval, not healthcamp's.
"""

from __future__ import annotations

from datetime import date

import pytest
from scipy.stats import binomtest

from healthcamp.reports import services as reports
from healthcamp.reports.models import ReportPolicy
from healthcamp.services import programmes
from tests.reports_programme import Person, Visit, build

pytestmark = pytest.mark.django_db

MARKET, RIVER = "Market Hall", "River Clinic"
DAY = date(2026, 3, 10)
# The WHO World Standard Population (2000-2025), per cent, for the bands used here.
WHO = {"15-19": 8.47, "40-44": 6.59, "60-64": 3.72, "5-9": 8.69, "10-14": 8.60}


@pytest.fixture
def camp(coordinator, analyst, programme, document):
    """The programme, a second site, k = 5 (the smallest a programme may choose)."""
    programmes.site_create(actor=coordinator.actor, programme_id=programme.id, name=RIVER)
    ReportPolicy.objects.create(programme_id=programme.id, k=5)

    def add(people: list[Person]) -> None:
        build(programme.id, document.id, coordinator.actor.staff_id, people)

    def table(code: str, by: str | None = None) -> dict:
        return reports.indicator_table(
            actor=analyst.actor, programme_id=programme.id, code=code, by=by
        ).as_dict()

    return add, table


def wilson(n: int, d: int) -> list[float]:
    ci = binomtest(n, d).proportion_ci(method="wilson")
    return [round(ci.low, 4), round(ci.high, 4)]


def cell(table: dict, **group: str) -> dict:
    every = table["cells"] + table["margins"]
    return next(c for c in every if c["group"] == group)


def people(n: int, sex: str, band: str, site: str, **visit: object) -> list[Person]:
    return [Person(sex, band, [Visit(site, DAY, **visit)]) for _ in range(n)]  # type: ignore[arg-type]


def test_raised_blood_pressure_crude_by_sex_and_site(camp) -> None:
    add, table = camp
    add(
        people(2, "female", "40-44", MARKET, raised_bp=True)
        + people(3, "female", "40-44", MARKET, raised_bp=False)
        + people(3, "female", "40-44", RIVER, raised_bp=True)
        + people(3, "female", "40-44", RIVER, raised_bp=False)
        + people(5, "male", "60-64", MARKET, raised_bp=True)
        + people(5, "male", "60-64", MARKET, raised_bp=False)
        # Not counted: no consent to statistics, or a child, or never measured.
        + [Person("male", "60-64", [Visit(MARKET, DAY, raised_bp=True)], statistics=False)] * 5
        + people(1, "female", "15-19", MARKET, raised_bp=True, adult=False)
        + people(1, "female", "40-44", MARKET)
    )
    total = table("raised_bp")
    assert total["counted"] == 23
    assert total["not_counted"] == 5
    # 10 of 21 adults with a decided blood pressure.
    assert cell(total) == {
        "group": {},
        "numerator": 10,
        "denominator": 21,
        "value": round(10 / 21, 4),
        "ci": wilson(10, 21),
        "suppressed": False,
    }
    by_sex = table("raised_bp", "sex")
    assert cell(by_sex, sex="female")["numerator"] == 5
    assert cell(by_sex, sex="female")["denominator"] == 11
    assert cell(by_sex, sex="female")["ci"] == wilson(5, 11)
    assert cell(by_sex, sex="male")["value"] == 0.5
    assert cell(by_sex, sex="other") == {
        "group": {"sex": "other"},
        "numerator": 0,
        "denominator": 0,
        "value": None,
        "ci": None,
        "suppressed": False,
    }
    # River Clinic: 3 of 6 - a numerator under k, so it is suppressed; Market Hall with it,
    # or the total would give River away.
    by_site = table("raised_bp", "site")
    assert cell(by_site, site=RIVER)["suppressed"]
    assert cell(by_site, site=MARKET)["suppressed"]
    assert cell(by_site)["numerator"] == 10


def test_age_standardised_prevalence_uses_the_who_world_standard(camp) -> None:
    add, table = camp
    add(
        people(5, "female", "40-44", MARKET, raised_bp=True)
        + people(6, "female", "40-44", MARKET, raised_bp=False)
        + people(5, "male", "60-64", MARKET, raised_bp=True)
        + people(5, "male", "60-64", MARKET, raised_bp=False)
    )
    found = cell(table("raised_bp_std"))
    weights = WHO["40-44"] + WHO["60-64"]
    rate = (WHO["40-44"] * 5 / 11 + WHO["60-64"] * 5 / 10) / weights
    variance = (WHO["40-44"] / weights) ** 2 * (5 / 11) * (6 / 11) / 11 + (
        WHO["60-64"] / weights
    ) ** 2 * 0.25 / 10
    half = 1.959963984540054 * variance**0.5
    assert found["numerator"] == 10
    assert found["denominator"] == 21
    assert found["value"] == round(rate, 4)
    assert found["ci"] == [round(rate - half, 4), round(rate + half, 4)]
    # The crude rate differs: the young band weighs more in the standard population.
    assert cell(table("raised_bp"))["value"] == round(10 / 21, 4) != found["value"]


def test_diabetes_range_or_diagnosis_at_the_latest_visit(camp) -> None:
    add, table = camp
    earlier, later = date(2026, 1, 5), date(2026, 3, 5)
    changed = Person(
        "female",
        "40-44",
        [Visit(MARKET, earlier, diabetes_range=True), Visit(RIVER, later, diabetes_range=False)],
    )
    add(
        [
            *people(4, "female", "40-44", MARKET, diabetes_range=True),
            changed,  # in range first, then not: the latest visit counts
            # Diagnosed, never tested here: counted as in the range (numerator and denominator).
            *people(2, "male", "40-44", MARKET, diabetes_diagnosed=True),
            *people(6, "male", "40-44", MARKET, diabetes_range=False),
            # Said no diagnosis and had no test: not known, so not in the denominator.
            *people(3, "male", "40-44", MARKET),
        ]
    )
    found = cell(table("diabetes"))
    assert (found["numerator"], found["denominator"]) == (6, 13)
    assert found["ci"] == wilson(6, 13)
    assert cell(table("diabetes_std"))["value"] == round(6 / 13, 4)  # one band: the crude rate


def test_overweight_and_obesity_include_children_read_by_bmi_for_age(camp) -> None:
    add, table = camp
    add(
        people(5, "female", "40-44", MARKET, overweight=True, obese=True)
        + people(4, "female", "40-44", MARKET, overweight=True, obese=False)
        + people(5, "female", "40-44", MARKET, overweight=False, obese=False)
        + people(5, "male", "10-14", MARKET, overweight=True, obese=True, adult=False)
        + people(6, "male", "10-14", MARKET, overweight=False, obese=False, adult=False)
    )
    overweight = cell(table("overweight"))
    assert (overweight["numerator"], overweight["denominator"]) == (14, 25)
    assert overweight["ci"] == wilson(14, 25)
    obesity = cell(table("obesity"))
    assert (obesity["numerator"], obesity["denominator"]) == (10, 25)
    rate = (WHO["40-44"] * 5 / 14 + WHO["10-14"] * 5 / 11) / (WHO["40-44"] + WHO["10-14"])
    assert cell(table("obesity_std"))["value"] == round(rate, 4)
    # A band with 1..k-1 in any part (here one obese 15-19-year-old) would let the
    # weighted rate, with the crude tables, give that band back: the rate is withheld.
    add(people(1, "male", "15-19", MARKET, overweight=True, obese=True, adult=False))
    assert cell(table("obesity_std"))["value"] is None  # withheld, not worked out
    by_band = table("overweight", "age_band")
    assert [c["group"]["age_band"] for c in by_band["cells"]][:2] == ["5-9", "10-14"]


def test_raised_cholesterol_among_adults(camp) -> None:
    add, table = camp
    add(
        people(5, "female", "40-44", MARKET, raised_cholesterol=True)
        + people(9, "male", "40-44", RIVER, raised_cholesterol=False)
        + people(2, "male", "15-19", RIVER, raised_cholesterol=True, adult=False)
    )
    found = cell(table("raised_cholesterol"))
    assert (found["numerator"], found["denominator"], found["ci"]) == (5, 14, wilson(5, 14))


def test_screened_people_count_once_at_their_first_visit(camp) -> None:
    add, table = camp
    march, april = date(2026, 3, 10), date(2026, 4, 2)
    add(
        [Person("female", "40-44", [Visit(MARKET, march), Visit(RIVER, april)]) for _ in range(6)]
        + [Person("male", "40-44", [Visit(RIVER, april)]) for _ in range(7)]
        + [Person("male", "40-44", [Visit(RIVER, april, screened=False)]) for _ in range(2)]
    )
    assert cell(table("screened"))["numerator"] == 13
    by_site = table("screened", "site")
    assert cell(by_site, site=MARKET)["numerator"] == 6
    assert cell(by_site, site=RIVER)["numerator"] == 7
    by_month = table("screened", "month")
    assert cell(by_month, month="2026-03")["numerator"] == 6
    assert cell(by_month, month="2026-04")["numerator"] == 7
    by_day = table("screened", "day")
    assert cell(by_day, day="2026-04-02")["numerator"] == 7
    assert cell(by_day, month="2026-04")["numerator"] == 7  # the month's subtotal


def test_registered_people_by_sex(camp) -> None:
    add, table = camp
    add(
        [Person("female", "40-44") for _ in range(8)]
        + [Person("male", "20-24") for _ in range(6)]
        + [Person("male", "20-24", statistics=False) for _ in range(3)]
    )
    by_sex = table("registered", "sex")
    assert cell(by_sex, sex="female")["numerator"] == 8
    assert cell(by_sex, sex="male")["numerator"] == 6
    assert cell(by_sex)["numerator"] == 14
    assert by_sex["counted"] == 14
    assert by_sex["not_counted"] is None  # 3: under k, withheld
    assert cell(table("registered", "month"), month="2026-03")["numerator"] == 14


def test_results_returned_rate_and_median_days(camp) -> None:
    add, table = camp
    add(
        people(2, "female", "40-44", MARKET, returned_days=0)
        + people(3, "female", "40-44", MARKET, returned_days=2)
        + people(2, "male", "40-44", MARKET, returned_days=9)
        + people(5, "male", "40-44", MARKET)
    )
    returned = cell(table("results_returned"))
    assert (returned["numerator"], returned["denominator"]) == (7, 12)
    assert returned["ci"] == wilson(7, 12)
    days = cell(table("days_to_return"))
    # 0 0 2 2 2 9 9: the median is the fourth, 2 days.
    assert (days["numerator"], days["value"]) == (7, 2.0)


def test_referrals_attended_within_30_days_by_urgency(camp) -> None:
    add, table = camp
    add(
        people(5, "female", "40-44", MARKET, referral="soon", attended_days=3)
        + people(2, "female", "40-44", MARKET, referral="soon", attended_days=45)
        + people(3, "female", "40-44", MARKET, referral="soon")
        + people(5, "male", "40-44", MARKET, referral="routine", attended_days=20)
        + people(6, "male", "40-44", MARKET, referral="routine")
        + people(4, "male", "40-44", MARKET)  # no referral
    )
    total = cell(table("referrals_attended_30d"))
    assert (total["numerator"], total["denominator"]) == (10, 21)
    by_urgency = table("referrals_attended_30d", "urgency")
    routine = cell(by_urgency, urgency="routine")
    assert (routine["numerator"], routine["denominator"]) == (5, 11)
    soon = cell(by_urgency, urgency="soon")
    # 5 on time, 2 late (day 45), 3 not attended.
    assert (soon["numerator"], soon["denominator"], soon["ci"]) == (5, 10, wilson(5, 10))
    assert cell(by_urgency, urgency="urgent")["denominator"] == 0


def test_consent_answers_per_purpose_count_only_people_counted_in_statistics(camp) -> None:
    add, table = camp
    add(
        [Person("female", "40-44") for _ in range(7)]
        + [Person("male", "40-44", answers={"screening": "no"}) for _ in range(6)]
        + [Person("male", "40-44", answers={"screening": "withdrawn"}) for _ in range(5)]
        + [Person("female", "40-44", statistics=False) for _ in range(5)]
    )
    found = table("consent_screening", "answer")
    # The 5 who said no to statistics are in no figure, not even how they answered.
    assert cell(found, answer="yes")["numerator"] == 7
    assert cell(found, answer="no")["numerator"] == 6
    assert cell(found, answer="withdrawn")["numerator"] == 5
    stats = table("consent_programme_statistics", "answer")
    assert cell(stats, answer="yes")["numerator"] == 18
    assert cell(stats, answer="no")["numerator"] == 0


@pytest.mark.parametrize("by", [None, "sex", "age_band"])
def test_the_dashboard_rolls_up_the_same_tables(camp, analyst, programme, by) -> None:
    """The dashboard reads the facts once and rolls each table up from that: every table
    equals the one the API computes on its own."""
    add, table = camp
    add(
        people(6, "female", "40-44", MARKET, raised_bp=True, overweight=True, obese=False)
        + people(7, "male", "60-64", RIVER, raised_bp=False, returned_days=3, referral="soon")
        + people(5, "male", "20-24", RIVER, diabetes_range=True, raised_cholesterol=False)
        + [Person("female", "40-44", answers={"screening": "no"}) for _ in range(6)]
    )
    dashboard = reports.dashboard(actor=analyst.actor, programme_id=programme.id, by=by)
    assert len(dashboard) == len(reports.INDICATORS)
    for found in dashboard:
        alone = table(found.indicator.code, ",".join(found.by) or None)
        assert found.as_dict() == alone, found.indicator.code
