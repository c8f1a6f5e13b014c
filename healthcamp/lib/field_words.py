"""A field name as words: however it is spelled, the same words come out.

Unicode compatibility forms (full-width, mathematical letters) are folded by NFKC;
Cyrillic, Greek, Armenian and small-capital look-alikes are folded to the Latin
letters they imitate; case, accents, zero-width characters and separators are
ignored; camelCase, snake_case, kebab-case, dotted and spaced names are split, and
so are changes of script. A plain helper with no domain in it: the door's
forbidden-data matcher (healthcamp.access.forbidden) is its user.
"""

from __future__ import annotations

import itertools
import unicodedata

# Look-alikes folded to the Latin letter they imitate, by case (full-width and mathematical
# letters are handled by NFKC). Cyrillic letters fold the same way in both cases, so Russian
# words are compared consistently; Greek and the rest appear only as disguise.
_LOOKALIKE_PAIRS = (
    # Cyrillic
    "\u0410A \u0430a \u0412B \u0432b \u0415E \u0435e \u041aK \u043ak \u041cM \u043cm "
    "\u041dH \u043dh \u041eO \u043eo \u0420P \u0440p \u0421C \u0441c \u0422T \u0442t "
    "\u0423Y \u0443y \u0425X \u0445x \u0405S \u0455s \u0406I \u0456i \u0408J \u0458j "
    "\u04baH \u04bbh \u0500D \u0501d \u051aQ \u051bq \u051cW \u051dw \u04aeY \u04afy "
    "\u04c0I \u04cfl \u0401E \u0451e \u0407I \u0457i "
    # Greek
    "\u0391A \u03b1a \u0392B \u03b2b \u0395E \u03b5e \u0396Z \u0397H \u03b7n \u0399I "
    "\u03b9i \u039aK \u03bak \u039cM \u039dN \u03bdv \u039fO \u03bfo \u03a1P \u03c1p "
    "\u03a4T \u03c4t \u03a5Y \u03c5u \u03a7X \u03c7x \u03b3y \u03f9C \u03f2c \u037fJ "
    "\u03f3j "
    # Armenian
    "\u0585o \u0555O \u057du \u054dU \u0578n \u0570h \u0581g \u0566q "
    # Latin small capitals and other Latin look-alikes
    "\u0131i \u0237j \u0251a \u0261g \u0269i \u026ai \u028fy \u1d00a \u0299b \u1d04c "
    "\u1d05d \u1d07e \u0262g \u029ch \u1d0aj \u1d0bk \u029fl \u1d0dm \u0274n \u1d0fo "
    "\u1d18p \u0280r \ua731s \u1d1bt \u1d1cu \u1d20v \u1d21w \u1d22z"
)
LOOKALIKES: dict[str, str] = {pair[0]: pair[1] for pair in _LOOKALIKE_PAIRS.split()}
_LOOKALIKE_TABLE = str.maketrans(LOOKALIKES)

# Arabic-script spellings that vary in practice: taa marbuta, alef maksura, Persian forms,
# alef wasla (hamza and madda carriers are folded by dropping marks after NFKD).
_ARABIC_TABLE = str.maketrans({"\u0629": "\u0647", "\u0649": "\u064a", "\u06cc": "\u064a"})
_ARABIC_TABLE.update(str.maketrans({"\u06a9": "\u0643", "\u0671": "\u0627"}))
_ARABIC_PREFIXES = (
    "\u0648\u0627\u0644",  # wa-al
    "\u0628\u0627\u0644",  # bi-al
    "\u0641\u0627\u0644",  # fa-al
    "\u0643\u0627\u0644",  # ka-al
    "\u0644\u0644",  # li-al
    "\u0627\u0644",  # al
    "\u0648",  # wa
    "\u0628",  # bi
)
_ARABIC_SUFFIXES = (
    "\u064a\u0647",  # -iyya
    "\u0627\u062a",  # -aat
    "\u0647\u0627",  # -haa
    "\u0647\u0645",  # -hum
    "\u0647",  # -a / -hu
    "\u064a",  # -i
)
_TATWEEL = "\u0640"


