"""Import templates built from a programme: the columns its files are read with, and, in
the XLSX template, a sheet explaining each column, the measures of its catalogue, its sites
and the purposes of its current consent document, in the programme's language.

A template holds no personal data: the header, the catalogue, the sites' names and the
document's wording only. It is offered to the staff of the programme whose role may import
that kind of rows, as the importers check it (results: results.import; registrations:
participant.register, consent.record and registrations.import), and refused, with an audit
entry, to anyone else.

The programme's language: the one its current consent document is published in, when it is
published in one language only; otherwise English. A caller may name another (a staff
member reading in theirs).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.utils import translation
from django.utils.translation import gettext

from healthcamp.access.errors import Conflict, InvalidInput, NotFound
from healthcamp.access.guard import require_role
from healthcamp.access.policy import permitted
from healthcamp.access.roles import Action, Purpose
from healthcamp.access.staff import Actor
from healthcamp.clinical import catalogue
from healthcamp.consent.models import Consent
from healthcamp.consent.records import PurposeText
from healthcamp.imports import registrations
from healthcamp.imports.results import MEASURING, OPTIONAL, REQUIRED
from healthcamp.lib import code_words, languages
from healthcamp.registry import cardcode, validation
from healthcamp.registry.choices import Sex
from healthcamp.registry.models import Programme, Site
from healthcamp.services import consent

KINDS = ("results", "registrations")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# The registrations layout in the contract's order (the importer reads any order), then
# one column per consent purpose.
REGISTRATION_COLUMNS = (
    "form_reference",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "phone",
    "preferred_language",
    "consent_method",
    "witness",
    "guardian_name",
    "guardian_relationship",
    "assent",
)
YES_NO = ("yes", "no")
_LAST_ROW = 1048576  # a validation covers every row under the header, to the sheet's end
# An example value for the measure the example row names (the first the role imports).
_EXAMPLES = {"4548-4": "5.4", "8480-6": "128"}
_INLINE_MAX = 255  # Excel's limit on a list written in the validation itself


@dataclass(frozen=True)
class Template:
    data: bytes
    filename: str
    content_type: str


@dataclass(frozen=True)
class Column:
    name: str
    explanation: str
    example: str
    required: bool = False  # as the importer reads it: a row without it is a problem
    choices: tuple[str, ...] = ()  # a closed list: the data sheet offers only these
    choices_from: str = ""  # or the first column of another sheet ("measures", "sites")
    text: bool = False  # kept as typed (codes), never turned into a number or a date
    date: bool = False  # shown as YYYY-MM-DD


@dataclass(frozen=True)
class Sheet:
    name: str
    header: tuple[str, ...]
    rows: list[tuple[object, ...]]


@dataclass(frozen=True)
class Layout:
    columns: list[Column]
    sheets: list[Sheet]  # after "data" and "columns"


def template(
    *, actor: Actor, programme_id: int, kind: str, fmt: str, language: str | None = None
) -> Template:
    """The programme's template for one kind of rows, as CSV (the header only) or XLSX
    (the header and the sheets that explain it)."""
    errors = {}
    if kind not in KINDS:
        errors["kind"] = f"{kind!r} is not a kind of import template; use one of: " + ", ".join(
            KINDS
        )
    if fmt not in CONTENT_TYPES:
        errors["format"] = f"{fmt!r} is not a template format; use one of: " + ", ".join(
            CONTENT_TYPES
        )
    if errors:
        raise InvalidInput(errors)
    allowed = _allowed(actor, programme_id, kind)
    if not Programme.objects.filter(pk=programme_id).exists():
        raise NotFound(f"There is no programme {programme_id}; check the programme id.")
    language = language or programme_language(programme_id)
    with translation.override(languages.supported(language)):
        if kind == "results":
            layout = _results_layout(programme_id, allowed, language)
        else:
            layout = _registrations_layout(programme_id, language)
        data = _csv(layout) if fmt == "csv" else _xlsx(layout)
    return Template(
        data=data,
        filename=f"healthcamp-{kind}-programme-{programme_id}.{fmt}",
        content_type=CONTENT_TYPES[fmt],
    )


def programme_language(programme_id: int) -> str:
    """The language of the programme's current consent document when it has one only;
    English otherwise."""
    published = consent.languages_of(programme_id=programme_id)
    return published[0] if len(published) == 1 else "en"


def _allowed(actor: Actor, programme_id: int, kind: str) -> list[str]:
    """Refused (and audited) unless the actor works for the programme in a role that may
    import this kind of rows; for results, the purposes whose measures the role imports."""
    if kind == "registrations":
        for action in (Action.REGISTER, Action.CONSENT_RECORD, Action.REGISTRATIONS_IMPORT):
            require_role(actor, action, Purpose.REGISTRATION, programme_id=programme_id)
        return []
    allowed = [
        p
        for p in MEASURING
        if permitted(role=actor.role, action=Action.RESULTS_IMPORT, purpose=p).allowed
        and permitted(role=actor.role, action=Action.OBSERVATION_RECORD, purpose=p).allowed
    ]
    require_role(
        actor,
        Action.RESULTS_IMPORT,
        allowed[0] if allowed else Purpose.BLOOD_TESTS,
        programme_id=programme_id,
    )
    return [p.value for p in allowed]


# ---- the layouts ----------------------------------------------------------------------


def _said(table: Mapping[str, object], code: str) -> str:
    """A code as it is written in the file, with its words when they say more."""
    words = str(table.get(code, code))
    return code if words == code else f"{code} ({words})"


def _example_card() -> str:
    """A card code that passes the check character, for the example column only."""
    for last in cardcode.ALPHABET:
        data = "7K3M9Q2X4" + last
        check = cardcode.check_value(data)
        if check < len(cardcode.ALPHABET):
            return cardcode.display(data + cardcode.ALPHABET[check])
    return ""  # pragma: no cover - one of 32 endings always has a check character


def _sites(programme_id: int) -> list[tuple[int, str]]:
    return list(
        Site.objects.filter(programme_id=programme_id).order_by("pk").values_list("pk", "name")
    )


def _sites_sheet(sites: list[tuple[int, str]]) -> Sheet:
    return Sheet("sites", ("site_id", gettext("Name")), [(pk, name) for pk, name in sites])


def _units(m: catalogue.Measure) -> tuple[str, ...]:
    if m.kind == "coded":
        return ()
    return (*m.units, *(catalogue.SNELLEN_UNITS if m.kind == "acuity" else ()))


def _results_layout(programme_id: int, allowed: Sequence[str], language: str) -> Layout:
    measures = [m for m in catalogue.load().values() if m.purpose in allowed and not m.derived]
    sites = _sites(programme_id)
    units = tuple(dict.fromkeys(u for m in measures for u in _units(m)))
    example = next(
        (m for code in _EXAMPLES for m in measures if m.code == code),
        next(m for m in measures if m.kind == "number"),
    )
    described = {
        "card_code": Column(
            "card_code",
            gettext(
                "The code printed on the participant's card: 11 letters and digits; "
                "hyphens and spaces do not matter."
            ),
            _example_card(),
            text=True,
        ),
        "visit_date": Column(
            "visit_date",
            gettext("The day of the visit, written YYYY-MM-DD; never a day in the future."),
            "2026-03-15",
            date=True,
        ),
        "site_id": Column(
            "site_id",
            gettext("The number of the site where the visit took place: see the sheet sites."),
            str(sites[0][0]) if sites else "1",
            choices_from="sites",
        ),
        "code": Column(
            "code",
            gettext("The code of the measure: see the sheet measures. One value a row."),
            example.code,
            choices_from="measures",
            text=True,
        ),
        "value": Column(
            "value",
            gettext(
                "The value as read, with a point or a comma for decimals. For a measure with "
                "answers, one of its answers (see the sheet measures). HI or LO when a meter "
                "shows it; refused, not_done or unable when there is no value."
            ),
            _EXAMPLES.get(example.code, ""),
            text=True,
        ),
        "unit": Column(
            "unit",
            gettext(
                "The unit the value was read in, one of the measure's units (see the sheet "
                "measures); empty for a measure with answers."
            ),
            example.unit,
            choices=units,
            text=True,
        ),
        "reading": Column(
            "reading",
            gettext("1, 2, 3... when a measure is read more than once in a visit; empty means 1."),
            "1",
        ),
        "confirmed": Column(
            "confirmed",
            gettext(
                "yes when a very high value was read back and is right; the station asks "
                "the same question."
            ),
            "",
            choices=YES_NO,
        ),
    }
    columns = [
        replace(described[name], required=name in REQUIRED) for name in (*REQUIRED, *OPTIONAL)
    ]
    measures_sheet = Sheet(
        "measures",
        (
            "code",
            gettext("Measure"),
            gettext("Units accepted"),
            gettext("Answers accepted"),
            gettext("Plausible range"),
            gettext("Purpose"),
        ),
        [
            (
                m.code,
                m.name(language),
                ", ".join(_units(m)),
                ", ".join(_said(code_words.ANSWERS, a) for a in m.coded),
                (
                    gettext("%(low)s to %(high)s %(unit)s")
                    % {
                        "low": f"{m.plausible[0]:g}",
                        "high": f"{m.plausible[1]:g}",
                        "unit": code_words.unit(m.unit),
                    }
                    if m.plausible
                    else ""
                ),
                str(code_words.PURPOSES[m.purpose]),
            )
            for m in measures
        ],
    )
    return Layout(columns, [measures_sheet, _sites_sheet(sites)])


def _registrations_layout(programme_id: int, language: str) -> Layout:
    document = consent.document_for(programme_id=programme_id, language=language)
    if document is None:
        raise Conflict(
            f"Programme {programme_id} has no published consent document: publish one "
            "first, so that the template can ask for its purposes."
        )
    programme = Programme.objects.get(pk=programme_id)
    majority, assent_age = programme.age_of_majority, programme.assent_age
    sex = ", ".join(_said(code_words.SEX, s) for s in Sex.values)
    methods = ", ".join(_said(code_words.CONSENT_METHODS, m) for m in Consent.Method.values)
    relationships = ", ".join(_said(code_words.GUARDIANS, r) for r in Consent.Relationship.values)
    spoken = ", ".join(
        f"{code} ({languages.name(code, reader=language)})" for code in validation.LANGUAGES
    )
    columns = [
        Column(
            "form_reference",
            gettext(
                "The reference printed on the paper form: letters, digits, hyphens and "
                "slashes, with at least one digit. A form imported again registers nobody new."
            ),
            "F-2024/0173",
            text=True,
        ),
        Column("given_name", gettext("The given name, as written on the form."), "Amina"),
        Column("family_name", gettext("The family name, as written on the form."), "Haddad"),
        Column(
            "date_of_birth",
            gettext("The date of birth, written YYYY-MM-DD."),
            "1984-03-15",
            date=True,
        ),
        Column(
            "sex",
            gettext("One of: %(values)s.") % {"values": sex},
            Sex.FEMALE.value,
            choices=tuple(Sex.values),
        ),
        Column(
            "phone",
            gettext("A phone number: digits, with a + in front for another country; or empty."),
            "+33 6 12 34 56 78",
            text=True,
        ),
        Column(
            "preferred_language",
            gettext(
                "The language the person reads their results in, one of: %(values)s; a "
                "script or a country may follow (uz-Cyrl, es-MX)."
            )
            % {"values": spoken},
            language,
            text=True,
        ),
        Column(
            "consent_method",
            gettext("How the person gave their consent, one of: %(values)s.") % {"values": methods},
            Consent.Method.PAPER.value,
            choices=tuple(Consent.Method.values),
        ),
        Column(
            "witness",
            gettext(
                "For a witnessed consent: the user name of the staff member who witnessed "
                "it, someone other than the person importing the file."
            ),
            "",
        ),
        Column(
            "guardian_name",
            gettext("For a person under %(majority)s: the name of the guardian who consented.")
            % {"majority": majority},
            "",
        ),
        Column(
            "guardian_relationship",
            gettext("For a person under %(majority)s, one of: %(values)s.")
            % {"majority": majority, "values": relationships},
            "",
            choices=tuple(Consent.Relationship.values),
        ),
        Column(
            "assent",
            gettext(
                "For a person from %(assent)s to under %(majority)s: yes when they agreed "
                "themselves."
            )
            % {"assent": assent_age, "majority": majority},
            "",
            choices=YES_NO,
        ),
    ]
    assert [c.name for c in columns] == list(REGISTRATION_COLUMNS)  # noqa: S101 - the contract
    columns = [replace(c, required=c.name in registrations.REQUIRED) for c in columns]
    asked = _purposes(programme_id, document.purposes)
    for purpose in asked:
        columns.append(
            Column(
                registrations.CONSENT + purpose.code,
                gettext(
                    "yes or no: the person's answer to this purpose of the consent "
                    "document: %(wording)s"
                )
                % {"wording": purpose.description},
                "yes",
                choices=YES_NO,
                required=True,
            )
        )
    purposes_sheet = Sheet(
        "purposes",
        ("code", gettext("Purpose"), gettext("The consent document's words")),
        [(p.code, str(code_words.PURPOSES.get(p.code, p.code)), p.description) for p in asked],
    )
    return Layout(columns, [purposes_sheet, _sites_sheet(_sites(programme_id))])


def _purposes(programme_id: int, first: Sequence[PurposeText]) -> list[PurposeText]:
    """The purposes the current version asks about, in the document's order (a purpose
    only another language's document asks about comes after, in that one's words)."""
    found = list(first)
    codes = {p.code for p in found}
    for language in consent.languages_of(programme_id=programme_id):
        document = consent.document_for(programme_id=programme_id, language=language)
        for p in document.purposes if document else ():
            if p.code not in codes:
                codes.add(p.code)
                found.append(p)
    return found


# ---- the files ------------------------------------------------------------------------


def _csv(layout: Layout) -> bytes:
    """The header only, UTF-8 with a BOM (Excel then reads it as UTF-8), lines ending CRLF."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow([c.name for c in layout.columns])
    return out.getvalue().encode("utf-8-sig")


