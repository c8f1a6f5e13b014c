"""Data healthcamp never collects, recognised by the name of the field that carries it.

The participant schema is closed (unknown fields are refused anyway); this
module turns the refusal of these particular fields into a message that says
plainly that such data is never collected.

A field name is recognised however it is spelled: Unicode compatibility forms
(full-width, mathematical letters, presentation forms) are folded by NFKC;
Cyrillic, Greek, Armenian and small-capital look-alikes are folded to the Latin
letters they imitate; case, accents and separators are ignored; camelCase,
snake_case, kebab-case, dotted and spaced names are split into words, and
words run together ("dnaprofile", "patientfaceimage") are split again where
every piece is a known word. Vocabularies cover English, Arabic, Uyghur,
Spanish, French, German, Chinese and Russian.

Vocabulary entries are separated by commas or lines: a plain entry matches a
whole word (an English plural too); an entry ending in "*" matches any word
that starts with it; an entry with spaces is a phrase, matched on consecutive
words (small words such as "of" or "de" between them are skipped); entries in
Chinese characters match anywhere in a word.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from healthcamp.lib import field_words
from healthcamp.lib.field_words import tokens


@dataclass(frozen=True)
class Category:
    code: str
    plain: str
    words: frozenset[str]
    phrases: tuple[tuple[str, ...], ...] = ()


def _category(code: str, plain: str, vocabulary: str) -> Category:
    """A category from its vocabulary (see the module's docstring for the entries)."""
    entries = [e.strip() for e in vocabulary.replace("\n", ",").split(",") if e.strip()]
    words = frozenset(e for e in entries if " " not in e)
    phrases = tuple(tuple(e.split()) for e in entries if " " in e)
    return Category(code, plain, words, phrases)


# The vocabularies are data, reviewed apart from the code that matches them.
_VOCABULARY = json.loads((Path(__file__).parent / "forbidden_vocabulary.json").read_text("utf-8"))

CATEGORIES: tuple[Category, ...] = tuple(
    _category(c["code"], c["plain"], "\n".join(c["vocabulary"])) for c in _VOCABULARY["categories"]
)

# Words that are not forbidden but are often run together with a forbidden one
# ("patientfaceimage", "dnaprofile", "rawfingerprint"): a word run together is split
# only into pieces that are all known words, so "surface", "trace" and "general" stay whole.
JOINERS: frozenset[str] = frozenset(_VOCABULARY["joiners"])

# Legitimate uses of a forbidden word, never refused: consent to "third party" sharing,
# a named clinical risk ("cardiovascular risk", "risk factor"), calling someone by voice,
# the timed walking test. A bare "risk" or "risk_score" is still refused.
BENIGN_PHRASES: tuple[tuple[str, ...], ...] = tuple(
    tuple(p.split()) for p in _VOCABULARY["benign_phrases"]
)

# Small words skipped between the words of a phrase ("person of interest", "lista de vigilancia").
_STOPWORDS = frozenset(_VOCABULARY["stopwords"])


class _Index:
    """The vocabularies, normalised once."""

    def __init__(self) -> None:
        self.stopwords = frozenset(field_words.skeleton(w) for w in _STOPWORDS)
        self.words: dict[str, Category] = {}
        self.stems: list[tuple[str, Category]] = []
        self.han: list[tuple[str, Category]] = []
        self.phrases: list[tuple[tuple[frozenset[str], ...], Category]] = []
        for category in CATEGORIES:
            for entry in sorted(category.words):
                word = field_words.skeleton(entry.rstrip("*"))
                if field_words.script(word[0]) == "cjk":
                    self.han.append((word, category))
                elif entry.endswith("*"):
                    self.stems.append((word, category))
                else:
                    self.words.setdefault(word, category)
            for phrase in category.phrases:
                self.phrases.append((self._phrase(phrase), category))
        self.stems.sort(key=lambda item: -len(item[0]))
        self.stems_by_letter: dict[str, list[tuple[str, Category]]] = {}
        for stem, category in self.stems:
            self.stems_by_letter.setdefault(stem[0], []).append((stem, category))
        self.benign = tuple(self._phrase(p) for p in BENIGN_PHRASES)
        self.pieces = frozenset(
            {*self.words, *(w for p, _ in self.phrases for forms in p for w in forms)}
            | {field_words.skeleton(w) for w in JOINERS}
            | {w for p in self.benign for forms in p for w in forms}
        )
        self.longest_piece = max(len(p) for p in self.pieces)

    def _phrase(self, words: tuple[str, ...]) -> tuple[frozenset[str], ...]:
        """A phrase as the forms each of its words may take ("members" or "member")."""
        normalised = (field_words.skeleton(w) for w in words)
        return tuple(frozenset(field_words.forms(w)) for w in normalised if w not in self.stopwords)

    def word(self, token: str) -> Category | None:
        forms = field_words.forms(token)
        for form in forms:
            if form in self.words:
                return self.words[form]
        for form in forms:
            if (stem := self.stem(form)) is not None:
                return stem
        if field_words.script(token[0]) == "cjk":
            for word, category in self.han:
                if word in token:
                    return category
        return None

    def stem(self, text: str) -> Category | None:
        """The category of the longest stem that the text starts with, if any."""
        for stem, category in self.stems_by_letter.get(text[:1], ()):
            if text.startswith(stem):
                return category
        return None

    def sequence(self, words: Iterable[str]) -> Category | None:
        """The category of a run of words (single words first, then phrases)."""
        seq = [w for w in words if w and w not in self.stopwords]
        for phrase in self.benign:
            for i in _occurrences(phrase, seq):
                seq[i : i + len(phrase)] = [""] * len(phrase)
        found = {c for w in seq if w and (c := self.word(w)) is not None}
        for phrase, category in self.phrases:
            if _occurrences(phrase, seq):
                found.add(category)
        for category in CATEGORIES:
            if category in found:
                return category
        return None

    def splits(self, token: str, limit: int = 64) -> Iterator[list[str]]:
        """Ways to cut a run-together word into known pieces (a stem may end it)."""
        if len(token) > 64 or field_words.script(token[0]) == "cjk":
            return
        n = len(token)
        ends = self._reachable(token)
        count = 0

        def walk(start: int, pieces: list[str]) -> Iterator[list[str]]:
            nonlocal count
            if count >= limit:
                return
            if start == n:
                if len(pieces) > 1:
                    count += 1
                    yield pieces
                return
            rest = token[start:]
            if pieces and self.stem(rest) is not None:
                count += 1
                yield [*pieces, rest]
            for end in range(min(n, start + self.longest_piece + 1), start, -1):
                if end in ends and self._piece(token[start:end]):
                    yield from walk(end, [*pieces, token[start:end]])

        yield from walk(0, [])

    def _piece(self, text: str) -> bool:
        """A known piece, or the plural of a longer one ("scans"; not "reds", "matchs")."""
        return text in self.pieces or (
            len(text) > 4
            and text[-1] == "s"
            and not text.endswith(("ss", "xs", "chs", "shs", "zs"))
            and text[:-1] in self.pieces
        )

    def _reachable(self, token: str) -> set[int]:
        """Positions from which the rest of the word can be cut into pieces (or ends)."""
        n = len(token)
        ok = {n}
        for start in range(n - 1, -1, -1):
            if self.stem(token[start:]) is not None:
                ok.add(start)
                continue
            if any(
                end - start <= self.longest_piece + 1 and self._piece(token[start:end])
                for end in ok
            ):
                ok.add(start)
        return ok


def _occurrences(phrase: tuple[frozenset[str], ...], words: list[str]) -> list[int]:
    """Where a phrase starts in a run of words, each word in any of its forms."""
    n = len(phrase)
    return [
        i
        for i in range(len(words) - n + 1)
        if all(
            w and not forms.isdisjoint(field_words.forms(w))
            for forms, w in zip(phrase, words[i : i + n], strict=True)
        )
    ]


_INDEX = _Index()


def category_of(field_name: str) -> Category | None:
    runs = field_words.runs(field_name)[:64]
    whole = [field_words.skeleton(run) for run in runs]  # separators only ("fInGeRpRiNt")
    split = list(tokens(field_name))[:128]  # camelCase too ("faceImage")
    # The words between separators are read first: a random case such as "SurVeil" or
    # "groupsKIN" must not be read as the camelCase words "veil" or "kin".
    return (
        _INDEX.sequence(whole)
        or _run_together(whole)
        or _INDEX.sequence(split)
        or _run_together(split)
    )


def _run_together(words: list[str]) -> Category | None:
    """Words run together ("dnaprofile", "patientfamily" + "members"), cut into known pieces."""
    words = words[:16]
    first = [next(_INDEX.splits(w), [w]) if len(w) >= 4 else [w] for w in words]
    for i, word in enumerate(words):
        if len(word) < 4:
            continue
        # A phrase is at most three words: two neighbours each side are context enough.
        before = [p for pieces in first[max(0, i - 2) : i] for p in pieces]
        after = [p for pieces in first[i + 1 : i + 3] for p in pieces]
        found = {_INDEX.sequence([*before, *pieces, *after]) for pieces in _INDEX.splits(word)}
        found.discard(None)
        if found:
            return next(c for c in CATEGORIES if c in found)
    return None


def refusal(field_name: str) -> str | None:
    """The message for a field carrying a forbidden category, or None."""
    category = category_of(field_name)
    if category is None:
        return None
    return (
        f"healthcamp does not collect {category.plain}. Remove the field '{field_name}': "
        "this kind of data is never stored, for anyone, for any reason."
    )


def refusals(field_names: Iterable[str]) -> dict[str, str]:
    found = {}
    for name in field_names:
        message = refusal(name)
        if message:
            found[name] = message
    return found