def script(char: str) -> str:
    """Which run a character belongs to; words are split where the run changes."""
    code = ord(char)
    if char.isdigit() or unicodedata.category(char).startswith("N"):
        return "digit"
    if 0x0600 <= code <= 0x08FF or 0xFB50 <= code <= 0xFDFF or 0xFE70 <= code <= 0xFEFF:
        return "arabic"
    if (
        0x2E80 <= code <= 0x9FFF
        or 0xAC00 <= code <= 0xD7AF
        or 0xF900 <= code <= 0xFAFF
        or 0x20000 <= code <= 0x3FFFF
    ):
        return "cjk"
    return "alpha"


def skeleton(text: str) -> str:
    """One word as compared: compatibility forms, marks, look-alikes and case folded away."""
    # Look-alikes first: NFKC would turn some (lunate sigma) into plain Greek letters.
    text = unicodedata.normalize("NFKD", text.translate(_LOOKALIKE_TABLE))
    text = "".join(c for c in text if unicodedata.category(c) != "Mn" and c != _TATWEEL)
    text = text.translate(_LOOKALIKE_TABLE).casefold().translate(_LOOKALIKE_TABLE)
    return unicodedata.normalize("NFC", text.translate(_ARABIC_TABLE))


def runs(field_name: str) -> list[str]:
    """The name cut at separators and at changes of script, case kept (look-alikes folded)."""
    text = unicodedata.normalize("NFKC", field_name.translate(_LOOKALIKE_TABLE))
    text = text.translate(_LOOKALIKE_TABLE)
    runs: list[str] = []
    current: list[str] = []
    kind = ""
    for char in text:
        category = unicodedata.category(char)
        if category == "Cf" or char == _TATWEEL:
            continue  # invisible: zero-width joiners, soft hyphens
        if category.startswith("M"):
            current.append(char)
            continue
        if not category.startswith(("L", "N")):
            kind = ""
        else:
            found = script(char)
            if found != kind and current:
                runs.append("".join(current))
                current = []
            kind = found
            current.append(char)
            continue
        if current:
            runs.append("".join(current))
            current = []
    if current:
        runs.append("".join(current))
    return runs


def camel(run: str) -> list[str]:
    """Split a run at camelCase boundaries: "faceImage", "DNAProfile", "irisScan"."""
    cuts = [0]
    for i in range(1, len(run)):
        before, here = run[i - 1], run[i]
        after = run[i + 1] if i + 1 < len(run) else ""
        if (before.islower() and here.isupper()) or (
            before.isupper() and here.isupper() and after.islower()
        ):
            cuts.append(i)
    cuts.append(len(run))
    return [run[a:b] for a, b in itertools.pairwise(cuts) if a < b]


def tokens(field_name: str) -> tuple[str, ...]:
    """The words of a field name, normalised (camelCase, separators and scripts split)."""
    return tuple(
        word for run in runs(field_name) for part in camel(run) if (word := skeleton(part))
    )


def forms(token: str) -> tuple[str, ...]:
    """A word and the forms it may stand for: English plurals, Arabic clitics stripped."""
    forms = [token]
    if token.endswith("ies") and len(token) > 4:
        forms.append(token[:-3] + "y")
    if token.endswith("es") and len(token) > 4:
        forms.append(token[:-2])
    if token.endswith("s") and len(token) > 3:
        forms.append(token[:-1])
    if token and script(token[0]) == "arabic":
        stems = [token] + [
            token[len(p) :]
            for p in _ARABIC_PREFIXES
            if token.startswith(p) and len(token) > len(p) + 1
        ]
        for stem in stems:
            forms.append(stem)
            forms.extend(
                stem[: -len(s)]
                for s in _ARABIC_SUFFIXES
                if stem.endswith(s) and len(stem) > len(s) + 1
            )
    return tuple(dict.fromkeys(forms))
