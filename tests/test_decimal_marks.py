"""How a typed number's marks are read (issue 10): one decimal mark, never a guess.

"1,500" is fifteen hundred in English and 1.5 in French; "1.500" the other way round. A
value read the wrong way by a factor of a thousand is a wrong result told to a person, so a
mark that could be either is refused with a question, and so is a mark with nothing after
it ("6," is a 6 or a 6,5 whose last key was missed). Arabic-Indic digits and the Arabic
decimal separator (U+066B), as an Arabic or Urdu keyboard types them, are read.
"""

from __future__ import annotations

import html
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.utils import translation
from django.utils.translation import gettext
from hypothesis import given
from hypothesis import strategies as st

from healthcamp.clinical import catalogue
from tests.test_station_speed import _at_station, _login, person  # noqa: F401 - a fixture

M = catalogue.load()
GLUCOSE, HBA1C, VA_RIGHT = "14743-9", "4548-4", "98499-7"


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


@pytest.mark.parametrize("typed", ["1e1", "1,5e1", "1E3", "6.5.1", "--6", "6 5", "."])
def test_only_digits_and_one_mark_are_a_typed_number(typed) -> None:
    assert catalogue.marks_error(typed) is not None


@pytest.mark.parametrize("typed", ["0,500", "-0,100", ",5", "+6,5", "-1.500"])
def test_a_comma_after_nothing_or_zero_cannot_be_a_thousands_mark(typed) -> None:
    assert catalogue.marks_error(typed) is None


def test_the_question_keeps_the_sign_and_the_digits_of_the_keyboard() -> None:
    assert "could be -1.5 or -1500" in str(catalogue.marks_error("-1,500"))
    assert "could be 1.5 or 1500" in str(catalogue.marks_error("\u0661,\u0665\u0660\u0660"))
    assert "thousands mark" in str(catalogue.marks_error("\u0661\u066c\u0665\u0660\u0660"))


def test_an_arabic_snellen_fraction_is_read() -> None:
    acuity = M[VA_RIGHT]
    assert catalogue.read(acuity, "\u0666/\u0667\u066b\u0665", "snellen").value == (
        catalogue.read(acuity, "6/7.5", "snellen").value
    )


def test_a_measure_error_keeps_its_template_when_copied() -> None:
    import copy
    import pickle

    with pytest.raises(catalogue.MeasureError) as raised:
        catalogue.read(M[HBA1C], "25", "%")  # "25 %": a % in the English sentence
    error = raised.value
    for again in (copy.copy(error), pickle.loads(pickle.dumps(error))):  # noqa: S301 - our own
        assert (again.template, str(again)) == (error.template, str(error))


def _literal_parts(template: str) -> list[str]:
    """The words of a translated template between its placeholders."""
    return [p.strip() for p in re.split(r"%\(\w+\)s", template) if len(p.strip()) > 3]


@pytestmark_db
@pytest.mark.parametrize("language", ["fr", "ar", "zh-hans"])
def test_a_refused_value_is_explained_in_the_page_language(clinician, visit, language) -> None:
    """The catalogue's own refusals reach the station (values the page's own checks pass
    on), said in its language: every word of the translated sentence is on the page."""
    cases = [
        ({"glucose": "900", "glucose_unit": "mmol/L"}, "is not plausible"),
        ({"glucose": "6.5.1", "glucose_unit": "mmol/L"}, "has more than one mark"),
    ]
    for posted, english in cases:
        body = html.unescape(_login(clinician, language).post(visit, posted).content.decode())
        template = next(t for t in _templates() if english in t)
        with translation.override(language):
            said = gettext(template)
        assert said != template, f"{template!r} has no {language} translation"
        assert english not in body
        for part in _literal_parts(said):
            assert part in body, (language, part)


def _templates() -> list[str]:
    """Every refusal the catalogue can raise, as written in its source."""
    source = Path(catalogue.__file__).read_text(encoding="utf-8")
    calls = re.findall(r"gettext_noop\(\s*((?:\"[^\"]*\"\s*)+)\)", source)
    return ["".join(re.findall(r'"([^"]*)"', call)) for call in calls]


@pytestmark_db
@pytest.mark.parametrize("language", ["fr", "ru", "en"])
def test_a_refused_values_range_is_written_with_the_pages_decimal_mark(
    clinician, visit, language
) -> None:
    """ "between 1,1 and 33,3" on a French page, as the person would write the numbers."""
    from django.utils.formats import number_format

    low, high = M[GLUCOSE].plausible
    body = html.unescape(
        _login(clinician, language)
        .post(visit, {"glucose": "900", "glucose_unit": "mmol/L"})
        .content.decode()
    )
    with translation.override(language):
        written = [number_format(Decimal(f"{n:g}")) for n in (low, high)]
    assert all(w in body for w in written), written
    if language != "en":
        assert any("," in w for w in written)  # the check is not vacuous