def _data_sheet(book: Any, layout: Layout) -> dict[str, tuple[str, ...]]:
    """The sheet the rows go in: the header, widths, cells kept as typed, and a list to
    choose from where the values are closed. Returns the lists too long to write in a
    validation, by column letter (a hidden sheet holds them)."""
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    data = book.active
    data.title = "data"
    data.append([c.name for c in layout.columns])
    hidden: dict[str, tuple[str, ...]] = {}
    for i, column in enumerate(layout.columns, start=1):
        letter = get_column_letter(i)
        data.column_dimensions[letter].width = min(
            max(len(column.name), len(column.example)) + 4, 40
        )
        if column.text:
            data.column_dimensions[letter].number_format = "@"
        elif column.date:
            data.column_dimensions[letter].number_format = "yyyy-mm-dd"
        source = ""
        if column.choices_from:
            sheet = next(s for s in layout.sheets if s.name == column.choices_from)
            source = f"{quote_sheetname(sheet.name)}!$A$2:$A${max(len(sheet.rows), 1) + 1}"
        elif column.choices:
            inline = ",".join(column.choices)
            if len(inline) + 2 <= _INLINE_MAX and not any('"' in c for c in column.choices):
                source = f'"{inline}"'
            else:
                hidden[letter] = column.choices
                source = f"lists!${letter}$1:${letter}${len(column.choices)}"
        if source:
            rule = DataValidation(type="list", formula1=source, allow_blank=True)
            rule.error = gettext("Choose a value from the list.")
            rule.showErrorMessage = True
            rule.add(f"{letter}2:{letter}{_LAST_ROW}")
            data.add_data_validation(rule)
    return hidden


