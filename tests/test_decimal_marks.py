"""How a typed number's marks are read (issue 10): one decimal mark, never a guess.

"1,500" is fifteen hundred in English and 1.5 in French; "1.500" the other way round. A
value read the wrong way by a factor of a thousand is a wrong result told to a person, so a
mark that could be either is refused with a question, and so is a mark with nothing after
it ("6," is a 6 or a 6,5 whose last key was missed). Arabic-Indic digits and the Arabic
decimal separator (U+066B), as an Arabic or Urdu keyboard types them, are read.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from hypothesis import given
from hypothesis import strategies as st

from healthcamp.clinical import catalogue
from tests.test_station_speed import _at_station, _login, person  # noqa: F401 - a fixture

M = catalogue.load()
GLUCOSE, HBA1C = "14743-9", "4548-4"


@pytest.mark.parametrize("typed", ["1,500", "12,345", "1.500,5", "1,234.5", "6,", "6.", "6,5,1"])
def test_a_mark_that_could_mean_two_numbers_or_has_nothing_after_it_is_refused(typed) -> None:
    with pytest.raises(catalogue.MeasureError, match="mark"):
        catalogue.read(M[HBA1C], typed, "%")


def test_the_refusal_asks_which_number_was_meant() -> None:
    with pytest.raises(catalogue.MeasureError, match=r"1\.5 or 1500"):
        catalogue.read(M[GLUCOSE], "1,500", "mg/dL")


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("\u0666\u066b\u0665", 6.5),  # Arabic-Indic digits with the Arabic decimal separator
        ("\u0666,\u0665", 6.5),
        ("\u06f6\u066b\u06f5", 6.5),  # Extended Arabic-Indic (Urdu, Persian keyboards)
        ("6,5", 6.5),
        ("6.5", 6.5),
        ("6,55", 6.55),
        ("7", 7.0),
    ],
)
def test_digits_and_one_decimal_mark_are_read(typed, value) -> None:
    reading = catalogue.read(M[HBA1C], typed, "%")
    assert reading.value == pytest.approx(value)


def test_the_arabic_thousands_separator_is_refused() -> None:
    with pytest.raises(catalogue.MeasureError, match="mark"):
        catalogue.read(M[GLUCOSE], "\u0661\u066c\u0665\u0660\u0660", "mg/dL")


@given(
    whole=st.integers(min_value=0, max_value=999),
    fraction=st.text(alphabet="0123456789", min_size=1, max_size=2),
)
def test_one_or_two_decimals_read_the_same_with_a_point_or_a_comma(whole, fraction) -> None:
    point = catalogue.entered_number(M[HBA1C], f"{whole}.{fraction}", "%")
    comma = catalogue.entered_number(M[HBA1C], f"{whole},{fraction}", "%")
    assert point == comma == float(f"{whole}.{fraction}")


@given(whole=st.integers(min_value=1, max_value=999), thousands=st.integers(0, 999))
def test_a_comma_before_three_digits_is_never_read_as_a_number(whole, thousands) -> None:
    with pytest.raises(catalogue.MeasureError, match="could be"):
        catalogue.read(M[GLUCOSE], f"{whole},{thousands:03d}", "mg/dL")


pytestmark_db = pytest.mark.django_db


@pytest.fixture
def visit(clinician, programme, person) -> str:  # noqa: F811 - person is the fixture
    return _at_station(clinician, programme).post(
        "/station/scan/", {"card_code": person.card_code}
    )["Location"]


@pytestmark_db
@pytest.mark.parametrize(("language", "typed"), [("es", "1.500"), ("fr", "6,"), ("en", "6.")])
def test_the_station_refuses_an_ambiguous_or_unfinished_number(
    clinician, visit, language, typed
) -> None:
    page = _login(clinician, language).post(visit, {"glucose": typed, "glucose_unit": "mmol/L"})
    assert page.status_code == 422
    assert f'value="{typed}"' in page.content.decode()  # kept in its box to correct
    assert not apps.get_model("exams", "Observation").objects.exists()


@pytestmark_db
def test_the_station_reads_arabic_indic_digits(clinician, visit) -> None:
    page = _login(clinician, "ar").post(visit, {"hba1c": "\u0666\u066b\u0665", "hba1c_unit": "%"})
    assert page.status_code == 200
    (hba1c,) = apps.get_model("exams", "Observation").objects.filter(code=HBA1C)
    assert hba1c.value == 6.5


@pytestmark_db
@pytest.mark.parametrize("language", ["fr", "ar", "zh-hans"])
def test_a_refused_value_is_explained_in_the_page_language(clinician, visit, language) -> None:
    glucose = M[GLUCOSE]
    page = _login(clinician, language).post(visit, {"glucose": "900", "glucose_unit": "mmol/L"})
    body = page.content.decode()
    assert page.status_code == 422
    assert "is not plausible" not in body  # the catalogue's English stays in the API
    assert glucose.name(language) in body
    unfinished = _login(clinician, language).post(visit, {"glucose": "6,5,1"})
    assert "has more than one mark" not in unfinished.content.decode()
