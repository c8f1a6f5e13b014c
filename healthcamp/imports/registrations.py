"""Registration rows from paper forms, one person a row:

    form_reference,given_name,family_name,date_of_birth,sex,phone,preferred_language,
    consent_method,witness,guardian_name,guardian_relationship,assent,consent:<purpose>...

(the shared contract; phone, witness, guardian_name, guardian_relationship and assent may
be left out when no row needs them). One consent:<purpose> column for every purpose the
programme's current published consent document asks about, yes or no.

First the whole file is checked with nothing written: every problem with its row, column
and what to do, with the registration page's own checks (healthcamp.registry.validation)
and the consent page's rules (method and witness, a minor's guardian and assent, a yes or
no for every purpose of the document in the person's language). Then, in one
transaction, the same check runs again and the new rows are enrolled a thousand at a time
(services.enrolment: the checks and sealing of the pages' participant_register and
consent_record, an audit entry per act naming the batch), or nothing is written at all.
One more audit entry names everyone the import registered, so each person's log says they
were registered from a paper form.

A form already imported (same programme, same form reference, same person) is recognised
and registers nobody new; a reference already imported for someone else is a problem,
never a second registration.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from healthcamp.access.errors import InvalidInput, NotFound
from healthcamp.access.guard import audit, require_role
from healthcamp.access.models import StaffMember
from healthcamp.access.roles import Action, Purpose
from healthcamp.access.staff import Actor
from healthcamp.consent.models import Consent, ErasedForm
from healthcamp.consent.records import DocumentView
from healthcamp.consent.rules import minor_requirement
from healthcamp.imports import files
from healthcamp.imports.problems import (
    HEADER_ROW,
    FileRefused,
    Problem,
    ProblemsFound,
    formula_message,
    header_problems,
)
from healthcamp.lib import code_words
from healthcamp.registry import cardcode, validation
from healthcamp.registry.models import Programme
from healthcamp.services import consent, enrolment, identity, paper_forms

REQUIRED = (
    "form_reference",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "preferred_language",
    "consent_method",
)
OPTIONAL = ("phone", "witness", "guardian_name", "guardian_relationship", "assent")
CONSENT = "consent:"  # one column per purpose: consent:<purpose code>
YES = frozenset({"yes", "y", "1", "true"})
NO = frozenset({"no", "n", "0", "false"})
BATCH = 500  # form references looked up per query
SOURCE = "registered from a paper form"
Progress = Callable[[int, int], None]

# A service's field, as the file names its column.
_COLUMN_OF = {
    "given_name": "given_name",
    "family_name": "family_name",
    "date_of_birth": "date_of_birth",
    "sex": "sex",
    "preferred_language": "preferred_language",
    "phone": "phone",
    "method": "consent_method",
    "witness_id": "witness",
    "paper_reference": "form_reference",
    "guardian": "guardian_name",
    "guardian.name": "guardian_name",
    "assent": "assent",
}


@dataclass
class Row:
    number: int
    form_reference: str
    given_name: str
    family_name: str
    date_of_birth: date
    sex: str
    preferred_language: str
    phone: str
    document_id: int
    decisions: dict[str, bool]
    method: str
    witness_id: int | None
    guardian: consent.Guardian | None
    assent: bool | None
    form_index: bytes
    already_in: bool = False


@dataclass
class Checked:
    rows: list[Row]
    problems: list[Problem]

    @property
    def new(self) -> list[Row]:
        return [r for r in self.rows if not r.already_in]


@dataclass(frozen=True)
class Summary:
    rows: int  # forms in the file
    registered: int  # people registered now
    already_in: int  # forms recognised as imported before: nobody registered for them
    # (form reference, card code as printed) of each person registered now: the desk
    # hands each person the card that matches their paper form. No name, no health data.
    cards: list[tuple[str, str]] = field(default_factory=list)
    registered_ids: list[uuid.UUID] = field(default_factory=list)  # in the cards' order

    @property
    def nothing_new(self) -> bool:
        return self.registered == 0


# ---- the natural key -------------------------------------------------------------------


@dataclass(frozen=True)
class _Imported:
    participant_id: uuid.UUID
    name_index: bytes  # the person's exact name index, to tell the same person from another


def _imported(programme_id: int, indexes: list[bytes]) -> dict[bytes, _Imported]:
    """The forms of this list already imported into the programme, by index."""
    found: dict[bytes, _Imported] = {}
    for start in range(0, len(indexes), BATCH):
        for index, pid, name_index in Consent.objects.filter(
            form_index__in=indexes[start : start + BATCH],
            participant__programme_id=programme_id,
        ).values_list("form_index", "participant_id", "participant__name_index"):
            if index is not None:  # never, by the filter: for the type checker
                found[bytes(index)] = _Imported(pid, bytes(name_index))
    return found


def _erased(indexes: list[bytes]) -> set[bytes]:
    """The forms of this list whose person was erased (the index holds the programme)."""
    found: set[bytes] = set()
    for start in range(0, len(indexes), BATCH):
        found.update(
            bytes(index)
            for index in ErasedForm.objects.filter(
                form_index__in=indexes[start : start + BATCH]
            ).values_list("form_index", flat=True)
        )
    return found


# ---- reading and checking --------------------------------------------------------------


@dataclass
class _Context:
    """What the check reads once per file: never once per row."""

    actor: Actor
    programme: Programme
    today: date
    purposes: set[str]  # asked by the programme's current documents, in any language
    documents: dict[str, DocumentView] = field(default_factory=dict)  # by language asked
    witnesses: dict[str, int] = field(default_factory=dict)  # active staff by username
    imported: dict[bytes, _Imported] = field(default_factory=dict)
    erased: set[bytes] = field(default_factory=set)  # forms of people since erased

    def document(self, language: str) -> DocumentView:
        """The current document for this language, as the consent page picks it."""
        if language not in self.documents:
            found = consent.document_for(programme_id=self.programme.pk, language=language)
            assert found is not None  # noqa: S101 - the programme has one (checked first)
            self.documents[language] = found
        return self.documents[language]


def _current_purposes(programme_id: int) -> set[str]:
    languages = consent.languages_of(programme_id=programme_id)
    if not languages:
        raise FileRefused(
            gettext(
                "Programme %(programme)s has no published consent document yet, so nobody can "
                "be registered from paper forms. A coordinator publishes one first."
            )
            % {"programme": programme_id}
        )
    purposes: set[str] = set()
    for language in languages:
        document = consent.document_for(programme_id=programme_id, language=language)
        if document is not None:
            purposes |= {p.code for p in document.purposes}
    return purposes


def _columns_problems(columns: list[str], purposes: set[str]) -> list[Problem]:
    asked = [f"{CONSENT}{code}" for code in sorted(purposes)]
    not_asked = [
        Problem(
            HEADER_ROW,
            name,
            gettext(
                "Add the column '%(name)s': the programme's consent document asks every "
                "participant about it (write yes or no on each row)."
            )
            % {"name": name},
        )
        for name in asked
        if name not in columns
    ]

    def unread(name: str) -> Problem | None:
        if not name.startswith(CONSENT):
            return None
        return Problem(
            HEADER_ROW,
            name,
            gettext(
                "The programme's consent document does not ask about '%(code)s'; it "
                "asks about: %(asked)s. Remove the column, or name it as one of them."
            )
            % {"code": name.removeprefix(CONSENT), "asked": ", ".join(sorted(purposes))},
        )

    return header_problems(
        columns,
        required=REQUIRED,
        known=(*REQUIRED, *OPTIONAL, *asked),
        also_missing=not_asked,
        unread=unread,
    )


def _yes_no(cell: str) -> bool | None:
    value = cell.strip().lower()
    return True if value in YES else False if value in NO else None


def _born(cell: str, today: date) -> tuple[date | None, str]:
    if not cell:
        return None, gettext("Write the date of birth as YYYY-MM-DD (e.g. 1984-03-15).")
    born, why = files.file_date(cell)
    if born is None:
        return None, why
    try:
        return validation.clean_date_of_birth(born, today=today), ""
    except ValueError as error:
        return None, str(error)


def _reference(cell: str) -> tuple[str, str]:
    if not cell.strip():
        return "", gettext(
            "Write the reference printed on the paper form: it tells this form from the "
            "others, so importing the file again registers nobody twice."
        )
    try:
        return validation.clean_paper_reference(cell), ""
    except ValueError as error:
        return "", str(error)


Say = Callable[[str, str], None]  # a problem of this row: its column, what to do


def _identity(ctx: _Context, cells: dict[str, str], say: Say) -> dict[str, object]:
    """The registration page's checks (the very functions participant_register runs)."""
    cleaned: dict[str, object] = {}
    cleaners: dict[str, Callable[[str], object]] = {
        "given_name": lambda v: validation.clean_name(v, label="given name"),
        "family_name": lambda v: validation.clean_name(v, label="family name"),
        "sex": lambda v: validation.clean_sex(v.strip().lower()),
        "preferred_language": validation.clean_language,
        "phone": validation.clean_phone,
    }
    for name, clean in cleaners.items():
        try:
            cleaned[name] = clean(cells.get(name, ""))
        except ValueError as error:
            say(name, str(error))
    born, why = _born(cells["date_of_birth"], ctx.today)
    if why:
        say("date_of_birth", why)
    cleaned["date_of_birth"] = born
    return cleaned


