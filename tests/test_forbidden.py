"""Recognising fields that carry data healthcamp never collects, however they are spelled."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import sys
import unicodedata
from pathlib import Path

import pytest
from django import forms
from django.apps import apps
from hypothesis import given
from hypothesis import strategies as st
from ninja import Schema

import healthcamp
from healthcamp.access import forbidden
from healthcamp.lib import field_words
from healthcamp.purposes import Purpose
from tests.forbidden_fields import FORBIDDEN_FIELDS
from tests.forbidden_probes import FORBIDDEN_PROBES, LEGITIMATE_NAMES, REPORTED

CATALOGUES = Path(healthcamp.__file__).parent / "clinical" / "catalogues"


def test_the_probe_list_is_large_and_covers_every_category() -> None:
    assert len(FORBIDDEN_PROBES) >= 150
    assert len(REPORTED) >= 9
    assert set(FORBIDDEN_PROBES.values()) == {c.code for c in forbidden.CATEGORIES}


@pytest.mark.parametrize(("field", "category"), FORBIDDEN_PROBES.items())
def test_each_probe_is_recognised(field: str, category: str) -> None:
    found = forbidden.category_of(field)
    assert found is not None, f"{field!r} is not recognised"
    assert found.code == category
    message = forbidden.refusal(field)
    assert message is not None
    assert message.startswith(f"healthcamp does not collect {found.plain}.")
    assert f"Remove the field '{field}'" in message


@pytest.mark.parametrize(("field", "category"), FORBIDDEN_FIELDS.items())
def test_the_shared_examples_are_recognised(field: str, category: str) -> None:
    found = forbidden.category_of(field)
    assert found is not None
    assert found.code == category


def test_every_category_has_an_example() -> None:
    assert {c.code for c in forbidden.CATEGORIES} == set(FORBIDDEN_FIELDS.values())


def _vocabulary() -> list[tuple[str, tuple[str, ...]]]:
    """Every entry of every category, as (category code, words)."""
    entries = [(c.code, (w.rstrip("*"),)) for c in forbidden.CATEGORIES for w in sorted(c.words)]
    entries += [(c.code, p) for c in forbidden.CATEGORIES for p in c.phrases]
    return entries


VOCABULARY = _vocabulary()


@pytest.mark.parametrize(("category", "words"), VOCABULARY)
def test_every_vocabulary_entry_is_recognised_as_itself(
    category: str, words: tuple[str, ...]
) -> None:
    for name in ("_".join(words), " ".join(words)):
        found = forbidden.category_of(name)
        assert found is not None, name
        assert found.code == category


def _legitimate_names_in_use() -> set[str]:
    """Every field name the API, the forms and the models use, and the catalogue's words."""
    names: set[str] = set()
    for info in pkgutil.walk_packages(healthcamp.__path__, "healthcamp."):
        if "migrations" in info.name:
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if inspect.isclass(value) and issubclass(value, Schema) and value is not Schema:
                names |= set(value.model_fields)
            if inspect.isclass(value) and issubclass(value, forms.BaseForm):
                names |= set(getattr(value, "base_fields", {}))
    for model in apps.get_models():
        names |= {f.name for f in model._meta.get_fields()}
        names |= {f.attname for f in model._meta.concrete_fields}
    names |= {p.value for p in Purpose}
    for path in CATALOGUES.glob("*.json"):
        for measure in json.loads(path.read_text())["measures"]:
            names.add(measure["key"])
            names |= set(measure["names"].values())
            names |= {cut["label"] for band in measure.get("bands", []) for cut in band["cuts"]}
            names |= {answer["code"] for answer in measure.get("answers", [])}
    return names


def test_no_name_the_system_uses_is_refused() -> None:
    names = _legitimate_names_in_use()
    assert {"given_name", "guardian_relationship", "measure_code", "systolic"} <= names
    assert len(names) > 150
    refused = {n: c.code for n in sorted(names) if (c := forbidden.category_of(n)) is not None}
    assert refused == {}