def _xlsx(layout: Layout) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    hidden = _data_sheet(book, layout)
    _tidy(book["data"], bold, None, widths=())

    explained = book.create_sheet("columns")
    explained.append(
        [gettext("Column"), gettext("Required"), gettext("What to write"), gettext("Example")]
    )
    for column in layout.columns:
        explained.append(
            [
                column.name,
                gettext("required") if column.required else gettext("optional"),
                column.explanation,
                column.example,
            ]
        )
    _tidy(explained, bold, wrap, widths=(26, 12, 80, 22))
    for sheet in layout.sheets:
        ws = book.create_sheet(sheet.name)
        ws.append(list(sheet.header))
        for row in sheet.rows:
            ws.append(list(row))
        widths = [
            min(max(len(str(v)) for v in (name, *(r[i] for r in sheet.rows))) + 4, 80)
            for i, name in enumerate(sheet.header)
        ]
        _tidy(ws, bold, wrap, widths=widths)
    if hidden:
        lists = book.create_sheet("lists")
        lists.sheet_state = "hidden"
        for letter, choices in hidden.items():
            for number, choice in enumerate(choices, start=1):
                lists[f"{letter}{number}"] = choice
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _tidy(ws: Any, bold: Any, wrap: Any, *, widths: Sequence[int]) -> None:
    """A bold header that stays in view, readable widths, long text wrapped."""
    from openpyxl.utils import get_column_letter

    for cell in ws[1]:
        cell.font = bold
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    if wrap is not None:
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = wrap
    ws.freeze_panes = "A2"