def _method(ctx: _Context, cells: dict[str, str], say: Say) -> tuple[str, int | None]:
    """How consent was confirmed, and who witnessed it (the consent page's rules)."""
    raw = cells["consent_method"]
    method = raw.strip().lower()
    if method not in consent.METHODS:
        say(
            "consent_method",
            gettext("'%(cell)s' is not a way of confirming consent; write one of: %(methods)s.")
            % {"cell": raw[:40], "methods": ", ".join(sorted(consent.METHODS))},
        )
    name = cells.get("witness", "").strip()
    witness_id = ctx.witnesses.get(name) if name else None
    if name and witness_id is None:
        say(
            "witness",
            gettext(
                "No active staff member is called '%(name)s'. Write the username the witness "
                "signs in with."
            )
            % {"name": name[:40]},
        )
    elif witness_id is not None and witness_id == ctx.actor.staff_id:
        say(
            "witness",
            gettext(
                "The witness is someone other than the person recording: you are importing "
                "this file, so write the username of the colleague who witnessed it."
            ),
        )
    elif not name and method.startswith("witnessed"):
        say(
            "witness",
            gettext(
                "A %(method)s consent names the staff member who witnessed it: write their "
                "username in the witness column."
            )
            % {"method": method},
        )
    return method, witness_id


