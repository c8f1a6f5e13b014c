"""docs/clinical-rules.md is the rules, not a description someone forgot to update."""

from __future__ import annotations

from pathlib import Path

from healthcamp.clinical import catalogue
from healthcamp.results import rules_doc

PAGE = Path(__file__).resolve().parent.parent / "docs" / "clinical-rules.md"


def test_the_reviewed_page_is_generated_from_the_rules() -> None:
    assert PAGE.read_text(encoding="utf-8") == rules_doc.page(), (
        "docs/clinical-rules.md is out of date: regenerate it with "
        "`.venv/bin/python -m healthcamp.results.rules_doc > docs/clinical-rules.md` "
        "and review the difference."
    )


def test_the_page_shows_every_boundary_and_its_source() -> None:
    text = rules_doc.page()
    for m in catalogue.load().values():
        assert f"`{m.code}`" in text
        for bands in m.bands:
            assert bands.source in text
            for cut in bands.cuts:
                assert f"`{cut.label}`" in text
                if cut.bound is not None:
                    assert f"{cut.bound:g}" in text
