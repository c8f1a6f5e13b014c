"""The languages healthcamp speaks (settings.LANGUAGES, each with a catalogue in locale/)
and language names as words, in the reader's language."""

from __future__ import annotations

import functools

import langcodes
from django.conf import settings
from django.utils import translation


def shipped() -> list[str]:
    """Every language with a full catalogue: pages, letters and cards exist in each."""
    return [code for code, _ in settings.LANGUAGES]


def supported(tag: str) -> str:
    """The shipped language a tag is read in ("ar-EG" in "ar", "zh-Hans-CN" in
    "zh-hans"); the programme's default language when there is none."""
    try:
        return translation.get_supported_language_variant(tag.strip().lower() or "-")
    except LookupError:
        return str(settings.LANGUAGE_CODE)


def is_shipped(tag: str) -> bool:
    """Whether a tag has a catalogue of its own (not the default language standing in)."""
    try:
        translation.get_supported_language_variant(tag.strip().lower() or "-")
    except LookupError:
        return False
    return True


def is_rtl(language: str) -> bool:
    """Whether pages in this shipped language are laid out right to left."""
    return supported(language).partition("-")[0] in settings.LANGUAGES_BIDI


@functools.cache
def name(tag: str, *, reader: str) -> str:
    """A language's name in the reader's language ("ar" reads "árabe" to a Spanish reader),
    from the CLDR data of langcodes; the tag itself only if it names no language."""
    try:
        shown = str(langcodes.Language.get(tag).display_name(reader_tag(reader)))
    except (ValueError, LookupError):
        return tag
    return shown[:1].upper() + shown[1:] if shown else tag


def own_name(tag: str) -> str:
    """A language's name in itself: what its speaker looks for in a list."""
    return name(tag, reader=tag)


def reader_tag(language: str) -> str:
    """Django's lower-case code as a BCP 47 tag CLDR knows ("zh-hans" as "zh-Hans")."""
    return str(langcodes.standardize_tag(language))


def isolate(text: str) -> str:
    """Text set apart from the sentence around it (Unicode FSI ... PDI): a time, a number or
    a name keeps its own direction inside an Arabic or Uyghur sentence, and the sentence's
    punctuation stays where it belongs. For HTML, <bdi> does the same."""
    return f"\u2068{text}\u2069"