def _minor(
    ctx: _Context, cells: dict[str, str], born: date | None, say: Say
) -> tuple[consent.Guardian | None, bool | None]:
    """A minor: a guardian consents, and from the assent age the minor agrees too (the
    consent service's rules; the guardian and assent go to it only when asked, as on the
    consent page)."""
    guardian_name = cells.get("guardian_name", "").strip()
    relationship = cells.get("guardian_relationship", "").strip().lower()
    cell = cells.get("assent", "").strip()
    assent = _yes_no(cell) if cell else None
    if cell and assent is None:
        say(
            "assent", gettext("'%(cell)s' is not yes or no; write yes or no.") % {"cell": cell[:40]}
        )
    if born is None:
        return None, None
    programme = ctx.programme
    need = minor_requirement(
        born=born,
        day=ctx.today,
        age_of_majority=programme.age_of_majority,
        assent_age=programme.assent_age,
    )
    if not need.guardian:
        for column, value in (
            ("guardian_name", guardian_name),
            ("guardian_relationship", relationship),
        ):
            if value:
                say(
                    column,
                    gettext(
                        "Born %(born)s, the participant is an adult: they consent for "
                        "themselves. Leave %(column)s blank."
                    )
                    % {"born": born.isoformat(), "column": column},
                )
        return None, None
    if not guardian_name:
        say(
            "guardian_name",
            gettext(
                "Born %(born)s, the participant is under %(age)s: write the consenting "
                "guardian's name (and their relationship). Without it nothing is collected."
            )
            % {"born": born.isoformat(), "age": programme.age_of_majority},
        )
    else:
        try:
            validation.clean_name(guardian_name, label="name", whose="guardian's")
        except ValueError as error:
            say("guardian_name", str(error))
    if relationship not in consent.RELATIONSHIPS:
        say(
            "guardian_relationship",
            gettext("Write the guardian's relationship to the participant: one of %(known)s.")
            % {"known": ", ".join(sorted(consent.RELATIONSHIPS))},
        )
    if need.assent and assent is not True and not (cell and assent is None):
        say(
            "assent",
            gettext(
                "Born %(born)s, the participant is old enough to assent: write yes once they "
                "agree themselves. Without their own yes nothing is collected, so leave the "
                "form out until they do."
            )
            % {"born": born.isoformat()},
        )
    return consent.Guardian(guardian_name, relationship), assent if need.assent else None


def _decisions(
    ctx: _Context, cells: dict[str, str], language: str, say: Say
) -> tuple[DocumentView, dict[str, bool]]:
    """A yes or a no for every purpose of the document in the person's language."""
    document = ctx.document(language)
    asked = {p.code for p in document.purposes}
    decisions: dict[str, bool] = {}
    for code in sorted(ctx.purposes):
        column = f"{CONSENT}{code}"
        cell = cells.get(column, "")
        if code not in asked:
            if cell.strip():
                say(
                    column,
                    gettext(
                        "The consent document in %(language)s does not ask about %(purpose)s: "
                        "leave this cell blank."
                    )
                    % {
                        "language": document.language,
                        "purpose": code_words.said(code_words.PURPOSES, code),
                    },
                )
            continue
        answer = _yes_no(cell)
        if answer is None:
            say(
                column,
                gettext(
                    "'%(cell)s' is not an answer: write yes or no (the participant's own "
                    "decision about %(purpose)s)."
                )
                % {"cell": cell[:40], "purpose": code_words.said(code_words.PURPOSES, code)},
            )
        else:
            decisions[code] = answer
    return document, decisions


