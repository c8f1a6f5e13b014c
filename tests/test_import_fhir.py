"""A lab's FHIR R4 Bundle of Observations (LOINC codes, UCUM units, the subject named by
card code) goes through the same check and write as a CSV file."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.apps import apps

from healthcamp.imports.problems import FileRefused, ProblemsFound
from healthcamp.imports.results import results_check, results_import
from healthcamp.interop import fhir_terms as t
from tests.conftest import register_person

pytestmark = pytest.mark.django_db
DAY = (date.today() - timedelta(days=1)).isoformat()


def _quantity(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": t.UCUM, "code": unit}


def _observation(card: str, code: str, **value: Any) -> dict[str, Any]:
    return {
        "resource": {
            "resourceType": "Observation",
            "status": "final",
            "code": {"coding": [{"system": t.LOINC, "code": code}]},
            "subject": {"identifier": {"system": t.CARD_SYSTEM, "value": card}},
            "effectiveDateTime": f"{DAY}T09:30:00Z",
            **value,
        }
    }


def _bundle(*entries: dict[str, Any]) -> bytes:
    return json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}).encode()


def _panel(card: str, systolic: int, diastolic: int) -> dict[str, Any]:
    parts = [("8480-6", systolic), ("8462-4", diastolic)]
    entry = _observation(card, "85354-9")
    entry["resource"]["component"] = [
        {
            "code": {"coding": [{"system": t.LOINC, "code": c}]},
            "valueQuantity": _quantity(v, "mm[Hg]"),
        }
        for c, v in parts
    ]
    return entry


def test_a_bundle_is_imported_once_through_the_same_rules(
    clinician, registrar, programme, document
) -> None:
    card = register_person(registrar, programme, consent_document=document).card_code
    data = _bundle(
        {"resource": {"resourceType": "Patient", "id": "p1"}},  # not a value: passed over
        _observation(card, "4548-4", valueQuantity=_quantity(5.4, "%")),
        _panel(card, 128, 82),
        _observation(card, "4548-4", status="entered-in-error", valueQuantity=_quantity(9, "%")),
    )
    summary = results_import(actor=clinician.actor, programme_id=programme.id, data=data)
    assert (summary.written, summary.people, summary.visits_started) == (3, 1, 1)
    stored = apps.get_model("exams", "Observation").objects
    assert sorted(stored.values_list("code", "original_value", "unit")) == [
        ("4548-4", "5.4", "%"),
        ("8462-4", "82", "mm[Hg]"),
        ("8480-6", "128", "mm[Hg]"),
    ]
    again = results_import(actor=clinician.actor, programme_id=programme.id, data=data)
    assert (again.written, again.already_in) == (0, 3)


def test_a_bundles_problems_name_the_entry_and_the_field(lab, programme, document) -> None:
    data = _bundle(
        _observation("ZZZZ-ZZZZ", "4548-4", valueQuantity=_quantity(5.4, "%")),
        _observation("ZZZZ-ZZZZ", "4548-4"),  # no value
    )
    with pytest.raises(ProblemsFound) as found:
        results_import(actor=lab.actor, programme_id=programme.id, data=data)
    where = {(p.row, p.column) for p in found.value.problems}
    assert {(1, "card_code"), (2, "card_code"), (2, "value")} <= where
    assert apps.get_model("exams", "Observation").objects.count() == 0


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b'{"resourceType": "Patient"}', "resourceType must be Bundle"),
        (b'{"entry": [], "resourceType": "Patient"}', "resourceType must be Bundle"),
        (b"{not json", "not readable JSON"),
        (b'{"resourceType": "Bundle", "entry": {"resource": {}}}', "must be a list"),
        (b'{"entry": {"resource": {}}, "resourceType": "Bundle"}', "must be a list"),
        (b'{"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Obs', "JSON"),
        (b'{"resourceType": "Bundle", "entry": [{"a": "\xff"}]}', "not readable JSON"),
    ],
)
def test_json_that_is_not_a_bundle_is_refused(lab, programme, data, said) -> None:
    """Refused with a sentence, whether the fault is at the top or far into the entries
    (a file cut short while it was copied is only found when its end is reached)."""
    with pytest.raises(FileRefused) as refused:
        results_check(actor=lab.actor, programme_id=programme.id, data=data)
    assert said in str(refused.value)


def test_a_bundle_with_a_byte_order_mark_and_its_type_last_is_read(
    lab, registrar, programme, document
) -> None:
    card = register_person(registrar, programme, consent_document=document).card_code
    entry = _observation(card, "4548-4", valueQuantity=_quantity(5.4, "%"))
    data = b"\xef\xbb\xbf" + json.dumps({"entry": [entry], "resourceType": "Bundle"}).encode()
    checked = results_check(actor=lab.actor, programme_id=programme.id, data=data)
    assert (checked.problems, len(checked.rows)) == ([], 1)


def _peak_reading(entries: int) -> int:
    """Python's peak memory while the rows of a Bundle of `entries` are read."""
    import io
    import tracemalloc

    from healthcamp.imports import fhir

    one = _observation("ABCD-EFGH", "4548-4", valueQuantity=_quantity(5.4, "%"))
    data = io.BytesIO(_bundle(*[one] * entries))
    tracemalloc.start()
    try:
        rows = sum(1 for _ in fhir.bundle_table(data, site_id=1).rows)
        assert rows == entries
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_bundle_is_read_an_entry_at_a_time() -> None:
    """Ten times the entries, not ten times the memory: a lab's file is never held whole
    as Python objects (json.loads of the whole Bundle grew about tenfold)."""
    small, large = _peak_reading(500), _peak_reading(5000)
    assert large < 1.5 * small + 64_000


def test_the_command_imports_a_bundle_at_the_site_named(
    tmp_path, capsys, lab, registrar, coordinator, programme, document
) -> None:
    from healthcamp import cli
    from healthcamp.services import programmes

    card = register_person(registrar, programme, consent_document=document).card_code
    other = programmes.site_create(
        actor=coordinator.actor, programme_id=programme.id, name="Clinic"
    )
    bundle = tmp_path / "lab.json"
    bundle.write_bytes(_bundle(_observation(card, "4548-4", valueQuantity=_quantity(5.4, "%"))))
    args = ["import", str(bundle), "--programme", str(programme.id), "--as", "lab-1"]
    # Two sites now: which one the samples came from must be said.
    assert cli.main(args) == 1
    assert "site_id" in capsys.readouterr().out + (tmp_path / "lab.json.problems.csv").read_text()
    assert cli.main([*args, "--site", str(other.id)]) == 0
    visits = apps.get_model("exams", "Encounter").objects
    assert list(visits.values_list("site_id", flat=True)) == [other.id]
