"""Values from the old "fasting" box (never confirmed): migration 0005 marks the visit's
fasting hours "unconfirmed", and a glucose is then read on both sets of cut-offs."""

from __future__ import annotations

import pytest

from healthcamp.clinical.visit import Recorded, decide

UNCONFIRMED = Recorded(id=1, code="87527-8", value=None, absent_reason="unconfirmed")


@pytest.mark.parametrize(
    ("mmol", "label", "level"),
    [
        (5.0, "normal", "fine"),  # healthy on both: said so
        (7.4, "needs_test", "act"),  # diabetes if fasted, healthy if not: a test, not "healthy"
        (12.0, "diabetes_range", "act"),  # the same on both
        (2.5, "very_low", "urgent"),
    ],
)
def test_an_unconfirmed_fasting_glucose_is_read_on_both_cut_offs(
    mmol: float, label: str, level: str
) -> None:
    glucose = Recorded(
        id=2, code="14743-9", value=mmol, original_value=str(mmol), original_unit="mmol/L"
    )
    decision = decide(sex="female", age_months=40 * 12, rows=[UNCONFIRMED, glucose])
    result = decision.result("14743-9")
    assert result is not None
    assert (result.finding.label, result.finding.level) == (label, level)
    assert "ask_fasting_hours" not in decision.prompts