def _check_row(
    ctx: _Context, number: int, cells: dict[str, str]
) -> tuple[Row | None, list[Problem]]:
    problems: list[Problem] = []

    def say(column: str, message: str) -> None:
        problems.append(Problem(number, column, message))

    for column, cell in cells.items():
        if files.is_formula(cell):
            say(column, formula_message(cell))
    if problems:
        return None, problems
    reference, why = _reference(cells["form_reference"])
    if why:
        say("form_reference", why)
    fields = _identity(ctx, cells, say)
    method, witness_id = _method(ctx, cells, say)
    born = fields["date_of_birth"]
    assert born is None or isinstance(born, date)  # noqa: S101 - from _identity
    guardian, assent = _minor(ctx, cells, born, say)
    language = str(fields.get("preferred_language", "en"))
    document, decisions = _decisions(ctx, cells, language, say)
    if problems or born is None:
        return None, problems
    row = Row(
        number=number,
        form_reference=reference,
        given_name=str(fields["given_name"]),
        family_name=str(fields["family_name"]),
        date_of_birth=born,
        sex=str(fields["sex"]),
        preferred_language=language,
        phone=str(fields["phone"]),
        document_id=document.id,
        decisions=decisions,
        method=method,
        witness_id=witness_id,
        guardian=guardian,
        assent=assent,
        form_index=paper_forms.form_index(programme_id=ctx.programme.pk, reference=reference),
    )
    return row, []


def _recognise(ctx: _Context, row: Row) -> Problem | None:
    """Mark a form imported before (the same person); a reference already imported for
    somebody else is a problem, never a second registration."""
    if row.form_index in ctx.erased:
        return Problem(
            row.number,
            "form_reference",
            gettext(
                "The person of form %(reference)s asked to be erased, so they are not "
                "registered again from this form. Take this row out of the file; if they "
                "want to take part again, register them at the desk with a new form."
            )
            % {"reference": row.form_reference},
        )
    before = ctx.imported.get(row.form_index)
    if before is None:
        return None
    exact, _tolerant = identity.name_indexes(
        given=row.given_name, family=row.family_name, born=row.date_of_birth
    )
    if hmac.compare_digest(exact, before.name_index):
        row.already_in = True
        return None
    return Problem(
        row.number,
        "form_reference",
        gettext(
            "The form %(reference)s was already imported for someone else (another name or "
            "date of birth). Check the reference on the paper form; nothing already "
            "registered is changed by an import."
        )
        % {"reference": row.form_reference},
    )


def _check(*, actor: Actor, programme: Programme, table: files.Table) -> Checked:
    """Inside a transaction: what is already in is read with the file's check."""
    purposes = _current_purposes(programme.pk)
    problems = _columns_problems(table.columns, purposes)
    if problems:
        return Checked([], sorted(problems))
    lines = list(table.rows)  # paper forms: thousands at most, read twice
    ctx = _Context(actor=actor, programme=programme, today=timezone.localdate(), purposes=purposes)
    usernames = {cells.get("witness", "").strip() for _, cells in lines} - {""}
    if usernames:
        ctx.witnesses = dict(
            StaffMember.objects.filter(
                user__username__in=sorted(usernames), user__is_active=True
            ).values_list("user__username", "pk")
        )
    references = [_reference(cells["form_reference"])[0] for _, cells in lines]
    indexes = sorted(
        {paper_forms.form_index(programme_id=programme.pk, reference=r) for r in references if r}
    )
    ctx.imported = _imported(programme.pk, indexes)
    ctx.erased = _erased(indexes)
    rows: list[Row] = []
    seen: dict[str, int] = {}
    for (number, cells), reference in zip(lines, references, strict=True):
        if reference:
            first = seen.setdefault(reference.casefold(), number)
            if first != number:
                problems.append(
                    Problem(
                        number,
                        "form_reference",
                        gettext(
                            "Row %(row)s has the same form reference %(reference)s: each paper "
                            "form is one row. Remove one, or correct the reference."
                        )
                        % {"row": first, "reference": reference},
                    )
                )
        row, found = _check_row(ctx, number, cells)
        problems.extend(found)
        if row is None:
            continue
        if known := _recognise(ctx, row):
            problems.append(known)
            continue
        rows.append(row)
    return Checked(rows, sorted(problems))


