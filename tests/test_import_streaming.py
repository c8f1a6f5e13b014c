"""Result files read as streams: a path or a file object reads as the bytes do, a visit
spread over the file is gathered whole before it is decided, and the per-file caches
(cells read once, a decision shared by visits with the same inputs) change nothing."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.apps import apps
from hypothesis import given, settings
from hypothesis import strategies as st

from healthcamp.imports import results
from healthcamp.imports.problems import FileRefused
from healthcamp.imports.results import results_check, results_import
from tests.conftest import register_person

pytestmark = pytest.mark.django_db

HEADER = "card_code,visit_date,site_id,code,value,unit"
DAY = (date.today() - timedelta(days=3)).isoformat()
EARLIER = (date.today() - timedelta(days=9)).isoformat()


@pytest.fixture
def camp(registrar, programme, document):
    site = apps.get_model("registry", "Site").objects.get(programme_id=programme.id).pk
    people = [
        register_person(registrar, programme, given=g, family="Test", consent_document=document)
        for g in ("Amina", "Bilal", "Chen")
    ]
    return {"site": site, "cards": [p.card_code for p in people], "programme": programme.id}


def _csv(lines: list[str]) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode("utf-8")


def _scattered(camp) -> bytes:
    """Each visit's values spread over the file, the same panel for two people (the
    same inputs: one decision shared), a critical glucose for the third."""
    site, (a, b, c) = camp["site"], camp["cards"]
    lines = []
    for code, unit, value in (("4548-4", "%", "7.1"), ("35200-5", "mmol/L", "6.6")):
        for card in (a, b):
            lines.append(f"{card},{DAY},{site},{code},{value},{unit}")
            lines.append(f"{card},{EARLIER},{site},{code},{value},{unit}")
    lines.append(f"{c},{DAY},{site},14743-9,1.9,mmol/L")
    lines.append(f"{c},{DAY},{site},4548-4,5.2,%")
    return _csv(lines)


def _stored() -> list[tuple[str, str, str, str, bool]]:
    found = apps.get_model("exams", "Observation").objects.select_related("encounter__participant")
    return sorted(
        (
            o.encounter.participant.card_code,
            str(o.encounter.started_at.date()),
            o.code,
            o.classification,
            o.critical,
        )
        for o in found
    )


def _facts() -> list[tuple[object, ...]]:
    return sorted(
        apps.get_model("reports", "VisitFact")
        .objects.order_by()
        .values_list(
            "participant__card_code",
            "visit_date",
            "diabetes_range",
            "raised_cholesterol",
            "critical",
            "referral_urgency",
            "latest_visit",
            "first_screening",
        )
    )


def test_a_path_and_a_file_object_read_as_the_bytes_do(lab, camp, tmp_path) -> None:
    data = _scattered(camp)
    path = tmp_path / "lab.csv"
    path.write_bytes(data)
    pid = camp["programme"]
    assert len(results_check(actor=lab.actor, programme_id=pid, path=path).rows) == 10
    assert len(results_check(actor=lab.actor, programme_id=pid, data=io.BytesIO(data)).rows) == 10
    summary = results_import(actor=lab.actor, programme_id=pid, path=path)
    assert (summary.written, summary.visits_started, summary.people) == (10, 5, 3)
    again = results_import(actor=lab.actor, programme_id=pid, data=io.BytesIO(data))
    assert (again.written, again.already_in) == (0, 10)


def test_a_visit_spread_over_batches_is_decided_whole(lab, camp, monkeypatch) -> None:
    """With batches of 2 rows, every visit's rows arrive in different batches: each visit
    is still decided once with all its values, as with one batch for the whole file."""
    data = _scattered(camp)
    summary = results_import(actor=lab.actor, programme_id=camp["programme"], data=data)
    whole, facts = _stored(), _facts()
    referrals = apps.get_model("exams", "Referral").objects.count()
    assert summary.referred  # the critical glucose
    assert any(critical for *_, critical in whole)

    apps.get_model("exams", "Referral").objects.all().delete()
    apps.get_model("exams", "Encounter").objects.all().delete()
    monkeypatch.setattr(results, "BATCH", 2)
    again = results_import(actor=lab.actor, programme_id=camp["programme"], data=data)
    assert (again.written, again.visits_started) == (10, 5)
    assert _stored() == whole
    assert _facts() == facts
    assert apps.get_model("exams", "Referral").objects.count() == referrals


def test_each_row_with_a_refused_value_is_named_though_cells_are_read_once(lab, camp) -> None:
    site, (a, b, _) = camp["site"], camp["cards"]
    data = _csv(
        [
            f"{a},{DAY},{site},4548-4,1e3,%",
            f"{b},{DAY},{site},4548-4,1e3,%",
            f"{a},{DAY},{site},35200-5,5.0,mmol/L",
            f"{b},{DAY},{site},35200-5,5.0,mmol/L",
        ]
    )
    problems = results_check(actor=lab.actor, programme_id=camp["programme"], data=data).problems
    assert [(p.row, p.column) for p in problems] == [(2, "value"), (3, "value")]


def test_an_unreadable_byte_far_into_a_streamed_file_is_named_by_its_place(lab, camp) -> None:
    site, (a, *_) = camp["site"], camp["cards"]
    line = f"{a},{DAY},{site},4548-4,5.4,%\n".encode()
    head = HEADER.encode() + b"\n" + line * 3000  # well past the first chunks read
    data = head + b"\xff" + line
    with pytest.raises(FileRefused) as refused:
        results_check(actor=lab.actor, programme_id=camp["programme"], data=data)
    assert f"byte {len(head)} cannot be read" in str(refused.value)


def _sheet(rows: int, formulas_every: int = 0) -> bytes:
    """An XLSX file of result rows (a formula in the value cell of every n-th row)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER.split(","))
    for i in range(rows):
        value: object = "=2.5*2" if formulas_every and i % formulas_every == 0 else 5.4
        sheet.append([f"ABCD-{i:04d}", DAY, 1, "4548-4", value, "%"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("chunk", [7, 64, 1000, 1 << 20])
def test_formula_cells_are_found_whatever_the_chunk_the_sheet_is_read_in(
    chunk, monkeypatch
) -> None:
    from healthcamp.imports import files

    data = _sheet(300, formulas_every=7)
    monkeypatch.setattr(files, "XML_CHUNK", chunk)
    found = files._formula_cells(io.BytesIO(data))
    assert found == {(i + 1, 4) for i in range(0, 300, 7)}  # the value column, rows from 0


def _peak_reading_sheet(rows: int) -> int:
    import tracemalloc

    from healthcamp.imports import files

    data = io.BytesIO(_sheet(rows))
    tracemalloc.start()
    try:
        assert sum(1 for _ in files.xlsx_table(data).rows) == rows
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_an_xlsx_sheet_is_turned_into_rows_one_at_a_time(monkeypatch) -> None:
    """Ten times the rows, not ten times Python's memory (the sheet as one list of
    Python rows grew about tenfold, and its XML was read whole for the formulas)."""
    from healthcamp.imports import files

    monkeypatch.setattr(files, "XML_CHUNK", 1 << 16)
    small, large = _peak_reading_sheet(500), _peak_reading_sheet(5000)
    assert large < 1.5 * small + 64_000


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=40), max_size=120), st.randoms())
def test_duplicates_found_by_one_sort_are_those_a_dict_of_first_rows_finds(
    keys: list[int], rng: Any
) -> None:
    """Each row whose key an earlier row had is named, with that earliest row, whatever
    the order of the rows (the check keeps 16 B a row instead of a dict)."""
    from array import array

    numbers = list(range(2, len(keys) + 2))
    rng.shuffle(numbers)  # row numbers in any order, as batches may deliver them
    first: dict[int, int] = {}
    expected = set()
    for key, number in sorted(zip(keys, numbers, strict=True), key=lambda kn: kn[1]):
        if first.setdefault(key, number) != number:
            expected.add((number, first[key]))
    found = results._duplicates(array("q", keys), array("q", numbers))
    assert {(p.row, int(p.message.split("row ")[1].split(" ")[0])) for p in found} == expected
    assert all(p.column == "code" for p in found)


def test_the_markers_of_an_imports_people_are_worked_out_one_person_at_a_time(
    lab, camp, monkeypatch
) -> None:
    """Two people with 150 visits each cost the markers about what one such person costs:
    the facts are read as a stream (here 50 at a time) and taken a person at a time, never
    all at once (a 1 M-row file for 2,000 people held 250,000 visits' facts)."""
    import tracemalloc

    from healthcamp.reports import facts

    monkeypatch.setattr(facts, "_FETCHED", 50)

    site, (a, b, _) = camp["site"], camp["cards"]
    lines = [
        f"{card},{(date.today() - timedelta(days=day)).isoformat()},{site},4548-4,5.4,%"
        for day in range(1, 151)
        for card in (a, b)
    ]
    summary = results_import(actor=lab.actor, programme_id=camp["programme"], data=_csv(lines))
    assert summary.visits_started == 300
    people = apps.get_model("registry", "Participant").objects
    ids = [people.get(card_code=card).pk for card in (a, b)]

    def peak(participant_ids: list[object]) -> int:
        facts.mark_many(participant_ids)  # the queries compiled, the caches warm
        tracemalloc.start()
        try:
            facts.mark_many(participant_ids)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    assert peak(ids) < 1.4 * peak(ids[:1])