@pytest.mark.parametrize("field", LEGITIMATE_NAMES)
def test_legitimate_names_are_not_refused(field: str) -> None:
    found = forbidden.category_of(field)
    assert found is None, f"{field!r} taken for {found and found.code}"
    assert forbidden.refusal(field) is None


def test_the_refusals_name_only_the_forbidden_fields() -> None:
    found = forbidden.refusals(["given_name", "selfie", "nickname", "hukou"])
    assert set(found) == {"selfie", "hukou"}


# --- Disguises: case, separators, run-together words, look-alike letters -------------------


def _compatibility_forms() -> dict[str, list[str]]:
    """For each character, the characters NFKC folds into it (full-width, math letters...)."""
    wanted = {ch for _, words in VOCABULARY for w in words for ch in w}
    wanted |= {ch.upper() for ch in wanted} | {ch.lower() for ch in wanted}
    found: dict[str, list[str]] = {}
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if not unicodedata.decomposition(char):
            continue
        folded = unicodedata.normalize("NFKC", char)
        if folded != char and folded in wanted:
            found.setdefault(folded, []).append(char)
    return found


COMPATIBILITY = _compatibility_forms()
LOOKS_LIKE: dict[str, list[str]] = {}
for _char, _latin in field_words.LOOKALIKES.items():
    LOOKS_LIKE.setdefault(_latin, []).append(_char)
    LOOKS_LIKE.setdefault(_char, []).append(_latin)


def _disguises(char: str) -> list[str]:
    return [char, *LOOKS_LIKE.get(char, []), *COMPATIBILITY.get(char, [])]


# Joiners that are not part of any forbidden phrase (so the expected category stays the only one).
PHRASE_WORDS = {w for c in forbidden.CATEGORIES for p in c.phrases for w in p}
JOINERS = sorted(j for j in forbidden.JOINERS if {j, j[:-1]}.isdisjoint(PHRASE_WORDS))
SEPARATORS = ["_", "-", ".", " ", "", "__", "\u30fb", "\uff3f"]


@st.composite
def disguised(draw: st.DrawFn) -> tuple[str, str]:
    category, words = draw(st.sampled_from(VOCABULARY))
    before = draw(st.lists(st.sampled_from(JOINERS), max_size=1))
    after = draw(st.lists(st.sampled_from(JOINERS), max_size=1))

    def cased(word: str) -> str:
        style = draw(st.sampled_from(["lower", "upper", "title", "random"]))
        if style == "random":
            return "".join(c.upper() if draw(st.booleans()) else c.lower() for c in word)
        return {"lower": word.lower(), "upper": word.upper(), "title": word.title()}[style]

    parts = [cased(w) for w in words]
    forbidden_part = parts[0]
    for part in parts[1:]:
        forbidden_part += draw(st.sampled_from(SEPARATORS)) + part
    disguised_part = "".join(draw(st.sampled_from(_disguises(c))) for c in forbidden_part)
    name = disguised_part
    for joiner in before:
        name = joiner + draw(st.sampled_from(SEPARATORS)) + name
    for joiner in after:
        camel = draw(st.booleans())
        name += draw(st.sampled_from(SEPARATORS)) + (joiner.title() if camel else joiner)
    return category, name


@given(disguised())
def test_a_disguised_forbidden_word_is_still_recognised(probe: tuple[str, str]) -> None:
    category, name = probe
    found = forbidden.category_of(name)
    assert found is not None, f"{name!r} ({[hex(ord(c)) for c in name]}) not recognised"
    assert found.code == category, name


@given(
    st.sampled_from(sorted(LEGITIMATE_NAMES)),
    st.sampled_from(["lower", "upper", "camel"]),
    st.sampled_from(["_", "-", " ", "."]),
)
def test_a_legitimate_name_stays_legitimate_however_it_is_written(
    name: str, style: str, separator: str
) -> None:
    words = name.replace("-", "_").replace(" ", "_").split("_")
    if style == "upper":
        written = separator.join(w.upper() for w in words)
    elif style == "camel":
        written = words[0] + "".join(w[:1].upper() + w[1:] for w in words[1:])
    else:
        written = separator.join(words)
    assert forbidden.category_of(written) is None, written