def _programme(actor: Actor, programme_id: int) -> Programme:
    """Refused (and audited) unless the role registers people and records their consent,
    for a programme the staff member works for: a lab gets the services' own refusal."""
    for action in (Action.REGISTER, Action.CONSENT_RECORD, Action.REGISTRATIONS_IMPORT):
        require_role(actor, action, Purpose.REGISTRATION, programme_id=programme_id)
    programme = Programme.objects.filter(pk=programme_id).first()
    if programme is None:
        raise NotFound(f"There is no programme {programme_id}; check the programme id.")
    return programme


def registrations_check(
    *, actor: Actor, programme_id: int, data: bytes, encoding: str | None = None
) -> Checked:
    """Check a whole file; nothing is written. Raises FileRefused for a file refused whole."""
    programme = _programme(actor, programme_id)
    table = files.table(data, encoding)
    with transaction.atomic():
        checked = _check(actor=actor, programme=programme, table=table)
        transaction.set_rollback(True)  # a check writes nothing
    return checked


# ---- writing ---------------------------------------------------------------------------


def _column(field_name: str) -> str:
    """The file's column for a service's field (a decision's: its consent:<purpose>)."""
    if field_name.startswith("decisions."):
        return CONSENT + field_name.removeprefix("decisions.")
    return _COLUMN_OF.get(field_name, "")


def _problems_of(number: int, error: InvalidInput) -> list[Problem]:
    """A service's field errors, named by the file's columns."""
    return [Problem(number, _column(name), message) for name, message in error.errors.items()]


def _enrolment(row: Row) -> enrolment.Enrolment:
    return enrolment.Enrolment(
        given_name=row.given_name,
        family_name=row.family_name,
        date_of_birth=row.date_of_birth,
        sex=row.sex,
        preferred_language=row.preferred_language,
        phone=row.phone,
        consent=enrolment.ConsentGiven(
            document_id=row.document_id,
            decisions=row.decisions,
            given=consent.Given(
                row.method,
                witness_id=row.witness_id,
                paper_reference=row.form_reference,
                guardian=row.guardian,
                assent=row.assent,
            ),
        ),
    )


def registrations_import(
    *,
    actor: Actor,
    programme_id: int,
    data: bytes,
    encoding: str | None = None,
    progress: Progress | None = None,
) -> Summary:
    """Check the file and register every new row in one transaction, or nobody (raises
    ProblemsFound with every problem). Re-importing registers nobody new."""
    programme = _programme(actor, programme_id)
    table = files.table(data, encoding)
    digest = hashlib.sha256(data).hexdigest()
    report = progress or (lambda done, total: None)
    with transaction.atomic():
        # One registrations import at a time per programme, so the second of two imports
        # of one file sees the first's forms and registers nobody twice (PostgreSQL; a
        # SQLite transaction holds the database's write lock from its start). NO KEY
        # UPDATE: the desk's registrations in the programme meanwhile do not wait.
        list(Programme.objects.select_for_update(no_key=True).filter(pk=programme.pk))
        checked = _check(actor=actor, programme=programme, table=table)
        if checked.problems:
            raise ProblemsFound(checked.problems)
        new = checked.new
        problems: list[Problem] = []
        registered: list[uuid.UUID] = []
        cards: list[tuple[str, str]] = []
        for first in range(0, len(new), enrolment.MOST):
            batch = new[first : first + enrolment.MOST]
            try:
                done = enrolment.participants_enrol(
                    actor=actor, programme_id=programme_id, people=[_enrolment(r) for r in batch]
                )
            except enrolment.EnrolmentRefused as refused:  # a rule the check does not know
                for n, errors in refused.by_person.items():
                    problems += _problems_of(batch[n].number, InvalidInput(errors))
                continue  # still all or none: the other batches are checked, then undone
            registered += [person.id for person in done]
            cards += [
                (row.form_reference, cardcode.display(person.card_code))
                for row, person in zip(batch, done, strict=True)
            ]
            report(first + len(batch), len(new))
        if problems:
            raise ProblemsFound(sorted(problems))
        if registered:
            audit(
                actor,
                Action.REGISTRATIONS_IMPORT,
                Purpose.REGISTRATION,
                "allowed",
                sorted(registered),
                f"{SOURCE}: {len(registered)} form(s), file sha256 {digest[:16]}",
            )
    return Summary(
        rows=len(checked.rows),
        registered=len(registered),
        already_in=len(checked.rows) - len(new),
        cards=cards,
        registered_ids=registered,
    )
